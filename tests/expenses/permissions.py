"""Expenses URLs × personas. Jo (a volunteer with Wellbrook Mutual Aid) claims; Sam, its
coordinator, approves and pays; Alex is platform admin. Nobody else sees a claim: not the
area leads, not the practice, not Olly's group in another town, not the analyst."""

from __future__ import annotations

from keepwell.funding.expenses import services
from tests.expenses.factories import (
    approved,
    days_ago,
    make_claim,
    private_media,
    receipt,
    submitted,
    walking_role,
)
from tests.permissions import OK, REDIRECT, SIGNED_IN_ONLY, Row

CLAIM_SEERS = {**SIGNED_IN_ONLY, "alex": OK, "sam": OK, "jo": OK}
CLAIM_CHANGERS = {**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT, "jo": REDIRECT}
APPROVERS = {**SIGNED_IN_ONLY, "alex": OK, "sam": OK}
# Everyone who belongs to an organisation may claim from it.
IN_A_GROUP = {
    **SIGNED_IN_ONLY,
    **{name: OK for name in ("alex", "priya", "sam", "ana", "tom", "jo", "olly")},
}


def draft(world):
    return {"claim_id": make_claim(world).pk}


def waiting(world):
    return {"claim_id": submitted(world).pk}


def line(world):
    return {"line_id": make_claim(world).lines.get().pk}


def with_receipt(world):
    private_media()
    claim = make_claim(world, receipt=receipt())
    return {"line_id": claim.lines.get().pk}


def session(world):
    claim = make_claim(world, parking_pence=None)
    logged = services.add_session(
        claim, by=world.jo, role=walking_role(world), worked_on=days_ago(2), quantity=1
    )
    return {"session_id": logged.pk}


def mutual_aid(world):
    return {"organisation_id": world.mutual_aid.pk}


def payable(world):
    approved(world)
    return mutual_aid(world)


def payment_file(world):
    approved(world)
    return {"export_id": services.export_for_payment(world.mutual_aid, by=world.sam).pk}


def role(world):
    return {"role_id": walking_role(world).pk}


MATRIX = [
    Row("expenses:mine", expect=IN_A_GROUP),
    Row("expenses:new", expect=IN_A_GROUP),
    Row("expenses:claim", expect=CLAIM_SEERS, kwargs=waiting),
    Row("expenses:line_add", expect=CLAIM_SEERS, kwargs=draft),
    Row("expenses:session_add", expect=CLAIM_SEERS, kwargs=draft),
    Row("expenses:submit", method="post", expect=CLAIM_CHANGERS, kwargs=draft),
    # Jo never decides her own claim.
    Row("expenses:decide", expect=APPROVERS, kwargs=waiting),
    Row("expenses:line_remove", method="post", expect=CLAIM_CHANGERS, kwargs=line),
    Row("expenses:receipt", expect=CLAIM_SEERS, kwargs=with_receipt),
    Row("expenses:session_remove", method="post", expect=CLAIM_CHANGERS, kwargs=session),
    # Olly coordinates his own group: he sees its (empty) queue, never Wellbrook's claims.
    Row("expenses:queue", expect={**APPROVERS, "olly": OK}),
    Row(
        "expenses:export",
        method="post",
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT},
        kwargs=payable,
    ),
    Row("expenses:export_csv", expect=APPROVERS, kwargs=payment_file),
    Row("expenses:limits", expect=APPROVERS, kwargs=mutual_aid),
    Row("expenses:roles", expect=APPROVERS, kwargs=mutual_aid),
    Row(
        "expenses:role_end",
        method="post",
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT},
        kwargs=role,
    ),
]
