"""Placeholder: the helper who owns this module replaces it."""


def register() -> None:
    """Register into the lower apps' hooks (called once from mpp.integrations.hooks)."""
