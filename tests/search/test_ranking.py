"""The compact in-memory index (mpp.search.ranking) ranks exactly as BM25F says.

The index holds each term's postings as flat arrays with precomputed contributions and
orders results with C-level sorts (so a national catalogue of 25,000 services fits in
~25 MB and ranks in milliseconds, docs/search.md). These tests check it against the
formula computed naively from the stored documents, check that the two ways of scoring a
mall (scanning a term's postings, or looking the mall's services up in them) give the
national scores, and that ties and national grouping follow the documented rules.
"""

import math
from array import array
from collections import Counter

import pytest

from mpp.catalog.models import Mall
from mpp.search import index, ranking
from mpp.search.documents import FIELDS, STANDARD
from mpp.search.models import SearchDocument
from mpp.search.ranking import K1, snapshot_build
from mpp.search.selectors import service_search
from mpp.search.text import analyse

QUERIES = [
    "bikin ktp hilang",
    "perpanjang sim motor",
    "akte lahir anak",
    "izin usaha umkm",
    "bayar pajak motor",
    "kartu kuning",
    "daftar bpjs kesehatan mandiri",
    "surat pindah",
]


def _reference_scores(documents, terms) -> dict[str, float]:
    """BM25F per service code, straight from the formula in mpp.search.ranking: N and df
    count standards (the stored key), field averages count services."""
    standards = {fields[STANDARD][0] for *_, fields, _ in documents}
    n = len(standards)
    average = {
        f.name: sum(len(d[3].get(f.name, [])) for d in documents) / len(documents) for f in FIELDS
    }
    about_pairs, holding_pairs = set(), set()
    for *_, fields, _ in documents:
        key = fields[STANDARD][0]
        about_pairs |= {(t, key) for f in FIELDS if f.topical for t in fields.get(f.name, [])}
        holding_pairs |= {(t, key) for f in FIELDS for t in fields.get(f.name, [])}
    about = Counter(t for t, _ in about_pairs)
    holding = Counter(t for t, _ in holding_pairs)
    scores = {}
    for _, code, _, fields, _ in documents:
        total, matched = 0.0, False
        for term in dict.fromkeys(terms):
            tf = 0.0
            for f in FIELDS:
                values = fields.get(f.name, [])
                count = min(values.count(term), 1) if f.binary else values.count(term)
                if count:
                    tf += f.weight * count / (1 - f.b + f.b * len(values) / average[f.name])
            if tf:
                df = about[term] or holding[term]
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                total += idf * tf * (K1 + 1) / (K1 + tf)
                matched = True
        if matched:
            scores[code] = total
    return scores


def _groups_of(snapshot, ranked, limit, keys):
    """National grouping as documented: the first `limit` standards in ranking order, each
    with every matching service of that standard, best first."""
    groups: dict[str, list] = {}
    for position, score in ranked:
        key = keys[snapshot.services[position].code]
        if key in groups:
            groups[key].append((position, score))
        elif len(groups) < limit:
            groups[key] = [(position, score)]
    return list(groups.values())


def test_scores_are_the_bm25f_of_the_stored_documents(demo):
    documents = list(
        SearchDocument.objects.order_by("service_id").values_list(
            "service_id", "service__code", "service__name", "terms", "words"
        )
    )
    snapshot, _ = index.current()
    assert snapshot.size == len(documents)
    for query in QUERIES:
        terms = analyse(query)
        found = {snapshot.services[p].code: score for p, score in snapshot.score(terms)}
        assert found == pytest.approx(_reference_scores(documents, terms), rel=1e-12), query


def test_postings_are_flat_arrays(demo):
    snapshot, _ = index.current()
    positions, gains = snapshot.postings["ktp"]
    assert isinstance(positions, array) and positions.typecode == "i"
    assert isinstance(gains, array) and gains.typecode == "d"
    assert list(positions) == sorted(positions) and len(gains) == len(positions)


@pytest.mark.parametrize("ratio", [0, 10**9], ids=["look-up", "scan"])
def test_a_malls_scores_are_the_national_scores_of_its_services(demo, depok, monkeypatch, ratio):
    monkeypatch.setattr(ranking, "LOOKUP_RATIO", ratio)
    snapshot, _ = index.current()
    for query in QUERIES:
        terms = analyse(query)
        national = snapshot.score(terms)
        for mall in (demo, depok):
            members = set(snapshot.mall_members[mall.pk])
            expected = [(p, score) for p, score in national if p in members]
            assert snapshot.score(terms, mall_id=mall.pk) == expected, (query, mall.code)
            assert snapshot.ranked_groups(terms, limit=3, mall_id=mall.pk) == [
                [item] for item in expected[:3]
            ]


def test_national_groups_follow_the_ranking(demo, depok):
    snapshot, _ = index.current()
    keys = {
        code: terms[STANDARD][0]
        for code, terms in SearchDocument.objects.values_list("service__code", "terms")
    }
    for query in QUERIES:
        terms = analyse(query)
        for limit in (1, 3, 10):
            assert snapshot.ranked_groups(terms, limit=limit) == _groups_of(
                snapshot, snapshot.score(terms), limit, keys
            ), (query, limit)


def test_ties_are_broken_by_code_whatever_the_load_order():
    same = {"name": ["ktp"]}
    documents = [
        (1, "z-service", "KTP", same, ["ktp"]),
        (2, "a-service", "ktp", same, ["ktp"]),  # no stored key: same name (case folded)
        (3, "m-service", "KTP lain", same, ["ktp", "lain"]),
        (4, "b-service", "Paspor", {"name": ["paspor"]}, ["paspor"]),
    ]
    snapshot = snapshot_build(
        version="v",
        fingerprint="f",
        documents=iter(documents),  # a stream, read once
        offerings=iter([(7, 1), (7, 3), (8, 4)]),
    )

    def codes(groups):
        return [[snapshot.services[p].code for p, _ in group] for group in groups]

    ranked = snapshot.score(["ktp"])
    assert [snapshot.services[p].code for p, _ in ranked] == ["a-service", "m-service", "z-service"]
    assert len({score for _, score in ranked}) == 1  # a true tie
    assert codes(snapshot.ranked_groups(["ktp"], limit=10)) == [
        ["a-service", "z-service"],
        ["m-service"],
    ]
    assert codes(snapshot.ranked_groups(["ktp"], limit=1)) == [["a-service", "z-service"]]
    assert codes(snapshot.ranked_groups(["ktp"], limit=10, mall_id=7)) == [
        ["m-service"],
        ["z-service"],
    ]
    assert snapshot.score(["ktp"], mall_id=8) == []
    assert snapshot.score(["ktp"], mall_id=99) == []  # a mall offering nothing
    assert snapshot.score(["unknown"]) == []


def test_each_place_of_a_national_hit_has_its_own_malls_next_steps(demo, depok):
    depok.status = Mall.Status.CLOSED
    depok.save()
    hit = service_search(query="daftar bpjs kesehatan mandiri").hits[0]
    assert hit.service_code == "bpjskes-pendaftaran"  # one national service, two malls
    assert [p.mall_code for p in hit.places] == [demo.code, depok.code]  # by mall name
    steps = {p.mall_code: [s.kind for s in p.next_steps] for p in hit.places}
    assert steps[demo.code][0] == "ticket"
    assert "ticket" not in steps[depok.code]  # closed: no ticket to take there
    assert "apply" in steps[depok.code]  # online application does not need the mall
    booked = service_search(query="rekam ktp baru").hits[0]
    by_mall = {p.mall_code: [s.kind for s in p.next_steps] for p in booked.places}
    assert "book" in by_mall[demo.code]  # the demo mall's booking policy
