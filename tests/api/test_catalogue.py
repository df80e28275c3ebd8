"""Catalogue endpoints: malls, services offered in a mall, counters."""

import pytest

from tests.api.helpers import assert_error
from tests.factories import CounterFactory, OfferingFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_malls_lists_codes_regions_and_dates(client, mall):
    response = client.get("/api/v1/malls")
    assert response.status_code == 200
    [row] = response.json()
    assert row == {
        "code": mall.code,
        "name": mall.name,
        "regency_code": "32.10",
        "regency_name": "Kabupaten Majalengka",
        "province_code": "32",
        "inaugurated_on": mall.inaugurated_on.isoformat(),
        "status": "operating",
        "timezone": "Asia/Jakarta",
    }


def test_services_of_a_mall_carry_booth_prefix_and_standard(client, mall, offering):
    service = offering.service
    service.fee = 50000
    service.fee_basis = "PP 60/2016"
    service.legal_basis = "UU 22/2009"
    service.channel_electronic = True
    service.save()
    OfferingFactory(booth=offering.booth, mall=mall, is_active=False)  # withdrawn: not listed
    OfferingFactory()  # another mall: not listed

    response = client.get(f"/api/v1/malls/{mall.code}/services")

    assert response.status_code == 200
    [row] = response.json()
    assert row["code"] == service.code and row["name"] == service.name
    assert row["agency"] == {
        "code": service.agency.code,
        "name": service.agency.name,
        "short_name": "",
        "kind": "regional",
    }
    assert row["booth"] == offering.booth.name
    assert row["ticket_prefix"] == offering.booth.ticket_prefix
    assert row["requirements"] == ["KTP-el asli"]
    assert row["procedure"] == ["Ambil antrean", "Serahkan berkas"]
    assert row["completion_time"] == "1 hari kerja"
    assert (row["fee"], row["fee_basis"], row["legal_basis"]) == (50000, "PP 60/2016", "UU 22/2009")
    assert row["channels"] == ["direct", "electronic"]


def test_services_tolerate_odd_stored_requirements(client, mall, offering):
    service = offering.service
    service.requirements = [{"doc": "KK"}, "KTP"]
    service.procedure = "not a list"
    service.save()
    row = client.get(f"/api/v1/malls/{mall.code}/services").json()[0]
    assert row["requirements"] == ["{'doc': 'KK'}", "KTP"]
    assert row["procedure"] == []


def test_counters_list_number_state_and_services(client, mall, offering, counter):
    second = OfferingFactory(booth=offering.booth, mall=mall, service=ServiceFactory())
    CounterFactory(mall=mall, number=counter.number + 1, name="", serves=[offering, second])

    response = client.get(f"/api/v1/malls/{mall.code}/counters")

    assert response.status_code == 200
    first, other = response.json()
    assert first == {
        "id": counter.pk,
        "number": counter.number,
        "name": counter.name,
        "booth": offering.booth.name,
        "is_open": False,
        "services": [offering.service.code],
    }
    assert other["name"] == f"Loket {counter.number + 1}"
    assert other["booth"] is None
    assert sorted(other["services"]) == sorted([offering.service.code, second.service.code])


@pytest.mark.parametrize("suffix", ["services", "counters", "board", "board/stream"])
@pytest.mark.parametrize("code", ["no-such-mall", "x" * 500, "bad%00code", "%E2%9C%93"])
def test_unknown_mall_is_a_json_404(client, suffix, code):
    response = client.get(f"/api/v1/malls/{code}/{suffix}")
    assert_error(response, 404, "mall_not_found")
