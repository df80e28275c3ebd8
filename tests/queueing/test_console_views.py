"""The officer console: access, the counter picker, and every action by plain POST (no JS)."""

import re

import pytest
from django.urls import reverse

from mpp.accounts.models import Role
from mpp.catalog.models import Counter
from mpp.core.models import Event
from mpp.queueing import services as q
from mpp.queueing.models import Priority, Ticket
from tests.dead_redis import redis_down  # noqa: F401
from tests.factories import CounterFactory, MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on the English msgids, whatever the translations say."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def console(client, officer):
    client.force_login(officer)
    return client


def counter_url(counter):
    return reverse("console-counter", kwargs={"counter_id": counter.pk})


def action_url(counter, name):
    return reverse("console-action", kwargs={"counter_id": counter.pk, "action": name})


def post(client, counter, name, **data):
    return client.post(action_url(counter, name), data, follow=True)


def issue(mall, offering, priority=Priority.REGULAR):
    return q.ticket_issue(mall=mall, service_code=offering.service.code, priority=priority)


def text(response):
    return response.content.decode()


def test_every_console_url_requires_login(client, counter):
    urls = [
        reverse("console"),
        counter_url(counter),
        reverse("console-panel", kwargs={"counter_id": counter.pk}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))
    response = client.post(action_url(counter, "call"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    counter.refresh_from_db()
    assert not counter.is_open


def test_picker_lists_only_counters_the_user_may_operate(client, mall, offering, counter, officer):
    other_booth = OfferingFactory(booth__mall=mall)
    other_booth_counter = CounterFactory(mall=mall, booth=other_booth.booth, name="Loket Pajak")
    other_mall_counter = CounterFactory(mall=MallFactory(), name="Loket Jauh")

    client.force_login(officer)
    html = text(client.get(reverse("console")))
    assert counter_url(counter) in html
    assert counter_url(other_booth_counter) not in html
    assert counter_url(other_mall_counter) not in html

    manager = UserFactory(role=Role.MALL_MANAGER, mall=mall)
    client.force_login(manager)
    html = text(client.get(reverse("console")))
    assert counter_url(counter) in html and counter_url(other_booth_counter) in html
    assert counter_url(other_mall_counter) not in html

    admin = UserFactory(role=Role.NATIONAL_ADMIN)
    client.force_login(admin)
    html = text(client.get(reverse("console")))
    assert mall.name in html and "?mall=" in html and counter_url(counter) not in html
    html = text(client.get(reverse("console"), {"mall": mall.code}))
    assert counter_url(counter) in html and counter_url(other_booth_counter) in html
    assert counter_url(other_mall_counter) not in html


def test_staff_without_a_mall_see_no_counter(client, counter):
    client.force_login(UserFactory(mall=None))
    response = client.get(reverse("console"))
    assert response.status_code == 200
    assert counter_url(counter) not in text(response)
    assert "not linked to a mall" in text(response)


def test_opening_the_console_opens_the_counter(console, counter, officer):
    response = console.get(counter_url(counter))
    assert response.status_code == 200
    counter.refresh_from_db()
    assert counter.is_open and counter.officer_id == officer.pk
    assert "N</kbd> Call next" in text(response)  # the key is shown on the button


def test_full_flow_call_start_finish_without_javascript(console, mall, offering, counter):
    first, second = issue(mall, offering), issue(mall, offering)
    page = text(console.get(counter_url(counter)))
    assert first.number in page and second.number in page

    response = post(console, counter, "call")
    assert response.redirect_chain[-1][0] == counter_url(counter)
    assert f"{first.number} called." in text(response)
    first.refresh_from_db()
    assert first.status == Ticket.Status.CALLED and first.counter_id == counter.pk

    response = post(console, counter, "start", ticket=str(first.pk))
    assert f"Serving {first.number}." in text(response)
    response = post(console, counter, "finish", ticket=str(first.pk))
    assert f"{first.number} finished." in text(response)
    first.refresh_from_db()
    assert first.status == Ticket.Status.DONE and first.finished_at is not None
    assert response.context["served_today"] == 1
    assert [t.pk for t in response.context["waiting"]] == [second.pk]


def test_buttons_follow_the_state(console, mall, offering, counter):
    def enabled(response):
        return {a.name for a, on in response.context["actions"] if on}

    assert enabled(console.get(counter_url(counter))) == {"close"}
    ticket = issue(mall, offering)
    assert enabled(console.get(counter_url(counter))) == {"call", "close"}
    post(console, counter, "call")
    assert enabled(console.get(counter_url(counter))) == {"recall", "start", "transfer", "close"}
    post(console, counter, "start", ticket=str(ticket.pk))
    response = console.get(counter_url(counter))
    assert enabled(response) == {"finish", "transfer", "close"}
    assert 'data-key="S" disabled' in text(response)


def test_recall_then_no_show_respects_the_malls_rule(console, mall, offering, counter):
    mall.no_show_after_recalls = 2
    mall.save()
    ticket = issue(mall, offering)
    post(console, counter, "call")

    response = post(console, counter, "no-show", ticket=str(ticket.pk))
    assert "Recall the ticket 2 more time(s) before marking it as no-show." in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED

    response = post(console, counter, "recall", ticket=str(ticket.pk))
    assert f"{ticket.number} called again (recall 1)." in text(response)
    response = post(console, counter, "no-show", ticket=str(ticket.pk))
    assert "Recall the ticket 1 more time(s)" in text(response)
    post(console, counter, "recall", ticket=str(ticket.pk))
    response = post(console, counter, "no-show", ticket=str(ticket.pk))
    assert f"{ticket.number} marked as no-show." in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NO_SHOW and ticket.recall_count == 2


def test_transfer_sends_the_ticket_to_another_service(console, mall, offering, counter):
    target = OfferingFactory(booth__mall=mall)
    ticket = issue(mall, offering)
    post(console, counter, "call")
    page = text(console.get(counter_url(counter)))
    assert f'value="{target.service.code}"' in page
    assert f'<option value="{offering.service.code}"' not in page  # not to its own service

    response = post(console, counter, "transfer", ticket=str(ticket.pk))
    assert "Choose the service to transfer the ticket to." in text(response)
    response = post(console, counter, "transfer", ticket=str(ticket.pk), service="no-such")
    assert "is not offered in this mall" in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED

    response = post(
        console, counter, "transfer", ticket=str(ticket.pk), service=target.service.code
    )
    assert f"transferred to {target.service.name}" in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING and ticket.offering_id == target.pk
    assert ticket.counter_id is None and ticket.transfer_count == 1
    assert response.context["current"] is None


def test_call_while_busy_shows_counter_busy(console, mall, offering, counter):
    first, second = issue(mall, offering), issue(mall, offering)
    post(console, counter, "call")
    response = post(console, counter, "call")
    assert response.status_code == 200
    assert f"Ticket {first.number} is still open at this counter; finish it first." in text(
        response
    )
    second.refresh_from_db()
    assert second.status == Ticket.Status.WAITING


def test_actions_on_a_ticket_that_is_not_there_are_readable(console, mall, offering, counter):
    response = post(console, counter, "finish")
    assert "There is no ticket at this counter now." in text(response)
    ticket = issue(mall, offering)
    post(console, counter, "call")
    response = post(console, counter, "finish", ticket=str(ticket.pk))  # not started yet
    assert "this action is not possible now" in text(response)
    response = post(console, counter, "start", ticket="0b6c5a34-3f8e-4f7e-9d3c-1c2b3a4d5e6f")
    assert "has changed" in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED
    response = post(console, counter, "call")
    assert response.status_code == 200


def test_nobody_waiting_is_a_message(console, counter):
    response = post(console, counter, "call")
    assert "Nobody is waiting for this counter." in text(response)


def test_close_counter_goes_back_to_the_picker(console, counter, officer):
    console.get(counter_url(counter))
    response = post(console, counter, "close")
    assert response.redirect_chain[-1][0] == reverse("console")
    assert f"{counter} is closed." in text(response)
    counter.refresh_from_db()
    assert not counter.is_open and counter.officer_id is None


def test_counter_open_for_someone_else_can_be_taken_over(client, mall, counter, officer):
    colleague = UserFactory(mall=mall, booth=counter.booth)
    q.counter_open(counter_id=counter.pk, officer_id=colleague.pk)
    client.force_login(officer)
    response = client.get(counter_url(counter))
    assert "Take over this counter" in text(response)
    counter.refresh_from_db()
    assert counter.officer_id == colleague.pk  # looking does not take it
    post(client, counter, "open")
    counter.refresh_from_db()
    assert counter.officer_id == officer.pk


def test_panel_fragment_lists_waiting_with_priority_marked(console, mall, offering, counter):
    regular = issue(mall, offering)
    elderly = issue(mall, offering, Priority.ELDERLY)
    response = console.get(reverse("console-panel", kwargs={"counter_id": counter.pk}))
    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert regular.number in html and elderly.number in html
    assert html.count('class="is-priority"') == 1
    assert "Elderly" in html


def test_action_needs_post_and_a_known_name(console, counter):
    assert console.get(action_url(counter, "call")).status_code == 405
    assert console.post(action_url(counter, "explode")).status_code == 404
    missing = reverse("console-counter", kwargs={"counter_id": 999999})
    assert console.get(missing).status_code == 404


@pytest.mark.parametrize("who", ["other_mall", "other_booth"])
def test_officer_who_may_not_operate_the_counter_gets_403_everywhere(
    client, mall, offering, counter, who
):
    if who == "other_mall":
        stranger = UserFactory(mall=MallFactory())
    else:
        stranger = UserFactory(mall=mall, booth=OfferingFactory(booth__mall=mall).booth)
    ticket = issue(mall, offering)
    client.force_login(stranger)
    assert client.get(counter_url(counter)).status_code == 403
    assert (
        client.get(reverse("console-panel", kwargs={"counter_id": counter.pk})).status_code == 403
    )
    for name in ["call", "recall", "start", "finish", "no-show", "transfer", "open", "close"]:
        assert client.post(action_url(counter, name), {"ticket": str(ticket.pk)}).status_code == 403
    ticket.refresh_from_db()
    counter.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert not counter.is_open
    assert Counter.objects.get(pk=counter.pk).officer_id is None


# Retries: each rendered form carries a nonce (core.formkeys) -------------------------


def nonce_of(page: str, action: str) -> str:
    """The nonce of an action's form as the console drew it."""
    form = re.search(rf'<form method="post" action="[^"]*/{action}/"[^>]*>(.*?)</form>', page, re.S)
    return re.search(r'name="nonce" value="([0-9a-f]{32})"', form.group(1)).group(1)


def test_call_next_retried_with_the_same_nonce_calls_once(console, mall, offering, counter):
    """A console that sends its call form again (the answer was lost) must not call the
    next ticket nor be told counter_busy: it gets the first answer again."""
    first, second = issue(mall, offering), issue(mall, offering)
    nonce = nonce_of(text(console.get(counter_url(counter))), "call")
    response = post(console, counter, "call", nonce=nonce)
    assert f"{first.number} called." in text(response)
    again = post(console, counter, "call", nonce=nonce)
    assert f"{first.number} called." in text(again)
    assert "still open at this counter" not in text(again)
    second.refresh_from_db()
    assert second.status == Ticket.Status.WAITING
    assert Event.objects.filter(kind="ticket.called").count() == 1
    # the page drawn after the call has a new nonce: that one is a new request
    assert nonce_of(text(again), "recall") != nonce


def test_every_action_form_has_a_nonce_new_on_each_rendering(console, mall, offering, counter):
    issue(mall, offering)
    post(console, counter, "call")
    page, later = text(console.get(counter_url(counter))), text(console.get(counter_url(counter)))
    forms = re.findall(r'<form method="post".*?</form>', page, re.S)
    assert len(forms) >= 6
    assert all('name="nonce"' in form for form in forms)
    assert nonce_of(page, "recall") != nonce_of(later, "recall")


@pytest.mark.usefixtures("redis_down")
def test_recall_retried_with_a_dead_redis_recalls_once(console, mall, offering, counter):
    ticket = issue(mall, offering)
    post(console, counter, "call")
    nonce = nonce_of(text(console.get(counter_url(counter))), "recall")
    for _ in range(2):
        response = post(console, counter, "recall", ticket=str(ticket.pk), nonce=nonce)
        assert response.status_code == 200
        assert f"{ticket.number} called again (recall 1)." in text(response)
    ticket.refresh_from_db()
    assert ticket.recall_count == 1
