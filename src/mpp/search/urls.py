"""Page routes of the service search: national and in one mall."""

from django.urls import path

from mpp.search import views

urlpatterns = [
    path("cari/", views.search_page, name="search"),
    path("cari/<slug:service>/tempat/", views.places_page, name="search-places"),
    path("m/<slug:mall>/cari/", views.search_page, name="search-mall"),
]
