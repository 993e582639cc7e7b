import contextlib
import signal

from django.core.management.base import BaseCommand

from keepwell.core.periodic import loop, registered


class Command(BaseCommand):
    help = "Enqueue periodic tasks (reminders, escalations, scheduled matching) when due"

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=15.0, help="seconds between checks")
        parser.add_argument("--list", action="store_true", help="list periodic tasks and exit")

    def handle(self, *args, tick: float, list: bool, **options):
        if list:
            for periodic in registered():
                self.stdout.write(f"{periodic.path} every {periodic.every_seconds} s")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        with contextlib.suppress(KeyboardInterrupt):
            loop(lambda: bool(stopping), tick_seconds=tick, log=self.stdout.write)
