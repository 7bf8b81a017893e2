"""``manage.py course_stats [SLUG] [--json]``: what a course holds, counted."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.models import Course
from courses.stats import STAT_KEYS, CourseStats, course_stats


class Command(BaseCommand):
    help = (
        "Count the content and activity of one course (modules, lessons and questions by kind, "
        "quizzes, tickets, tasks, cases, role plays, resources, enrollments, reviews, feedback), "
        "or of every course when no slug is given. --json prints one object (or an object keyed "
        "by slug for all courses) instead of a table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="The course's slug; all courses when omitted.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print JSON instead of a table."
        )

    def handle(self, *args, slug: str | None, as_json: bool, **options) -> None:
        courses = Course.objects.all() if slug is None else Course.objects.filter(slug=slug)
        stats = course_stats(courses=courses)
        if slug is not None and slug not in stats:
            raise CommandError(
                f'No course with the slug "{slug}". Run course_stats without a slug to list them.'
            )
        if as_json:
            self.stdout.write(_dumps(stats[slug] if slug is not None else stats))
            return
        if not stats:
            self.stdout.write("No courses.")
        for course_slug, course in stats.items():
            self.stdout.write(_table(course_slug, course))


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _table(slug: str, stats: CourseStats) -> str:
    key_width = max(len(key) for key in STAT_KEYS)
    value_width = max(len(str(stats[key])) for key in STAT_KEYS)
    lines = [slug, "-" * max(len(slug), key_width + 2 + value_width)]
    lines += [f"{key:<{key_width}}  {stats[key]:>{value_width}}" for key in STAT_KEYS]
    return "\n".join(lines) + "\n"
