import threading
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from keepwell.demo.place import DEMO_PASSWORD, DEMO_USERS, load_demo
from keepwell.directory.models import Organisation
from keepwell.places.models import Area


def _background(stop: threading.Event) -> list[threading.Thread]:
    """Start each room's demo loop beside the web server: a room's ``demo.py`` may offer
    ``serve(stop)``, run in a daemon thread until ``stop`` is set (messaging's sends what
    the demo queues through the fake provider, with its delivery receipts)."""
    threads = []
    for config in apps.get_app_configs():
        if not config.name.startswith("keepwell."):
            continue
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        serve = getattr(module, "serve", None)
        if serve is not None:
            thread = threading.Thread(
                target=serve, args=(stop,), name=f"demo-{config.label}", daemon=True
            )
            thread.start()
            threads.append(thread)
    return threads


class Command(BaseCommand):
    help = (
        "Migrate, load the Wellbrook demo place (idempotent) and serve it on 127.0.0.1:8000. "
        "While it serves, a live outbox runs beside the web server: every two seconds it "
        "releases scheduled broadcasts, sends queued messages through the fake provider "
        "(never GOV.UK Notify) and writes their delivery receipts, so what a coordinator "
        "sends shows as delivered on the outbox page a few seconds later."
    )

    def add_arguments(self, parser):
        parser.add_argument("--load-only", action="store_true", help="load, but do not serve")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, load_only: bool, addrport: str, verbosity: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        load_demo(verbosity=verbosity, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Wellbrook demo place loaded (fictional data)."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, name, role, org, area in DEMO_USERS:
            deputy = Area.objects.filter(deputy__username=username).exists()
            what = "Deputy area lead" if deputy else role.label
            place = Area.objects.filter(slug=area).first() if area else None
            place = place or (Organisation.objects.filter(slug=org).first() if org else None)
            where = f", {place.name}" if place else ""
            self.stdout.write(f"  {username:<12} {name} ({what}{where})")
        if not load_only:
            # WhiteNoise serves from the finders in the demo; it still expects this folder.
            Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
            self.stdout.write(f"Serving on http://{addrport}/ — press Ctrl+C to stop.")
            stop = threading.Event()
            for thread in _background(stop):
                self.stdout.write(f"Started {thread.name} beside the web server.")
            try:
                call_command("runserver", addrport, use_reloader=False)
            finally:
                stop.set()
