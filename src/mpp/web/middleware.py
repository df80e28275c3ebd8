"""Which language a page is shown in: Bahasa Indonesia unless someone chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, so a kiosk, a TV
or an officer's PC set up in English would show the mall's screens in English.
Here the browser's preference is ignored: the language is the one picked with the
switch in the page header (the cookie set by /i18n/setlang/), else
settings.LANGUAGE_CODE ("id"). A `?lang=en` (or `?lang=id`) in the address does
the same as the switch, for TVs and kiosks that are started with a URL and have
nobody to press a button; it also sets the cookie so the next pages agree.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin

QUERY_PARAM = "lang"


def supported_language(code: str | None) -> str | None:
    """The configured language `code` stands for ("en-US" -> "en"), or None."""
    if not code or len(code) > 20:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class DefaultLanguageMiddleware(MiddlewareMixin):
    """Activate the language of the query (?lang=), else of the cookie, else the default."""

    def process_request(self, request):
        from_query = supported_language(request.GET.get(QUERY_PARAM))
        from_cookie = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        language = from_query or from_cookie or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        # Remembered for process_response: only a new choice from the query sets the cookie.
        request._language_from_query = from_query if from_query != from_cookie else None

    def process_response(self, request, response):
        language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
        chosen = getattr(request, "_language_from_query", None)
        if chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        # The page depends on the language cookie, never on Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
