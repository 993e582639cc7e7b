"""``keepwell messaging_rollup [--all]``: count messages into the audit's daily tallies."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from keepwell.messaging.report import SETTLE_DAYS, roll_up_all, roll_up_recent


class Command(BaseCommand):
    help = (
        f"Count the last {SETTLE_DAYS} days of messages into the communication audit's "
        "tallies, or with --all every day since the first message."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Count the whole history again, every day."
        )

    def handle(self, *args, **options):
        written = roll_up_all() if options["all"] else roll_up_recent()
        self.stdout.write(f"Wrote {written} tally row(s)")
