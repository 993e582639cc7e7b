"""Who a broadcast may go to, and who may send to whom.

An audience is a kind ("volunteers", "group_members", "timebank_members", "referred",
"residents") and its parameters (ids of an organisation, area, skill, language, time bank or
service). Each kind reads other rooms' records read-only, through their querysets, and
answers with the people it means: ``people(kind, params)`` gives current person records
(never a merged one), ``users_without_record(kind, params)`` the volunteers who sign in but
have no person record (they are reached in their keepwell inbox).

``may_reach(user, kind, params)`` is the audience rule: a coordinator reaches only their own
organisations' volunteers, members and services' referrals; an NHS connector the people
referred to their organisation's services or from their practice; an area lead the residents
of their areas; a platform admin anyone. Consent is not decided here: ``services.plan``
leaves out whoever said no to the purpose (news is opt-in), and residents are only those
who said yes to news.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery

from keepwell.accounts.models import Role, User
from keepwell.messaging.models import Purpose, PurposeChoice
from keepwell.people.models import Person


@dataclass(frozen=True)
class AudienceKind:
    key: str
    label: str
    hint: str
    # The parameters it reads; the first of ``required`` must be given.
    params: tuple[str, ...]
    required: tuple[str, ...]
    purposes: tuple[str, ...]


KINDS: dict[str, AudienceKind] = {
    k.key: k
    for k in (
        AudienceKind(
            "volunteers",
            "Volunteers of a group",
            "Choose the group; you can narrow it to an area, a kind of help or a language.",
            ("organisation", "area", "skill", "language"),
            ("organisation",),
            (Purpose.VOLUNTEERING, Purpose.NEWS),
        ),
        AudienceKind(
            "group_members",
            "Members of a mutual aid group",
            "The people whose records the group holds, and its volunteers.",
            ("organisation",),
            ("organisation",),
            (Purpose.NEWS,),
        ),
        AudienceKind(
            "timebank_members",
            "Members of a time bank",
            "Approved members of the time bank.",
            ("bank",),
            ("bank",),
            (Purpose.NEWS,),
        ),
        AudienceKind(
            "referred",
            "People referred to a service",
            "People referred to one of your services, or referred from your practice.",
            ("service", "from_organisation"),
            (),
            (Purpose.NEWS,),
        ),
        AudienceKind(
            "residents",
            "Residents of a neighbourhood who want news",
            "Only residents who said yes to news and broadcasts.",
            ("area",),
            ("area",),
            (Purpose.NEWS,),
        ),
    )
}


def default_purpose(kind: str) -> str:
    return KINDS[kind].purposes[0] if kind in KINDS else Purpose.NEWS


# --- who may reach whom ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """What one user may choose from, each as a set of ids (None: anything)."""

    organisations: set[int] | None  # for volunteers and group members
    banks: set[int] | None
    services: set[int] | None
    from_organisations: set[int] | None  # referred from their practice or organisation
    areas: set[int] | None  # residents

    @property
    def kinds(self) -> list[str]:
        found = []
        if self.organisations is None or self.organisations:
            found += ["volunteers", "group_members"]
        if self.banks is None or self.banks:
            found.append("timebank_members")
        if (
            self.services is None
            or self.services
            or self.from_organisations is None
            or self.from_organisations
        ):
            found.append("referred")
        if self.areas is None or self.areas:
            found.append("residents")
        return found


def reach_of(user) -> Reach:
    """The organisations, banks, services and areas ``user`` may send a broadcast to."""
    from keepwell.directory.models import Service
    from keepwell.places.models import Area
    from keepwell.timebank.models import TimeBank

    if not user.is_authenticated:
        return Reach(set(), set(), set(), set(), set())
    if user.is_platform_admin:
        return Reach(None, None, None, None, None)
    coordinates = user.organisation_ids(Role.COORDINATOR)
    connects = user.organisation_ids(Role.NHS_CONNECTOR)
    banks = set(TimeBank.objects.brokered_by(user).values_list("pk", flat=True))
    services = set(
        Service.objects.filter(organisation_id__in=coordinates | connects).values_list(
            "pk", flat=True
        )
    )
    # Residents who said yes to news: of the neighbourhoods a user leads, or that their
    # organisations serve (a place served includes its neighbourhoods).
    areas = set(user.led_area_ids()) if user.has_role(Role.AREA_LEAD) or _leads(user) else set()
    served = Area.objects.filter(organisations_serving__in=coordinates | connects).values_list(
        "pk", flat=True
    )
    areas |= Area.objects.with_descendants(set(served))
    return Reach(coordinates, banks, services, connects, areas)


def _leads(user) -> bool:
    return user.areas_led.exists() or user.areas_deputised.exists()


def _within(allowed: set[int] | None, value) -> bool:
    return allowed is None or (isinstance(value, int) and value in allowed)


def may_reach(user, kind: str, params: dict) -> bool:
    """The audience rule: may ``user`` send to this audience? Parameters must be ids."""
    if kind not in KINDS:
        return False
    reach = reach_of(user)
    if kind in ("volunteers", "group_members"):
        return params.get("organisation") is not None and _within(
            reach.organisations, params.get("organisation")
        )
    if kind == "timebank_members":
        return params.get("bank") is not None and _within(reach.banks, params.get("bank"))
    if kind == "referred":
        service, source = params.get("service"), params.get("from_organisation")
        if service is None and source is None:
            return False
        return (service is None or _within(reach.services, service)) and (
            source is None or _within(reach.from_organisations, source)
        )
    return params.get("area") is not None and _within(reach.areas, params.get("area"))


# --- the people an audience means -----------------------------------------------------------


def _volunteers(kind: str, params: dict):
    from keepwell.help.models import Volunteer, VolunteerStatus

    volunteers = Volunteer.objects.exclude(status=VolunteerStatus.LEFT).filter(
        organisations=params.get("organisation")
    )
    if kind == "volunteers":
        if params.get("area") is not None:
            from keepwell.places.models import Area

            volunteers = volunteers.filter(
                area_id__in=Area.objects.with_descendants([params["area"]])
            )
        if params.get("skill") is not None:
            volunteers = volunteers.filter(skills=params["skill"])
        if params.get("language") is not None:
            volunteers = volunteers.filter(languages=params["language"])
    return volunteers


def said_yes_to_news(people):
    """Those of ``people`` whose latest choice about news is yes (news is opt-in)."""
    latest = (
        PurposeChoice.objects.filter(person=OuterRef("pk"), purpose=Purpose.NEWS)
        .order_by("-at", "-id")
        .values("allowed")[:1]
    )
    return people.annotate(wants_news=Subquery(latest)).filter(wants_news=True)


def people(kind: str, params: dict):
    """Current person records of the audience, ordered by id (for batches)."""
    from keepwell.places.models import Area

    current = Person.objects.current()
    if kind in ("volunteers", "group_members"):
        if params.get("organisation") is None:
            return current.none()
        users = _volunteers(kind, params).values("user_id")
        q = Q(user_id__in=users)
        if kind == "group_members":
            q |= Q(organisations=params["organisation"])
        found = current.filter(q)
    elif kind == "timebank_members":
        from keepwell.timebank.models import Account

        accounts = Account.objects.approved().filter(
            bank_id=params.get("bank"), kind=Account.Kind.PERSON
        )
        found = current.filter(pk__in=accounts.values("person_id"))
    elif kind == "referred":
        from keepwell.referrals.models import Referral

        referrals = Referral.objects.all()
        if params.get("service") is None and params.get("from_organisation") is None:
            return current.none()
        if params.get("service") is not None:
            referrals = referrals.filter(service_id=params["service"])
        if params.get("from_organisation") is not None:
            referrals = referrals.filter(from_organisation_id=params["from_organisation"])
        found = current.filter(pk__in=referrals.values("person_id"))
    elif kind == "residents":
        if params.get("area") is None:
            return current.none()
        areas = Area.objects.with_descendants([params["area"]])
        found = said_yes_to_news(current.filter(area_id__in=areas))
    else:
        return current.none()
    # The filters on many-to-many fields can repeat a person; ids keep the order stable.
    return Person.objects.filter(pk__in=found.values("pk")).order_by("pk")


def users_without_record(kind: str, params: dict):
    """Volunteers in the audience who sign in but have no person record: reached in their
    keepwell inbox, the only channel keepwell knows for them."""
    if kind not in ("volunteers", "group_members") or params.get("organisation") is None:
        return User.objects.none()
    return User.objects.filter(
        pk__in=_volunteers(kind, params).values("user_id"), person__isnull=True
    ).order_by("pk")


def describe(kind: str, params: dict) -> str:
    """The audience in words, for the list and the preview."""
    from keepwell.directory.models import Organisation, Service
    from keepwell.help.models import NeedType
    from keepwell.people.models import Language
    from keepwell.places.models import Area
    from keepwell.timebank.models import TimeBank

    def name(model, pk):
        if pk is None:
            return ""
        found = model.objects.filter(pk=pk).first()
        return str(found) if found else "(removed)"

    if kind not in KINDS:
        return "Unknown audience"
    if kind == "volunteers":
        words = f"Volunteers of {name(Organisation, params.get('organisation'))}"
        if params.get("area") is not None:
            words += f" in {name(Area, params['area'])}"
        if params.get("skill") is not None:
            words += f" who offer {name(NeedType, params['skill']).lower()}"
        if params.get("language") is not None:
            words += f" who speak {name(Language, params['language'])}"
        return words
    if kind == "group_members":
        return f"Members of {name(Organisation, params.get('organisation'))}"
    if kind == "timebank_members":
        return f"Members of {name(TimeBank, params.get('bank'))}"
    if kind == "referred":
        parts = []
        if params.get("service") is not None:
            parts.append(f"to {name(Service, params['service'])}")
        if params.get("from_organisation") is not None:
            parts.append(f"from {name(Organisation, params['from_organisation'])}")
        return "People referred " + " and ".join(parts)
    return f"Residents of {name(Area, params.get('area'))} who want news"


def sender_organisation(by, kind: str, params: dict) -> int | None:
    """The organisation ``by`` speaks for to this audience: the audience's own (a group, a
    service's, a time bank's), else ``by``'s first as coordinator, connector or area lead.
    Its coordinators see the calls the messages turn into, and the audit counts it theirs."""
    from keepwell.accounts.models import Role

    if kind in ("volunteers", "group_members"):
        return params.get("organisation")
    if kind == "referred" and params.get("from_organisation") is not None:
        return params["from_organisation"]
    if kind == "referred" and params.get("service") is not None:
        from keepwell.directory.models import Service

        return (
            Service.objects.filter(pk=params["service"])
            .values_list("organisation_id", flat=True)
            .first()
        )
    if kind == "timebank_members":
        from keepwell.timebank.models import TimeBank

        return (
            TimeBank.objects.filter(pk=params.get("bank"))
            .values_list("organisation_id", flat=True)
            .first()
        )
    own = sorted(by.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR, Role.AREA_LEAD))
    return own[0] if own else None
