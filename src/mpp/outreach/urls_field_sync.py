"""The field app's sync endpoints (outreach.views.field_sync, under /lapangan/ like the
app and its service worker) and the conflicts page (outreach.views.conflicts)."""

from django.urls import path

from mpp.outreach.views import conflicts, field_sync

urlpatterns = [
    path("lapangan/data/", field_sync.field_data, name="field_data"),
    path("lapangan/sync/records", field_sync.sync_records, name="sync_records"),
    path("lapangan/sync/files/<str:id>", field_sync.sync_file, name="sync_file"),
    path("staff/outreach/conflicts/", conflicts.conflicts, name="conflicts"),
    path(
        "staff/outreach/conflicts/<int:conflict_id>/resolve/",
        conflicts.conflict_resolve,
        name="conflict_resolve",
    ),
]
