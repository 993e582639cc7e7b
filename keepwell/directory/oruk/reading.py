"""Reading Open Referral UK JSON into our listings, one service record at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db import transaction

from keepwell.audit.services import diff
from keepwell.directory.models import (
    Location,
    Organisation,
    OrganisationKind,
    Service,
    ServiceCategory,
    Taxonomy,
    TaxonomyTerm,
)
from keepwell.directory.oruk.common import derived
from keepwell.directory.oruk.schema import schema_errors
from keepwell.directory.schedules import ScheduleError, Slot, parse_byday
from keepwell.people.models import Language
from keepwell.places.postcodes import InvalidPostcode, Postcode


class RecordError(ValueError):
    """One record cannot be imported; ``str(exc)`` says why."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


_KINDS_BY_TERM = {derived("organisation-kind", k.value): k.value for k in OrganisationKind}


def _kind_of(org_data: dict) -> str:
    for attribute in org_data.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        kind = _KINDS_BY_TERM.get(attribute.get("taxonomy_term_id") or term.get("id"))
        if kind:
            return kind
    return OrganisationKind.UNCLASSIFIED


def _uuid(value, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        raise RecordError(f"{what} {value!r} is not a UUID") from None


def _organisation(data: dict, by) -> Organisation:
    from keepwell.directory.services import _unique_slug

    org_uuid = _uuid(data.get("id"), "organization.id")
    org = Organisation.objects.filter(uuid=org_uuid).first()
    fields = {
        "name": (data.get("name") or "").strip()[:200],
        "description": data.get("description") or "",
        "email": data.get("email") or "",
        "website": data.get("website") or "",
    }
    if not fields["name"]:
        raise RecordError("the organization has no name")
    for ident in data.get("organization_identifiers") or []:
        scheme = (ident.get("identifier_scheme") or "").upper()
        if scheme == "GB-CHC":
            fields["charity_number"] = str(ident.get("identifier", ""))[:12]
        elif scheme == "GB-COH":
            fields["company_number"] = str(ident.get("identifier", ""))[:8]
            fields["is_cic"] = "cic" in (ident.get("identifier_type") or "").lower()
    if org is None:
        org = Organisation(uuid=org_uuid, slug=_unique_slug(fields["name"]), kind=_kind_of(data))
    elif org.kind == OrganisationKind.UNCLASSIFIED:
        org.kind = _kind_of(data)
    for name, value in fields.items():
        setattr(org, name, value)
    try:
        org.full_clean(exclude=["slug", "uuid"])
    except Exception as exc:
        raise RecordError(f"organization: {_messages(exc)}") from None
    org.save()
    return org


def _messages(exc) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return "; ".join(getattr(exc, "messages", [str(exc)]))


def _term(data: dict) -> TaxonomyTerm:
    term_uuid = _uuid(data.get("id"), "taxonomy_term.id")
    term = TaxonomyTerm.objects.filter(uuid=term_uuid).first()
    if term is not None:
        return term
    taxonomy_name = (data.get("taxonomy") or "Imported terms").strip()[:200]
    taxonomy = None
    if data.get("taxonomy_id"):
        taxonomy = Taxonomy.objects.filter(uuid=_uuid(data["taxonomy_id"], "taxonomy_id")).first()
    if taxonomy is None:
        taxonomy = Taxonomy.objects.filter(name=taxonomy_name).first()
    if taxonomy is None:
        taxonomy = Taxonomy.objects.create(
            name=taxonomy_name,
            **(
                {"uuid": _uuid(data["taxonomy_id"], "taxonomy_id")}
                if data.get("taxonomy_id")
                else {}
            ),
        )
    return TaxonomyTerm.objects.create(
        uuid=term_uuid,
        taxonomy=taxonomy,
        code=(data.get("code") or data.get("term") or "")[:100],
        name=(data.get("name") or "")[:200],
        description=data.get("description") or "",
    )


def _slots(schedules: list[dict]) -> list[Slot]:
    from datetime import time

    slots = []
    for item in schedules:
        freq = (item.get("freq") or "WEEKLY").lower()
        if freq not in {"weekly", "monthly"} or not item.get("byday"):
            continue  # a schedule we cannot place on a weekday (bymonthday only, say)
        try:
            opens = time.fromisoformat(item["opens_at"])
            closes = time.fromisoformat(item["closes_at"])
        except (KeyError, TypeError, ValueError):
            raise RecordError("a schedule needs opens_at and closes_at like 10:00") from None
        if opens >= closes:
            raise RecordError("a schedule closes before it opens")
        try:
            pairs = parse_byday(item["byday"], freq)
        except ScheduleError as exc:
            raise RecordError(f"schedule: {exc}") from None
        slots.extend(Slot(day, opens, closes, week) for day, week in pairs)
    return sorted(set(slots))


def _locations(org: Organisation, items: list[dict]) -> list[tuple[str | None, Location]]:
    from keepwell.places.services import PostcodeLookup, area_for_postcode

    found = []
    for item in items:
        loc = item.get("location") or {}
        if loc.get("location_type", "physical") != "physical":
            continue
        addresses = loc.get("addresses") or []
        address = addresses[0] if addresses else {}
        if not address:
            continue
        try:
            postcode = Postcode(address.get("postal_code", "")).value
        except InvalidPostcode as exc:
            raise RecordError(f"location {loc.get('id')}: {exc}") from None
        loc_uuid = _uuid(loc.get("id"), "location.id")
        location = Location.objects.filter(uuid=loc_uuid).first() or Location(
            uuid=loc_uuid, organisation=org
        )
        name = (loc.get("name") or "")[:200]
        location.address_1 = (address.get("address_1") or "")[:200] or name
        # Our export names an unnamed venue by its first line; that is not a name.
        location.name = "" if name == location.address_1 else name
        location.town = (address.get("city") or "")[:100]
        location.postcode = postcode
        lat, lon = loc.get("latitude"), loc.get("longitude")
        if lat is None or lon is None:
            located = PostcodeLookup().try_locate(postcode)
            lat, lon = (located.latitude, located.longitude) if located else (None, None)
        location.latitude, location.longitude = lat, lon
        location.area = area_for_postcode(postcode)
        location.save()
        found.append((item.get("id"), location))
    return found


def import_service(data: dict, *, by=None) -> str:
    """Create or update one service from a fully nested ORUK record; "created", "updated"
    or "unchanged". Raises RecordError (and changes nothing) for a record we cannot take."""
    from keepwell.directory import services as directory

    problems = schema_errors(data)
    if problems:
        raise RecordError("; ".join(problems))
    if not isinstance(data.get("organization"), dict):
        raise RecordError("the service has no organization")
    # One record, all of it or none of it; each record its own transaction, never a caller's.
    with transaction.atomic(durable=True):
        org = _organisation(data["organization"], by)
        service_uuid = _uuid(data["id"], "id")
        service = Service.objects.filter(uuid=service_uuid).first()
        # Taken before the venues are written, so that a moved venue counts as a change.
        before = directory.service_snapshot(service) if service is not None else {}
        terms = [
            _term(a["taxonomy_term"])
            for a in data.get("attributes") or []
            if a.get("taxonomy_term")
        ]
        category = next((t.category for t in terms if t.category), "")
        if not category:
            category = service.category if service else ServiceCategory.PRACTICAL
        # The export names the category by its Table two term; it is the category, not an
        # activity of the service.
        terms = [t for t in terms if not (t.parent_id is None and t.code == t.category)]
        languages = []
        for item in data.get("languages") or []:
            code = (item.get("code") or "").lower()
            name = item.get("name") or ""
            lang = Language.objects.filter(code=code).first() if code else None
            if lang is None and name:
                lang = Language.objects.filter(name__iexact=name).first()
            if lang is not None:
                languages.append(lang)
        cost = (data.get("cost_options") or [{}])[0]
        amount = cost.get("amount")
        is_free = (
            not data.get("cost_options")
            or amount in (0, None)
            and ((cost.get("option") or "").lower() == "free")
        )
        fields = {
            "name": data["name"][:200],
            "description": data.get("description") or "",
            "category": category,
            "status": Service.Status.PUBLISHED
            if data["status"] == "active"
            else Service.Status.WITHDRAWN,
            "url": data.get("url") or "",
            "email": data.get("email") or "",
            "min_age": _age(data.get("minimum_age")),
            "max_age": _age(data.get("maximum_age")),
            "eligibility": data.get("eligibility_description") or "",
            "is_free": is_free,
            "cost_pence": None if is_free or amount is None else round(float(amount) * 100),
            "cost_description": (cost.get("amount_description") or "")[:300],
        }
        slots = _slots(data.get("schedules") or [])
        located = _locations(org, data.get("service_at_locations") or [])
        # A feed never carries a confidential venue (ours leaves them out), so one we hold
        # stays, and keeps the service in person.
        hidden = service is not None and service.at_locations.filter(confidential=True).exists()
        if located or hidden:
            fields["delivery"] = Service.Delivery.IN_PERSON
        elif service is None or service.delivery == Service.Delivery.IN_PERSON:
            fields["delivery"] = Service.Delivery.PHONE_ONLINE
        phones = [
            phone.get("number")
            for contact in data.get("contacts") or []
            for phone in contact.get("phones") or []
            if phone.get("number")
        ]
        fields["phone"] = str(phones[0])[:30] if phones else ""
        accessibility = [
            item.get("description")
            for sal in data.get("service_at_locations") or []
            for item in (sal.get("location") or {}).get("accessibility") or []
            if item.get("description")
        ]
        if accessibility or service is None or located:
            fields["accessibility"] = accessibility[0] if accessibility else ""
        verified = data.get("assured_date")
        try:
            if service is None:
                service = directory.create_service(
                    org,
                    by=by,
                    taxonomy_terms=terms,
                    languages=languages,
                    slots=slots,
                    verified=False,
                    **fields,
                )
                Service.objects.filter(pk=service.pk).update(uuid=service_uuid)
                service.uuid = service_uuid
                outcome = "created"
            else:
                for name, value in fields.items():
                    setattr(service, name, value)
                service.organisation = org
                service.full_clean(exclude=["organisation"])
                service.save()
                service.taxonomy_terms.set(terms)
                service.languages.set(languages)
                directory.set_slots(service, slots)
                outcome = "updated"
        except Exception as exc:
            if isinstance(exc, RecordError):
                raise
            raise RecordError(_messages(exc)) from None
        keep = []
        for sal_id, location in located:
            sal = directory.attach(
                service,
                location,
                sal_uuid=_uuid(sal_id, "service_at_location.id") if sal_id else None,
            )
            keep.append(sal.pk)
        service.at_locations.exclude(pk__in=keep).exclude(confidential=True).delete()
        if verified:
            try:
                day = date.fromisoformat(str(verified)[:10])
                Service.objects.filter(pk=service.pk).update(
                    last_verified_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
                )
            except ValueError:
                pass
        directory.refresh_search_text([service.pk])
        if outcome == "updated":
            service.refresh_from_db()
            changes = diff(before, directory.service_snapshot(service))
            if not changes:
                return "unchanged"
            directory.record_change(org, "import", by=by, service=service, changes=changes)
        else:
            directory.record_change(org, "import", by=by, service=service)
    return outcome


def _age(value):
    if value is None:
        return None
    try:
        age = int(float(value))
    except (TypeError, ValueError):
        raise RecordError(f"{value!r} is not an age") from None
    if not 0 <= age <= 130:
        raise RecordError(f"{age} is not an age")
    return age


def import_records(records, *, by=None) -> ImportReport:
    report = ImportReport()
    for index, record in enumerate(records, start=1):
        label = record.get("id") if isinstance(record, dict) else None
        where = f"record {index}" + (f" ({label})" if label else "")
        if not isinstance(record, dict):
            report.errors.append(f"{where}: not a JSON object")
            continue
        if record.get("_error"):
            report.errors.append(f"{where}: {record['_error']}")
            continue
        try:
            outcome = import_service(record, by=by)
        except RecordError as exc:
            report.errors.append(f"{where}: {exc}")
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
