"""Landing page and staff sign-in/out.

The landing page is where a citizen or an officer who typed the server's address
ends up: it lists the malls that serve here, with their kiosk and board. Staff
sign in with Django's own auth views, dressed in our templates.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import NoReverseMatch, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Mall

# Where the API publishes the national list of malls, if that route exists.
REGISTRY_API_PATHS = ("/api/v1/malls", "/api/v1/malls/")


def _url_or_none(name: str, **kwargs) -> str | None:
    """Reverse a route another part of the project may or may not have registered yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _path_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def home(request):
    malls = list(
        Mall.objects.select_related("regency")
        .filter(offerings__is_active=True, offerings__service__is_active=True)
        .distinct()
        .order_by("name")
    )
    for mall in malls:
        mall.kiosk_url = reverse("kiosk", kwargs={"mall": mall.code})
        mall.board_url = _url_or_none("board", mall=mall.code)
    registry = Mall.objects.aggregate(
        total=Count("id"), operating=Count("id", filter=Q(status=Mall.Status.OPERATING))
    )
    return render(
        request,
        "web/home.html",
        {
            "malls": malls,
            "registry": registry,
            "registry_url": next((p for p in REGISTRY_API_PATHS if _path_exists(p)), None),
        },
    )


class StaffLoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    """Log out by POST (Django 5); a GET shows a confirm button instead of a 405."""

    template_name = "web/logout.html"
    next_page = "web:login"
    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name)

    def post(self, request, *args, **kwargs):
        was_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_in:
            messages.info(request, _("You have been logged out."))
        return response
