"""Routes of the landing page and staff sign-in (namespace "web")."""

from django.urls import path

from mpp.web import favicon, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("accounts/login/", views.StaffLoginView.as_view(), name="login"),
    path("accounts/logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("accounts/2fa/", views.twofactor_enrol, name="twofactor"),
]
