"""The search sits on the queueing floor (ARCHITECTURE.md): none of its modules imports
an app above it or beside it; bookings tells it what is bookable through a hook."""

import ast
from pathlib import Path

import mpp.search
from mpp.catalog.models import Offering
from mpp.search.hooks import offering_bookable

ABOVE_OR_BESIDE = ("mpp.bookings", "mpp.outreach", "mpp.complaints", "mpp.cases", "mpp.insights")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_search_module_imports_an_app_above_or_beside_it():
    root = Path(mpp.search.__file__).parent
    wrong = {
        (str(path.relative_to(root)), name)
        for path in root.rglob("*.py")
        for name in _imports(path)
        if name.startswith(ABOVE_OR_BESIDE)
    }
    assert wrong == set()


def test_bookings_registers_what_is_bookable(demo):
    # the hook bookings registers in its AppConfig.ready: the demo books KTP-el baru
    bookable = dict(
        Offering.objects.filter(mall=demo)
        .annotate(bookable=offering_bookable())
        .values_list("service__code", "bookable")
    )
    assert bookable["dukcapil-ktp-el-baru"] is True
    assert bookable["dukcapil-ktp-el-hilang-rusak"] is False
