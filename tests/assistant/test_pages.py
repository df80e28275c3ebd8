"""The assistant's page /m/<mall>/asisten/ and /asisten/, driven like a browser without
JavaScript: plain form posts, the conversation kept in the session, choices as buttons,
Indonesian by default and English with the language cookie."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

NIK = "3210123456780001"


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def say(client: Client, url: str, message: str) -> str:
    response = client.post(url, {"message": message})
    assert response.status_code == 302 and response["Location"] == f"{url}#latest"
    return page(client, url)


def latest(html: str) -> str:
    """The last answer's list item."""
    start = html.index('id="latest"')
    marks = ('<li class="as-turn', 'data-testid="assistant-form"')
    ends = [html.find(mark, start) for mark in marks]
    return html[start : min(e for e in ends if e > 0)]


def test_the_page_is_indonesian_by_default_and_a_plain_form(demo):
    html = page(Client(), f"/m/{demo.code}/asisten/")
    assert '<html lang="id">' in html
    assert f'<form class="as-form" method="post" action="/m/{demo.code}/asisten/"' in html
    assert 'name="message"' in html and "csrfmiddlewaretoken" in html
    assert 'data-kind="welcome"' in html
    assert "<script" not in html


def test_english_with_the_language_cookie(demo):
    html = page(english(), f"/m/{demo.code}/asisten/")
    assert '<html lang="en">' in html
    assert "Service assistant" in html and "Your message" in html
    assert "Hello! I am the service assistant." in html


def test_a_conversation_asks_once_and_ends_at_the_service(demo):
    client = english()
    url = f"/m/{demo.code}/asisten/"
    html = say(client, url, "bikin ktp")
    last = latest(html)
    assert 'data-kind="question"' in last
    assert "KTP new, lost/damaged or change of data?" in last
    buttons = re.findall(r'name="message" value="(\d)"[^>]*data-service="([^"]+)"', last)
    assert buttons == [
        ("1", "dukcapil-ktp-el-baru"),
        ("2", "dukcapil-ktp-el-hilang-rusak"),
        ("3", "dukcapil-ktp-el-perubahan"),
    ]
    assert '<li class="as-turn as-me" data-testid="assistant-message">' in html
    assert "bikin ktp" in html  # the citizen's own message, shown back

    html = say(client, url, "2")
    last = latest(html)
    assert 'data-service="dukcapil-ktp-el-hilang-rusak"' in last
    assert f'href="/m/{demo.code}/phone/dukcapil-ktp-el-hilang-rusak/" data-step="ticket"' in last
    assert "Take a queue number" in last and "What to bring" in last and "Free" in last
    assert "Surat keterangan kehilangan" in last
    # the number tapped is shown with its choice; the question's buttons are gone
    you = '<span class="as-hidden">You:</span>'
    assert f'data-testid="assistant-message">{you} 2. Penggantian KTP-el' in html
    assert html.count('data-testid="assistant-choices"') == 1


def test_start_over_clears_the_conversation(demo):
    client = english()
    url = f"/m/{demo.code}/asisten/"
    say(client, url, "bikin ktp")
    response = client.post(url, {"reset": "1"})
    assert response.status_code == 302
    html = page(client, url)
    assert "bikin ktp" not in html and 'data-kind="welcome"' in html


def test_a_nik_typed_is_neither_shown_nor_kept(demo):
    client = english()
    url = f"/m/{demo.code}/asisten/"
    html = say(client, url, f"ktp hilang {NIK}")
    assert NIK not in html
    assert NIK not in str(dict(client.session))
    assert 'data-service="dukcapil-ktp-el-hilang-rusak"' in latest(html)


def test_the_national_page_lists_the_malls(demo, depok):
    client = english()
    html = say(client, "/asisten/", "ktp hilang")
    last = latest(html)
    assert "Served at:" in last and demo.name in last and depok.name in last


def test_a_conversation_of_one_mall_stays_there(demo, depok):
    client = english()
    say(client, f"/m/{demo.code}/asisten/", "bikin ktp")
    html = page(client, f"/m/{depok.code}/asisten/")
    assert "bikin ktp" not in html


def test_thirty_minutes_of_silence_start_afresh(demo):
    client = english()
    url = f"/m/{demo.code}/asisten/"
    say(client, url, "bikin ktp")
    session = client.session
    session["assistant"][demo.code]["at"] -= 31 * 60
    session.save()
    assert "bikin ktp" not in page(client, url)


def test_nothing_found_links_to_the_service_list(demo):
    html = say(english(), f"/m/{demo.code}/asisten/", "zzzqqq")
    last = latest(html)
    assert 'data-kind="not_found"' in last
    assert f'href="/m/{demo.code}/" data-testid="assistant-list-link"' in last


def test_an_empty_message_changes_nothing(demo):
    client = english()
    response = client.post(f"/m/{demo.code}/asisten/", {"message": "   "})
    assert response.status_code == 302
    assert 'data-kind="welcome"' in page(client, f"/m/{demo.code}/asisten/")


def test_ask_about_a_service_from_the_search_page(demo):
    client = english()
    search = page(client, f"/m/{demo.code}/cari/?q=bikin+ktp+hilang")
    ask = f"/m/{demo.code}/asisten/dukcapil-ktp-el-hilang-rusak/"
    assert f'href="{ask}" data-step="ask"' in search
    response = client.get(ask)
    assert response.status_code == 302
    last = latest(page(client, f"/m/{demo.code}/asisten/"))
    assert "About this service:" in last
    assert 'data-service="dukcapil-ktp-el-hilang-rusak"' in last


def test_the_mall_page_links_to_the_assistant(demo):
    html = page(english(), f"/m/{demo.code}/")
    assert f'href="/m/{demo.code}/asisten/" data-testid="assistant-link"' in html
    assert "Ask the assistant" in html


@pytest.mark.parametrize(
    "url",
    ["/m/no-such-mall/asisten/", "/m/mpp-kabupaten-majalengka/asisten/no-such-service/"],
)
def test_unknown_mall_or_service_is_a_404_page(demo, url):
    response = english().get(url)
    assert response.status_code == 404


def test_too_many_messages_get_a_readable_429(demo, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "assistant_ip": (1, 60)}
    client = english()
    url = f"/m/{demo.code}/asisten/"
    assert client.post(url, {"message": "ktp hilang"}).status_code == 302
    response = client.post(url, {"message": "paspor"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many messages from your connection." in response.content.decode()
