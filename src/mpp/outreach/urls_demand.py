"""urls_demand: filled by its part (notes/outreach-brief.md)."""

urlpatterns: list = []
