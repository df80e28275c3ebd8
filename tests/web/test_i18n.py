"""Bahasa Indonesia by default on every screen, English on request, and a complete catalogue.

The catalogue (src/mpp/locale/id/LC_MESSAGES/django.po) must translate every string the
code marks, with nothing empty or fuzzy, and the committed .mo must be its compilation.
The language is Indonesian whatever the browser's Accept-Language says; the switch
(/i18n/setlang/, a cookie) or `?lang=en` in the address turns a screen English.
"""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

import mpp
from mpp.queueing import services as q
from tests.factories import device_credential

pytestmark = pytest.mark.django_db

PACKAGE = Path(mpp.__file__).resolve().parent
LC_MESSAGES = PACKAGE / "locale" / "id" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
APPS = ("accounts", "api", "catalog", "core", "queueing", "web")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w*\}")
COOKIE = settings.LANGUAGE_COOKIE_NAME

needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext (msgfmt, xgettext) is not installed",
)


# ---- the catalogue ----


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: flags, references, msgid (and plural), msgstr forms."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry = {"flags": set(), "refs": [], "msgid": None, "plural": None, "msgstr": {}}
        parts: dict[str, list[str]] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#:"):
                entry["refs"].extend(line[2:].split())
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                parts[key].append(line)
            else:
                key, _, value = line.partition(" ")
                parts[key] = [value]
        for key, lines in parts.items():
            text = "".join(ast.literal_eval(s) for s in lines)
            if key == "msgid":
                entry["msgid"] = text
            elif key == "msgid_plural":
                entry["plural"] = text
            elif key.startswith("msgstr"):
                entry["msgstr"][key] = text
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return po_entries(PO)


def test_header_is_indonesian_with_one_plural_form(catalogue):
    header = catalogue[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: id\n" in header["msgstr"]["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]["msgstr"]


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    entries = catalogue[1:]
    assert len(entries) > 300
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    assert fuzzy == [] and empty == []
    plurals = [e for e in entries if e["plural"] is not None]
    assert plurals and all(list(e["msgstr"]) == ["msgstr[0]"] for e in plurals)


def test_translations_keep_every_placeholder(catalogue):
    wrong = []
    for e in catalogue[1:]:
        wanted = sorted(PLACEHOLDER.findall(e["plural"] or e["msgid"]))
        for text in e["msgstr"].values():
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((e["msgid"], text))
    assert wrong == []


def test_catalogue_covers_every_app(catalogue):
    refs = {ref.split("/", 1)[0] for e in catalogue for ref in e["refs"]}
    assert set(APPS) <= refs


def test_public_service_words(catalogue):
    """The words Indonesians read in a Mal Pelayanan Publik (antrean, never antrian)."""
    by_id = {e["msgid"]: next(iter(e["msgstr"].values())) for e in catalogue[1:]}
    assert by_id["Take a queue number"] == "Ambil nomor antrean"
    assert by_id["Free"] == "Gratis"
    assert by_id["Recall"] == "Panggil ulang"
    assert by_id["Counter not found."] == "Loket tidak ditemukan."
    assert not [t for t in by_id.values() if "antrian" in t.lower()]


@needs_gettext
def test_committed_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO)], check=True)
    assert compiled.read_bytes() == MO.read_bytes(), (
        "django.mo is stale: run `django-admin compilemessages` in src/mpp"
    )


@needs_gettext
def test_every_marked_string_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the code finds no msgid the committed catalogue lacks."""
    source = tmp_path / "mpp"
    shutil.copytree(
        PACKAGE, source, ignore=shutil.ignore_patterns("locale", "__pycache__", "migrations")
    )
    (source / "locale" / "id" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO, source / "locale" / "id" / "LC_MESSAGES" / "django.po")
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["id"], ignore_patterns=["migrations/*"], verbosity=0)
    fresh = po_entries(source / "locale" / "id" / "LC_MESSAGES" / "django.po")
    untranslated = [
        e["msgid"] for e in fresh[1:] if "fuzzy" in e["flags"] or not all(e["msgstr"].values())
    ]
    assert untranslated == [], "new strings: run makemessages -l id and translate them"


# ---- the language of the screens ----


@pytest.fixture
def browser():
    """A browser that prefers English: the screens must stay Indonesian anyway."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def enrolled(browser, mall):
    """The browser is the mall's enrolled kiosk (mpp.devices), for the kiosk screen."""
    browser.cookies["mpp_device"] = device_credential(mall)


@pytest.fixture
def ticket(mall, offering):
    return q.ticket_issue(mall=mall, service_code=offering.service.code)


