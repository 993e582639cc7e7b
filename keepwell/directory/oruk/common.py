"""What every part of the Open Referral UK code shares: the version and profile we speak,
the derived ids, and how values are written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.utils import timezone

from keepwell.directory.models import Service

NAMESPACE = uuid.UUID("6f1c1d52-3c1e-4b7e-9a55-6a8f0c2b9e11")  # as migration 0004
KIND_TAXONOMY = "keepwell organisation kinds (Table one)"
HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"

STATUS = {
    Service.Status.PUBLISHED: "active",
    Service.Status.WITHDRAWN: "inactive",
    Service.Status.DRAFT: "inactive",
}


def derived(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _clean(d: dict) -> dict:
    """Drop optional fields with no value: ORUK leaves them out rather than sending null."""
    return {k: v for k, v in d.items() if v is not None and v != "" and v != []}


def _datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _hhmm(value) -> str:
    return value.strftime("%H:%M:%S")


def now_iso() -> str:
    return _datetime(timezone.now())


def _named(record) -> dict:
    """The id, name and description that taxonomies, terms and organisations all start with;
    ORUK needs a description, so the name stands in for a missing one."""
    return {
        "id": str(record.uuid),
        "name": record.name,
        "description": record.description or record.name,
    }
