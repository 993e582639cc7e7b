"""Which language a page speaks.

The public pages (the directory, the request-help form, self-referral) speak the visitor's
language: the one a ``?lang=`` link asks for, else the browser's (Accept-Language), from
``settings.LANGUAGES``. Their words come from Django's translation files under
``keepwell/locale/``, so another language is one more ``django.po`` away. Staff pages stay in
English (``LANGUAGE_CODE``): they are not translated, and a page half in one language and
half in another helps nobody.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_noop


def asked_for(request) -> str | None:
    """The supported language a ``?lang=`` link asks for, if any (``en`` means en-gb)."""
    raw = request.GET.get("lang", "")
    if not raw or len(raw) > 20:
        return None
    try:
        return translation.get_supported_language_variant(raw.lower())
    except LookupError:
        return None


def public_language(view):
    """Render ``view`` in the visitor's language, and say so in the response."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        chosen = asked_for(request)
        language = chosen or translation.get_language_from_request(request)
        # Links and forms on the page carry an explicit choice on to the next page.
        request.chosen_language = chosen
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        if chosen is None:
            patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped


def keep_language(url: str, request) -> str:
    """``url`` with the ``?lang=`` the visitor chose, so a redirect keeps their language."""
    chosen = getattr(request, "chosen_language", None)
    if not chosen:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'lang': chosen})}"


# The languages keepwell seeds (people migration 0002) whose English names Django's own
# catalogue does not translate; the others ("Polish", "Arabic", ...) Django translates.
LANGUAGE_NAMES = [
    gettext_noop("British Sign Language"),
    gettext_noop("Chinese (Cantonese)"),
    gettext_noop("Chinese (Mandarin)"),
    gettext_noop("Gujarati"),
    gettext_noop("Hindi"),
    gettext_noop("Kurdish"),
    gettext_noop("Nepali"),
    gettext_noop("Pashto"),
    gettext_noop("Persian (Farsi)"),
    gettext_noop("Somali"),
    gettext_noop("Tagalog"),
    gettext_noop("Tamil"),
    gettext_noop("Tigrinya"),
    gettext_noop("Twi"),
    gettext_noop("Urdu"),
    gettext_noop("Yoruba"),
]


def language_name(language) -> str:
    """A Language's name in the page's language: Django's own translations of language
    names, and keepwell's catalogue for those above (a language added later shows its
    English name until its name is translated)."""
    return translation.gettext(language.name)
