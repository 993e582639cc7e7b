"""``keepwell import-onspd FILE``: load the ONS Postcode Directory (see docs/places.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from keepwell.places.importers import ImportFailed, import_onspd


class Command(BaseCommand):
    help = (
        "Replace the postcode table with the live postcodes of an ONS Postcode Directory CSV "
        "(or the ONSPD zip as downloaded). Terminated postcodes and those without a grid "
        "reference are skipped; the demo place's postcodes are kept. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="ONSPD_*.csv, or the zip with Data/ONSPD_*.csv inside")

    def handle(self, *args, file: str, verbosity: int = 1, **options):
        def progress(rows: int) -> None:
            if verbosity > 0:
                self.stderr.write(f"… {rows:,} rows read")

        try:
            result = import_onspd(file, progress=progress)
        except ImportFailed as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {result.imported:,} postcodes from {file}.")
        )
        self.stdout.write(
            f"Skipped {result.skipped_terminated:,} terminated and {result.skipped_no_grid:,} "
            f"without a grid reference; kept {result.demo_kept:,} demo postcodes.\n"
            f"{result.rows_read:,} rows in {result.seconds:.1f} s "
            f"({result.rows_per_s:,.0f} rows/s)."
        )
