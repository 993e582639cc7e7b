"""``keepwell import-population FILE``: residents of each LSOA, for rates per 1,000."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from keepwell.places.importers import ImportFailed
from keepwell.places.population import import_population


class Command(BaseCommand):
    help = (
        "Replace the LSOA populations with those of an ONS mid-year estimates file (give "
        "--year) or a Census 2021 TS001 CSV, so insights can show rates per 1,000 residents. "
        "All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV (a zip holding one CSV also works)")
        parser.add_argument(
            "--year", type=int, help="the year the estimates are for, when the file has no date"
        )

    def handle(self, *args, file: str, year: int | None = None, **options):
        try:
            result = import_population(file, year=year)
        except ImportFailed as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.imported:,} LSOAs ({result.residents:,} residents) from {file}."
            )
        )
