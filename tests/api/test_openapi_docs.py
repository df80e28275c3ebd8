"""The served OpenAPI spec is valid JSON without duplicate keys, and /api/v1/docs renders.

A spec with a key twice (the WhatsApp Cloud verify operation had its response "200" once
from the handler's response map and once, as a string, from openapi_extra) is parsed
differently by each client; Swagger UI showed no operation at all. Checked on the spec
the server answers (the committed file follows it; tests/api/test_openapi.py), and in
headless Chromium on the docs page.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.browser import chromium, open_page


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, f"keys given twice in one object: {twice} (in {keys})"
    return dict(pairs)


@pytest.mark.django_db
def test_the_served_spec_has_no_key_twice():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content, object_pairs_hook=_no_duplicates)
    verify = spec["paths"]["/api/v1/assistant/whatsapp-cloud"]["get"]["responses"]
    assert set(verify) == {"200", "403"}
    assert "text/plain" in verify["200"]["content"]


@pytest.mark.browser
def test_the_docs_page_renders_every_operation_in_chromium(server_url):
    spec = json.loads(Client().get("/api/v1/openapi.json").content)
    operations = sum(len(ops) for ops in spec["paths"].values())
    with chromium() as browser:
        page = open_page(browser, f"{server_url}/api/v1/docs")
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() == operations
        assert page.locator("html").get_attribute("lang") in {"id", "en"}
        assert not page.locator(".errors-wrapper").is_visible()  # Swagger UI's parse errors
        assert page.js_errors == []
