"""Open Referral UK (HSDS 3.0, UK profile): our listings as its JSON, and its JSON as ours.

Every id is a UUID. Records keepwell has no UUID of their own for (an address, a language
of a service, an attribute) get one derived from their owner's, so the same listing always
has the same ids. Optional fields are left out rather than sent as null or "".
Confidential venues are never written: not their address, not their position.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
from django.db import transaction
from django.utils import timezone
from referencing.jsonschema import DRAFT202012 as DRAFT

from keepwell.directory.models import (
    Location,
    Organisation,
    OrganisationKind,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCategory,
    Taxonomy,
    TaxonomyTerm,
)
from keepwell.directory.schedules import ScheduleError, Slot, byday, describe_slot, parse_byday
from keepwell.people.models import Language
from keepwell.places.postcodes import InvalidPostcode, Postcode

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


# ---------------------------------------------------------------------------------------
# Writing


def kind_taxonomy_id() -> str:
    return derived("taxonomy", "organisation-kinds")


def kind_term(kind: str) -> dict:
    return {
        "id": derived("organisation-kind", kind),
        "name": OrganisationKind(kind).label,
        "description": OrganisationKind(kind).label,
        "taxonomy": KIND_TAXONOMY,
        "taxonomy_id": kind_taxonomy_id(),
        "code": kind,
    }


def term_dict(term: TaxonomyTerm) -> dict:
    return _clean(
        {
            "id": str(term.uuid),
            "name": term.name,
            "description": term.description or term.name,
            "parent_id": str(term.parent.uuid) if term.parent_id else None,
            "taxonomy": term.taxonomy.name,
            "taxonomy_id": str(term.taxonomy.uuid),
            "code": term.code,
        }
    )


def taxonomy_dict(taxonomy: Taxonomy) -> dict:
    return _clean(
        {
            "id": str(taxonomy.uuid),
            "name": taxonomy.name,
            "description": taxonomy.description or taxonomy.name,
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        }
    )


def organization_dict(org: Organisation) -> dict:
    identifiers = []
    if org.charity_number:
        identifiers.append(
            {
                "id": derived(org.uuid, "charity"),
                "organization_id": str(org.uuid),
                "identifier_scheme": "GB-CHC",
                "identifier_type": "Charity number",
                "identifier": org.charity_number,
            }
        )
    if org.company_number:
        identifiers.append(
            {
                "id": derived(org.uuid, "company"),
                "organization_id": str(org.uuid),
                "identifier_scheme": "GB-COH",
                "identifier_type": "CIC number" if org.is_cic else "Company number",
                "identifier": org.company_number,
            }
        )
    kind = kind_term(org.kind)
    return _clean(
        {
            "id": str(org.uuid),
            "name": org.name,
            "description": org.description or org.name,
            "email": org.email,
            "website": org.website,
            "parent_organization_id": str(org.parent.uuid) if org.parent_id else None,
            "organization_identifiers": identifiers,
            "attributes": [
                {
                    "id": derived(org.uuid, "kind"),
                    "link_id": str(org.uuid),
                    "link_type": "organization",
                    "link_entity": "organization",
                    "taxonomy_term_id": kind["id"],
                    "taxonomy_term": kind,
                }
            ],
        }
    )


def _service_core(service: Service) -> dict:
    return {
        "id": str(service.uuid),
        "organization_id": str(service.organisation.uuid),
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": STATUS[service.status],
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "eligibility_description": service.eligibility,
        "assured_date": service.last_verified_at.date().isoformat()
        if service.last_verified_at
        else None,
        "last_modified": _datetime(service.updated_at),
    }


def service_summary(service: Service) -> dict:
    """A list item: the service's one-to-one fields and its organisation."""
    return _clean(
        {**_service_core(service), "organization": _organization_brief(service.organisation)}
    )


def _organization_brief(org: Organisation) -> dict:
    return _clean(
        {
            "id": str(org.uuid),
            "name": org.name,
            "description": org.description or org.name,
            "email": org.email,
            "website": org.website,
            "parent_organization_id": str(org.parent.uuid) if org.parent_id else None,
        }
    )


def location_dict(location: Location, accessibility: str = "") -> dict:
    address = {
        "id": derived(location.uuid, "address"),
        "location_id": str(location.uuid),
        "address_1": ", ".join(p for p in (location.address_1, location.address_2) if p),
        "city": location.town,
        "state_province": location.town,
        "postal_code": location.postcode,
        "country": "GB",
        "address_type": "physical",
    }
    return _clean(
        {
            "id": str(location.uuid),
            "location_type": "physical",
            "name": location.name or location.address_1,
            "latitude": location.latitude,
            "longitude": location.longitude,
            "addresses": [address],
            "accessibility": [
                {
                    "id": derived(location.uuid, "accessibility"),
                    "location_id": str(location.uuid),
                    "description": accessibility,
                }
            ]
            if accessibility
            else [],
        }
    )


