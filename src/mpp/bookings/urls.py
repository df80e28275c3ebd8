"""Page routes of online booking (see bookings/views)."""

urlpatterns: list = []
