"""MPP's admin site: every registered admin is audited, and sign-in is the staff login.

See mpp.accounts.admin_apps for why the site is replaced, mpp.accounts.audit for the
audit trail and mpp.accounts.throttle / mpp.accounts.twofactor for the sign-in.
"""

from django.contrib import admin
from django.urls import reverse

from mpp.accounts.audit import audited


class MppAdminSite(admin.AdminSite):
    """The default admin site (admin.site)."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = audited(admin_class or admin.ModelAdmin)
        return super().register(model_or_iterable, admin_class, **options)

    def login(self, request, extra_context=None):
        """The staff login (lock-out, two-factor code) instead of the admin's own form,
        which would skip both; afterwards to the admin. Someone signed in who may not
        use the admin sees Django's page saying so."""
        if request.method == "GET" and request.user.is_authenticated:
            return super().login(request, extra_context)
        from mpp.web.views import StaffLoginView  # the web app's view, loaded late

        view = StaffLoginView.as_view(next_page=reverse("admin:index"))
        return view(request)
