"""Content-Security-Policy on every page (django-csp, settings.CONTENT_SECURITY_POLICY):
scripts only from this server, nothing from elsewhere, no framing. Before: no CSP at all.
The browser test opens key pages (home, mall, kiosk, board, API docs with Swagger UI,
login, two-factor set-up, console, admin) in Chromium and fails on any CSP violation the
page reports, and checks that the scripts still ran (the API docs render)."""

from __future__ import annotations

import pytest
from django.test import Client

from mpp.accounts.services import staff_sync_permissions
from tests.browser import chromium, off_loop
from tests.factories import UserFactory, device_credential

CSP = "Content-Security-Policy"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/api/v1/docs", "/api/v1/openapi.json", "/admin/login/"]
)
def test_every_answer_carries_the_policy(client, path):
    response = client.get(path, follow=True)
    policy = response[CSP]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


@pytest.mark.django_db
def test_mall_pages_carry_the_policy(client, mall, counter):
    for path in (f"/m/{mall.code}/", f"/m/{mall.code}/board/", f"/m/{mall.code}/kiosk/"):
        assert "script-src 'self'" in client.get(path)[CSP], path


WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _sessions(mall, offering):
    officer = UserFactory(username="petugas.csp", mall=mall, booth=offering.booth)
    manager = UserFactory(username="manajer.csp", mall=mall, role="mall_manager")
    staff_sync_permissions(user=manager)
    out = {}
    for user in (officer, manager):
        client = Client()
        client.force_login(user)
        out[user.username] = client.cookies["sessionid"].value
    out["kiosk"] = device_credential(mall)  # the kiosk page needs a registered kiosk
    return out


@pytest.mark.browser
def test_key_pages_report_no_csp_violation(server_url, mall, counter, offering):
    sessions = off_loop(_sessions, mall, offering)
    pages = [
        (None, "/"),
        (None, f"/m/{mall.code}/"),
        ("kiosk", f"/m/{mall.code}/kiosk/"),
        (None, f"/m/{mall.code}/board/"),
        (None, "/api/v1/docs"),
        (None, "/accounts/login/"),
        ("petugas.csp", "/accounts/2fa/"),
        ("petugas.csp", "/console/"),
        ("manajer.csp", "/admin/"),
        ("manajer.csp", "/admin/catalog/booth/"),
    ]
    found = {}
    with chromium() as browser:
        for who, path in pages:
            context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta")
            context.set_default_timeout(10_000)
            context.add_init_script(WATCH)
            if who:
                name = "mpp_device" if who == "kiosk" else "sessionid"
                context.add_cookies([{"name": name, "value": sessions[who], "url": server_url}])
            page = context.new_page()
            console = []
            page.on(
                "console",
                lambda m, c=console: c.append(m.text) if "Content Security" in m.text else None,
            )
            response = page.goto(server_url + path)
            assert response is not None and response.ok, (path, response and response.status)
            assert CSP.lower() in {k.lower() for k in response.headers}, path
            if path == "/api/v1/docs":  # Swagger UI's scripts ran: the spec is rendered
                page.wait_for_selector(".swagger-ui .info .title")
            page.wait_for_load_state("networkidle")
            violations = page.evaluate("window.__csp") + console
            if violations:
                found[path] = violations
            if path == "/":  # the watcher works: an injected inline script is refused
                page.evaluate(
                    "document.body.appendChild(Object.assign("
                    "document.createElement('script'), {textContent: 'window.ran = 1'}))"
                )
                page.wait_for_function("window.__csp.length > 0")
                assert page.evaluate("window.ran") is None
            context.close()
    assert found == {}
