"""Page routes of complaints (filled in by its owner)."""

urlpatterns: list = []
