"""``manage.py export_course SLUG PATH [--overwrite]``: write a course as a bundle."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.bundles import BundleExportError, bundle_export
from courses.models import Course


class Command(BaseCommand):
    help = (
        "Write the course SLUG to the folder PATH as a bundle, in canonical form (see docs/bundle-format.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("path", type=Path, metavar="PATH", help="the bundle folder to write")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace the bundle files and folders already in PATH (other files there are left alone)",
        )

    def handle(self, *args, slug: str, path: Path, overwrite: bool, **options) -> None:
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"No course with the slug '{slug}'.")
        try:
            written = bundle_export(course=course, path=path, overwrite=overwrite)
        except BundleExportError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"{slug}: wrote {len(written)} files to {path}"))
