"""The Wellbrook Time Bank, run by Wellbrook Mutual Aid (so Sam, its coordinator, brokers
it), with Margaret as a member beside two neighbours: Bill (no computer) and Cath."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from keepwell.timebank.models import Account, TimeBank
from tests.timebank.factories import make_bank, make_member


@dataclass
class Bank:
    bank: TimeBank
    margaret: Account
    bill: Account
    cath: Account
    chest: Account


@pytest.fixture
def tb(world) -> Bank:
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    return Bank(
        bank=bank,
        margaret=make_member(bank, person=world.margaret_person, by=world.sam),
        bill=make_member(
            bank, given_name="Bill", family_name="Stone", postcode="WB2 1AD", no_digital=True
        ),
        cath=make_member(bank, given_name="Cath", family_name="Rowe", postcode="WB3 1AB"),
        chest=Account.objects.get(bank=bank, kind=Account.Kind.CHEST),
    )
