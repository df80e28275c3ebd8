"""The search index on the database: the same ranking from SQLite and PostgreSQL, mall scope
against national, and the index following catalogue changes without a manual rebuild.

Run on both databases (see the brief): the rankings read from the stored index are
compared with rankings computed in memory straight from the catalogue, so both
databases are shown to give the very same order and scores.
"""

import pytest
from django.db import transaction

from mpp.catalog.models import Agency, Offering, Service
from mpp.search import index
from mpp.search.documents import document_build
from mpp.search.models import SearchDocument, SearchIndexState, SearchPending
from mpp.search.ranking import snapshot_build
from mpp.search.selectors import service_search
from mpp.search.services import search_index_refresh
from mpp.search.text import analyse
from tests.factories import BoothFactory

FIXED_QUERIES = [
    "bikin ktp hilang",
    "perpanjang sim motor",
    "akte lahir anak",
    "izin usaha umkm",
    "paspor baru",
    "bayar pajak motor",
    "kartu kuning",
    "imb",
    "daftar nikah di kua",
    "bpjs",
]


def _in_memory_snapshot():
    """The index computed from the catalogue rows alone, never reading SearchDocument."""
    documents = []
    for service in Service.objects.filter(is_active=True).select_related("agency").order_by("pk"):
        terms, words = document_build(service)
        documents.append((service.pk, service.code, service.name, terms, words))
    offerings = Offering.objects.filter(is_active=True, service__is_active=True)
    return snapshot_build(
        version="memory",
        fingerprint="memory",
        documents=documents,
        offerings=list(offerings.values_list("mall_id", "service_id")),
    )


def _codes(snapshot, query, mall_id=None):
    return [
        (snapshot.services[p].code, score)
        for p, score in snapshot.score(analyse(query), mall_id=mall_id)[:10]
    ]


def _found(query, mall):
    return [h.service_code for h in service_search(query=query, mall_id=mall.pk).hits]


def test_rankings_from_the_stored_index_equal_the_catalogue_computed_in_memory(demo):
    stored, _ = index.current()
    memory = _in_memory_snapshot()
    for query in FIXED_QUERIES:
        for mall_id in (demo.pk, None):
            assert _codes(stored, query, mall_id) == _codes(memory, query, mall_id), query


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("bikin ktp hilang", "dukcapil-ktp-el-hilang-rusak"),
        ("perpanjang sim motor", "polres-sim-c-perpanjangan"),
        ("akte lahir anak", "dukcapil-akta-kelahiran"),
        ("izin usaha umkm", "dpmptsp-nib"),
        ("paspor baru", "imigrasi-paspor-baru"),
        ("kartu kuning", "disnaker-ak1"),
        ("imb", "dpmptsp-pbg"),
    ],
)
def test_the_issue_examples_find_the_right_service_first(demo, query, first):
    result = service_search(query=query, mall_id=demo.pk)
    assert result.hits[0].service_code == first


def test_mall_scope_only_holds_services_offered_there(demo, depok):
    in_depok = service_search(query="ktp hilang", mall_id=depok.pk)
    assert in_depok.hits[0].service_code == "depok-ktp-el-hilang-rusak"
    assert all(h.places[0].mall_code == depok.code for h in in_depok.hits)
    assert not service_search(query="paspor", mall_id=depok.pk).hits  # no immigration there
    in_majalengka = service_search(query="ktp hilang", mall_id=demo.pk)
    assert in_majalengka.hits[0].service_code == "dukcapil-ktp-el-hilang-rusak"
    assert in_majalengka.hits[0].place.booth == "Gerai Disdukcapil"


def test_national_search_groups_one_standard_served_in_several_malls(demo, depok):
    hit = service_search(query="ktp hilang").hits[0]
    assert set(hit.service_codes) == {"dukcapil-ktp-el-hilang-rusak", "depok-ktp-el-hilang-rusak"}
    assert [p.mall_code for p in hit.places] == [demo.code, depok.code]  # by mall name
    assert hit.place is None and hit.next_steps == ()  # which mall: the citizen chooses
    paspor = service_search(query="paspor baru").hits[0]
    assert paspor.place.mall_code == demo.code  # offered in one mall only
    assert [s.kind for s in paspor.next_steps][:1] == ["ticket"]


