"""The crew's field app (jemput bola): an installable web app that keeps working offline.

Why a web app and not a native one: the vans' phones and tablets differ, the crew must
not install anything from a store, and the mall already serves the staff's pages. The
shell page, its scripts and styles are cached by a service worker; what the crew records
lives in the browser's IndexedDB until /lapangan/sync/ (outreach.views.field_sync) takes
it. Three answers here:

- the shell (/lapangan/): login required, "outreach.field"; the same HTML for every day
  (the route and the standards come from /lapangan/data/ and are kept in IndexedDB);
- the service worker (/lapangan/sw.js): served from the app's own path so its scope is
  /lapangan/, never cached by the HTTP cache (a new version must be found at once), with
  a first line naming the files to keep and a version that changes with them;
- the web app manifest (/lapangan/manifest.webmanifest): its name in the user's language.

The service worker and the manifest are public (browsers fetch them without the session
when updating or installing) and hold no data.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from mpp.accounts import access
from mpp.outreach.field_data import MAX_DAYS
from mpp.outreach.sync import MAX_RECORDS
from mpp.outreach.sync_payloads import file_max
from mpp.queueing.models import Priority

ACTION = "outreach.field"
STATIC_DIR = "outreach/field/"
# The app's own files (under static/outreach/field/), kept by the service worker.
APP_FILES = (
    "app.js",
    "db.js",
    "form.js",
    "sync.js",
    "field.css",
    "icon.svg",
    "icon-192.png",
    "icon-512.png",
)
# The house's files the shell page loads too (base.html).
HOUSE_FILES = ("web/mpp.css", "web/favicon.ico", "web/favicon.svg", "web/apple-touch-icon.png")
CHUNK_BYTES = 256 * 1024  # a photo's chunk (notes/outreach-brief.md)
PREFETCH_DAYS = 7  # the route the app keeps for the days ahead (field_data.MAX_DAYS)
SAMPLE_UUID = "00000000-0000-0000-0000-000000000000"


def _file_base() -> str:
    """The files endpoint without its id: the app appends the attachment's uuid."""
    return reverse("outreach:sync_file", args=[SAMPLE_UUID]).replace(SAMPLE_UUID, "", 1)


def _catalogue() -> dict[str, str]:
    """The strings the scripts write into the page, in the request's language."""
    return {
        "online": _("Online"),
        "offline": _("Offline: everything is kept on this device"),
        "offline_ready": _("Ready to work without a connection"),
        "offline_not_ready": _("Not yet ready to work offline: keep this page open online"),
        "syncing": _("Sending…"),
        "synced": _("Everything is sent"),
        "sync_failed": _("Sending stopped: will try again when the connection returns"),
        "sync_error": _("The server refused the records: %(message)s"),
        "signed_out": _("Your session has ended: sign in again to send what you recorded"),
        "other_user": _("Recorded by another user on this device: sent when they sign in"),
        "no_route": _("No route for this day."),
        "no_data": _("No route downloaded yet: connect once to download the coming days."),
        "data_updated": _("Route updated at %(time)s"),
        "state_waiting": _("Waiting"),
        "state_sent": _("Sent"),
        "state_conflict": _("Conflict: a manager will choose"),
        "state_error": _("Error"),
        "kind_ticket": _("Field ticket"),
        "kind_service": _("Service rendered"),
        "kind_application": _("Application started"),
        "kind_note": _("Note"),
        "kind_village": _("Village"),
        "kind_home": _("Home visit"),
        "outcome_done": _("Done"),
        "outcome_incomplete": _("Incomplete"),
        "outcome_referred": _("Referred to the mall"),
        "people": _("%(count)s people expected"),
        "photos": _("%(count)s photos"),
        "photos_sent": _("photos sent: %(done)s of %(count)s"),
        "edited": _("Replaced by a newer version"),
        "edit_of": _("Edit of an earlier record"),
        "saved": _("Saved on this device."),
        "ticket_saved": _("Ticket %(number)s saved on this device."),
        "photo_too_big": _("This photo is too big (at most %(size)s MB)."),
        "photo_empty": _("This file is empty."),
        "choose_service": _("Choose a service."),
        "need_text": _("Write the note."),
        "need_name": _("Write the applicant's name."),
        "requirements": _("Requirements"),
        "duration": _("Duration"),
        "cost": _("Cost"),
        "free": _("Free"),
        "cost_varies": _("plus an amount set per case"),
        "no_stop": _("No stop"),
        "no_ticket": _("No field ticket"),
        "remove": _("Remove"),
        "edit": _("Edit"),
        "storage_error": _("This device could not keep the record: %(message)s"),
    }


