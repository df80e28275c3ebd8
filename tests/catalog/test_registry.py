"""The national registry of malls: every row of the project's list becomes one Mall."""

import datetime as dt

import pytest

from mpp.catalog.models import Mall, timezone_for_province
from mpp.catalog.registry import REGISTRY_CSV, mall_code_for, malls_registry_load, registry_rows
from mpp.core.models import Event

pytestmark = pytest.mark.django_db

DECEMBER_12 = dt.date(2024, 12, 12)


def test_the_list_is_the_projects_own_copy():
    rows = registry_rows()
    assert REGISTRY_CSV.parent.name == "data" and REGISTRY_CSV.parent.parent.name == "catalog"
    assert list(rows[0]) == ["regency_code", "name", "inaugurated_date", "source", "basis", "note"]
    assert len(rows) == 229
    assert sum(row["inaugurated_date"] == "2024-12-12" for row in rows) == 42


def test_every_row_becomes_a_mall_in_its_regency():
    assert malls_registry_load() == 229
    assert Mall.objects.count() == 229
    stored = dict(Mall.objects.values_list("code", "regency_id"))
    assert stored == {mall_code_for(row["name"]): row["regency_code"] for row in registry_rows()}

    mall = Mall.objects.select_related("regency").get(code="mpp-kabupaten-majalengka")
    assert mall.name == "MPP Kabupaten Majalengka"
    assert mall.regency.name == "Kabupaten Majalengka" and mall.regency_id == "32.10"
    assert mall.inaugurated_on == DECEMBER_12
    assert mall.status == Mall.Status.OPERATING
    assert mall.timezone == "Asia/Jakarta"
    assert mall.source_url.startswith("https://")
    assert mall.source_note == "news_report_batch — inaugurated in batch of 42 (total 272)"


def test_the_42_malls_of_12_december_2024_are_all_there():
    malls_registry_load()
    batch = Mall.objects.filter(inaugurated_on=DECEMBER_12)
    assert batch.count() == 42
    assert batch.filter(code="mpp-kabupaten-majalengka").exists()


def test_time_zone_follows_the_province():
    malls_registry_load()
    zones = {m.timezone for m in Mall.objects.all()}
    assert {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"} <= zones
    for code, zone in Mall.objects.values_list("regency_id", "timezone"):
        assert zone == timezone_for_province(code[:2])


def test_unknown_and_partial_dates_stay_empty_with_a_note():
    malls_registry_load()
    blank = sum(not row["inaugurated_date"] for row in registry_rows())
    assert Mall.objects.filter(inaugurated_on__isnull=True).count() == blank + 1
    lampung_tengah = Mall.objects.get(regency_id="18.02")
    assert lampung_tengah.inaugurated_on is None
    assert "inaugurated 2023-02 (day not known)" in lampung_tengah.source_note


def test_rerun_creates_nothing_and_keeps_the_managers_settings():
    malls_registry_load()
    mall = Mall.objects.get(code="mpp-kabupaten-majalengka")
    mall.priority_policy = Mall.PriorityPolicy.INTERLEAVE
    mall.priority_every = 5
    mall.address = "Jl. Ahmad Yani"
    mall.status = Mall.Status.CLOSED
    mall.name = "Nama yang salah"
    mall.save()
    ids = set(Mall.objects.values_list("pk", flat=True))

    assert malls_registry_load() == 229

    assert set(Mall.objects.values_list("pk", flat=True)) == ids
    mall.refresh_from_db()
    assert mall.priority_policy == Mall.PriorityPolicy.INTERLEAVE
    assert mall.priority_every == 5
    assert mall.address == "Jl. Ahmad Yani"
    assert mall.status == Mall.Status.CLOSED
    assert mall.name == "MPP Kabupaten Majalengka"  # a registry fact, restored
    loads = Event.objects.filter(kind="registry.loaded").order_by("id")
    assert [e.data["created"] for e in loads] == [229, 0]
    assert loads.last().data["updated"] == 1
    malls_registry_load()  # nothing changed: nothing recorded
    assert Event.objects.filter(kind="registry.loaded").count() == 2
