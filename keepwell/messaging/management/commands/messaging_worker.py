"""``keepwell messaging_worker``: the outbox's sender, a long-running loop.

Claims due messages in batches, sends them, records what happened; reaps leases a dead
worker left behind; with the fake provider, writes its delivery receipts. Any number may
run at once (they share the provider's rate budget through the database). SIGTERM lets the
current batch finish, then stops.

With ``--systems`` it sends the messages to other systems instead (BaRS replies and
referrals to FHIR endpoints, see ``keepwell.messaging.systems``): a worker of its own, so a
slow endpoint never holds up the texts, emails and letters.
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from keepwell.messaging.fhir_endpoint import systems_provider
from keepwell.messaging.outbox import work
from keepwell.messaging.providers import provider


class Command(BaseCommand):
    help = (
        "Send queued messages through the configured provider (GOV.UK Notify or the fake), "
        "or with --systems the messages to other systems' FHIR endpoints"
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="send what may go now, then stop")
        parser.add_argument("--batch", type=int, default=100, help="messages per claim")
        parser.add_argument(
            "--systems",
            action="store_true",
            help="send the messages to other systems (BaRS, FHIR) instead of people's",
        )
        parser.add_argument(
            "--worker-id",
            default="",
            help="a name unique among running workers: restarted under the same name, the "
            "worker takes back at once what it held when it stopped (killed mid-send)",
        )

    def handle(self, *args, once: bool, batch: int, worker_id: str, systems: bool, **options):
        if batch < 1:
            self.stderr.write("--batch must be at least 1")
            return
        stopping: list[bool] = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        sender = systems_provider() if systems else provider()
        name = worker_id or "worker"
        self.stdout.write(f"{name}: sending through {sender.name}, {batch} at a time")
        totals = work(
            sender,
            batch=batch,
            once=once,
            stop=lambda: bool(stopping),
            worker_id=worker_id,
            log=lambda line: (
                self.stdout.write(f"{name}: {line}") if options["verbosity"] > 1 else None
            ),
        )
        counts = ", ".join(f"{key} {value}" for key, value in sorted(totals.counts.items()))
        self.stdout.write(f"{name}: {totals.batches} batches; {counts or 'nothing to send'}")
