"""Page routes of the walk-in queue (see the views package)."""

urlpatterns: list = []