def test_next_steps_follow_the_catalogue(demo):
    ktp = service_search(query="rekam ktp baru", mall_id=demo.pk).hits[0]
    assert ktp.service_code == "dukcapil-ktp-el-baru"
    kinds = {s.kind: s.url for s in ktp.next_steps}
    assert kinds["ticket"] == f"/m/{demo.code}/phone/dukcapil-ktp-el-baru/"
    assert kinds["book"] == f"/m/{demo.code}/layanan/dukcapil-ktp-el-baru/pesan/"  # policy on
    assert "apply" not in kinds  # not marked for online application
    bpjs = service_search(query="daftar bpjs kesehatan mandiri", mall_id=demo.pk).hits[0]
    apply = [s for s in bpjs.next_steps if s.kind == "apply"]
    assert apply and apply[0].url == "https://www.bpjs-kesehatan.go.id"


def test_a_new_service_is_found_without_a_rebuild(demo):
    booth = BoothFactory(mall=demo, ticket_prefix="ZZ")
    service = Service.objects.create(
        agency=booth.agency,
        code="uji-surat-keterangan-domisili",
        name="Surat keterangan domisili usaha",
    )
    Offering.objects.create(mall=demo, booth=booth, service=service)
    assert SearchPending.objects.exists()  # marked by the save, in its transaction
    result = service_search(query="surat domisili usaha", mall_id=demo.pk)
    assert result.hits[0].service_code == "uji-surat-keterangan-domisili"
    assert not SearchPending.objects.exists()  # applied by the search


def test_a_renamed_service_is_found_by_its_new_name_only(demo):
    service = Service.objects.get(code="dpmptsp-reklame")
    assert service_search(query="reklame", mall_id=demo.pk).hits[0].service_code == service.code
    service.name, service.keywords = "Izin pemasangan papan nama toko", "papan nama toko"
    service.save()
    assert service_search(query="papan nama toko", mall_id=demo.pk).hits[0].service_code == (
        "dpmptsp-reklame"
    )
    assert not service_search(query="baliho", mall_id=demo.pk).hits


def test_inactive_services_and_offerings_drop_out(demo, depok):
    ktp = "depok-ktp-el-hilang-rusak"
    assert ktp in _found("ktp hilang", depok)
    offering = Offering.objects.get(mall=depok, service__code=ktp)
    offering.is_active = False
    offering.save()
    assert ktp not in _found("ktp hilang", depok)
    service = Service.objects.get(code="imigrasi-paspor-rusak")
    service.is_active = False
    service.save()
    assert "imigrasi-paspor-rusak" not in _found("paspor rusak", demo)
    assert not SearchDocument.objects.filter(service=service).exists()


def test_an_agency_rename_reaches_its_services(demo):
    agency = Agency.objects.get(code="kejari-majalengka")
    agency.name = "Kantor Adhyaksa Majalengka"
    agency.save()
    assert service_search(query="adhyaksa", mall_id=demo.pk).hits[0].agency == agency.name


def test_a_rolled_back_change_leaves_no_mark(demo):
    with pytest.raises(RuntimeError), transaction.atomic():
        Service.objects.filter(code="bpn-roya").first().save()
        raise RuntimeError
    assert not SearchPending.objects.exists()


def test_new_data_tables_rebuild_the_whole_index(demo):
    SearchIndexState.objects.update(fingerprint="made-with-older-tables")
    SearchDocument.objects.update(terms={})
    assert service_search(query="bikin ktp hilang", mall_id=demo.pk).hits
    assert (
        SearchDocument.objects.exclude(terms={}).count()
        == Service.objects.filter(is_active=True).count()
    )


def test_refresh_without_pending_changes_does_nothing(demo):
    version = SearchIndexState.objects.get().version
    assert search_index_refresh() is False
    assert SearchIndexState.objects.get().version == version
