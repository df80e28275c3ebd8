"""urls_field_app: filled by its part (notes/outreach-brief.md)."""

urlpatterns: list = []
