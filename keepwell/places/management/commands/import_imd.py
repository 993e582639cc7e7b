"""``keepwell import-imd FILE``: load IMD 2019 or 2025 deciles by LSOA (see docs/places.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from keepwell.places.importers import ImportFailed, import_imd


class Command(BaseCommand):
    help = (
        "Replace one edition's deprivation rows with the IMD rank, decile and domain deciles "
        "of each LSOA from File 7 (or File 1) of the English Indices of Deprivation 2019 or "
        "2025, as CSV; the edition comes from the header, the other edition is kept. "
        "All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the File 7 CSV (a zip holding one CSV also works)")

    def handle(self, *args, file: str, **options):
        try:
            result = import_imd(file)
        except ImportFailed as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.imported:,} LSOAs of the {result.edition} edition from {file}"
                f" ({'with' if result.domains else 'without'} domain deciles)."
            )
        )
        self.stdout.write(
            f"Kept {result.demo_kept:,} demo LSOAs. {result.rows_read:,} rows in "
            f"{result.seconds:.1f} s ({result.rows_per_s:,.0f} rows/s)."
        )
