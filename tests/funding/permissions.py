"""Funding URLs × personas. Wellbrook Health Centre funds the small-grants programme and
Priya is its officer (Alex, platform admin, too); Sam, Ana and Tom act for Wellbrook Mutual
Aid, which applies; Margaret sits on the panel as a resident. Programmes, awards, the
share invested and the 360Giving files are public; Jo, Olly and anyone else see no
application."""

from __future__ import annotations

from keepwell.funding.models import Application, ReportDue
from tests.funding import factories
from tests.permissions import FORBIDDEN, OK, REDIRECT, SIGNED_IN_ONLY, Row

OFFICERS = {"anonymous": REDIRECT, "alex": OK, "priya": OK}
OFFICERS_POST = {"anonymous": REDIRECT, "alex": REDIRECT, "priya": REDIRECT}
GROUP = {"sam": OK, "ana": OK, "tom": OK}


def programme(world):
    return {"slug": factories.programme(world).slug}


def funder(world):
    return {"pk": factories.programme(world).funder_id}


def _app(state):
    def kwargs(world):
        return {"pk": factories.application(world, state=state).pk}

    return kwargs


def award(world):
    return {"pk": factories.award(world).pk}


def report(world):
    found = factories.award(world)
    item = ReportDue.objects.create(award=found, title="Progress report", due_on=found.ends_on)
    return {"pk": item.pk}


MATRIX = [
    Row("funding:index", {}, default=OK),
    Row("funding:share", {}, default=OK),
    Row("funding:giving_json", {}, default=OK),
    Row("funding:giving_csv", {}, default=OK),
    Row("funding:awards", {}, default=OK),
    Row("funding:programme", {}, default=OK, kwargs=programme),
    Row("funding:award", {}, default=OK, kwargs=award),
    Row("funding:mine", SIGNED_IN_ONLY, default=OK),
    # Officers may apply for any community group (taking it down on the phone); groups'
    # coordinators and area leads for their own.
    Row(
        "funding:apply",
        {**OFFICERS, **GROUP, "olly": OK},
        default=FORBIDDEN,
        kwargs=programme,
    ),
    Row("funding:panel", OFFICERS, kwargs=programme),
    Row(
        "funding:application",
        {**OFFICERS, **GROUP, "margaret": OK},
        kwargs=_app(Application.State.UNDER_REVIEW),
    ),
    # A draft is the group's own: not even the panel or the funder's officers see it yet
    # (Alex, a platform admin, has every permission).
    Row(
        "funding:application",
        {"anonymous": REDIRECT, "alex": OK, **GROUP},
        kwargs=_app(Application.State.DRAFT),
    ),
    Row(
        "funding:application_edit",
        {"anonymous": REDIRECT, "alex": OK, **GROUP},
        kwargs=_app(Application.State.DRAFT),
    ),
    Row(
        "funding:application_submit",
        {
            "anonymous": REDIRECT,
            "alex": REDIRECT,
            "sam": REDIRECT,
            "ana": REDIRECT,
            "tom": REDIRECT,
        },
        kwargs=_app(Application.State.DRAFT),
        method="post",
    ),
    Row(
        "funding:application_withdraw",
        {**OFFICERS_POST, "sam": REDIRECT, "ana": REDIRECT, "tom": REDIRECT},
        kwargs=_app(Application.State.SUBMITTED),
        method="post",
    ),
    Row(
        "funding:application_review",
        OFFICERS_POST,
        kwargs=_app(Application.State.SUBMITTED),
        method="post",
    ),
    Row(
        "funding:application_score",
        {"anonymous": REDIRECT, "margaret": OK},
        kwargs=_app(Application.State.UNDER_REVIEW),
    ),
    Row("funding:application_decide", OFFICERS, kwargs=_app(Application.State.UNDER_REVIEW)),
    Row("funding:award_pay", OFFICERS, kwargs=award),
    Row("funding:award_report_new", OFFICERS, kwargs=award),
    Row("funding:report_received", OFFICERS_POST, kwargs=report, method="post"),
    Row("funding:dashboard", OFFICERS, kwargs=funder),
    Row("funding:programme_new", OFFICERS, kwargs=funder),
    Row("funding:investment", OFFICERS, kwargs=funder),
]
