"""The field app's shell, service worker and manifest (outreach.views.field_app).

The browser test (tests/web/test_field_app_browser.py) drives the app offline; these
check what the server answers: who gets the shell, the no-JavaScript fallback, the
service worker's scope and cache headers, the files it keeps, and the manifest."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from mpp.accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHELL = "/lapangan/"
SW = "/lapangan/sw.js"
MANIFEST = "/lapangan/manifest.webmanifest"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_the_routes_are_under_lapangan():
    assert reverse("outreach:field_app") == SHELL
    assert reverse("outreach:field_sw") == SW
    assert reverse("outreach:field_manifest") == MANIFEST


def test_anonymous_is_sent_to_sign_in_and_back():
    response = Client().get(SHELL)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login") + "?next=" + SHELL


def test_officer_gets_the_shell(mall, officer):
    response = _client(officer).get(SHELL + "?lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="field-app"' in html and "<noscript>" in html
    assert 'rel="manifest" href="/lapangan/manifest.webmanifest"' in html
    for name in ("db.js", "sync.js", "form.js", "app.js"):
        assert f'src="/static/outreach/field/{name}"' in html
    # Photos of documents from the camera.
    assert re.search(
        r'<input[^>]*type="file"[^>]*accept="image/\*"[^>]*capture="environment"', html
    )
    # Never kept stale by the HTTP cache; the CSRF cookie for the sync's X-CSRFToken.
    assert "no-cache" in response["Cache-Control"]
    assert "csrftoken" in response.cookies
    config = json.loads(re.search(r'id="field-config"[^>]*>(.*?)</script>', html, re.S)[1])
    assert config["user"] == officer.pk
    assert config["urls"]["sw"] == SW and config["urls"]["scope"] == SHELL
    assert config["urls"]["data"] == reverse("outreach:field_data")
    assert config["urls"]["records"] == reverse("outreach:sync_records")
    uuid = "0b7c1a52-3c55-4a45-9d8a-2f3f7a2c9e11"
    assert config["urls"]["file"] + uuid == reverse("outreach:sync_file", args=[uuid])
    assert config["chunk"] == 256 * 1024 and config["batch"] == 50
    text = json.loads(re.search(r'id="field-text"[^>]*>(.*?)</script>', html, re.S)[1])
    assert text["state_conflict"] and text["offline"]


def test_the_shell_runs_no_inline_script(mall, officer):
    """The Content-Security-Policy allows only the server's script files: every script
    element has a src, or is JSON data (the configuration and the catalogue)."""
    html = _client(officer).get(SHELL).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert len(scripts) == 6
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes


def test_without_javascript_the_shell_says_so_and_links_the_staff_pages(mall, officer):
    html = _client(officer).get(SHELL + "?lang=en").content.decode()
    fallback = html[html.index("<noscript>") : html.index("</noscript>")]
    assert "The field app needs JavaScript" in fallback
    assert f'href="{reverse("console")}"' in fallback
    # The app itself stays hidden until its script shows it.
    assert re.search(r'<div id="field-app"[^>]*\shidden', html)


def test_village_agent_may_not_open_the_field_app(mall):
    agent = UserFactory(mall=mall, role=Role.VILLAGE_AGENT)
    assert _client(agent).get(SHELL).status_code == 403


def test_manager_may_open_it(mall):
    manager = UserFactory(mall=mall, role=Role.MALL_MANAGER)
    assert _client(manager).get(SHELL).status_code == 200


def test_the_shell_answers_get_only(mall, officer):
    assert _client(officer).post(SHELL).status_code == 405


def test_service_worker_scope_and_headers():
    response = Client().get(SW)  # public: browsers update it without the session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == SHELL
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    first, _, rest = body.partition("\n")
    config = json.loads(first.removeprefix("self.MPP_FIELD = ").removesuffix(";"))
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert config["shell"] == SHELL
    assert 'addEventListener("fetch"' in rest
    # The same files give the same version (browsers reinstall only on a change).
    assert Client().get(SW).content.decode().partition("\n")[0] == first


@pytest.mark.parametrize("lang", ["id", "en"])
def test_service_worker_keeps_every_file_the_shell_needs(mall, officer, lang):
    config = json.loads(
        Client().get(SW).content.decode().partition("\n")[0].split("= ", 1)[1].rstrip(";")
    )
    kept = set(config["precache"])
    assert {SHELL, MANIFEST} <= kept
    client = _client(officer)
    html = client.get(f"{SHELL}?lang={lang}").content.decode()
    used = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert used and used <= kept, used - kept
    for url in kept:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _body(response), url


def test_manifest_makes_the_app_installable():
    response = Client().get(MANIFEST + "?lang=en")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["start_url"] == SHELL and data["scope"] == SHELL and data["id"] == SHELL
    assert data["display"] == "standalone"
    assert data["name"] == "MPP mobile service (jemput bola)" and data["lang"] == "en"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert icon["src"].startswith("/static/outreach/field/")
        got = Client().get(icon["src"])
        assert got.status_code == 200
        if icon["type"] == "image/png":
            assert _body(got).startswith(b"\x89PNG")
