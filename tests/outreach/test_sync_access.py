"""Who may sync: the vehicle's crew (and those who plan the fleet), at their own mall;
every refusal is JSON the offline app can act on (401 sign in, 403 csrf / forbidden)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from mpp.accounts.models import Role
from mpp.outreach.models import FieldRecord
from tests.factories import MallFactory, UserFactory, region
from tests.outreach.sync_helpers import (
    attachment_of,
    photo,
    post_records,
    put_chunk,
    service_record,
    signed_in,
    world_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_make()


def record_for(world) -> dict:
    return service_record(service_code=world.offering.service.code, visit_id=world.visit.pk)


def test_not_signed_in_is_401_json_everywhere(world):
    client = Client(enforce_csrf_checks=True)
    file_url = reverse("outreach:sync_file", kwargs={"id": "6c1d7ad9-4c41-4fd8-9f0e-0e1c8a64f0a1"})
    answers = [
        client.get(reverse("outreach:field_data")),
        client.post(
            reverse("outreach:sync_records"),
            data=json.dumps({"device_id": "t", "records": [record_for(world)]}),
            content_type="application/json",
        ),
        client.put(file_url, data=b"abc", content_type="application/octet-stream"),
        client.get(file_url),
    ]
    for response in answers:
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "unauthorized"
    assert FieldRecord.objects.count() == 0


def test_a_missing_or_stale_csrf_token_is_403_json_code_csrf(world):
    client = signed_in(world.crew)
    missing = post_records(client, [record_for(world)], csrf=False)
    client.csrf = "x" * 32
    stale = post_records(client, [record_for(world)])
    for response in (missing, stale):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "csrf" and response.json()["message"]
    assert FieldRecord.objects.count() == 0
    # Reading needs no token.
    assert client.get(reverse("outreach:field_data")).status_code == 200


def test_staff_outside_the_crew_are_403(world):
    officer = UserFactory(mall=world.mall, role=Role.OFFICER)
    agent = UserFactory(mall=world.mall, role=Role.VILLAGE_AGENT, region=region("32.10"))
    for user, code in ((officer, "not_crew"), (agent, "forbidden")):
        client = signed_in(user)
        data = client.get(reverse("outreach:field_data"))
        records = post_records(client, [record_for(world)])
        for response in (data, records):
            assert response.status_code == 403
            assert response.json()["code"] == code
    assert FieldRecord.objects.count() == 0


def test_another_malls_crew_cannot_touch_this_malls_visits_files_or_vehicles(world):
    other = world_make(MallFactory())
    client = signed_in(other.crew)
    answer = post_records(client, [record_for(world)]).json()["results"][0]
    assert (answer["status"], answer["code"]) == ("invalid", "unknown_visit")

    content = photo(3)
    attachment = attachment_of(content)
    mine = signed_in(world.crew)
    record = service_record(service_code=world.offering.service.code, attachments=[attachment])
    assert post_records(mine, [record]).json()["results"][0]["status"] == "accepted"
    put = put_chunk(client, attachment["id"], content, 0, len(content))
    assert (put.status_code, put.json()["code"]) == (404, "unknown_file")
    # The same id sent from the other mall is refused, and reveals nothing.
    again = post_records(client, [record]).json()["results"][0]
    assert (again["status"], again["code"]) == ("invalid", "id_taken")
    vehicle = client.get(reverse("outreach:field_data"), {"vehicle": world.vehicle.pk})
    assert (vehicle.status_code, vehicle.json()["code"]) == (404, "vehicle_not_found")


def test_a_manager_syncs_for_any_vehicle_of_the_mall_but_not_anothers(world):
    manager = UserFactory(mall=world.mall, role=Role.MALL_MANAGER)
    client = signed_in(manager)
    answer = post_records(client, [record_for(world)]).json()["results"][0]
    assert answer["status"] == "accepted"
    assert FieldRecord.objects.get().recorded_by == manager
    data = client.get(reverse("outreach:field_data"), {"vehicle": world.vehicle.pk})
    assert data.status_code == 200 and data.json()["vehicle"]["id"] == world.vehicle.pk
    own = client.get(reverse("outreach:field_data"))  # not in a crew: must choose
    assert (own.status_code, own.json()["code"]) == (404, "no_vehicle")
    other = world_make(MallFactory())
    refused = client.get(reverse("outreach:field_data"), {"vehicle": other.vehicle.pk})
    assert refused.status_code == 404


def test_other_methods_are_405_json(world):
    client = signed_in(world.crew)
    response = client.get(reverse("outreach:sync_records"))
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"
