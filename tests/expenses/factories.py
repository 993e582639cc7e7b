"""Claims made the way people make them: through the services, so every rule holds."""

from __future__ import annotations

import tempfile
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from keepwell.funding.expenses import services
from keepwell.funding.expenses.models import ExpenseClaim, PaidRole, receipts

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def receipt(text: str = "Riverside car park £3.20", name: str = "receipt.png"):
    """A small PNG whose bytes differ with ``text``, so each is a different receipt."""
    return SimpleUploadedFile(name, PNG + text.encode(), content_type="image/png")


def private_media() -> None:
    """Receipts written outside a test's own ``settings.MEDIA_ROOT`` (the permission matrix)
    go to a throwaway folder, never the checkout's var/media."""
    if "pytest" not in str(receipts.location):
        folder = tempfile.mkdtemp(prefix="pytest-receipts-")
        receipts.__dict__.update(base_location=folder, location=folder)


def make_claim(world, *, claimant=None, by=None, parking_pence: int | None = 3_20, **lines):
    claimant = claimant or world.jo
    claim = services.start_claim(world.mutual_aid, claimant=claimant, by=by or claimant)
    if parking_pence:
        services.add_line(
            claim,
            by=by or claimant,
            kind="parking",
            spent_on=days_ago(3),
            description="Riverside car park",
            amount_pence=parking_pence,
            **lines,
        )
    return claim


def submitted(world, **kwargs) -> ExpenseClaim:
    claim = make_claim(world, **kwargs)
    return services.submit(claim, by=claim.claimant)


def approved(world, **kwargs) -> ExpenseClaim:
    return services.approve(submitted(world, **kwargs), by=world.sam)


def walking_role(world) -> PaidRole:
    found = PaidRole.objects.filter(holder=world.jo, title="Walking group leader").first()
    return found or services.agree_role(
        world.mutual_aid,
        by=world.sam,
        holder=world.jo,
        title="Walking group leader",
        rate_pence=25_00,
        unit="session",
    )
