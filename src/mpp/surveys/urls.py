"""Page routes of surveys (filled in by its owner)."""

urlpatterns: list = []
