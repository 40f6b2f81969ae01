import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


class UserLanguageMiddleware:
    """Persian unless the signed-in user chose English (or, before sign-in, the language cookie).

    The browser's Accept-Language is ignored on purpose: Peyvand is Persian-first, and an
    English-language browser in Tehran should not flip the office's screens to English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(LANGUAGE_COOKIE) or settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        zone = user.time_zone if user is not None and user.is_authenticated else ""
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response
