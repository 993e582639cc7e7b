"""Services as CSV: a template to fill in, an import that is all-or-nothing, and an export
in the same columns (so an export can be corrected and imported back).

Each row is checked with the same form a coordinator fills in on the web, so a row is
refused for exactly the reasons the form would refuse it, with the row number.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from keepwell.core import csvio as shared
from keepwell.directory import services as directory
from keepwell.directory.forms import ServiceForm
from keepwell.directory.models import (
    Location,
    Organisation,
    Service,
    ServiceCategory,
    TaxonomyTerm,
)
from keepwell.directory.schedules import format_slots
from keepwell.people.models import Language

COLUMNS = [
    "id",
    "name",
    "description",
    "category",
    "activities",
    "status",
    "taking_new_people",
    "access",
    "min_age",
    "max_age",
    "eligibility",
    "cost",
    "cost_description",
    "schedule",
    "delivery",
    "venue_name",
    "address_1",
    "address_2",
    "town",
    "postcode",
    "confidential_address",
    "languages",
    "accessibility",
    "phone",
    "email",
    "website",
]
OPTIONAL_COLUMNS = {"id"}
EXAMPLE = {
    "name": "Riverside lunch club",
    "description": "A hot meal and good company",
    "category": "social",
    "activities": "online-social-events",
    "status": "published",
    "taking_new_people": "yes",
    "access": "self_refer",
    "min_age": "60",
    "cost": "2.50",
    "cost_description": "a meal",
    "schedule": "Tuesday 12:00-14:00; first Friday 12:00-14:00",
    "delivery": "in_person",
    "venue_name": "St Mark's hall",
    "address_1": "1 Church Street",
    "town": "Wellbrook",
    "postcode": "WB2 1AB",
    "confidential_address": "no",
    "languages": "en; pt",
    "accessibility": "Step-free access",
}
# The model field each free-text column is stored in: a value longer than the field's
# max_length is refused with the row's number (the postcode is checked once normalised).
STORED_IN = {
    "name": Service._meta.get_field("name"),
    "description": Service._meta.get_field("description"),
    "eligibility": Service._meta.get_field("eligibility"),
    "cost_description": Service._meta.get_field("cost_description"),
    "accessibility": Service._meta.get_field("accessibility"),
    "phone": Service._meta.get_field("phone"),
    "email": Service._meta.get_field("email"),
    "website": Service._meta.get_field("url"),
    "venue_name": Location._meta.get_field("name"),
    "address_1": Location._meta.get_field("address_1"),
    "address_2": Location._meta.get_field("address_2"),
    "town": Location._meta.get_field("town"),
}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


def template() -> str:
    out = io.StringIO()
    writer = shared.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerow({name: EXAMPLE.get(name, "") for name in COLUMNS})
    return out.getvalue()


@dataclass
class CsvResult:
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    header_error: str = ""
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.header_error


def _flag(value: str, column: str) -> bool:
    value = (value or "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"{column} must be yes or no, not “{value}”")


def _list(value: str) -> list[str]:
    return [item.strip() for item in (value or "").replace(",", ";").split(";") if item.strip()]


def _row_to_form_data(row: dict) -> dict:
    """The CSV row as the service form's POST data; ValueError says what is wrong."""
    data = {name: (row.get(name) or "").strip() for name in COLUMNS}
    for column, model_field in STORED_IN.items():
        reason = shared.too_long(data[column], model_field, column.replace("_", " "))
        if reason:
            raise ValueError(reason)
    category = data["category"].lower()
    labels = {label.lower(): value for value, label in ServiceCategory.choices}
    category = labels.get(category, category)
    term_ids = []
    for item in _list(data["activities"]):
        term = TaxonomyTerm.objects.filter(Q(code__iexact=item) | Q(name__iexact=item)).first()
        if term is None:
            raise ValueError(f"activities: “{item}” is not an activity we know")
        term_ids.append(str(term.pk))
    language_ids = []
    for item in _list(data["languages"]):
        lang = Language.objects.filter(Q(code__iexact=item) | Q(name__iexact=item)).first()
        if lang is None:
            raise ValueError(f"languages: “{item}” is not a language we know")
        language_ids.append(str(lang.pk))
    form = {
        "name": data["name"],
        "description": data["description"],
        "category": category,
        "taxonomy_terms": term_ids,
        "status": data["status"].lower() or Service.Status.PUBLISHED,
        "access": data["access"].lower() or Service.Access.SELF_REFER,
        "min_age": data["min_age"],
        "max_age": data["max_age"],
        "eligibility": data["eligibility"],
        "cost": "" if data["cost"].lower() in {"", "free", "0", "0.00"} else data["cost"],
        "cost_description": data["cost_description"],
        "schedule": data["schedule"],
        "delivery": data["delivery"].lower() or Service.Delivery.IN_PERSON,
        "venue_name": data["venue_name"],
        "address_1": data["address_1"],
        "address_2": data["address_2"],
        "town": data["town"],
        "postcode": data["postcode"],
        "languages": language_ids,
        "accessibility": data["accessibility"],
        "phone": data["phone"],
        "email": data["email"],
        "url": data["website"],
    }
    for column, key in (
        ("taking_new_people", "taking_new_people"),
        ("confidential_address", "confidential"),
    ):
        if _flag(data[column] or ("yes" if column == "taking_new_people" else "no"), column):
            form[key] = "on"
    form["accepts_referrals"] = "on"
    return form


