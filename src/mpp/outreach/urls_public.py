"""urls_public: filled by its part (notes/outreach-brief.md)."""

urlpatterns: list = []