def schedule_dict(schedule: Schedule, service: Service) -> dict:
    return _clean(
        {
            "id": str(schedule.uuid),
            "service_id": str(service.uuid),
            "freq": "WEEKLY" if schedule.frequency == "weekly" else "MONTHLY",
            "interval": 1,
            "byday": byday(schedule),
            "opens_at": _hhmm(schedule.opens_at),
            "closes_at": _hhmm(schedule.closes_at),
            "description": describe_slot(schedule),
            "notes": service.schedule_notes,
        }
    )


def _category_term(category: str) -> TaxonomyTerm | None:
    return (
        TaxonomyTerm.objects.filter(uuid=uuid.uuid5(NAMESPACE, f"table-two/{category}"))
        .select_related("taxonomy", "parent")
        .first()
    )


def service_full(service: Service) -> dict:
    """The fully nested service of ``/services/{id}``. Prefetch what it reads (see
    ``full_services``) when writing many."""
    sid = str(service.uuid)
    terms = list(service.taxonomy_terms.all())
    category_term = next((t for t in terms if t.code == service.category), None)
    if category_term is None:
        category_term = _category_term(service.category)
        if category_term is not None:
            terms.append(category_term)
    attributes = [
        {
            "id": derived(service.uuid, "term", term.uuid),
            "link_id": sid,
            "link_type": "service",
            "link_entity": "service",
            "taxonomy_term_id": str(term.uuid),
            "taxonomy_term": term_dict(term),
        }
        for term in sorted(terms, key=lambda t: t.name)
    ]
    cost = []
    if service.is_free:
        cost.append(
            {"id": derived(service.uuid, "cost"), "service_id": sid, "option": "Free", "amount": 0}
        )
    elif service.cost_pence is not None or service.cost_description:
        cost.append(
            _clean(
                {
                    "id": derived(service.uuid, "cost"),
                    "service_id": sid,
                    "option": "Charge",
                    # ORUK amounts are numbers of pounds; we keep whole pence.
                    "amount": service.cost_pence / 100 if service.cost_pence is not None else None,
                    "amount_description": service.cost_description,
                }
            )
        )
    contacts = []
    if service.phone:
        contacts.append(
            {
                "id": derived(service.uuid, "contact"),
                "service_id": sid,
                "name": service.organisation.name,
                "phones": [{"id": derived(service.uuid, "phone"), "number": service.phone}],
            }
        )
    return _clean(
        {
            **_service_core(service),
            "organization": organization_dict(service.organisation),
            "schedules": [schedule_dict(s, service) for s in service.schedules.all()],
            "service_areas": [
                {
                    "id": derived(service.uuid, "area", area.slug),
                    "service_id": sid,
                    "name": area.name,
                    "service_area": area.name,
                }
                for area in service.organisation.areas_served.all()
            ],
            "service_at_locations": [
                {
                    "id": str(sal.uuid),
                    "service_id": sid,
                    "location_id": str(sal.location.uuid),
                    "location": location_dict(sal.location, service.accessibility),
                }
                for sal in service.at_locations.all()
                if not sal.location.confidential
            ],
            "languages": [
                {
                    "id": derived(service.uuid, "language", lang.code),
                    "service_id": sid,
                    "name": lang.name,
                    "code": lang.code,
                }
                for lang in service.languages.all()
            ],
            "cost_options": cost,
            "contacts": contacts,
            "attributes": attributes,
        }
    )


def full_services(queryset):
    from django.db.models import Prefetch

    return queryset.select_related("organisation", "organisation__parent").prefetch_related(
        "schedules",
        "languages",
        "organisation__areas_served",
        Prefetch("taxonomy_terms", TaxonomyTerm.objects.select_related("taxonomy", "parent")),
        Prefetch("at_locations", ServiceAtLocation.objects.select_related("location")),
    )


def sal_summary(sal: ServiceAtLocation, distance_m: float | None = None) -> dict:
    location = sal.location
    return _clean(
        {
            "id": str(sal.uuid),
            "service_id": str(sal.service.uuid),
            "location_id": str(location.uuid),
            "location": _clean(
                {
                    "id": str(location.uuid),
                    "location_type": "physical",
                    "name": location.name or location.address_1,
                    "latitude": location.latitude,
                    "longitude": location.longitude,
                }
            ),
            "service": service_summary(sal.service),
            "distance": round(distance_m) if distance_m is not None else None,
        }
    )


