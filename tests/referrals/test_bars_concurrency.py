"""The same BaRS message twice at the same moment (a sender retrying on a timeout): one
referral, and both senders get the same answer.

Each thread has its own database connection and a barrier releases them together, so the
two really race inside PostgreSQL (SQLite serialises writers, so it proves nothing)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections

from keepwell.accounts.models import Role, User
from keepwell.directory.models import OrganisationKind
from keepwell.referrals.bars.receiving import receive
from keepwell.referrals.models import BarsMessage, Referral
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.referrals.factories import ServiceFactory
from tests.referrals.test_bars_receiving import EXAMPLES, example, target


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("senders", [2, 4])
def test_identical_messages_at_once_make_one_referral(senders):
    practice = OrganisationFactory(name="Race Health Centre", kind=OrganisationKind.GP_PRACTICE)
    group = OrganisationFactory(name="Race Mutual Aid", kind=OrganisationKind.GRASS_ROOTS)
    service = ServiceFactory(organisation=group, name="Race befriending")
    gp = UserFactory(username="race-gp")
    MembershipFactory(user=gp, role=Role.NHS_CONNECTOR, organisation=practice)
    body = json.dumps(example(EXAMPLES[0]))
    barrier = threading.Barrier(senders)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            user = User.objects.get(pk=gp.pk)
            barrier.wait(timeout=10)
            answer = receive(body, by=user, target_header=target(service))
        finally:
            connections.close_all()
        with lock:
            answers.append((answer.status, answer.body))

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [status for status, _ in answers] == [200] * senders
    assert all(body == answers[0][1] for _, body in answers)
    assert Referral.objects.count() == 1
    assert BarsMessage.objects.count() == 1
