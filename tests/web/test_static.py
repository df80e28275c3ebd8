"""Static files are served under WSGI-style calls and over ASGI, and other paths pass by."""

import httpx
import pytest


@pytest.mark.django_db
def test_static_file_through_the_test_client(client):
    response = client.get("/static/web/mpp.css")
    assert response.status_code == 200
    assert b"--blue" in b"".join(response.streaming_content)


def test_static_file_and_api_over_asgi(server_url):
    css = httpx.get(f"{server_url}/static/web/mpp.css", timeout=10)
    assert css.status_code == 200 and "--blue" in css.text
    assert css.headers["content-type"].startswith("text/css")
    missing = httpx.get(f"{server_url}/static/web/nope.css", timeout=10)
    assert missing.status_code == 404
    api = httpx.get(f"{server_url}/api/v1/malls", timeout=10)
    assert api.status_code == 200 and isinstance(api.json(), list)


def test_range_request_over_asgi(server_url):
    part = httpx.get(f"{server_url}/static/web/mpp.css", headers={"Range": "bytes=0-9"}, timeout=10)
    assert part.status_code == 206
    assert len(part.content) == 10
    assert part.headers["content-length"] == "10"
