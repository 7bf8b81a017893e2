"""``manage.py make_demo_data``: a large, realistic synthetic data set for demos and benchmarks."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ApplicationError
from courses.demo_data import (
    COURSE_SLUG_PREFIX,
    DEMO_USER_PASSWORD,
    INSTRUCTOR_USERNAME_PREFIX,
    STUDENT_USERNAME_PREFIX,
    demo_data_generate,
)


class Command(BaseCommand):
    help = (
        f"Generate demo data fast with bulk inserts: --courses published courses "
        f"({COURSE_SLUG_PREFIX}001, ...) with modules, lessons, a question bank and quizzes, each led "
        f"by an instructor ({INSTRUCTOR_USERNAME_PREFIX}001, ...), and --students students "
        f"({STUDENT_USERNAME_PREFIX}00001, ...) with enrollments, lesson progress, graded quiz attempts, "
        f"--feedback-per-student lecture-feedback items (some answered by the team) and reviews, spread "
        f"over the last 26 weeks. All demo users share the password {DEMO_USER_PASSWORD!r}. The same "
        f"--seed gives the same data. Runs in one transaction. Refuses to run when demo courses or "
        f"students already exist (it never tops up or duplicates): start from a fresh database. Refuses "
        f"when DEBUG is off unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, required=True, help="Number of demo students.")
        parser.add_argument("--courses", type=int, required=True, help="Number of demo courses.")
        parser.add_argument(
            "--feedback-per-student",
            type=int,
            default=10,
            help="Lecture-feedback items per student (default 10).",
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows per INSERT (default 2000).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (demo users have a public password).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like production, and demo users share a public password. "
                "Pass --force if you really want demo data here."
            )
        started = time.monotonic()
        try:
            result = demo_data_generate(
                students=options["students"],
                courses=options["courses"],
                feedback_per_student=options["feedback_per_student"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                log=self.stdout.write,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        elapsed = time.monotonic() - started

        self.stdout.write(f"Done in {elapsed:.1f}s. Rows inserted:")
        width = max(len(label) for label in result.rows)
        for label, count in result.rows.items():
            self.stdout.write(f"  {label:<{width}}  {count:>10}")
        self.stdout.write(f"  {'total':<{width}}  {sum(result.rows.values()):>10}")
        self.stdout.write(f"Markdown rendered {result.markdown_renders} times (once per distinct text).")
        self.stdout.write(
            self.style.SUCCESS(f"Log in as {STUDENT_USERNAME_PREFIX}00001 / {DEMO_USER_PASSWORD}.")
        )
