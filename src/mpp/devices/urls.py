"""Enrolment of a kiosk's or board's browser (mpp.devices.views)."""

from django.urls import path

from mpp.devices import views

urlpatterns = [
    path("devices/enrol/", views.enrol, name="device-enrol"),
    path("devices/forget/", views.forget, name="device-forget"),
]
