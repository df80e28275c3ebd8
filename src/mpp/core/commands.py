"""A base for MPP's management commands whose help text is translated."""

from django.core.management.base import BaseCommand


class MppCommand(BaseCommand):
    """BaseCommand that accepts a lazily translated `help` (argparse needs a real string)."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
