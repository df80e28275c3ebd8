"""Django's admin app with MPP's own default site (mpp.accounts.admin_site.MppAdminSite).

Why: the admin site is where every ModelAdmin is registered, so making it MPP's own is
the one place where every admin (MPP's, Django's Group, django-otp's devices) gets the
audit trail, and where the admin's own login page hands over to the staff login (with
its lock-out and two-factor code). Listed in INSTALLED_APPS instead of
"django.contrib.admin"; the app label stays "admin".
"""

from django.contrib.admin.apps import AdminConfig


class MppAdminConfig(AdminConfig):
    default_site = "mpp.accounts.admin_site.MppAdminSite"
