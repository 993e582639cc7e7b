"""The helpline call: finding the caller, and recording what the call form says as a request
through :func:`keepwell.help.services.take_call`."""

from __future__ import annotations

from keepwell.help import reads, services
from keepwell.help.models import HelpRequest, PublicRequest, Source
from keepwell.people.models import Person


def find_callers(user, q: str) -> list[Person]:
    """Up to ten people the user may see who match ``q``; their being shown is audited."""
    found = list(Person.objects.visible_to(user).search(q).select_related("area")[:10])
    reads.listed_requests(found, by=user, summary=f"Found on the helpline screen for {q!r}")
    return found


def call_details(data: dict) -> services.CallDetails:
    """Who the call is about, from the call form's cleaned data."""
    return services.CallDetails(
        person=data["person_obj"],
        new_person={
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "phone": data["phone"],
            "address_line_1": data["address_line_1"],
            "postcode": data["new_postcode"],
        },
        languages=[data["language"]] if data["language"] else [],
        household_name=data["household_name"],
        consent_coordination=data["consent_coordination"],
        consent_share_with_nhs=data["consent_share_with_nhs"],
        on_behalf=data["on_behalf"],
    )


def record_call(data: dict, *, by, public: PublicRequest | None = None) -> HelpRequest:
    """The request the call form describes; a public request it answers is marked triaged.

    Raises what ``take_call`` raises (``DuplicateRequest``, ``HelpError``)."""
    return services.take_call(
        call_details(data),
        data["need_type"],
        by=by,
        organisation=data["organisation"],
        public_request=public,
        urgency=data["urgency"],
        language=data["language"],
        notes=data["notes"],
        source=Source.WEB if public else Source.HELPLINE,
        requested_by=data["requested_by"],
        window_start=data["window_start"],
        window_end=data["window_end"],
        times_per_week=data["times_per_week"],
        weeks=data["weeks"],
        allow_duplicate=data["allow_duplicate"],
    )
