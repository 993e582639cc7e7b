"""Who may do what in funding.

Programmes and awards are public. A funder's officers (its organisation's coordinators and
NHS connectors, and platform admins) run its programmes and decide; a group's coordinators
and area leads see and change their own group's applications (so does whoever filled one in
on the group's behalf); a programme's panel members, residents among them, see and score
the applications under review. Nobody else sees an application.
"""

from __future__ import annotations

import rules

from keepwell.accounts.rules import is_platform_admin, is_signed_in
from keepwell.funding import services
from keepwell.funding.models import Application, Award, Funder, Programme, ReportDue


def _funder_of(obj) -> Funder | None:
    if isinstance(obj, Funder):
        return obj
    if isinstance(obj, Programme):
        return obj.funder
    if isinstance(obj, Application):
        return obj.programme.funder
    if isinstance(obj, Award):
        return obj.application.programme.funder
    if isinstance(obj, ReportDue):
        return obj.award.application.programme.funder
    return None


@rules.predicate
def is_officer(user, obj) -> bool:
    funder = _funder_of(obj)
    return funder is not None and services.is_officer(user, funder)


@rules.predicate
def is_any_officer(user) -> bool:
    return services.funders_of(user).exists()


@rules.predicate
def is_applicant(user, application) -> bool:
    return isinstance(application, Application) and (
        application.filled_by_id == user.pk
        or services.acts_for_group(user, application.organisation_id)
    )


@rules.predicate
def sits_on_panel(user, application) -> bool:
    return (
        isinstance(application, Application)
        and application.state != Application.State.DRAFT
        and services.panel_seat(user, application.programme) is not None
    )


@rules.predicate
def may_apply(user, programme) -> bool:
    return (
        isinstance(programme, Programme)
        and services.organisations_to_apply_for(user, programme).exists()
    )


@rules.predicate
def is_draft(user, application) -> bool:
    return isinstance(application, Application) and application.is_open_to_change


@rules.predicate
def is_under_review(user, application) -> bool:
    return (
        isinstance(application, Application) and application.state == Application.State.UNDER_REVIEW
    )


rules.add_perm("funding.use_funding", is_signed_in)
rules.add_perm("funding.apply", may_apply)
# A draft is the group's own until it is sent: the funder sees it then.
rules.add_perm("funding.view_application", (is_officer & ~is_draft) | is_applicant | sits_on_panel)
rules.add_perm("funding.change_application", is_applicant & is_draft)
rules.add_perm("funding.withdraw_application", is_applicant | is_officer)
rules.add_perm("funding.score", sits_on_panel & is_under_review)
rules.add_perm("funding.manage", is_officer)
rules.add_perm("funding.officer", is_platform_admin | is_any_officer)
