"""`mpp client create|rotate|revoke|list`: API clients of agency systems, on the server.

Why a command: the first client of a mall is often set up by whoever installs the
server, from a script. `create` and `rotate` print a short summary and then the key
ALONE on the last line, so a script can take it with
`KEY=$(mpp client create ... | tail -1)`; the key is shown only then (only its digest
is stored) and never logged. Errors (an unknown agency or mall code, a wrong operation)
exit non-zero with a readable message and create nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.catalog.models import Agency, Mall
from mpp.core.commands import MppCommand
from mpp.core.errors import DomainError
from mpp.integrations.clients import (
    DEFAULT_OVERLAP,
    client_create,
    client_key_rotate,
    client_revoke,
    operations_all,
)
from mpp.integrations.models import ApiClient


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return _("never")
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


class Command(MppCommand):
    help = gettext_lazy(
        "Create, rotate, revoke and list the API clients of agency systems. A new key is "
        "printed alone on the last line, only then: only its digest is stored."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = actions.add_parser(
            "create", help=str(gettext_lazy("Create a client and print its first key."))
        )
        create.add_argument("name", help=str(gettext_lazy("The client's name, e.g. the system.")))
        create.add_argument("--agency", required=True, help=str(gettext_lazy("The agency's code.")))
        create.add_argument(
            "--mall",
            dest="malls",
            action="append",
            required=True,
            help=str(gettext_lazy("A mall's code (repeat for several malls).")),
        )
        create.add_argument(
            "--operations",
            default=None,
            help=str(gettext_lazy("Comma-separated operations (default: all a client may have).")),
        )
        create.add_argument(
            "--contact", default="", help=str(gettext_lazy("The contact's e-mail address."))
        )
        create.add_argument(
            "--rate-limit",
            type=int,
            default=600,
            help=str(gettext_lazy("Requests per minute (default 600).")),
        )
        create.add_argument(
            "--expires-days",
            type=float,
            default=None,
            help=str(gettext_lazy("The key expires after this many days (default: never).")),
        )

        rotate = actions.add_parser(
            "rotate",
            help=str(gettext_lazy("Print a new key; the old keys expire after an overlap.")),
        )
        rotate.add_argument("id", help=str(gettext_lazy("The client's id.")))
        rotate.add_argument(
            "--overlap-days",
            type=float,
            default=DEFAULT_OVERLAP.days,
            help=str(gettext_lazy("Days the old keys keep working (default 7).")),
        )

        revoke = actions.add_parser(
            "revoke",
            help=str(gettext_lazy("Revoke a client for good (keys, subscriptions).")),
        )
        revoke.add_argument("id", help=str(gettext_lazy("The client's id.")))

        actions.add_parser("list", help=str(gettext_lazy("List the clients (never keys).")))

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    # Actions ---------------------------------------------------------------------------

    def _create(self, *, name, agency, malls, operations, contact, rate_limit, expires_days, **_o):
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise CommandError(_("Unknown agency: %(code)s") % {"code": agency})
        codes = list(dict.fromkeys(malls))
        places = list(Mall.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {mall.code for mall in places})
        if missing:
            raise CommandError(_("Unknown mall: %(codes)s") % {"codes": ", ".join(missing)})
        wanted = None if operations is None else [op for op in operations.split(",") if op]
        if wanted is not None and not wanted:
            raise CommandError(
                _("Name at least one operation: %(available)s")
                % {"available": ", ".join(operations_all())}
            )
        expires_at = None
        if expires_days is not None:
            if expires_days <= 0:
                raise CommandError(_("--expires-days must be more than 0."))
            expires_at = timezone.now() + dt.timedelta(days=expires_days)
        client, raw = client_create(
            name=name,
            agency=found,
            malls=places,
            operations=wanted,
            contact_email=contact,
            rate_limit_per_minute=rate_limit,
            key_expires_at=expires_at,
        )
        self.stdout.write(
            _("API client %(id)d created: %(name)s (agency %(agency)s)")
            % {"id": client.pk, "name": client.name, "agency": found.code}
        )
        self.stdout.write(
            _("Malls: %(malls)s") % {"malls": ", ".join(sorted(m.code for m in places))}
        )
        self.stdout.write(_("Operations: %(ops)s") % {"ops": ", ".join(client.operations)})
        self.stdout.write(
            _("Rate limit: %(n)d requests a minute; the key expires: %(when)s")
            % {"n": client.rate_limit_per_minute, "when": _when(expires_at)}
        )
        self.stdout.write(_("The key, shown only now (store it safely), on the next line:"))
        self.stdout.write(raw)

    def _client(self, raw_id: str) -> ApiClient:
        client = None
        if str(raw_id).isdigit():
            client = ApiClient.objects.filter(pk=int(raw_id)).first()
        if client is None:
            raise CommandError(_("No API client with the id %(id)s.") % {"id": raw_id})
        return client

    def _rotate(self, *, id, overlap_days, **_o):
        if overlap_days < 0:
            raise CommandError(_("--overlap-days cannot be negative."))
        client = self._client(id)
        overlap = dt.timedelta(days=overlap_days)
        raw = client_key_rotate(client=client, overlap=overlap)
        self.stdout.write(
            _("New key for API client %(id)d (%(name)s); the old keys work until %(when)s.")
            % {"id": client.pk, "name": client.name, "when": _when(timezone.now() + overlap)}
        )
        self.stdout.write(_("The key, shown only now (store it safely), on the next line:"))
        self.stdout.write(raw)

    def _revoke(self, *, id, **_o):
        client = self._client(id)
        if client.revoked_at is not None:
            self.stdout.write(_("API client %(id)d was already revoked.") % {"id": client.pk})
            return
        client_revoke(client=client)
        self.stdout.write(
            _(
                "API client %(id)d (%(name)s) is revoked for good: its keys no longer work and "
                "its webhook subscriptions are disabled."
            )
            % {"id": client.pk, "name": client.name}
        )

    def _list(self, **_o):
        clients = ApiClient.objects.select_related("agency").prefetch_related("malls", "keys")
        now = timezone.now()
        rows = []
        for client in clients.order_by("pk"):
            valid = [
                k
                for k in client.keys.all()
                if k.revoked_at is None and (k.expires_at is None or k.expires_at > now)
            ]
            status = _("revoked") if client.revoked_at else _("active")
            rows.append(
                "\t".join(
                    [
                        str(client.pk),
                        client.name,
                        client.agency.code,
                        ",".join(sorted(m.code for m in client.malls.all())),
                        str(status),
                        _("%(n)d valid keys") % {"n": len(valid)},
                        _("last used %(when)s") % {"when": _when(client.last_used_at)},
                    ]
                )
            )
        if not rows:
            self.stdout.write(_("No API clients yet."))
        for row in rows:
            self.stdout.write(row)
