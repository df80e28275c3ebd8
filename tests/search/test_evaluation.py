"""The search keeps finding what citizens mean: the labelled queries of
tests/data/service_queries.csv (written the way citizens write: colloquial, typos,
abbreviations, old names, Sundanese and Javanese words, questions) must keep their
top-1 above a committed floor, on whichever database the suite runs.

The floors sit a little under what bench/search_eval.py measured when they were set
(docs/search.md): a change to the tables or the ranking that loses queries fails here.
"""

from collections import Counter

from mpp.search.evaluation import evaluate, labelled_queries
from tests.search.conftest import QUERIES

TOP1_FLOOR = 0.92  # measured 0.946 in the demo mall and nationally (SQLite and PostgreSQL)
TOP3_FLOOR = 0.98  # measured 1.000
GROUP_FLOOR = 0.80  # every group; the weakest measured 0.882 (old names)


def test_the_labelled_queries_are_many_and_varied():
    rows = labelled_queries(QUERIES)
    groups = Counter(row.group for row in rows)
    assert len(rows) >= 250
    assert set(groups) >= {
        "colloquial",
        "typo",
        "abbreviation",
        "old_name",
        "regional",
        "question",
        "formal",
    }
    assert min(groups.values()) >= 20


def test_top1_stays_above_the_floor(demo):
    rows = labelled_queries(QUERIES)
    for mall_id in (demo.pk, None):
        report = evaluate(rows, mall_id=mall_id)
        overall = report.overall.as_dict()
        assert overall["n"] == len(rows)
        assert overall["top1"] >= TOP1_FLOOR, report.misses
        assert overall["top3"] >= TOP3_FLOOR, report.misses
        for group, scores in report.groups.items():
            assert scores.as_dict()["top1"] >= GROUP_FLOOR, group


ENGLISH = QUERIES.with_name("service_queries_en.csv")
ENGLISH_TOP1_FLOOR = 0.75  # measured 0.800 (0.075 before the [english] table entries)
ENGLISH_TOP3_FLOOR = 0.95  # measured 1.000


def test_english_queries_find_the_service_too(demo):
    """The pages' second language: tests/data/service_queries_en.csv, written before the
    English entries of the spelling, synonym and stop word tables."""
    rows = labelled_queries(ENGLISH)
    assert len(rows) >= 40
    report = evaluate(rows, mall_id=demo.pk)
    assert report.overall.as_dict()["top1"] >= ENGLISH_TOP1_FLOOR, report.misses
    assert report.overall.as_dict()["top3"] >= ENGLISH_TOP3_FLOOR, report.misses
