"""The assistant answers questions about jemput bola with the request form's link, and
the kiosk's home links to the form."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from mpp.assistant import engine
from tests.factories import MallFactory, device_credential, kiosk_cookie

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["Apa itu jemput bola?", "ada LAYANAN KELILING ke desa?"])
def test_the_assistant_answers_with_the_form(text):
    mall = MallFactory()
    with translation.override("en"):
        state, answer = engine.reply(None, text, mall_id=mall.pk)
    urls = [link.url for link in answer.links]
    assert reverse("outreach:request_new", args=[mall.code]) in urls
    assert reverse("outreach:request_track") in urls
    assert "mobile service" in answer.lines[0] and state["stage"] == "start"


def test_the_national_assistant_points_to_the_mall():
    _, answer = engine.reply(None, "jemput bola", mall_id=None)
    assert [link.url for link in answer.links] == [reverse("outreach:request_track")]


def test_the_kiosk_links_to_the_request_form(client):
    mall = MallFactory()
    raw = device_credential(mall)
    client.cookies.load({c["name"]: c["value"] for c in kiosk_cookie("http://x", raw)["cookies"]})
    page = client.get(reverse("kiosk", args=[mall.code]))
    assert page.status_code == 200
    link = reverse("outreach:request_new", args=[mall.code]) + "?kanal=kiosk"
    assert f'href="{link}"' in page.content.decode()
