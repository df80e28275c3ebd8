"""search.selectors.service_hit: one service's card by code, without a query."""

from mpp.catalog.models import Mall
from mpp.search.lookups import service_hit
from mpp.search.selectors import service_search

KTP = "dukcapil-ktp-el-hilang-rusak"


def test_in_a_mall_the_card_is_the_one_the_search_shows(demo):
    hit = service_hit(code=KTP, mall_id=demo.pk)
    searched = service_search(query="ktp hilang rusak", mall_id=demo.pk).hits[0]
    assert hit is not None and searched.service_code == KTP
    assert (hit.name, hit.agency, hit.requirements) == (
        searched.name,
        searched.agency,
        searched.requirements,
    )
    assert hit.place == searched.place and hit.next_steps == searched.next_steps


def test_a_service_not_offered_in_the_mall_has_no_card_there(demo, depok):
    assert service_hit(code=KTP, mall_id=depok.pk) is None
    assert service_hit(code="no-such-service", mall_id=demo.pk) is None


def test_nationally_the_card_holds_every_service_of_its_name(demo, depok):
    hit = service_hit(code=KTP)
    assert hit is not None
    assert hit.service_codes[0] == KTP
    assert set(hit.service_codes) == {KTP, "depok-ktp-el-hilang-rusak"}
    assert {p.mall_code for p in hit.places} == {demo.code, depok.code}


def test_an_unknown_mall_id_finds_nothing(demo):
    missing = (Mall.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    assert service_hit(code=KTP, mall_id=missing) is None
