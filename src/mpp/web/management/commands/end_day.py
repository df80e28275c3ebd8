"""`mpp end_day`: close a mall's day by hand (tickets still open expire; none is deleted)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.catalog.models import Mall
from mpp.core.commands import MppCommand
from mpp.queueing.dayend import mall_end_day


class Command(MppCommand):
    help = gettext_lazy(
        "End the day of one or more malls: open tickets expire and counters close. "
        "Tickets left from earlier days also expire by themselves in `mpp worker`."
    )

    def add_arguments(self, parser):
        parser.add_argument("malls", nargs="*", help=gettext_lazy("Mall codes."))
        parser.add_argument(
            "--all", action="store_true", help=gettext_lazy("Every operating mall.")
        )

    def handle(self, *args, **options):
        if options["all"]:
            malls = list(Mall.objects.filter(status=Mall.Status.OPERATING))
        else:
            if not options["malls"]:
                raise CommandError(_("Name at least one mall code, or use --all."))
            malls = list(Mall.objects.filter(code__in=options["malls"]))
            missing = set(options["malls"]) - {m.code for m in malls}
            if missing:
                raise CommandError(
                    _("Unknown mall: %(codes)s") % {"codes": ", ".join(sorted(missing))}
                )
        for mall in malls:
            expired = mall_end_day(mall=mall)
            if expired or not options["all"]:
                self.stdout.write(
                    _("%(mall)s: %(n)s tickets expired") % {"mall": mall.code, "n": expired}
                )
