"""Routes of the landing page, staff sign-in and the citizen's /me/ (namespace "web")."""

from django.urls import path

from mpp.web import case_code, favicon, me, phone_signin, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("accounts/login/", views.StaffLoginView.as_view(), name="login"),
    path("accounts/logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("accounts/2fa/", views.twofactor_enrol, name="twofactor"),
    # The citizen's "Urusan saya" with a one-time code to the phone (no URL carries it).
    path("me/", me.me, name="me"),
    path("me/masuk/", phone_signin.signin, name="me_signin"),
    path("me/masuk/kode/", phone_signin.signin_code, name="me_code"),
    path("me/keluar/", phone_signin.signout, name="me_signout"),
    path("me/berkas/", case_code.case_code_start, name="case_code"),
    path("me/berkas/kode/", case_code.case_code_verify, name="case_code_verify"),
]
