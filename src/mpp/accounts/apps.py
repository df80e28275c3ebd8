from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _staff_groups_after_migrate(sender, app_config, using="default", apps=None, **kwargs):
    """Keep the role groups ("Mall manager", "Booth supervisor", "National admin") and
    their permissions as declared in mpp.accounts.services.

    Runs after each of MPP's own apps has migrated (Django creates an app's permissions
    just before), so the groups are complete after the last one, whatever the order of
    INSTALLED_APPS; a handful of cheap queries per app."""
    if not app_config.name.startswith("mpp."):
        return
    try:  # the auth tables may be gone when migrating backwards
        if apps is not None:
            apps.get_model("auth", "Group")
            apps.get_model("auth", "Permission")
    except LookupError:
        return
    from mpp.accounts.services import staff_groups_ensure

    staff_groups_ensure(using=using)


class AccountsConfig(AppConfig):
    name = "mpp.accounts"
    verbose_name = _("Staff and access")

    def ready(self):
        post_migrate.connect(_staff_groups_after_migrate, dispatch_uid="mpp.accounts.groups")
