"""Mutual aid: requests for help, volunteers and their checks, tasks, and doorstep concerns.

The shape follows the report: a person (or someone on their behalf) asks for help through a
helpline call, a web form or an NHS list; each :class:`HelpRequest` is for one kind of need
(:class:`NeedType`, the report's Table two) and produces one :class:`Task` per occurrence;
a :class:`Volunteer` may hold a task only while their checks and authorisations are valid;
what a volunteer notices at the door becomes a :class:`Concern` routed to a named contact.

Eligibility is computed at the moment it is asked (``SafeguardingCheck.objects.valid(at)``),
so a check stops counting the instant it expires; no nightly job is involved.

One module per part: ``needs`` (kinds of help and what a volunteer must hold), ``volunteers``,
``requests``, ``tasks``, ``intake`` (the public form, NHS lists) and ``concerns``. Every model
is imported here, so Django finds them and callers import from ``keepwell.help.models``.
"""

from __future__ import annotations

from keepwell.help.models.concerns import (
    Concern,
    ConcernContact,
    ConcernContactQuerySet,
    ConcernEvent,
    ConcernKind,
    ConcernQuerySet,
    RoutingRule,
    RoutingTarget,
)
from keepwell.help.models.intake import (
    NhsList,
    PublicRequest,
    PublicRequestStatus,
    PublicRequestThrottle,
)
from keepwell.help.models.needs import (
    CHECK_SATISFIES,
    AuthorisationKind,
    CheckKind,
    NeedCategory,
    NeedType,
    Transport,
    expand_checks,
    kinds_satisfying,
)
from keepwell.help.models.requests import (
    HelpRequest,
    HelpRequestQuerySet,
    RequestStatus,
    Source,
    Urgency,
)
from keepwell.help.models.tasks import (
    CONTACT_VISIBLE_AFTER_DONE,
    FINISHED_STATES,
    HELD_STATES,
    WAITING_STATES,
    OfferStatus,
    Task,
    TaskEvent,
    TaskOffer,
    TaskQuerySet,
    TaskState,
)
from keepwell.help.models.volunteers import (
    VOLUNTEER_TRANSITIONS,
    Authorisation,
    AuthorisationQuerySet,
    Availability,
    SafeguardingCheck,
    ValidityQuerySet,
    Volunteer,
    VolunteerQuerySet,
    VolunteerStatus,
    week_start,
)

__all__ = [
    "Authorisation",
    "AuthorisationKind",
    "AuthorisationQuerySet",
    "Availability",
    "CHECK_SATISFIES",
    "CONTACT_VISIBLE_AFTER_DONE",
    "CheckKind",
    "Concern",
    "ConcernContact",
    "ConcernContactQuerySet",
    "ConcernEvent",
    "ConcernKind",
    "ConcernQuerySet",
    "FINISHED_STATES",
    "HELD_STATES",
    "HelpRequest",
    "HelpRequestQuerySet",
    "NeedCategory",
    "NeedType",
    "NhsList",
    "OfferStatus",
    "PublicRequest",
    "PublicRequestStatus",
    "PublicRequestThrottle",
    "RequestStatus",
    "RoutingRule",
    "RoutingTarget",
    "SafeguardingCheck",
    "Source",
    "Task",
    "TaskEvent",
    "TaskOffer",
    "TaskQuerySet",
    "TaskState",
    "Transport",
    "Urgency",
    "VOLUNTEER_TRANSITIONS",
    "ValidityQuerySet",
    "Volunteer",
    "VolunteerQuerySet",
    "VolunteerStatus",
    "WAITING_STATES",
    "expand_checks",
    "kinds_satisfying",
    "week_start",
]
