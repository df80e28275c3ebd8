"""The conflicts page: open sync conflicts with both versions side by side; a person of
the mall who plans the fleet keeps one (outreach.conflicts.conflict_resolve)."""

import pytest
from django.urls import reverse

from mpp.accounts.models import Role
from mpp.core.models import Event
from mpp.outreach.conflicts import conflict_resolve
from mpp.outreach.models import FieldRecord, SyncConflict
from mpp.queueing.models import Ticket
from tests.factories import MallFactory, UserFactory
from tests.outreach.sync_helpers import post_records, service_record, signed_in, world_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


@pytest.fixture
def manager(world):
    return UserFactory(mall=world.mall, role=Role.MALL_MANAGER)


def two_edits(world) -> tuple[dict, dict, dict]:
    client = signed_in(world.crew)
    code = world.offering.service.code
    original = service_record(service_code=code, people=1, note="awal")
    edit_a = service_record(service_code=code, people=2, previous=original["id"], note="dari A")
    edit_b = service_record(service_code=code, people=3, previous=original["id"], note="dari B")
    post_records(client, [original])
    post_records(client, [edit_a], device_id="tablet-a")
    post_records(client, [edit_b], device_id="tablet-b")
    return original, edit_a, edit_b


def test_the_page_shows_both_versions_and_keeping_one_settles_it(world, manager):
    original, edit_a, edit_b = two_edits(world)
    conflict = SyncConflict.objects.get()
    client = signed_in(manager)

    page = client.get(reverse("outreach:conflicts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "dari A" in html and "dari B" in html and "tablet-a" in html and "tablet-b" in html
    assert reverse("outreach:conflict_resolve", args=[conflict.pk]) in html

    response = client.post(
        reverse("outreach:conflict_resolve", args=[conflict.pk]),
        {"chosen": "other", "csrfmiddlewaretoken": client.csrf},
    )
    assert response.status_code == 302 and response["Location"] == reverse("outreach:conflicts")
    conflict.refresh_from_db()
    assert conflict.resolved_by == manager and conflict.resolved_at is not None
    assert str(conflict.chosen_id) == edit_b["id"]
    statuses = dict(FieldRecord.objects.values_list("pk", "status"))
    assert {str(k): v for k, v in statuses.items()} == {
        original["id"]: "accepted",
        edit_a["id"]: "resolved",
        edit_b["id"]: "resolved",
    }
    event = Event.objects.get(kind="outreach.conflict_resolved")
    assert event.data["chosen"] == "other" and event.data["chosen_record"] == edit_b["id"]
    assert event.data["channel"] == "mobile" and event.actor_id == manager.pk
    assert Ticket.objects.count() == 1  # the service still counts once
    after = client.get(reverse("outreach:conflicts"), HTTP_ACCEPT_LANGUAGE="en")
    assert "dari B" not in after.content.decode()
    assert 'data-testid="no-conflicts"' in after.content.decode()
    again = client.post(
        reverse("outreach:conflict_resolve", args=[conflict.pk]),
        {"chosen": "record", "csrfmiddlewaretoken": client.csrf},
        follow=True,
    )
    assert "already been settled" in again.content.decode()


def test_keeping_the_content_sent_again_makes_it_a_new_version(world, manager):
    client = signed_in(world.crew)
    record = service_record(service_code=world.offering.service.code, people=2)
    post_records(client, [record])
    changed = {**record, "payload": {**record["payload"], "people": 6}}
    post_records(client, [changed], device_id="tablet-2")
    conflict = SyncConflict.objects.get(kind="same_id")

    conflict_resolve(conflict=conflict, chosen="other", actor=manager)

    conflict.refresh_from_db()
    version = conflict.chosen
    assert version.previous_id == conflict.record_id and version.payload["people"] == 6
    assert version.root_id == conflict.record.root_id and version.device_id == "tablet-2"
    assert FieldRecord.objects.get(pk=record["id"]).payload["people"] == 2  # frozen


def test_only_planners_of_the_mall_see_and_settle_conflicts(world, manager):
    two_edits(world)
    conflict = SyncConflict.objects.get()
    officer = signed_in(world.crew)
    assert officer.get(reverse("outreach:conflicts")).status_code == 403
    refused = officer.post(
        reverse("outreach:conflict_resolve", args=[conflict.pk]),
        {"chosen": "record", "csrfmiddlewaretoken": officer.csrf},
    )
    assert refused.status_code == 403
    stranger = signed_in(UserFactory(mall=MallFactory(), role=Role.MALL_MANAGER))
    listing = stranger.get(reverse("outreach:conflicts"))
    assert listing.status_code == 200 and "dari A" not in listing.content.decode()
    missing = stranger.post(
        reverse("outreach:conflict_resolve", args=[conflict.pk]),
        {"chosen": "record", "csrfmiddlewaretoken": stranger.csrf},
    )
    assert missing.status_code == 404
    own = signed_in(manager)
    bad_choice = own.post(
        reverse("outreach:conflict_resolve", args=[conflict.pk]),
        {"chosen": "both", "csrfmiddlewaretoken": own.csrf},
        follow=True,
    )
    assert "Choose one of the two versions." in bad_choice.content.decode()
    conflict.refresh_from_db()
    assert conflict.resolved_at is None
    assert not Event.objects.filter(kind="outreach.conflict_resolved").exists()
