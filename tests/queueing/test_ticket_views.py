"""The citizen's ticket pages: live status wording, position and estimate, print slip, 404s."""

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client

from mpp.queueing import dayend
from mpp.queueing import services as q
from mpp.queueing.models import Priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def en():
    """A browser switched to English, so assertions do not depend on the translations."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def issue(mall, offering, priority=Priority.REGULAR):
    return q.ticket_issue(mall=mall, service_code=offering.service.code, priority=priority)


def figure(html: str, name: str) -> str:
    return re.search(rf'class="fig-{name}">\s*(.*?)\s*</dd>', html, re.S).group(1)


def status_of(html: str) -> str:
    return re.search(r'data-status="(\w+)"', html).group(1)


def test_waiting_ticket_shows_position_people_ahead_and_estimate(en, mall, offering):
    issue(mall, offering)
    issue(mall, offering)
    third = issue(mall, offering)

    html = en.get(f"/t/{third.secret}/").content.decode()

    assert third.number in html and offering.service.name in html
    assert status_of(html) == "waiting"
    assert figure(html, "position") == "3"
    assert figure(html, "ahead") == "2"
    # No counter open yet: no wait can be computed, and the page says so.
    assert "No estimate yet" in figure(html, "wait")
    assert "a few minutes" not in html
    assert "2 people ahead of you." in html
    assert "No counter for this service is open yet" in html
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in html


def test_priority_ticket_is_placed_before_regular_ones(en, mall, offering):
    issue(mall, offering)
    elderly = issue(mall, offering, Priority.ELDERLY)
    html = en.get(f"/t/{elderly.secret}/").content.decode()
    assert figure(html, "position") == "1"
    assert "You are next." in html
    assert "Priority: Elderly" in html


def test_page_lists_the_requirements_to_prepare(en, mall, offering):
    offering.service.requirements = ["KTP-el asli", "Kartu Keluarga"]
    offering.service.fee = 0
    offering.service.save()
    html = en.get(f"/t/{issue(mall, offering).secret}/").content.decode()
    assert re.search(r'type="checkbox"> <span>KTP-el asli</span>', html)
    assert "Kartu Keluarga" in html
    assert "1 hari kerja" in html and "Free" in html


def test_wording_follows_the_ticket_through_the_counter(en, mall, offering, counter, officer):
    ticket = issue(mall, offering)
    page = f"/t/{ticket.secret}/"

    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    html = en.get(page).content.decode()
    assert status_of(html) == "called"
    assert f"Called to {counter}" in html and "go there now" in html
    assert "fig-position" not in html

    q.ticket_recall(ticket_id=ticket.pk, actor_id=officer.pk)
    assert "You have been called again." in en.get(page).content.decode()

    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    html = en.get(page).content.decode()
    assert status_of(html) == "serving" and f"Being served at {counter}" in html

    q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)
    html = en.get(page).content.decode()
    assert status_of(html) == "done" and "Your service is finished." in html
    assert 'http-equiv="refresh"' not in html  # nothing more to wait for


def test_no_show_and_expired_are_said_plainly(en, mall, offering, counter, officer):
    missed, later = issue(mall, offering), issue(mall, offering)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    for _ in range(mall.no_show_after_recalls):
        q.ticket_recall(ticket_id=missed.pk, actor_id=officer.pk)
    q.ticket_no_show(ticket_id=missed.pk, actor_id=officer.pk)
    dayend.mall_end_day(mall=mall)

    missed_html = en.get(f"/t/{missed.secret}/").content.decode()
    assert status_of(missed_html) == "no_show"
    assert "Please take a new number at the kiosk." in missed_html
    later_html = en.get(f"/t/{later.secret}/").content.decode()
    assert status_of(later_html) == "expired" and "The service day has ended" in later_html


def test_status_fragment_is_only_the_live_part(en, mall, offering, counter, officer):
    ticket = issue(mall, offering)
    fragment = en.get(f"/t/{ticket.secret}/status/")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html and status_of(html) == "waiting"
    assert fragment["Cache-Control"].startswith("max-age=0")
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    html = en.get(f"/t/{ticket.secret}/status/").content.decode()
    assert status_of(html) == "called"
    assert f'data-alert-key="called-{counter.pk}-0"' in html


def test_live_page_points_at_the_mall_stream_and_its_fragment(en, mall, offering):
    ticket = issue(mall, offering)
    html = en.get(f"/t/{ticket.secret}/").content.decode()
    assert f'data-status-url="/t/{ticket.secret}/status/"' in html
    assert f'data-stream-url="/api/v1/malls/{mall.code}/board/stream"' in html


def test_print_page_fits_the_chosen_paper(en, mall, offering):
    ticket = issue(mall, offering, Priority.PREGNANT)
    html = en.get(f"/t/{ticket.secret}/print/?paper=58").content.decode()
    assert "paper-58" in html and "size: 58mm" in html
    assert "Pregnant woman" in html
    assert "data-autoprint" not in html  # only the kiosk's redirect asks to print
    assert "size: 80mm" in en.get(f"/t/{ticket.secret}/print/?paper=A4").content.decode()


@pytest.mark.parametrize("suffix", ["", "print/", "status/"])
def test_bad_or_unknown_ids_are_404_pages(en, db, suffix):
    unknown = en.get(f"/t/{uuid.uuid4()}/{suffix}")
    assert unknown.status_code == 404
    assert "Page not found" in unknown.content.decode()
    assert en.get(f"/t/not-a-ticket/{suffix}").status_code == 404
    assert en.get(f"/t/{'1' * 33}/{suffix}").status_code == 404


# Issue 11: the page has a secret of its own; honest estimates; no "bring" when over.


@pytest.mark.parametrize("suffix", ["", "print/", "status/"])
def test_the_id_staff_see_does_not_open_the_citizen_page(en, mall, offering, suffix):
    """Failed before: /t/<id>/ showed the page (and, once done, the survey link)."""
    ticket = issue(mall, offering)
    assert en.get(f"/t/{ticket.pk}/{suffix}").status_code == 404
    assert en.get(f"/t/{ticket.secret}/{suffix}").status_code == 200


def test_each_ticket_has_its_own_unguessable_secret(mall, offering):
    first, second = issue(mall, offering), issue(mall, offering)
    assert first.secret != second.secret
    assert len(first.secret) >= 22 and str(first.pk) not in first.secret
    assert re.fullmatch(r"[A-Za-z0-9_-]+", first.secret)


def test_print_slip_qr_holds_the_secret_page_not_the_id(en, mall, offering):
    from mpp.queueing.views.ticket import ticket_print_url, ticket_url

    ticket = issue(mall, offering)
    assert ticket_url(ticket) == f"/t/{ticket.secret}/"
    html = en.get(ticket_print_url(ticket)).content.decode()
    assert str(ticket.pk) not in html


def test_survey_link_is_on_the_secret_page_only(en, mall, offering, counter, officer):
    ticket = issue(mall, offering)
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)
    html = en.get(f"/t/{ticket.secret}/").content.decode()
    assert 'data-testid="survey-link"' in html
    assert en.get(f"/t/{ticket.pk}/").status_code == 404
    assert en.get(f"/t/{ticket.pk}/status/").status_code == 404


def test_estimate_is_computed_once_a_counter_is_open(en, mall, offering, counter, officer):
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    issue(mall, offering)
    second = issue(mall, offering)
    html = en.get(f"/t/{second.secret}/").content.decode()
    assert figure(html, "wait") == "± 10 minutes"  # one ahead x 10 typical minutes / 1 open
    assert "No counter for this service is open yet" not in html
    first_html = en.get(f"/t/{issue(mall, offering).secret}/").content.decode()
    assert "a few minutes" not in first_html


def test_next_in_line_with_a_counter_open_says_so(en, mall, offering, counter, officer):
    q.counter_open(counter_id=counter.pk, officer_id=officer.pk)
    html = en.get(f"/t/{issue(mall, offering).secret}/").content.decode()
    assert "You are next" in figure(html, "wait")


def test_no_estimate_without_an_open_counter_even_when_next(en, mall, offering):
    """Failed before: an empty queue with no counter open said "a few minutes"."""
    from mpp.queueing.selectors import ticket_estimate

    ticket = issue(mall, offering)
    assert ticket_estimate(ticket).known is False
    html = en.get(f"/t/{ticket.secret}/").content.decode()
    assert "No estimate yet" in figure(html, "wait")
    assert "a few minutes" not in html
    slip = en.get(f"/t/{ticket.secret}/print/").content.decode()
    assert "No estimate yet" in slip and "a few minutes" not in slip


def test_requirements_are_not_asked_for_once_the_ticket_is_over(
    en, mall, offering, counter, officer
):
    """Failed before: a finished ticket's page still said "Bring these to the counter"."""
    done, expired = issue(mall, offering), issue(mall, offering)
    assert "Bring these to the counter" in en.get(f"/t/{done.secret}/").content.decode()
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=done.pk, actor_id=officer.pk)
    q.ticket_finish(ticket_id=done.pk, actor_id=officer.pk)
    dayend.mall_end_day(mall=mall)
    for ticket in (done, expired):
        html = en.get(f"/t/{ticket.secret}/").content.decode()
        assert "Bring these to the counter" not in html
        assert 'data-testid="requirements"' not in html
        assert "Prepare while you wait" not in html
