"""Page routes of the SKM/IKM reports (filled in by its owner)."""

urlpatterns: list = []
