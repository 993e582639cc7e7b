"""Background work for the outbox (django-tasks; ``keepwell scheduler`` enqueues it).

``keepwell messaging_worker`` is the real sender; these keep the outbox moving where only
the scheduler runs (the demo), and tidy up after a worker that died.
"""

from __future__ import annotations

from django_tasks import task

from keepwell.messaging import outbox
from keepwell.messaging.fhir_endpoint import systems_provider
from keepwell.messaging.providers import FakeProvider, provider


@task()
def send_due_messages() -> dict[str, int]:
    """Send what is due, within the provider's limits; a bounded run, so it never hogs.
    Messages to other systems (BaRS) go too, through their own sender."""
    counts = outbox.send_due(max_batches=50)
    for key, value in outbox.send_due(systems_provider(), max_batches=10).items():
        counts[f"systems_{key}"] = value
    return counts


@task()
def reap_expired_leases() -> dict[str, int]:
    """Messages a dead worker left ``sending``: sent if the provider has them, else requeued."""
    counts = outbox.reap()
    for key, value in outbox.reap(systems_provider()).items():
        counts[f"systems_{key}"] = value
    return counts


@task()
def fake_receipts() -> int:
    """The fake provider's delivery receipts (nothing to do when Notify is configured)."""
    sender = provider()
    return sender.deliver_receipts() if isinstance(sender, FakeProvider) else 0
