"""ASGI entry point (the board streams server-sent events, so MPP is served over ASGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
application = get_asgi_application()
