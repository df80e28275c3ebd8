"""API routes of consultation (filled in by its owner)."""

from ninja import Router

router = Router(tags=["consultation"])
