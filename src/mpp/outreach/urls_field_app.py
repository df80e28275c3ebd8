"""The crew's field app (outreach.views.field_app): its shell, service worker and
manifest, all under /lapangan/ so the service worker's scope covers the app and its
sync endpoints' paths."""

from django.urls import path

from mpp.outreach.views import field_app

urlpatterns = [
    path("lapangan/", field_app.field_app, name="field_app"),
    path("lapangan/sw.js", field_app.service_worker, name="field_sw"),
    path("lapangan/manifest.webmanifest", field_app.manifest, name="field_manifest"),
]
