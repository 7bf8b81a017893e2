"""``manage.py create_demo_accounts``: log-ins for trying Kafedra out as each role."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import demo_accounts_ensure
from core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Create (if missing) the demo accounts with fixed development passwords: student / "
        "student-demo-pass, instructor / instructor-demo-pass (lead of every published course "
        "without a lead, or of the --course slugs) and staff / staff-demo-pass (is_staff, view "
        "permissions on courses, lessons, quizzes, exams and reviews). Safe to run again: a "
        "password is set only on an account without a usable one. Refuses to run when DEBUG is "
        "off unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--course",
            action="append",
            dest="courses",
            metavar="SLUG",
            help="Make the instructor lead of this course (repeatable). Default: every published "
            "course that has no lead.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (these passwords are public)."
        )

    def handle(self, *args, courses: list[str] | None, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production, and the demo passwords are public. "
                "Pass --force if you really want demo accounts here."
            )
        try:
            accounts = demo_accounts_ensure(course_slugs=courses)
        except ApplicationError as error:
            raise CommandError(error.message) from error

        for account in accounts:
            state = "created" if account.created else "exists"
            password = account.password if account.password_is_demo else "(changed since; not reset)"
            self.stdout.write(
                f"{account.role:<11} login: {account.username:<11} password: {password}  [{state}]"
            )
            if account.lead_of:
                self.stdout.write(f"{'':<11} lead of: {', '.join(account.lead_of)}")
