"""Page routes of consultation (filled in by its owner)."""

urlpatterns: list = []
