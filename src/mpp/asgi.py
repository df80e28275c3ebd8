"""ASGI entry point (the board streams server-sent events, so MPP is served over ASGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
application = get_asgi_application()

if os.environ.get("MPP_WARM_SEARCH") == "1":  # set by `mpp serve`: one load per worker
    from mpp.search.index import warm_in_background

    warm_in_background()
