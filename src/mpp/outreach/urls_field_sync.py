"""urls_field_sync: filled by its part (notes/outreach-brief.md)."""

urlpatterns: list = []
