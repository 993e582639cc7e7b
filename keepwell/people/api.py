from __future__ import annotations

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from keepwell.core.api import Error, require
from keepwell.people import services
from keepwell.people.models import Person

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    given_name: str
    family_name: str
    nhs_number: str  # ten digits, no spaces; "" when not known
    date_of_birth: date | None
    phone: str  # E.164, like +441632960001
    mobile: str
    email: str
    postcode: str
    no_digital: bool
    preferred_channel: str
    languages: list[str]
    accessibility_needs: str

    @staticmethod
    def resolve_languages(obj):
        return [lang.code for lang in obj.languages.all()]


class PersonSummary(Schema):
    id: int
    given_name: str
    family_name: str
    postcode: str


@router.get("/", response={200: list[PersonSummary], 403: Error})
def list_people(
    request,
    # No NUL: PostgreSQL cannot compare with it, and SQLite would match everyone.
    search: str = Query("", max_length=200, pattern=r"^[^\x00]*$"),
    limit: int = 50,
):
    """People whose records you hold, optionally searched by name, phone, postcode, NHS number
    or date of birth."""
    require(request, "people.list_people")
    limit = max(1, min(limit, 200))
    return services.find_people(search, by=request.user, limit=limit, via="api")


@router.get("/{person_id}", response={200: PersonOut, 403: Error, 404: Error})
def get_person(request, person_id: int):
    # A merged record holds nothing: its data now lives on the record it was merged into.
    person = get_object_or_404(Person.objects.current().prefetch_related("languages"), pk=person_id)
    require(request, "people.view_person", person)
    services.view_person(person, by=request.user, via="api")  # recorded as direct care
    return person
