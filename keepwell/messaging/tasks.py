"""Background work for the outbox (django-tasks; ``keepwell scheduler`` enqueues it).

``keepwell messaging_worker`` is the real sender; these keep the outbox moving where only
the scheduler runs (the demo), and tidy up after a worker that died.
"""

from __future__ import annotations

from django_tasks import task

from keepwell.messaging import outbox
from keepwell.messaging.providers import FakeProvider, provider


@task()
def send_due_messages() -> dict[str, int]:
    """Send what is due, within the provider's limits; a bounded run, so it never hogs."""
    return outbox.send_due(max_batches=50)


@task()
def reap_expired_leases() -> dict[str, int]:
    """Messages a dead worker left ``sending``: sent if the provider has them, else requeued."""
    return outbox.reap()


@task()
def fake_receipts() -> int:
    """The fake provider's delivery receipts (nothing to do when Notify is configured)."""
    sender = provider()
    return sender.deliver_receipts() if isinstance(sender, FakeProvider) else 0
