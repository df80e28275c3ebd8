"""The API clients' admin: scoped to a manager's own mall, keys shown once, revocation final."""

import re

import pytest
from django.test import Client

from mpp.accounts.models import Role
from mpp.accounts.services import staff_sync_permissions
from mpp.core.models import Event
from mpp.integrations.models import ApiClient, ApiClientKey
from mpp.integrations.selectors import client_for_key
from tests.factories import AgencyFactory, MallFactory, UserFactory, client_with_key

pytestmark = pytest.mark.django_db

LIST = "/admin/integrations/apiclient/"
ADD = LIST + "add/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def keys_on(page) -> list[str]:
    return re.findall(r'class="client-key"[^>]*>(mppc_[^<]+)<', page.content.decode())


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def manager(mall):
    user = UserFactory(username="manajer", role=Role.MALL_MANAGER, mall=mall)
    staff_sync_permissions(user=user)
    return user


@pytest.fixture
def national(db):
    user = UserFactory(username="nasional", role=Role.NATIONAL_ADMIN, mall=None)
    staff_sync_permissions(user=user)
    return user


def _form(agency, malls, **extra) -> dict:
    data = {
        "name": "SIAK",
        "agency": agency.pk,
        "malls": [m.pk for m in malls],
        "operations": ["case.process", "webhook.manage"],
        "contact_email": "it@dukcapil.example",
        "rate_limit_per_minute": "120",
        "key_expires_at_0": "",
        "key_expires_at_1": "",
        "keys-TOTAL_FORMS": "0",
        "keys-INITIAL_FORMS": "0",
        "keys-MIN_NUM_FORMS": "0",
        "keys-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def test_manager_creates_a_client_of_their_mall_and_sees_the_key_once(mall, manager):
    agency = AgencyFactory()
    elsewhere = MallFactory()
    browser = signed_in(manager)
    assert LIST in browser.get("/admin/").content.decode()  # "Agency systems" in the index
    assert browser.get(ADD).status_code == 200
    # another mall is not a choice: a form error, nothing saved
    page = browser.post(ADD, _form(agency, [elsewhere]))
    assert page.status_code == 200 and not ApiClient.objects.exists()
    page = browser.post(ADD, _form(agency, [mall]))
    assert page.status_code == 200, page.content
    assert "no-store" in page["Cache-Control"]
    (raw,) = keys_on(page)
    client = client_for_key(raw)
    assert client.mall_ids == {mall.pk} and client.created_by == manager
    assert client.operations == ["case.process", "webhook.manage"]
    assert client.rate_limit_per_minute == 120
    assert Event.objects.filter(kind="client.created", actor_id=manager.pk).exists()
    # never shown again: not on the list, not on the change page (the prefix is)
    listing = browser.get(LIST).content.decode()
    change = browser.get(f"{LIST}{client.pk}/change/").content.decode()
    assert "SIAK" in listing and raw not in listing
    assert raw[:12] in change and raw not in change
    stored = str(list(Event.objects.values_list("data", flat=True)))
    assert raw not in stored


def test_national_admin_creates_a_client_of_several_malls(national):
    first, second = MallFactory(), MallFactory()
    page = signed_in(national).post(ADD, _form(AgencyFactory(), [first, second]))
    (raw,) = keys_on(page)
    assert client_for_key(raw).mall_ids == {first.pk, second.pk}


def test_a_key_expiry_in_the_past_is_a_form_error(national, mall):
    page = signed_in(national).post(
        ADD, _form(AgencyFactory(), [mall], key_expires_at_0="2020-01-01", key_expires_at_1="10:00")
    )
    assert page.status_code == 200 and not keys_on(page)
    assert "cannot expire in the past" in page.content.decode()
    assert not ApiClient.objects.exists()


def test_a_manager_sees_only_clients_all_of_whose_malls_are_theirs(mall, manager):
    elsewhere = MallFactory()
    own, _ = client_with_key(malls=[mall], name="Own system")
    shared, _ = client_with_key(malls=[mall, elsewhere], name="Shared system")
    theirs, _ = client_with_key(malls=[elsewhere], name="Their system")
    browser = signed_in(manager)
    listing = browser.get(LIST).content.decode()
    assert "Own system" in listing
    assert "Shared system" not in listing and "Their system" not in listing
    assert browser.get(f"{LIST}{own.pk}/change/").status_code == 200
    for other in (shared, theirs):
        assert browser.get(f"{LIST}{other.pk}/change/").status_code == 404


def test_booth_staff_and_officers_see_no_clients(mall, offering):
    client_with_key(malls=[mall])
    supervisor = UserFactory(role=Role.BOOTH_SUPERVISOR, mall=mall, booth=offering.booth)
    staff_sync_permissions(user=supervisor)
    assert LIST not in signed_in(supervisor).get("/admin/").content.decode()
    assert signed_in(supervisor).get(LIST).status_code == 403
    assert signed_in(supervisor).get(ADD).status_code == 403
    officer = UserFactory(role=Role.OFFICER, mall=mall, booth=offering.booth)
    assert signed_in(officer).get(LIST).status_code == 302  # to the login: not admin staff


def test_create_key_and_rotate_show_new_keys_once_and_only_for_own_clients(mall, manager):
    own, own_raw = client_with_key(malls=[mall])
    theirs, their_raw = client_with_key(malls=[MallFactory()])
    browser = signed_in(manager)
    page = browser.post(LIST, {"action": "create_key", "_selected_action": [own.pk, theirs.pk]})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    (extra,) = keys_on(page)
    assert client_for_key(extra) == own and client_for_key(own_raw) == own
    assert ApiClientKey.objects.filter(client=theirs).count() == 1

    page = browser.post(LIST, {"action": "rotate_keys", "_selected_action": [own.pk, theirs.pk]})
    (rotated,) = keys_on(page)
    assert "keep working until" in page.content.decode()
    assert client_for_key(rotated) == own
    old = ApiClientKey.objects.get(digest=ApiClientKey.digest_of(own_raw))
    assert old.expires_at is not None and client_for_key(own_raw) == own
    assert not ApiClientKey.objects.filter(client=theirs, expires_at__isnull=False).exists()
    assert client_for_key(their_raw) == theirs


def test_revoke_is_final_and_a_revoked_client_is_read_only(mall, manager):
    own, own_raw = client_with_key(malls=[mall], name="Old system")
    theirs, their_raw = client_with_key(malls=[MallFactory()])
    browser = signed_in(manager)
    response = browser.post(
        LIST, {"action": "revoke_clients", "_selected_action": [own.pk, theirs.pk]}, follow=True
    )
    assert "API clients revoked for good: 1." in response.content.decode()
    assert client_for_key(own_raw) is None and client_for_key(their_raw) == theirs
    # history: no change, no delete, no new key
    change = browser.post(f"{LIST}{own.pk}/change/", _form(own.agency, [mall], name="Renamed"))
    assert change.status_code == 403
    assert ApiClient.objects.get(pk=own.pk).name == "Old system"
    assert browser.post(f"{LIST}{own.pk}/delete/", {"post": "yes"}).status_code == 403
    page = browser.post(LIST, {"action": "create_key", "_selected_action": [own.pk]}, follow=True)
    assert not keys_on(page) and "No active API client" in page.content.decode()
    assert ApiClientKey.objects.filter(client=own, revoked_at__isnull=True).count() == 0


def test_national_admin_edits_a_client_but_not_its_agency(national, mall):
    client, raw = client_with_key(malls=[mall], name="Before")
    other_agency = AgencyFactory()
    browser = signed_in(national)
    data = _form(other_agency, [mall], name="After", operations=["ticket.read"])
    response = browser.post(f"{LIST}{client.pk}/change/", data)
    assert response.status_code == 302, response.content
    client.refresh_from_db()
    assert client.name == "After" and client.operations == ["ticket.read"]
    assert client.agency_id != other_agency.pk  # read-only once created
    assert client_for_key(raw) == client
