"""Where a citizen meets "apply online" (mpp.cases.hooks): the service page, the search
result's next step, the assistant's answer and the kiosk's start screen, only where the
mall takes online applications for the service (an open CaseType, the mall operating)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mpp.assistant.engine import about
from mpp.assistant.render import answer_text
from mpp.catalog.hooks import mall_links, offering_links
from mpp.catalog.models import Mall, Offering
from mpp.search.hooks import offering_appliable
from mpp.search.lookups import service_hit
from tests.factories import CaseTypeFactory, OfferingFactory, device_credential
from tests.search.conftest import load_demo

KTP = "dukcapil-ktp-el-hilang-rusak"


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def apply_url(offering) -> str:
    return reverse("cases:apply_start", args=[offering.mall.code, offering.service.code])


@pytest.fixture
def demo(db, settings) -> Mall:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return load_demo()


@pytest.mark.django_db
def test_the_service_page_offers_apply_online_only_when_a_case_type_is_open(offering):
    url = reverse("service-detail", args=[offering.mall.code, offering.service.code])
    html = english().get(url).content.decode()
    assert 'data-testid="service-apply"' not in html
    case_type = CaseTypeFactory(offering=offering)
    html = english().get(url).content.decode()
    assert f'href="{apply_url(offering)}" data-testid="service-apply"' in html
    assert "Apply online" in html
    case_type.is_open = False
    case_type.save()
    assert 'data-testid="service-apply"' not in english().get(url).content.decode()


@pytest.mark.django_db
def test_no_apply_link_while_the_mall_is_not_operating(offering):
    CaseTypeFactory(offering=offering)
    assert [link.kind for link in offering_links(offering)] == ["apply"]
    Mall.objects.filter(pk=offering.mall_id).update(status=Mall.Status.CLOSED)
    offering = Offering.objects.select_related("mall", "service").get(pk=offering.pk)
    assert offering_links(offering) == []
    assert mall_links(offering.mall, "kiosk") == []


@pytest.mark.django_db
def test_the_search_expression_follows_the_case_types(offering):
    other = OfferingFactory(booth__mall=offering.mall)
    CaseTypeFactory(offering=offering)
    CaseTypeFactory(offering=other, is_open=False)
    flags = dict(
        Offering.objects.annotate(appliable=offering_appliable()).values_list("pk", "appliable")
    )
    assert flags == {offering.pk: True, other.pk: False}


def test_the_search_result_leads_to_the_malls_own_application(demo):
    offering = Offering.objects.select_related("mall", "service").get(mall=demo, service__code=KTP)
    before = service_hit(code=KTP, mall_id=demo.pk)
    assert all(s.kind != "apply" or s.url != apply_url(offering) for s in before.next_steps)
    CaseTypeFactory(offering=offering)
    hit = service_hit(code=KTP, mall_id=demo.pk)
    apply = [s for s in hit.next_steps if s.kind == "apply"]
    assert [s.url for s in apply] == [apply_url(offering)]
    # the page: our own apply page opens in the same tab (an agency's site in a new one)
    html = english().get(f"/m/{demo.code}/cari/?q=ktp+hilang").content.decode()
    assert f'href="{apply_url(offering)}" data-step="apply">' in html


def test_the_assistant_answer_offers_applying_online(demo):
    offering = Offering.objects.select_related("mall", "service").get(mall=demo, service__code=KTP)
    _state, answer = about(KTP, mall_id=demo.pk)
    assert "apply" not in [s.kind for s in answer.service.steps if s.url == apply_url(offering)]
    CaseTypeFactory(offering=offering)
    _state, answer = about(KTP, mall_id=demo.pk)
    steps = [(s.kind, s.url) for s in answer.service.steps]
    assert ("apply", apply_url(offering)) in steps
    text = answer_text(answer, channel="whatsapp", base_url="https://mpp.example.go.id")
    assert f"https://mpp.example.go.id{apply_url(offering)}" in text


@pytest.mark.django_db
def test_the_kiosk_start_screen_links_to_self_service_apply(offering):
    mall = offering.mall
    url = reverse("kiosk", args=[mall.code])
    kiosk = english()
    kiosk.cookies["mpp_device"] = device_credential(mall)  # an enrolled kiosk of the mall
    html = kiosk.get(url).content.decode()
    assert 'data-testid="kiosk-apply"' not in html
    CaseTypeFactory(offering=offering)
    html = kiosk.get(url).content.decode()
    apply_list = reverse("cases:apply_list", args=[mall.code])
    assert f'href="{apply_list}" data-testid="kiosk-apply"' in html


@pytest.mark.django_db
def test_a_failing_link_provider_leaves_the_page_whole(offering):
    from mpp.catalog import hooks

    def broken(_offering):
        raise RuntimeError("boom")

    hooks.offering_link_register("test.broken", broken)
    try:
        CaseTypeFactory(offering=offering)
        assert [link.kind for link in offering_links(offering)] == ["apply"]
        url = reverse("service-detail", args=[offering.mall.code, offering.service.code])
        assert english().get(url).status_code == 200
    finally:
        hooks._offering.pop("test.broken")


@pytest.mark.django_db
def test_an_application_started_at_an_enrolled_kiosk_has_the_kiosk_channel(offering):
    from mpp.cases.models import Case

    CaseTypeFactory(offering=offering)
    url = apply_url(offering)
    form = {
        "applicant_name": "Siti Aminah",
        "nik": "3210011505900001",
        "phone": "0812-3456-7890",
        "relation": "self",
        "consent": "on",
    }
    kiosk = english()
    kiosk.cookies["mpp_device"] = device_credential(offering.mall)
    assert kiosk.post(url, form).status_code == 302
    assert english().post(url, form | {"nik": "3210015505900002"}).status_code == 302
    assert sorted(Case.objects.values_list("channel", flat=True)) == ["kiosk", "web"]


@pytest.mark.django_db
def test_the_officer_console_links_to_the_applications_work_queue(offering):
    from tests.factories import CounterFactory, UserFactory

    mall = offering.mall
    counter = CounterFactory(mall=mall, booth=offering.booth)
    officer = UserFactory(mall=mall, booth=offering.booth)
    console = english()
    console.force_login(officer)
    url = reverse("console-counter", args=[counter.pk])
    assert 'data-testid="console-link-cases"' not in console.get(url).content.decode()
    CaseTypeFactory(offering=offering, is_open=False)  # a closed type still has a queue
    html = console.get(url).content.decode()
    queue = reverse("cases:staff_queue")
    assert f'href="{queue}" data-testid="console-link-cases">Applications (work queue)' in html
    # The console's link is not the citizens' one, and the kiosk shows no staff link.
    assert [link.kind for link in mall_links(mall, "console")] == ["cases"]
    assert all(link.kind != "cases" for link in mall_links(mall, "kiosk"))
