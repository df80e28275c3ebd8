"""ASGI entry point (the board streams server-sent events, so MPP is served over ASGI).

Loading it in the production profile without the keys and host names fails with
ImproperlyConfigured (mpp.core.deploy), so no ASGI server starts MPP unsafely.
"""

import os
import sys

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
try:
    django_application = get_asgi_application()
except ImproperlyConfigured as exc:
    sys.stderr.write(f"{exc}\n")
    raise

from mpp.core.bodyguard import BodyGuard  # noqa: E402 (after Django is set up)

# Bodies too large (413 before reading) or too slow (408): refused before Django reads them.
application = BodyGuard(django_application)

if os.environ.get("MPP_WARM_SEARCH") == "1":  # set by `mpp serve`: one load per worker
    from mpp.search.index import warm_in_background

    warm_in_background()