def export_document(services) -> dict:
    """Every given service, fully nested, in the paged-list shape: one page holds them all."""
    contents = [service_full(s) for s in full_services(services)]
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }


# ---------------------------------------------------------------------------------------
# Validation (used by the importer, and by the tests on every response of the feed)

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "oruk"


def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text())


def validator(name: str):
    """A validator for one vendored schema; references between the files resolve locally."""
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (
            path.name,
            Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT),
        )
        for path in SCHEMA_DIR.glob("*.json")
    )
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


_validator = None


def service_validator():
    global _validator
    if _validator is None:
        _validator = validator("service.json")
    return _validator


def schema_errors(record: dict) -> list[str]:
    errors = sorted(service_validator().iter_errors(record), key=lambda e: list(e.path))
    return [f"{'/'.join(str(p) for p in e.path) or 'record'}: {e.message}" for e in errors[:5]]


# ---------------------------------------------------------------------------------------
# Reading


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
    with transaction.atomic():
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
            changes = directory._diff(before, directory.service_snapshot(service))
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


def now_iso() -> str:
    return _datetime(timezone.now())


# ---------------------------------------------------------------------------------------
# Sources: another directory's feed, or a file


class SourceError(Exception):
    """The source cannot be read at all (as opposed to one bad record in it)."""


class FeedClient:
    """Reads JSON from another directory's ORUK feed over HTTP(S). Tests pass a fake with
    the same ``get_json`` (one that asks keepwell's own feed through the test client)."""

    timeout = 30

    def get_json(self, url: str):
        import urllib.error
        import urllib.request

        if not url.startswith(("https://", "http://")):
            raise SourceError(f"{url} is not an http(s) address")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url, headers={"Accept": "application/json", "User-Agent": "keepwell import-oruk"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise SourceError(f"{url} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SourceError(f"{url} could not be read: {exc}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceError(f"{url} did not send UTF-8 JSON") from None
        return parse_document(text, url)


def _contents(document) -> list:
    """The records of a paged list, a plain list, or one record."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        return document["contents"]
    if isinstance(document, dict):
        return [document]
    raise SourceError("the file is neither a list of services nor one service")


def _is_full(record) -> bool:
    """A list item that already carries the nested records of /services/{id}."""
    if not isinstance(record, dict):
        return True  # let the importer report it
    org = record.get("organization")
    return isinstance(org, dict) and "attributes" in org


def feed_records(url: str, *, client=None, per_page: int = 100):
    """Every service of a paged ORUK feed, fully nested: walks /services page by page and
    asks /services/{id} for each item that is only a summary. ``url`` is the feed's root
    (".../oruk") or its /services address."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    client = client or FeedClient()
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    page = 1
    while True:
        document = client.get_json(f"{base}?{urlencode({'page': page, 'per_page': per_page})}")
        if not isinstance(document, dict) or not isinstance(document.get("contents"), list):
            raise SourceError(f"{base} page {page} is not an ORUK paged list")
        for item in document["contents"]:
            if _is_full(item) or not item.get("id"):
                yield item
                continue
            try:
                yield client.get_json(f"{base}/{item['id']}")
            except SourceError as exc:
                yield {"id": item["id"], "_error": str(exc)}
        if document.get("last_page", True) or not document["contents"]:
            return
        page += 1


# An ORUK service nests about eight deep (service, its venues, a venue's address, ...).
# A document nested far deeper is not a directory, and would exhaust the recursion of
# whatever walks it next (the schema check, the importer).
MAX_DEPTH = 64


def _depth(document) -> int:
    """How deep ``document`` nests, walked without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return deepest


def parse_document(text: str, where: str):
    """The JSON document in ``text``; SourceError says, about ``where``, why it is not one."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise SourceError(
            f"{where} is not a directory: its JSON nests deeper than {MAX_DEPTH} levels"
        ) from None
    except ValueError as exc:
        raise SourceError(f"{where} is not JSON: {exc}") from None
    if _depth(document) > MAX_DEPTH:
        raise SourceError(
            f"{where} is not a directory: its JSON nests deeper than {MAX_DEPTH} levels"
        )
    return document


def file_records(path: str | Path) -> list:
    """Every record of an ORUK JSON file, read and checked in full before any is imported:
    a file that cannot be read is refused whole, with the reason."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"{path} could not be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path} is not UTF-8 text (byte {exc.start + 1} is {raw[exc.start]:#04x}): "
            "save it as UTF-8 JSON"
        ) from None
    return _contents(parse_document(text, str(path)))
