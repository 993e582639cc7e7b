"""Every URL, as every persona: the status each must get. New URLs must join the matrix."""

from __future__ import annotations

import pkgutil
from importlib import import_module

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.conftest import PERSONAS
from tests.permissions import Row

# Served by Django, Ninja or whitenoise with their own protection, not by keepwell views.
EXEMPT_PREFIXES = ("admin:", "api:", "django.")


def _collect_rows() -> list[Row]:
    rows: list[Row] = []
    for module_info in pkgutil.iter_modules(tests.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = import_module(f"tests.{module_info.name}.permissions")
        except ModuleNotFoundError:
            continue
        rows.extend(module.MATRIX)
    return rows


ROWS = _collect_rows()


def _all_url_names(resolver=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            names |= _all_url_names(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_in_the_matrix():
    covered = {row.url_name for row in ROWS}
    missing = {
        name
        for name in _all_url_names()
        if not name.startswith(EXEMPT_PREFIXES) and name not in covered
    }
    assert not missing, f"add these URLs to a tests/<app>/permissions.py MATRIX: {sorted(missing)}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method}:{r.url_name}")
def test_persona_gets_the_right_status(world, as_user, persona, row):
    client = as_user(world.persona(persona))
    url = reverse(row.url_name, kwargs=row.kwargs(world))
    if row.query:
        url = f"{url}?{row.query}"
    data = row.data(world) if row.data else None
    response = getattr(client, row.method)(url, data=data)
    expected = row.status_for(persona)
    assert response.status_code == expected, (
        f"{persona} {row.method.upper()} {url}: got {response.status_code}, expected {expected}"
    )
    if expected == 302 and persona == "anonymous":
        assert "/accounts/sign-in/" in response["Location"]
