"""``manage.py feedback_rollup_rebuild [SLUG]``: recompute the feedback report's rollup."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from reviews.services import feedback_rollup_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the staff feedback report's per-lesson, per-day rollup from the lecture feedback, "
        "for every course or for the course SLUG, in the site time zone (settings.TIME_ZONE). Run it "
        "after loading feedback around the services (bulk inserts, SQL) and after changing TIME_ZONE "
        "(until then the report reads the feedback rows, slowly). One transaction; writers of feedback "
        "wait for it, readers of the report do not."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="The course's slug; all courses when omitted.")

    def handle(self, *args, slug: str | None, **options) -> None:
        course = None
        if slug is not None:
            course = Course.objects.filter(slug=slug).first()
            if course is None:
                raise CommandError(f'No course with the slug "{slug}".')
        started = time.monotonic()
        rebuilt = feedback_rollup_rebuild(course=course)
        seconds = time.monotonic() - started
        scope = f"course {slug}" if slug else "all courses"
        self.stdout.write(
            f"Feedback rollup rebuilt ({settings.TIME_ZONE}, {scope}): {rebuilt.days} lesson-days, "
            f"{rebuilt.tags} lesson-day tags in {seconds:.1f}s."
        )