@login_required
@ensure_csrf_cookie
@require_GET
def field_app(request):
    """The app's shell: the same page for every day; the scripts fill it from IndexedDB."""
    access.require_page(request.user, ACTION)
    config = {
        "urls": {
            "data": reverse("outreach:field_data"),
            "records": reverse("outreach:sync_records"),
            "file": _file_base(),
            "sw": reverse("outreach:field_sw"),
            "scope": reverse("outreach:field_app"),
            "login": reverse(settings.LOGIN_URL) + "?next=" + reverse("outreach:field_app"),
        },
        "user": request.user.pk,
        "file_max": file_max(),
        "chunk": CHUNK_BYTES,
        "batch": MAX_RECORDS,
        "days": min(PREFETCH_DAYS, MAX_DAYS),
    }
    response = render(
        request,
        "outreach/field/app.html",
        {
            "field_config": config,
            "field_text": _catalogue(),
            "staff_links": _staff_links(),
            "priorities": Priority.choices,
        },
    )
    # The service worker keeps its own copy; browsers ask again every time (never stale
    # after a sign-out or a new version).
    response["Cache-Control"] = "no-cache, private"
    return response


def _staff_links() -> list[tuple[str, str]]:
    """The staff pages the no-JavaScript fallback points to (those that exist)."""
    links = []
    for name, label in (
        ("console", _("Counter console")),
        ("cases:staff_queue", _("Applications")),
    ):
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return links


def _app_file(name: str) -> bytes:
    path = finders.find(STATIC_DIR + name)
    if path is None:
        raise Http404(name)
    with open(path, "rb") as handle:
        return handle.read()


def _house_file(name: str) -> bytes:
    path = finders.find(name)
    if path is None:
        return b""
    with open(path, "rb") as handle:
        return handle.read()


@require_GET
def service_worker(request):
    """The service worker, from /lapangan/sw.js so that it may control /lapangan/.

    Its first line names what to keep (the shell, the app's files, the house's CSS and
    icons, the manifest) and a version made from their bytes: a changed file changes
    sw.js, so browsers install the new worker, which drops the old copies."""
    body = _app_file("sw.js")
    digest = hashlib.sha256(body)
    for name in APP_FILES:
        digest.update(_app_file(name))
    for name in HOUSE_FILES:
        digest.update(_house_file(name))
    shell = reverse("outreach:field_app")
    config = {
        "version": digest.hexdigest()[:16],
        "shell": shell,
        "precache": [
            shell,
            reverse("outreach:field_manifest"),
            *(static(STATIC_DIR + name) for name in APP_FILES),
            *(static(name) for name in HOUSE_FILES),
        ],
    }
    prelude = "self.MPP_FIELD = " + json.dumps(config) + ";\n"
    response = HttpResponse(prelude.encode() + body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = shell
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """The web app manifest: installable, opens on /lapangan/ standalone, in the
    language of the request (the static file holds the rest)."""
    data = json.loads(_app_file("manifest.webmanifest"))
    shell = reverse("outreach:field_app")
    data.update(
        {
            "name": _("MPP mobile service (jemput bola)"),
            "short_name": _("Mobile service"),
            "description": _("The crew's app: the day's route, services and records, offline."),
            "lang": request.LANGUAGE_CODE,
            "start_url": shell,
            "scope": shell,
            "id": shell,
        }
    )
    for icon in data.get("icons", []):
        icon["src"] = static(STATIC_DIR + icon["src"])
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response
