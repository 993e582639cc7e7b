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


def language_name(language) -> str:
    """How a page names a Language: in English on an English page; otherwise by its own
    name (``Polski``, ``Română``), which its speakers know whatever the page's language and
    which the Language table already holds for every language it lists."""
    if (translation.get_language() or "en").startswith("en"):
        return language.name
    return language.native_name or language.name
