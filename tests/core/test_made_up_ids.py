"""Nothing typed in an address causes an error: every page that takes a number, opened by
the platform admin (who may open the most) with a number no database could hold, answers
as a page would (not found, refused, or the wrong method; a page that only takes a form is
sent an empty one), never with a server error."""

from __future__ import annotations

import re

from django.urls import URLResolver, get_resolver

TOO_LARGE = "99999999999999999999999"  # past a 64-bit integer


def _routes(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _addresses() -> list[str]:
    found = []
    for route in _routes(get_resolver()):
        if "<int:" not in route or route.startswith("^"):
            continue
        address = "/" + re.sub(r"<int:[^>]+>", TOO_LARGE, route)
        address = re.sub(r"<(?:str|slug):[^>]+>", "cy", address)
        found.append(address)
    return found


def test_every_numbered_address_answers_a_made_up_number_without_an_error(world, as_user):
    client = as_user(world.alex)
    addresses = _addresses()

    answers = {address: client.get(address).status_code for address in addresses}
    # Pages that only take a form are sent an empty one.
    answers.update(
        {a: client.post(a, {}).status_code for a, status in answers.items() if status == 405}
    )

    assert len(addresses) > 100  # the walk found keepwell's pages, not nothing
    assert {a: s for a, s in answers.items() if s >= 500} == {}
