"""``manage.py import_course PATH [PATH ...] [--dry-run]``: validate and import course bundles."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.bundles import BundleInvalid, bundle_import


class Command(BaseCommand):
    help = (
        "Import course bundles (see docs/bundle-format.md). Everything is validated first; with any "
        "error nothing is written and every error is listed as path:line: message."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a bundle folder")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and show what would change, without writing"
        )

    def handle(self, *args, paths: list[Path], dry_run: bool, **options) -> None:
        try:
            reports = bundle_import(paths=paths, dry_run=dry_run)
        except BundleInvalid as exc:
            raise CommandError("\n".join([*exc.lines(), exc.message])) from exc
        for report in reports:
            heading = f"{report.slug}: {'dry run, nothing written; would import' if dry_run else 'imported'}"
            self.stdout.write(self.style.SUCCESS(heading) if not dry_run else heading)
            for line in report.summary_lines():
                self.stdout.write(f"  {line}")
            for note in report.notes:
                self.stdout.write(f"  - {note}")
            for warning in report.warnings:
                self.stdout.write(self.style.WARNING(f"  warning: {warning}"))
