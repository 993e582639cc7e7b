"""Forms for mutual aid pages. They parse and validate; the services decide and write.

A module for each part of the work; every form the views use is imported here."""

from keepwell.help.forms.concerns import (
    ANY_CONCERN,
    CHOICE_FROM_URGENT,
    URGENCY_CHOICES,
    URGENT_FROM_CHOICE,
    AcknowledgeForm,
    ConcernContactForm,
    ConcernForm,
    ContactChoiceField,
    OrganisationChoiceField,
    OutcomeForm,
    RoutingRuleForm,
    ShowsServiceProblems,
)
from keepwell.help.forms.fields import (
    NeedChoiceField,
    OnlyGroupField,
)
from keepwell.help.forms.intake import (
    CallForm,
    NhsListForm,
    PersonSearchForm,
    PublicRequestForm,
)
from keepwell.help.forms.tasks import (
    AssignForm,
    FinishForm,
    ReasonForm,
)
from keepwell.help.forms.volunteers import (
    DAYS,
    SLOT,
    AuthorisationForm,
    CheckForm,
    StatusForm,
    VolunteerForm,
    format_availability,
    parse_availability,
)

__all__ = [
    "ANY_CONCERN",
    "AcknowledgeForm",
    "AssignForm",
    "AuthorisationForm",
    "CHOICE_FROM_URGENT",
    "CallForm",
    "CheckForm",
    "ConcernContactForm",
    "ConcernForm",
    "ContactChoiceField",
    "DAYS",
    "FinishForm",
    "NeedChoiceField",
    "NhsListForm",
    "OnlyGroupField",
    "OrganisationChoiceField",
    "OutcomeForm",
    "PersonSearchForm",
    "PublicRequestForm",
    "ReasonForm",
    "RoutingRuleForm",
    "SLOT",
    "ShowsServiceProblems",
    "StatusForm",
    "URGENCY_CHOICES",
    "URGENT_FROM_CHOICE",
    "VolunteerForm",
    "format_availability",
    "parse_availability",
]
