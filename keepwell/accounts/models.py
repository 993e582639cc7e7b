"""Accounts, roles and API tokens.

A user's roles come from memberships: each ties the user to an organisation and/or an
area with one role. Object-level rules (``keepwell/*/rules.py``) read memberships to
decide what a user may see and do; nothing is granted by a flag on the user alone,
except ``is_superuser`` for platform admins.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", "Platform admin"
    NHS_CONNECTOR = "nhs_connector", "NHS connector"
    COORDINATOR = "coordinator", "Community coordinator"
    AREA_LEAD = "area_lead", "Area lead"
    VOLUNTEER = "volunteer", "Volunteer"
    MEMBER = "member", "Member"
    ANALYST = "analyst", "Analyst (ICS or public health)"


# Staff roles see other people's records, so they sign in with two factors.
STAFF_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.NHS_CONNECTOR, Role.COORDINATOR, Role.AREA_LEAD})
# Analysts see no one's record, but they sign in like the NHS staff they are: with two
# factors, since what they read is built from everyone's records.
TWO_FACTOR_ROLES = STAFF_ROLES | {Role.ANALYST}


class User(AbstractUser):
    display_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def roles(self) -> frozenset[str]:
        """The user's roles, computed once per request-bound user object."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = frozenset(self.memberships.values_list("role", flat=True))
            if self.is_superuser:
                cached = cached | {Role.PLATFORM_ADMIN}
            self._roles_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or Role.PLATFORM_ADMIN in self.roles

    @property
    def needs_two_factor(self) -> bool:
        return self.is_superuser or bool(self.roles & TWO_FACTOR_ROLES)

    def organisation_ids(self, *roles: str) -> set[int]:
        qs = self.memberships.exclude(organisation=None)
        if roles:
            qs = qs.filter(role__in=roles)
        return set(qs.values_list("organisation_id", flat=True))

    def led_area_ids(self) -> set[int]:
        """Areas this user leads or deputises for, with their sub-areas."""
        from keepwell.places.models import Area

        direct = set(
            Area.objects.filter(models.Q(lead=self) | models.Q(deputy=self)).values_list(
                "id", flat=True
            )
        )
        direct |= set(
            self.memberships.filter(role=Role.AREA_LEAD)
            .exclude(area=None)
            .values_list("area_id", flat=True)
        )
        return Area.objects.with_descendants(direct)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation", "area"],
                name="membership_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        where = self.organisation or self.area or "platform"
        return f"{self.user} — {self.get_role_display()} — {where}"


TOKEN_PREFIX = "kw_"


def hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is safe and lets us look them up.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for an API client. Only its hash is stored; it acts as its user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses this token, e.g. 'GP system'")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, shown so people can tell their tokens apart.
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """One failed sign-in; counted per username and per address to throttle guessing."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address} at {self.at:%Y-%m-%d %H:%M}"


def two_factor_required_for(user) -> bool:
    return settings.REQUIRE_TWO_FACTOR and user.is_authenticated and user.needs_two_factor


def is_signed_in(user) -> bool:
    """Whether a session's user counts as signed in: for staff, only once two-factor passed.

    Every path that accepts a session (pages, the API, the admin) asks this one question,
    so a password alone never reads a record anywhere.
    """
    if not user.is_authenticated:
        return False
    return not two_factor_required_for(user) or user.is_verified()
