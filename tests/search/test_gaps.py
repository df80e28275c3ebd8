"""Words the search does not know: found per search, counted per mall and day without
the query, listed for the mall's managers once seen on several days, purged after 90."""

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from mpp.accounts.models import Role
from mpp.search.models import SearchGap
from mpp.search.selectors import GAP_MIN_DAYS, search_gaps, service_search
from mpp.search.services import GAP_RETENTION_DAYS, search_gaps_purge, search_gaps_record
from tests.factories import UserFactory
from tests.parallel import run_parallel

WORKER = Path(__file__).with_name("parallel_gaps.py")


def test_a_search_names_the_words_nothing_knows(demo):
    result = service_search(query="cai pdam teu ngocor", mall_id=demo.pk)
    assert result.unknown_words == ("ngocor",)  # cai, teu: Sundanese in the tables
    # corrected typos, known words, place names, numbers and short words are not unknown
    for query in ("perpanjnag sim c", "ktp hilang", "ktp majalengka", "sim 2024", "ktp zq"):
        assert service_search(query=query, mall_id=demo.pk).unknown_words == (), query


def test_the_page_and_the_api_count_unknown_words_not_queries(demo):
    client = Client()
    client.get(f"/m/{demo.code}/cari/", {"q": "cai pdam teu ngocor"})
    client.get(f"/m/{demo.code}/cari/", {"q": "ngocor wae"})
    client.get("/api/v1/services/search", {"q": "listrik pareum", "mall": demo.code})
    client.get("/cari/", {"q": "listrik pareum"})  # national: no mall
    client.get(f"/m/{demo.code}/cari/", {"q": "ktp hilang"})  # nothing unknown: no write
    rows = {(g.mall_id, g.word): g.searches for g in SearchGap.objects.all()}
    assert rows[(demo.pk, "ngocor")] == 2
    assert rows[(demo.pk, "pareum")] == 1 and rows[(None, "pareum")] == 1
    assert all(g.day == timezone.localdate() for g in SearchGap.objects.all())
    stored = " ".join(SearchGap.objects.values_list("word", flat=True))
    assert "pdam" not in stored and "listrik" not in stored  # known words are not kept


def _seen_on(days: int, word: str, mall, searches: int = 1):
    today = timezone.localdate()
    for back in range(days):
        SearchGap.objects.create(
            mall=mall, day=today - dt.timedelta(days=back), word=word, searches=searches
        )


def test_a_word_is_listed_once_seen_on_several_days(demo, depok):
    _seen_on(GAP_MIN_DAYS, "ngocor", demo, searches=2)
    _seen_on(GAP_MIN_DAYS - 1, "budiman", demo, searches=50)  # too few days: hidden
    _seen_on(GAP_MIN_DAYS + 1, "pareum", depok)
    gaps = search_gaps(mall_id=demo.pk)
    assert [(g.word, g.searches, g.days) for g in gaps] == [("ngocor", 2 * GAP_MIN_DAYS, 3)]
    national = [g.word for g in search_gaps(mall_id=None)]
    assert national == ["ngocor", "pareum"]


def test_the_managers_page_and_who_may_see_it(demo, depok):
    _seen_on(GAP_MIN_DAYS, "ngocor", demo)
    manager = UserFactory(role=Role.MALL_MANAGER, mall=demo)
    client = Client()
    client.cookies["django_language"] = "en"
    assert client.get(f"/m/{demo.code}/cari/kata-baru/").status_code == 302  # log in first
    client.force_login(manager)
    page = client.get(f"/m/{demo.code}/cari/kata-baru/")
    assert page.status_code == 200 and 'data-word="ngocor"' in page.content.decode()
    assert client.get(f"/m/{depok.code}/cari/kata-baru/").status_code == 403  # another mall
    assert client.get("/cari/kata-baru/").status_code == 403  # national staff only
    officer = Client()
    officer.force_login(UserFactory(role=Role.OFFICER, mall=demo))
    assert officer.get(f"/m/{demo.code}/cari/kata-baru/").status_code == 403
    national = Client()
    national.force_login(UserFactory(role=Role.NATIONAL_ADMIN))
    listing = national.get("/cari/kata-baru/").content.decode()
    assert 'data-word="ngocor"' in listing


def test_counts_older_than_the_retention_are_purged(demo):
    today = timezone.localdate()
    old = today - dt.timedelta(days=GAP_RETENTION_DAYS + 1)
    SearchGap.objects.create(mall=demo, day=old, word="ngocor")
    SearchGap.objects.create(mall=demo, day=today, word="pareum")
    assert search_gaps_purge() == 1
    assert list(SearchGap.objects.values_list("word", flat=True)) == ["pareum"]


def test_only_plain_words_are_recorded_and_a_few_per_search(demo):
    written = search_gaps_record(mall_id=demo.pk, words=["ab", "x1y", "ngocor", "ngocor"])
    assert written == 1
    many = [f"kata{chr(97 + i)}" for i in range(9)]
    assert search_gaps_record(mall_id=None, words=many) == 5


@pytest.mark.django_db(transaction=True)
def test_parallel_searches_never_lose_a_count(demo_committed_for_gaps):
    mall_id = demo_committed_for_gaps
    processes, each = 4, 25
    runs = run_parallel(WORKER, [[str(mall_id), str(each)] for _ in range(processes)], start_in=3.0)
    assert runs.peak() >= 2, runs.windows  # they really counted at the same time
    gap = SearchGap.objects.get(mall_id=mall_id, word="ngocor")
    assert gap.searches == processes * each
    assert SearchGap.objects.get(mall__isnull=True, word="ngocor").searches == processes * each


@pytest.fixture
def demo_committed_for_gaps(transactional_db):
    from tests.factories import MallFactory

    return MallFactory().pk
