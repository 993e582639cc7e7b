"""``keepwell import-oruk SOURCE``: services from another directory's Open Referral UK feed
(its address) or from an ORUK JSON file (such as keepwell's own export)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from keepwell.directory import oruk


class Command(BaseCommand):
    help = (
        "Import services from an Open Referral UK 3.0 feed (https://…/oruk, every page) or "
        "a JSON file (a paged list, a list of services, or one service). Idempotent by id: "
        "a service imported again is updated, not duplicated. A record that cannot be "
        "imported is reported with the reason and skipped; the others still import."
    )

    client = None  # tests set a fake FeedClient here

    def add_arguments(self, parser):
        parser.add_argument("source", help="the feed's address, or a .json file")
        parser.add_argument("--per-page", type=int, default=100, help="page size to ask a feed for")

    def handle(self, *args, source: str, per_page: int = 100, **options):
        if source.startswith(("http://", "https://")):
            records = oruk.feed_records(source, client=self.client, per_page=per_page)
        else:
            try:
                records = oruk.file_records(source)
            except oruk.SourceError as exc:
                raise CommandError(str(exc)) from None
        try:
            report = oruk.import_records(records)
        except oruk.SourceError as exc:
            raise CommandError(str(exc)) from None
        for error in report.errors:
            self.stderr.write(f"Skipped {error}")
        summary = (
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"
            f", {len(report.errors)} skipped"
        )
        style = self.style.SUCCESS if not report.errors else self.style.WARNING
        self.stdout.write(style(f"Imported from {source}: {summary}."))
