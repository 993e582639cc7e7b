"""Small HTTP helpers every room's views share."""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_next(request, target: str) -> bool:
    """Whether ``target`` is a page on this site, so a redirect to it cannot send anyone away.

    Only absolute paths on this host pass (keepwell's own links are all paths):
    ``//evil.example``, ``https://evil.example/``, ``javascript:`` and backslash tricks do
    not (Django's own check), nor relative or full URLs.
    """
    return target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request, default: str = "/") -> str:
    """The ``next`` the request asks for (form field, then query string) if it is on this
    site, else ``default`` (a URL, or a URL name as ``redirect`` takes; "" for none)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if is_safe_next(request, target):
        return target
    return resolve_url(default) if default else ""
