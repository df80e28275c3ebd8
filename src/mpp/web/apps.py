from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "mpp.web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        from mpp.accounts.phone_login import code_sender_register
        from mpp.web.phone_sms import phone_code_send

        # A citizen's one-time sign-in code goes by SMS through the outbox.
        code_sender_register(phone_code_send)