def import_services(org: Organisation, text: str, *, by) -> CsvResult:
    """Check every row; import all of them in one transaction only if every row is right."""
    result = CsvResult()
    required = [c for c in COLUMNS if c not in OPTIONAL_COLUMNS]
    rows = shared.read_rows(text, required=required, optional=OPTIONAL_COLUMNS, strict=True)
    try:
        ready = _check_rows(org, rows, result)
    except shared.CsvProblem as exc:
        if exc.row is None:
            result.header_error = str(exc)
        else:
            result.errors.append((exc.row, exc.reason))
        return result
    if not ready and not result.errors:
        result.errors.append((2, "There are no rows under the header"))
    if result.errors:
        return result
    # All the rows or none: never inside a caller's transaction, which could undo half.
    with transaction.atomic(durable=True):
        for service, kwargs in ready:
            if service is None:
                directory.create_service(org, by=by, **kwargs)
                result.created += 1
            else:
                directory.update_service(service, by=by, action="import", **kwargs)
                result.updated += 1
    return result


def _check_rows(org: Organisation, rows, result: CsvResult) -> list:
    """(service or None, the service's fields) for each good row; the bad ones go to
    ``result.errors`` with their numbers."""
    ready = []
    for number, row in rows:
        service = None
        sid = (row.get("id") or "").strip()
        if sid:
            service = (
                Service.objects.filter(organisation=org, uuid=sid).first()
                if _is_uuid(sid)
                else None
            )
            if service is None:
                result.errors.append((number, f"id {sid} is not one of {org}'s services"))
                continue
        try:
            data = _row_to_form_data(row)
        except ValueError as exc:
            result.errors.append((number, str(exc)))
            continue
        form = ServiceForm(data, instance=service)
        if not form.is_valid():
            for name, messages in form.errors.items():
                label = form.fields[name].label if name in form.fields else "row"
                result.errors.extend((number, f"{label}: {m}") for m in messages)
            continue
        ready.append((service, form.service_kwargs()))
    return ready


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def export_rows(services, *, with_organisation: bool = False, show_confidential=lambda s: False):
    """CSV text of these services in the template's columns (plus the organisation's name
    and kind for a whole-directory export). Confidential addresses are left blank unless
    ``show_confidential(service)`` says the reader may see them."""
    out = io.StringIO()
    columns = (["organisation", "organisation_kind"] if with_organisation else []) + COLUMNS
    writer = shared.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    services = services.select_related("organisation").prefetch_related(
        "taxonomy_terms", "languages", "schedules", "at_locations__location"
    )
    for service in services:
        first = next(iter(service.at_locations.all()), None)
        loc = first.location if first else None
        hidden = loc is not None and loc.confidential and not show_confidential(service)
        row = {
            "id": str(service.uuid),
            "name": service.name,
            "description": service.description,
            "category": service.category,
            "activities": "; ".join(t.code or t.name for t in service.taxonomy_terms.all()),
            "status": service.status,
            "taking_new_people": "yes" if service.taking_new_people else "no",
            "access": service.access,
            "min_age": service.min_age if service.min_age is not None else "",
            "max_age": service.max_age if service.max_age is not None else "",
            "eligibility": service.eligibility,
            "cost": ""
            if service.is_free or service.cost_pence is None
            else f"{service.cost_pence // 100}.{service.cost_pence % 100:02d}",
            "cost_description": service.cost_description,
            "schedule": format_slots(service.schedules.all()),
            "delivery": service.delivery,
            "venue_name": loc.name if loc and not hidden else "",
            "address_1": loc.address_1 if loc and not hidden else "",
            "address_2": loc.address_2 if loc and not hidden else "",
            "town": loc.town if loc else "",
            "postcode": loc.postcode if loc and not hidden else "",
            "confidential_address": "yes" if loc and loc.confidential else "no",
            "languages": "; ".join(lang.code for lang in service.languages.all()),
            "accessibility": service.accessibility,
            "phone": service.phone,
            "email": service.email,
            "website": service.url,
        }
        if with_organisation:
            row["organisation"] = service.organisation.name
            row["organisation_kind"] = service.organisation.get_kind_display()
        writer.writerow(row)
    return out.getvalue()
