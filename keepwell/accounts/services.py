"""Account use cases: throttled sign-in, two-factor enrolment, API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from keepwell.accounts.models import ApiToken, LoginFailure, Membership, User, hash_token


class TooManyAttempts(Exception):
    pass


def _recent_failures(username: str, ip: str | None):
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = recent.filter(username__iexact=username).count() if username else 0
    by_ip = recent.filter(ip_address=ip).count() if ip else 0
    return by_user, by_ip


def check_login_allowed(username: str, ip: str | None) -> None:
    """Raise TooManyAttempts when this username or address has failed too often lately."""
    by_user, by_ip = _recent_failures(username, ip)
    limit = settings.LOGIN_FAILURE_LIMIT
    # An address may try a few usernames (a shared office PC), but not endlessly.
    if by_user >= limit or by_ip >= limit * 4:
        raise TooManyAttempts(
            "Too many failed sign-in attempts. Wait 15 minutes and try again, or ask your "
            "coordinator to reset your password."
        )


def record_login_failure(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip_address=ip)


def clear_login_failures(username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


def confirmed_device(user: User) -> TOTPDevice | None:
    """The authenticator app ``user`` has proved they hold, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_totp_device(user: User) -> TOTPDevice:
    """The authenticator app ``user`` is enrolling: one unconfirmed device, kept between
    visits so the QR code they scanned stays valid until they enter a code from it."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    return device


def confirm_totp_device(device: TOTPDevice) -> None:
    """A code from the app was right: from now on it is the user's second factor."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])


@transaction.atomic
def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the raw value is returned once and never stored."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API token", key_hash=hash_token(raw), hint=raw[:8]
    )
    return token, raw


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token stands for, or None. Marks the token used."""
    if not raw or not raw.startswith("kw_"):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=hash_token(raw), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Writing on every call would turn reads into writes; a minute's precision is enough.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def free_username(base: str) -> str:
    """A username made from ``base`` ("Sam.Jones" gives "sam.jones"), numbered when taken."""
    base = slugify(base.strip(".")).replace("-", ".")[:140] or "volunteer"
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


def ensure_user(
    username: str, *, email: str, first_name: str, last_name: str, password: str | None = None
) -> User:
    """The account called ``username``, made if there is none. A new account has no usable
    password until its owner sets one, unless ``password`` is given (the demo's)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        display_name=f"{first_name} {last_name}".strip(),
    )
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def add_membership(user: User, role: str, organisation) -> Membership:
    """``user`` has ``role`` at ``organisation``; asking again changes nothing."""
    membership, _ = Membership.objects.get_or_create(
        user=user, role=role, organisation=organisation
    )
    return membership


ACCOUNT_DETAILS = ("first_name", "last_name", "email")


def change_account_details(user: User, **details) -> User:
    """Change a user's ``first_name``, ``last_name`` or ``email``; the display name follows
    the names (kept as it was if both are blank)."""
    unknown = set(details) - set(ACCOUNT_DETAILS)
    if unknown:
        raise TypeError(f"not account details: {sorted(unknown)}")
    for name, value in details.items():
        setattr(user, name, value)
    user.display_name = f"{user.first_name} {user.last_name}".strip() or user.display_name
    user.save(update_fields=[*details, "display_name"])
    return user
