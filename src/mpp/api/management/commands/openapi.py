"""`mpp openapi [--check]`: write the API v1 spec to src/mpp/api/openapi.json, or check it."""

from django.core.management.base import BaseCommand, CommandError

from mpp.api.spec import SPEC_PATH, committed_spec, render_spec


class Command(BaseCommand):
    help = "Write the OpenAPI spec of API v1 to src/mpp/api/openapi.json (or --check it)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit 1 when the committed spec differs from the code.",
        )

    def handle(self, *args, check=False, **options):
        spec = render_spec()
        if check:
            if committed_spec() != spec:
                raise CommandError(
                    f"{SPEC_PATH} is out of date: run `mpp openapi` and commit the result.",
                    returncode=1,
                )
            self.stdout.write("OpenAPI spec is up to date.")
            return
        SPEC_PATH.write_text(spec, encoding="utf-8")
        self.stdout.write(f"Wrote {SPEC_PATH}")
