"""Navigation that depends on the role. Each capability's AppConfig lists its entries.

An AppConfig may define ``navigation = [NavItem(...), ...]``; an item shows when the
user has its permission (checked with ``user.has_perm`` and no object).

It may also define ``public_links = [PublicLink(...), ...]``: journeys open to anyone (find
local help, ask for help, refer yourself), linked from the signed-out home page.

It may also define ``person_links = [PersonLink(...), ...]``: what that capability offers
on a person's page ("Refer to a service", "Timeline", "Outcomes"). A link shows when the
user has its permission on that person, and its URL takes ``person_id``. The people app
stays ignorant of the capabilities built on it.

And ``own_record_links = [OwnRecordLink(...), ...]``: the cards a resident whose record is
held sees on their home page, before the person links ("Your details", "Who has seen your
record"), each shown when they have its permission on their own record.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    order: int = 50


def items_for(user, current_path: str = "") -> list[dict]:
    if not user.is_authenticated:
        return []
    found: list[NavItem] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "navigation", ()))
    items = []
    for item in sorted(found, key=lambda i: (i.order, i.label)):
        if user.has_perm(item.permission):
            url = reverse(item.url_name)
            current = url != "/" and current_path.startswith(url)
            items.append({"label": item.label, "url": url, "current": current})
    return items


@dataclass(frozen=True)
class PublicLink:
    """A journey open to anyone, signed in or not, offered on the signed-out home page.

    A capability lists them as ``public_links = [PublicLink(...)]`` in its AppConfig.
    """

    label: str
    url_name: str
    description: str
    order: int = 50


def public_links() -> list[dict]:
    found: list[PublicLink] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "public_links", ()))
    return [
        {"label": link.label, "url": reverse(link.url_name), "description": link.description}
        for link in sorted(found, key=lambda i: (i.order, i.label))
    ]


@dataclass(frozen=True)
class PersonLink:
    label: str
    url_name: str
    permission: str
    order: int = 50


def person_links_for(user, person) -> list[dict]:
    found: list[PersonLink] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "person_links", ()))
    return [
        {"label": link.label, "url": reverse(link.url_name, kwargs={"person_id": person.pk})}
        for link in sorted(found, key=lambda i: (i.order, i.label))
        if user.has_perm(link.permission, person)
    ]


@dataclass(frozen=True)
class OwnRecordLink:
    label: str
    url_name: str
    permission: str
    description: str
    order: int = 50


def own_record_links(user) -> list[dict]:
    """For someone whose own record is held (a resident): their record, who has seen it,
    and what the capabilities offer on it, each shown only if they may open it."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return []
    found: list[OwnRecordLink] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "own_record_links", ()))
    links = [
        {
            "label": link.label,
            "url": reverse(link.url_name, kwargs={"person_id": person.pk}),
            "description": link.description,
        }
        for link in sorted(found, key=lambda i: (i.order, i.label))
        if user.has_perm(link.permission, person)
    ]
    return links + person_links_for(user, person)
