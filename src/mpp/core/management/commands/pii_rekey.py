"""`mpp pii_rekey`: wrap every stored NIK digest made with an old PII key in the current key.

Why: after MPP_PII_KEY is rotated (a key was exposed, or on schedule), the digests made
with the old key can still be brute-forced by whoever holds that key and a copy of the
database. An HMAC cannot be recomputed without the NIK, so each old digest is wrapped in
the current key (mpp.core.pii.digest_rekeyed); look-ups still find it as long as the old
key stays in MPP_PII_KEYS_OLD. See docs/production.md.
"""

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.core.commands import MppCommand
from mpp.core.events import event_record
from mpp.core.pii import NIK_DIGEST_FIELDS, digest_rekeyed, key_ring

BATCH = 500


def pii_rekey(*, dry_run: bool = False) -> dict[str, int]:
    """Re-key every stored NIK digest not made last by the current key; returns counts
    per field. Each batch is one transaction, so an interrupted run can be run again."""
    counts = {}
    current = key_ring()[-1][0]
    for label in NIK_DIGEST_FIELDS:
        app_model, field = label.rsplit(".", 1)
        model = apps.get_model(app_model)
        done = 0
        last_pk = None
        while True:
            rows = model._default_manager.order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.values_list("pk", field)[:BATCH])
            if not batch:
                break
            last_pk = batch[-1][0]
            changed = [(pk, digest_rekeyed(value)) for pk, value in batch if value]
            changed = [(pk, new) for pk, new in changed if new is not None]
            if changed and not dry_run:
                with transaction.atomic():
                    for pk, new in changed:
                        model._default_manager.filter(pk=pk).update(**{field: new})
            done += len(changed)
        counts[label] = done
    if not dry_run and any(counts.values()):
        event_record(
            kind="pii.rekeyed",
            subject_type="pii_key",
            subject_id=current,
            data={"fields": counts},
        )
    return counts


class Command(MppCommand):
    help = gettext_lazy(
        "Wrap every stored NIK digest made with an old PII key in the current key "
        "(after rotating MPP_PII_KEY; keep the old key in MPP_PII_KEYS_OLD)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("Count only; change nothing.")
        )

    def handle(self, *args, dry_run, **options):
        counts = pii_rekey(dry_run=dry_run)
        for label, count in counts.items():
            self.stdout.write(
                _("%(field)s: %(count)d digests re-keyed") % {"field": label, "count": count}
            )
