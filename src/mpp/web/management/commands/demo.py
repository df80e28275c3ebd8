"""`mpp demo`: a working MPP in one command (database, regions, registry, demo mall, server)."""

import time

from django.core.management import call_command
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.bookings.demo import booking_demo_load
from mpp.cases.demo import case_demo_load
from mpp.catalog.demo import demo_load
from mpp.catalog.registry import malls_registry_load
from mpp.complaints.demo import complaint_demo_load
from mpp.consultation.demo import consultation_demo_load
from mpp.core.commands import MppCommand
from mpp.core.regions import regions_load
from mpp.devices.demo import device_demo_load
from mpp.outreach.demo import outreach_demo_load, outreach_demo_logins
from mpp.search.services import search_index_rebuild
from mpp.surveys.demo import survey_demo_load
from mpp.web.management.commands.serve import display_host, serve

# Paths a visitor opens, with {mall} for the mall code.
PAGES = [
    (gettext_lazy("Kiosk (take a number)"), "/m/{mall}/kiosk/"),
    (gettext_lazy("Display board"), "/m/{mall}/board/"),
    (gettext_lazy("Officer console"), "/console/"),
    (gettext_lazy("Manager: today"), "/m/{mall}/today/"),
    (gettext_lazy("Services and booking"), "/m/{mall}/"),
    (gettext_lazy("Find a service"), "/m/{mall}/cari/"),
    (gettext_lazy("Find a service in every mall"), "/cari/?q=daftar+bpjs&near=32"),
    (gettext_lazy("Ask the assistant"), "/m/{mall}/asisten/"),
    (gettext_lazy("Complaint"), "/m/{mall}/pengaduan/"),
    (gettext_lazy("Complaints: manager"), "/m/{mall}/pengaduan/kelola/"),
    (gettext_lazy("Public consultation"), "/m/{mall}/konsultasi/"),
    (gettext_lazy("Satisfaction index (IKM)"), "/m/{mall}/ikm/"),
    (gettext_lazy("IKM report (manager)"), "/m/{mall}/ikm/laporan/"),
    (gettext_lazy("IKM of all malls"), "/ikm/"),
    (gettext_lazy("Mobile service schedule"), "/keliling/{mall}/"),
    (gettext_lazy("Field app (mobile crew)"), "/lapangan/"),
    (gettext_lazy("Admin"), "/admin/"),
    (gettext_lazy("API docs"), "/api/v1/docs"),
    (gettext_lazy("OpenAPI"), "/api/v1/openapi.json"),
]


class Command(MppCommand):
    help = gettext_lazy(
        "Set up the demo: migrate the database, load Kemendagri regions, the national "
        "registry of malls and MPP Kabupaten Majalengka with staff, then serve it. "
        "Running it again keeps the data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help=gettext_lazy("Address to bind."))
        parser.add_argument("--port", type=int, default=8000, help=gettext_lazy("Port to bind."))
        parser.add_argument(
            "--no-serve", action="store_true", help=gettext_lazy("Set up only; do not serve.")
        )
        parser.add_argument(
            "--region-depth",
            type=int,
            choices=[2, 3, 4],
            default=4,
            help=gettext_lazy(
                "Region levels to load: 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan "
                "(default, about 92,000 rows, a few seconds)."
            ),
        )

    def handle(self, *args, host, port, no_serve, region_depth, **options):
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        regions = regions_load(depth=region_depth)
        malls = malls_registry_load()
        result = demo_load()
        result["created"] += booking_demo_load()  # online booking for popular services
        search_index_rebuild()  # the service search (/cari/) over the demo catalogue
        result["created"] += complaint_demo_load()  # complaints in every status
        result["created"] += consultation_demo_load()  # an open topic and a concluded one
        result["created"] += survey_demo_load()  # three months of SKM answers
        result["created"] += case_demo_load()  # online application forms, cases in each status
        result["created"] += outreach_demo_load()  # jemput bola: van, demand, published plan
        # a registered kiosk and board per demo mall (their credentials kept under var/)
        devices, made = device_demo_load([result["mall"], *result["other_malls"]])
        result["created"] += made
        self._report(result, regions=regions, malls=malls, seconds=time.monotonic() - started)
        self._urls(result, base=f"http://{display_host(host)}:{port}")
        self._devices(devices, base=f"http://{display_host(host)}:{port}")
        self._logins([*result["logins"], *outreach_demo_logins()])
        if not no_serve:
            self.stdout.write(
                _("Serving on http://%(host)s:%(port)s/ (Ctrl+C to stop)")
                % {"host": display_host(host), "port": port}
            )
            serve(host=host, port=port)

    def _report(self, result, *, regions, malls, seconds):
        self.stdout.write(
            _(
                "Demo ready in %(s).1f s: %(regions)d regions, %(malls)d malls in the registry; "
                "%(mall)s has %(agencies)d agencies, %(services)d services, %(booths)d booths, "
                "%(counters)d counters and %(staff)d staff (%(created)d rows created now)."
            )
            % {"s": seconds, "regions": regions, "malls": malls, **result}
        )

    def _urls(self, result, *, base):
        self.stdout.write("")
        self.stdout.write(_("Open:"))
        for label, path in PAGES:
            self.stdout.write(f"  {label!s:<24} {base}{path.format(mall=result['mall'])}")
        for code in result["other_malls"]:
            label = _("Kiosk of %(mall)s") % {"mall": code}
            self.stdout.write(f"  {label:<24} {base}/m/{code}/kiosk/")

    def _devices(self, devices, *, base):
        """How to enrol a browser as a demo kiosk or board (mpp.devices)."""
        self.stdout.write("")
        self.stdout.write(
            _(
                "Kiosks and boards are registered devices. Enrol a browser once: open "
                "%(url)s and enter the credential of its mall's kiosk (or board):"
            )
            % {"url": f"{base}/devices/enrol/"}
        )
        for code, keys in devices.items():
            for kind, raw in keys.items():
                self.stdout.write(f"  {code:<34} {kind:<6} {raw}")

    def _logins(self, logins):
        self.stdout.write("")
        self.stdout.write(_("Demo logins (username / password / role / where):"))
        for login in logins:
            where = login["booth"] or login["mall"] or _("all malls")
            self.stdout.write(
                f"  {login['username']:<22} {login['password']:<10} {login['role']:<18} {where}"
            )
