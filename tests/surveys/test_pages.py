"""The survey pages without JavaScript: the citizen's survey, the counter's tablet, the public
IKM page, and the survey offer on the ticket page (Indonesian by default, English on request)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.core.models import Event
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from tests.factories import (
    CounterFactory,
    MallFactory,
    OfferingFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
    UserFactory,
)
from tests.surveys.conftest import finish_ticket, form

# Arithmetic on a handful of answers: groups of any size shown (test_privacy.py: the rule).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("every_group_shown")]
COOKIE = settings.LANGUAGE_COOKIE_NAME


def english(client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies[COOKIE] = "en"
    return client


def text(response) -> str:
    return response.content.decode()


def survey_url(token):
    return reverse("survey", kwargs={"token": token})


def tablet_url(counter):
    return reverse("survey-tablet", kwargs={"counter_id": counter.pk})


# The citizen's survey ---------------------------------------------------------------


def test_survey_page_is_indonesian_by_default(invitation):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(survey_url(invitation.token))
    assert response.status_code == 200
    assert response["Content-Language"] == "id"
    assert '<html lang="id">' in text(response)
    assert "Gratis" in text(response)  # U4's answer d, already in the catalogue


def test_survey_page_shows_nine_questions_in_order(invitation):
    response = english().get(survey_url(invitation.token))
    html = text(response)
    assert re.findall(r'data-element="(U\d)"', html) == [f"U{i}" for i in range(1, 10)]
    assert html.count('type="radio" name="U') == 36
    for name in ("sex", "education", "occupation"):
        assert f'name="{name}"' in html
    assert 'name="age"' in html and 'name="comment"' in html
    assert invitation.service.name in html and invitation.mall.name in html
    assert "What do you think of how easy the service procedure at this unit is?" in html
    assert "Very polite and friendly" in html
    assert "csrfmiddlewaretoken" in html


def test_submitting_the_survey(invitation):
    client = english()
    response = client.post(survey_url(invitation.token), form(comment="Mantap"))
    assert response.status_code == 302
    assert response["Location"] == reverse("survey-thanks", kwargs={"token": invitation.token})
    row = SurveyResponse.objects.get()
    assert row.channel == "web" and row.comment == "Mantap" and row.u9 == 3
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Thank you!" in text(thanks)
    assert reverse("mall-ikm", kwargs={"mall": invitation.mall.code}) in text(thanks)
    again = client.get(survey_url(invitation.token))
    assert again.status_code == 409 and "Already answered" in text(again)
    assert client.post(survey_url(invitation.token), form()).status_code == 409
    assert SurveyResponse.objects.count() == 1


def test_missing_answers_bring_the_form_back_as_filled(invitation):
    data = form(scores=(4, 3, 2, 1, 4, 3, 2, 1, 4), comment="Catatan saya")
    del data["U7"]
    data["age"] = ""
    response = english().post(survey_url(invitation.token), data)
    assert response.status_code == 422
    html = text(response)
    # the form's words: questions by number, answers by letter (not U7, not scores 1-4)
    assert "Please answer question 7: choose a, b, c or d." in html
    assert "U7" not in html.split('data-testid="survey-error">')[1].split("</p>")[0]
    assert 'name="U4" value="1" checked' in html and 'name="U9" value="4" checked' in html
    assert 'name="occupation" value="wirausaha" checked' in html
    assert "Catatan saya</textarea>" in html
    assert SurveyResponse.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.used is False


def test_unknown_used_and_expired_links(offering):
    client = english()
    for token in ("x" * 22, "not-a-real-token", "%00"):
        response = client.get(f"/survei/{token}/")
        assert response.status_code == 404 and "Survey not found" in text(response)
    assert client.post("/survei/nope/", form()).status_code == 404
    old = SurveyInvitationFactory(
        offering=offering, created_at=timezone.now() - dt.timedelta(days=31)
    )
    response = client.get(survey_url(old.token))
    assert response.status_code == 410 and "This survey has closed" in text(response)
    assert client.post(survey_url(old.token), form()).status_code == 410
    assert SurveyResponse.objects.count() == 0
    thanks = client.get(reverse("survey-thanks", kwargs={"token": old.token}))
    assert thanks.status_code == 302  # not answered: back to the survey
    assert client.get(reverse("survey-thanks", kwargs={"token": "nope"})).status_code == 404


def test_submissions_are_rate_limited_per_address(invitation, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "survey_ip": (1, 60)}
    client = english()
    bad = form()
    del bad["U1"]
    assert client.post(survey_url(invitation.token), bad).status_code == 422
    response = client.post(survey_url(invitation.token), form())
    assert response.status_code == 429 and "Too many attempts" in text(response)
    assert int(response["Retry-After"]) >= 1
    assert SurveyResponse.objects.count() == 0


# The ticket page --------------------------------------------------------------------


def test_ticket_page_offers_the_survey_once_finished(mall, offering, counter, officer):
    from mpp.queueing import services as q

    ticket = q.ticket_issue(mall=mall, service_code=offering.service.code)
    page = reverse("ticket", kwargs={"secret": ticket.secret})
    assert 'data-testid="survey-link"' not in text(english().get(page))
    q.ticket_call_next(counter_id=counter.pk, actor_id=officer.pk)
    q.ticket_start(ticket_id=ticket.pk, actor_id=officer.pk)
    q.ticket_finish(ticket_id=ticket.pk, actor_id=officer.pk)
    token = SurveyInvitation.objects.get().token
    html = text(english().get(page))
    assert f'href="{survey_url(token)}"' in html and "Rate our service" in html
    assert 'class="qr"' in html.split('data-testid="survey-offer"')[1]
    status = text(english().get(reverse("ticket-status", kwargs={"secret": ticket.secret})))
    assert survey_url(token) in status  # the live fragment the page's script swaps in
    english().post(survey_url(token), form())
    html = text(english().get(page))
    assert survey_url(token) not in html and "Thank you for rating our service." in html


# The counter's tablet ---------------------------------------------------------------


@pytest.fixture
def tablet(officer):
    client = english()
    client.force_login(officer)
    return client


def test_tablet_needs_the_counters_staff(client, counter, mall):
    response = client.get(tablet_url(counter))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    stranger = UserFactory(mall=MallFactory())
    client.force_login(stranger)
    assert client.get(tablet_url(counter)).status_code == 403
    other_booth = UserFactory(mall=mall, booth=OfferingFactory(booth__mall=mall).booth)
    client.force_login(other_booth)
    assert client.get(tablet_url(counter)).status_code == 403
    manager = UserFactory(mall=mall, role=Role.MALL_MANAGER)
    client.force_login(manager)
    assert client.get(tablet_url(counter)).status_code == 200
    assert client.get("/console/999999/survei/").status_code == 404


def test_tablet_waits_then_offers_the_finished_ticket(tablet, mall, offering, counter, officer):
    waiting = tablet.get(tablet_url(counter))
    assert waiting.status_code == 200 and 'data-testid="tablet-wait"' in text(waiting)
    assert '<meta http-equiv="refresh" content="5">' in text(waiting)
    assert "Log out" not in text(waiting)  # the citizen cannot sign the officer out
    ticket = finish_ticket(mall, offering, counter, officer)
    shown = tablet.get(tablet_url(counter))
    html = text(shown)
    token = SurveyInvitation.objects.get(transaction_id=str(ticket.pk)).token
    assert 'data-testid="tablet-form"' in html and f'value="{token}"' in html
    done = tablet.post(tablet_url(counter), form(token, scores=(1,)))
    assert done.status_code == 200 and 'data-testid="tablet-thanks"' in text(done)
    assert f'content="6;url={tablet_url(counter)}"' in text(done)
    row = SurveyResponse.objects.get()
    assert row.channel == "tablet" and row.u1 == 1
    # The officer's screen never shows an answer, and the next look is a waiting screen.
    for page in (done, tablet.get(tablet_url(counter))):
        assert "Not suitable" not in text(page) and "checked" not in text(page)
    assert 'data-testid="tablet-wait"' in text(tablet.get(tablet_url(counter)))


def test_tablet_refuses_other_counters_surveys(tablet, mall, offering, counter, officer):
    other_counter = CounterFactory(mall=mall, booth=offering.booth, serves=[offering])
    elsewhere = SurveyInvitationFactory(offering=offering, counter=other_counter)
    response = tablet.post(tablet_url(counter), form(elsewhere.token))
    assert response.status_code == 404
    ticket = finish_ticket(mall, offering, counter, officer)
    token = SurveyInvitation.objects.get(transaction_id=str(ticket.pk)).token
    bad = form(token)
    del bad["sex"]
    again = tablet.post(tablet_url(counter), bad)
    assert again.status_code == 422 and "Please fill in your sex" in text(again)
    english().post(survey_url(token), form())  # answered on the phone meanwhile
    late = tablet.post(tablet_url(counter), form(token))
    assert late.status_code == 409 and 'data-testid="tablet-wait"' in text(late)
    assert SurveyResponse.objects.count() == 1


def test_console_links_to_its_tablet(tablet, counter):
    html = text(tablet.get(reverse("console-counter", kwargs={"counter_id": counter.pk})))
    assert f'href="{tablet_url(counter)}"' in html


# The public IKM page ----------------------------------------------------------------


def test_ikm_page(mall, offering):
    today = mall.today()
    fields = {f"u{i}": 4 for i in range(1, 10)}
    SurveyResponseFactory(offering=offering, submitted_on=today, **fields)
    SurveyResponseFactory(offering=offering, submitted_on=today)  # all 3
    SurveyInvitationFactory.create_batch(4, offering=offering)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    SurveyResponseFactory(offering=offering, submitted_on=last_month)
    response = english().get(reverse("mall-ikm", kwargs={"mall": mall.code}))
    assert response.status_code == 200
    html = text(response)
    # This month: (36 + 27) x 25 / 18 = 87.50 (B); 2 of the 4 needed (Krejcie-Morgan, N = 4).
    month = html.split('data-period="month"')[1].split("</section>")[0]
    assert '<p class="sv-ikm" data-testid="ikm-value">87.50</p>' in month
    assert 'data-testid="ikm-mutu">B</span> Good' in month
    assert 'data-testid="ikm-respondents">2</dd>' in month and "ikm-short" in month
    assert re.findall(r'data-element="(U\d)"', month) == [f"U{i}" for i in range(1, 10)]
    assert ">3.500</td>" in month
    previous = html.split('data-period="previous_month"')[1].split("</section>")[0]
    assert '<p class="sv-ikm" data-testid="ikm-value">75.00</p>' in previous
    assert "Quarter " in html
    assert "Mantap" not in html  # no comments on the public page
    indonesian = text(Client().get(reverse("mall-ikm", kwargs={"mall": mall.code})))
    assert "87,50" in indonesian  # Indonesian decimal comma


def test_ikm_page_without_answers_and_unknown_mall(mall):
    html = text(english().get(reverse("mall-ikm", kwargs={"mall": mall.code})))
    assert html.count('data-testid="ikm-none"') == 3 and "ikm-value" not in html
    assert english().get("/m/no-such-mall/ikm/").status_code == 404


def test_nothing_on_the_pages_writes_without_a_post(invitation, counter, tablet):
    events = Event.objects.count()
    for url in (survey_url(invitation.token), tablet_url(counter)):
        tablet.get(url)
    assert Event.objects.count() == events
