"""The demo place's accounts: one login per role, every one with the demo password.

keepwell.demo.place loads them as part of the foundation, before the rooms' own demo parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from keepwell.accounts.models import Membership, Role, User

if TYPE_CHECKING:
    from keepwell.demo.place import DemoPlace

DEMO_PASSWORD = "wellbrook-demo"  # noqa: S105 - demo data only, printed for people to use

# (username, display name, role, organisation slug or None, area slug or None)
DEMO_USERS = [
    ("admin", "Alex Admin", Role.PLATFORM_ADMIN, None, None),
    ("connector", "Dr Priya Shah", Role.NHS_CONNECTOR, "wellbrook-health-centre", None),
    ("coordinator", "Sam Okafor", Role.COORDINATOR, "wellbrook-mutual-aid", None),
    ("arealead", "Ana Costa", Role.AREA_LEAD, "wellbrook-mutual-aid", "riverside"),
    ("deputy", "Tom Hughes", Role.AREA_LEAD, "wellbrook-mutual-aid", "riverside"),
    ("volunteer", "Jo Bell", Role.VOLUNTEER, "wellbrook-mutual-aid", None),
    ("member", "Margaret Evans", Role.MEMBER, None, None),
    ("analyst", "Nadia Analyst", Role.ANALYST, None, None),
]


def users(place: DemoPlace) -> None:
    """One login per role, found again by username."""
    for username, name, _, _, _ in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            given, _, family = name.rpartition(" ")
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                first_name=given.replace("Dr ", ""),
                last_name=family,
                email=f"{username}@wellbrook.example",
            )
        if username == "admin" and not user.is_superuser:
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        place.users[username] = user


def memberships(place: DemoPlace) -> None:
    """Each login's role, in its organisation and area (those are loaded first)."""
    for username, _, role, org_slug, area_slug in DEMO_USERS:
        Membership.objects.get_or_create(
            user=place.users[username],
            role=role,
            organisation=place.organisations.get(org_slug) if org_slug else None,
            area=place.areas.get(area_slug) if area_slug else None,
        )
    # The NHS connector also works for the PCN, across both practices.
    Membership.objects.get_or_create(
        user=place.users["connector"],
        role=Role.NHS_CONNECTOR,
        organisation=place.organisations["wellbrook-pcn"],
        area=None,
    )
