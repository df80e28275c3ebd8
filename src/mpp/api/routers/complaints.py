"""API routes of complaints (filled in by its owner)."""

from ninja import Router

router = Router(tags=["complaints"])
