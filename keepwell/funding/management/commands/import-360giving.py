"""``keepwell import-360giving FILE``: other funders' 360Giving files (JSON or CSV) into the
directory's organisations, matched by charity or company number. A bad file or row is
reported by row and reason and nothing is imported."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from keepwell.funding import giving360


class Command(BaseCommand):
    help = "Read a 360Giving file (JSON or CSV) into the directory's organisations"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"No file at {file}") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{file} is not UTF-8 text: save it as UTF-8 and try again"
            ) from None
        try:
            result = giving360.import_recipients(giving360.read(text))
        except giving360.ImportProblems as exc:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(f"  {p}" for p in exc.problems)
            ) from None
        self.stdout.write(
            f"Organisations: added {len(result.created)}, found {len(result.matched)} "
            f"already in the directory ({len(result.updated)} given a missing number)."
        )
