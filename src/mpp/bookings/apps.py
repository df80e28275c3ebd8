from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "mpp.bookings"
    verbose_name = _("Online booking")
