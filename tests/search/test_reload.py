"""A large catalogue's copy is reloaded in the background (the search never waits for
it); the worker applies pending catalogue changes; a server worker warms its copy."""

import pytest

from mpp.catalog.models import Service
from mpp.search import index
from mpp.search.models import SearchPending
from mpp.search.selectors import service_search
from mpp.search.services import search_index_refresh_if_due
from tests.search.conftest import load_demo

pytestmark = pytest.mark.django_db(transaction=True)
KTP = "dukcapil-ktp-el-hilang-rusak"


@pytest.fixture
def demo_committed(fast_hashing):
    """The demo catalogue, committed (a background thread has its own connection)."""
    mall = load_demo()
    index.forget()
    yield mall
    index.forget()


def _codes(query, mall):
    return [h.service_code for h in service_search(query=query, mall_id=mall.pk).hits]


def test_a_large_catalogue_answers_from_its_copy_while_the_new_one_loads(demo_committed, settings):
    settings.MPP_SEARCH_INLINE_MAX = 0  # every catalogue counts as large
    mall = demo_committed
    assert KTP not in _codes("zebracross", mall)  # no copy yet: loaded at once
    service = Service.objects.get(code=KTP)
    service.keywords = f"{service.keywords} zebracross"
    service.save()
    held = index._current
    # the change is pending: this search answers from the copy held, at once
    assert KTP not in _codes("zebracross", mall)
    assert index.reload_wait(timeout=60)
    assert index._current is not held
    assert _codes("zebracross", mall)[0] == KTP
    assert not SearchPending.objects.exists()


def test_a_small_catalogue_is_up_to_date_in_the_same_search(demo_committed, settings):
    settings.MPP_SEARCH_INLINE_MAX = 2000
    mall = demo_committed
    assert KTP not in _codes("zebracross", mall)
    service = Service.objects.get(code=KTP)
    service.keywords = f"{service.keywords} zebracross"
    service.save()
    assert _codes("zebracross", mall)[0] == KTP


def test_the_worker_applies_pending_changes_and_idles_otherwise(demo_committed):
    assert search_index_refresh_if_due() is False  # nothing pending
    service = Service.objects.get(code=KTP)
    service.keywords = f"{service.keywords} zebracross"
    service.save()
    assert SearchPending.objects.exists()
    assert search_index_refresh_if_due() is True
    assert not SearchPending.objects.exists()
    assert search_index_refresh_if_due() is False


def test_warming_loads_the_copy_before_any_search(demo_committed):
    assert index._current is None
    index.warm_in_background().join(timeout=60)
    assert index._current is not None
    assert index._current[0].by_code[KTP] >= 0
