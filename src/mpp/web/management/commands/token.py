"""`mpp token USERNAME`: create an API token for a staff member and print it once."""

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy

from mpp.accounts.services import token_create
from mpp.core.commands import MppCommand
from mpp.core.errors import DomainError


class Command(MppCommand):
    help = gettext_lazy(
        "Create an API token for a staff member and print it. Only its digest is stored, "
        "so it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help=gettext_lazy("The staff member's username."))
        parser.add_argument(
            "--name", default="", help=gettext_lazy("A label, e.g. the device or system.")
        )

    def handle(self, *args, username, name, **options):
        try:
            raw = token_create(username=username, name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
