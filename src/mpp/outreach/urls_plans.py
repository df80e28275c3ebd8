"""urls_plans: filled by its part (notes/outreach-brief.md)."""

urlpatterns: list = []
