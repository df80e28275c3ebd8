"""Page routes of the service search: national and in one mall."""

from django.urls import path

from mpp.search import views, views_gaps

urlpatterns = [
    path("cari/", views.search_page, name="search"),
    path("cari/kata-baru/", views_gaps.gaps_page, name="search-gaps"),
    path("cari/<slug:service>/tempat/", views.places_page, name="search-places"),
    path("m/<slug:mall>/cari/", views.search_page, name="search-mall"),
    path("m/<slug:mall>/cari/kata-baru/", views_gaps.gaps_page, name="search-gaps-mall"),
]
