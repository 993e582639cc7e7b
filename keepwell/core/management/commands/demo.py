from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from keepwell.demo.place import DEMO_PASSWORD, DEMO_USERS, load_demo
from keepwell.directory.models import Organisation
from keepwell.places.models import Area


class Command(BaseCommand):
    help = "Migrate, load the Wellbrook demo place (idempotent) and serve it on 127.0.0.1:8000"

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
            call_command("runserver", addrport, use_reloader=False)
