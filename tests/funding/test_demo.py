"""The Wellbrook demo has grants worth showing: every state, a panel's decision, match
funding, and a community share to trend."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from keepwell.funding import queries
from keepwell.funding.models import Application, Award, Decision, Programme


@pytest.mark.django_db
def test_the_demo_has_applications_in_every_state_a_panel_decision_and_match_funding():
    call_command("demo", "--load-only")
    states = set(Application.objects.values_list("state", flat=True))
    assert states == set(Application.State.values)
    assert Decision.objects.filter(by_panel=True, awarded=True).exists()
    assert Decision.objects.filter(by_panel=True, awarded=False).exists()
    matched = Award.objects.exclude(matches=None).get()
    assert matched.funder != matched.matches.funder
    chest = Programme.objects.get(slug="wellbrook-community-chest")
    assert queries.matching(chest).per_pound == "£0.40"
    (share,) = queries.shares()
    assert len(share.years) == 3 and share.funder.is_nhs
