"""The `mpp` console script: Django's management commands plus MPP's own.

In the production profile (MPP_ENV=production) settings refuse to load without the
keys and host names (mpp.core.deploy): every command then stops with that message
and exit status 2, instead of a traceback or Django's "unknown command". `mpp demo`
runs in the demo profile unless MPP_ENV says otherwise.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    if sys.argv[1:2] == ["demo"]:
        os.environ.setdefault("MPP_ENV", "demo")
    try:
        settings.INSTALLED_APPS  # noqa: B018 (loads the settings: the profile is checked)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(2) from None
    execute_from_command_line(["mpp", *sys.argv[1:]])


if __name__ == "__main__":
    main()