def screens(mall, counter, ticket) -> dict[str, tuple[str, list[str], list[str]]]:
    """URL, Indonesian words and English words of each screen."""
    return {
        "kiosk": (
            reverse("kiosk", kwargs={"mall": mall.code}),
            ["Ambil nomor antrean", "Sentuh layanan yang Anda perlukan", "Gratis"],
            ["Take a queue number", "Free"],
        ),
        "board": (
            reverse("board", kwargs={"mall": mall.code}),
            ["Sedang dipanggil", "Panggilan terakhir", "Menunggu", "Loket"],
            ["Now calling", "Last calls", "Waiting", "Counters"],
        ),
        "console": (
            reverse("console-counter", kwargs={"counter_id": counter.pk}),
            ["Konsol petugas", "Panggil berikutnya", "Panggil ulang", "Mulai layani", "Alihkan"],
            ["Officer console", "Call next", "Recall"],
        ),
        "ticket": (
            reverse("ticket", args=[ticket.secret]),
            ["Nomor antrean Anda", "Estimasi waktu tunggu", "Biaya", "Waktu penyelesaian"],
            ["Your queue number", "Estimated wait", "Completion time"],
        ),
        "login": (
            reverse("web:login"),
            ["Masuk petugas", "Nama pengguna", "Kata sandi"],
            ["Staff login", "Username", "Password"],
        ),
    }


SCREENS = ["kiosk", "board", "console", "ticket", "login"]


def fetch(client, url, officer):
    if "/console/" in url:
        client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("screen", SCREENS)
def test_screen_is_indonesian_whatever_the_browser_prefers(
    browser, enrolled, screen, mall, counter, officer, ticket
):
    url, indonesian, english = screens(mall, counter, ticket)[screen]
    if screen == "console":
        browser.force_login(officer)
    response = browser.get(url)
    assert response.status_code == 200 and response["Content-Language"] == "id"
    html = response.content.decode()
    assert '<html lang="id">' in html
    for word in indonesian:
        assert word in html, (screen, word)
    for word in english:
        assert word not in html, (screen, word)


@pytest.mark.parametrize("screen", SCREENS)
def test_screen_is_english_after_the_language_switch(
    browser, enrolled, screen, mall, counter, officer, ticket
):
    url, indonesian, english = screens(mall, counter, ticket)[screen]
    switched = browser.post(reverse("set_language"), {"language": "en", "next": url})
    assert switched.status_code == 302
    html = fetch(browser, url, officer)
    assert '<html lang="en">' in html
    for word in english:
        assert word in html, (screen, word)
    assert indonesian[0] not in html


@pytest.mark.parametrize("screen", SCREENS)
def test_lang_query_turns_a_screen_english_and_is_remembered(
    browser, enrolled, screen, mall, counter, officer, ticket
):
    url, indonesian, english = screens(mall, counter, ticket)[screen]
    html = fetch(browser, f"{url}?lang=en", officer)
    for word in english:
        assert word in html, (screen, word)
    assert browser.cookies[COOKIE].value == "en"
    assert english[0] in fetch(browser, url, officer)  # later pages without ?lang=
    assert indonesian[0] in fetch(browser, f"{url}?lang=id", officer)
    assert browser.cookies[COOKIE].value == "id"


# ---- the middleware's rules ----


def test_query_sets_the_cookie_only_when_it_changes_the_choice(browser):
    first = browser.get("/?lang=en")
    assert first.cookies[COOKIE].value == "en"
    assert first.cookies[COOKIE]["path"] == settings.LANGUAGE_COOKIE_PATH  # as /i18n/setlang/
    again = browser.get("/?lang=en")
    assert COOKIE not in again.cookies


def test_unknown_language_in_query_or_cookie_falls_back_to_indonesian(browser):
    response = browser.get("/?lang=fr")
    assert COOKIE not in response.cookies
    assert '<html lang="id">' in response.content.decode()
    browser.cookies[COOKIE] = "xx-unknown"
    assert browser.get("/")["Content-Language"] == "id"


def test_regional_variants_map_to_the_configured_language(browser):
    response = browser.get("/?lang=en-US")
    assert response["Content-Language"] == "en"
    assert response.cookies[COOKIE].value == "en"


def test_pages_vary_on_the_cookie_not_on_accept_language(browser):
    vary = browser.get("/")["Vary"]
    assert "Cookie" in vary and "Accept-Language" not in vary


def test_default_follows_settings_language_code(browser, settings):
    settings.LANGUAGE_CODE = "en"
    assert browser.get("/")["Content-Language"] == "en"


# ---- the API ----


def test_api_errors_are_indonesian_by_default(browser):
    unknown_mall = browser.get("/api/v1/malls/tidak-ada/services")
    assert unknown_mall.status_code == 404
    assert unknown_mall.json() == {"code": "mall_not_found", "message": "Mal tidak ditemukan."}
    no_route = browser.get("/api/v1/tidak-ada")
    assert no_route.status_code == 404
    assert no_route.json()["message"] == "Endpoint API ini tidak ada."


def test_api_errors_are_english_on_request(browser):
    response = browser.get("/api/v1/malls/tidak-ada/services?lang=en")
    assert response.json() == {"code": "mall_not_found", "message": "Mall not found."}
