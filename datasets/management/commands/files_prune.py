"""Delete uploaded files that no resource, published version or change refers to."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from datasets.services.file_pruning import files_prune


class Command(BaseCommand):
    help = (
        "Delete uploaded files older than --days that no resource, published version or change of the history "
        "refers to (their rows and their bytes). --dry-run lists them only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="keep files younger than this (default 7)")
        parser.add_argument("--dry-run", action="store_true", help="list what would go, delete nothing")

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError("--days must be at least 1: a fresh upload is usually attached minutes later")
        report = files_prune(older_than=timedelta(days=days), dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {report.files} unused file(s), {report.bytes} bytes")
        for file_id in report.file_ids:
            self.stdout.write(f"  {file_id}")
