"""Loading the benchmark database: schema, static files, the seed bundles, large demo data; then
what the report says about it and the ``Context`` the scenarios are resolved against."""

import subprocess  # noqa: S404 - runs our own manage.py
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.options import BASE_DIR, Options
from bench.scenarios import ENROLLED_STUDENT, Context, Scenario

SEED_SLUG = "ml-engineer-professional"
BUNDLES_DIR = BASE_DIR / "fixtures" / "courses"
PROJECT_APPS = ("accounts", "courses", "lessons", "quizzes", "exams", "reviews")


class DataError(RuntimeError):
    pass


@dataclass
class DataLog:
    """What happened while loading: shown on the console and in the report."""

    notes: list[str] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)

    def note(self, text: str) -> None:
        print(f"  note: {text}", flush=True)
        self.notes.append(text)


def manage(*args: str, env: Mapping[str, str], log_dir: Path) -> subprocess.CompletedProcess[str]:
    """``manage.py *args`` with the benchmark settings; output kept in ``log_dir``."""
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    (log_dir / f"manage-{args[0]}.log").write_text(completed.stdout + completed.stderr)
    return completed


def _last_line(completed: subprocess.CompletedProcess[str]) -> str:
    lines = (completed.stderr or completed.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {completed.returncode}"


def _command_help(name: str, *, env: Mapping[str, str], log_dir: Path) -> str | None:
    """The help text of a management command, None if the command does not exist (yet)."""
    completed = manage("help", name, env=env, log_dir=log_dir)
    return completed.stdout if completed.returncode == 0 else None


def _timed(log: DataLog, step: str, started: float) -> None:
    elapsed = time.monotonic() - started
    log.timings.append((step, elapsed))
    print(f"  {step}: {elapsed:.1f}s", flush=True)


def schema_and_static(*, env: Mapping[str, str], log_dir: Path, log: DataLog) -> None:
    started = time.monotonic()
    completed = manage("migrate", "--no-input", env=env, log_dir=log_dir)
    if completed.returncode != 0:
        raise DataError(f"migrate failed: {_last_line(completed)} (see {log_dir / 'manage-migrate.log'})")
    _timed(log, "migrate", started)
    started = time.monotonic()
    completed = manage("collectstatic", "--no-input", "--verbosity", "0", env=env, log_dir=log_dir)
    if completed.returncode != 0:
        raise DataError(f"collectstatic failed: {_last_line(completed)}")
    _timed(log, "collectstatic", started)


def seed_import(*, options: Options, env: Mapping[str, str], log_dir: Path, log: DataLog) -> bool:
    """``import_course`` every bundle. False when the command is missing or fails."""
    bundles = sorted(str(p) for p in BUNDLES_DIR.iterdir() if (p / "course.yaml").exists())
    if _command_help("import_course", env=env, log_dir=log_dir) is None:
        log.note(
            "manage.py import_course does not exist (yet): "
            "using the ORM fallback data (bench/fallback_data.py)"
        )
        return False
    started = time.monotonic()
    completed = manage("import_course", *bundles, env=env, log_dir=log_dir)
    if completed.returncode != 0:
        log.note(
            f"manage.py import_course failed ({_last_line(completed)}; "
            f"log: {log_dir / 'manage-import_course.log'}): "
            "using the ORM fallback data (bench/fallback_data.py)"
        )
        return False
    _timed(log, "import_course", started)
    return True


def demo_data_make(*, options: Options, env: Mapping[str, str], log_dir: Path, log: DataLog) -> bool:
    help_text = _command_help("make_demo_data", env=env, log_dir=log_dir)
    if help_text is None:
        log.note(
            "manage.py make_demo_data does not exist (yet): no generated students, enrollments or feedback"
        )
        return False
    args = [
        "make_demo_data",
        "--students",
        str(options.students),
        "--courses",
        str(options.courses),
        "--seed",
        "1",
    ]
    if "--force" in help_text:  # a guard against running on a DEBUG=False (production-like) site
        args.append("--force")
    started = time.monotonic()
    completed = manage(*args, env=env, log_dir=log_dir)
    if completed.returncode != 0:
        log.note(
            f"manage.py make_demo_data failed ({_last_line(completed)}; "
            f"log: {log_dir / 'manage-make_demo_data.log'}): "
            "measuring without generated data"
        )
        return False
    _timed(log, f"make_demo_data --students {options.students} --courses {options.courses}", started)
    return True


def fallback_build(*, extra_courses: int, log: DataLog) -> None:
    """In-process (Django set up): the ORM fallback for a missing or failing import."""
    from bench.fallback_data import fallback_data_build

    started = time.monotonic()
    for note in fallback_data_build(bundles_dir=BUNDLES_DIR, extra_courses=extra_courses):
        log.note(note)
    _timed(log, "fallback data", started)


def database_has_courses() -> bool:
    from courses.models import Course

    return Course.objects.exists()


def measured_course_slug() -> str:
    """The seed course if it is public, else the public course with the most lessons."""
    from django.db.models import Count

    from courses.models import Course
    from courses.selectors import CATALOG_STATUSES

    public = Course.objects.filter(status__in=(*CATALOG_STATUSES, Course.Status.ARCHIVED))
    if public.filter(slug=SEED_SLUG).exists():
        return SEED_SLUG
    largest = (
        public.annotate(lesson_count=Count("modules__lessons")).order_by("-lesson_count", "slug").first()
    )
    if largest is None:
        raise DataError("no public course in the database: nothing to measure")
    return largest.slug


def row_counts() -> list[tuple[str, int]]:
    """Rows per model of the project's apps, the empty ones left out."""
    from django.apps import apps

    counts = []
    for label in PROJECT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            count = model._default_manager.order_by().count()
            if count:
                counts.append((f"{label}.{model.__name__}", count))
    return counts


def course_summary(slug: str) -> str:
    """What the measured course holds, from ``courses.stats`` when it is available."""
    try:
        from courses.models import Course
        from courses.stats import course_stats

        stats = course_stats(courses=Course.objects.filter(slug=slug)).get(slug, {})
    except Exception as error:  # noqa: BLE001 - another engineer's module; the report does without it
        return f"(course_stats unavailable: {error})"
    return ", ".join(f"{key} {value}" for key, value in stats.items() if isinstance(value, int) and value)


def first_lecture_id(slug: str) -> int | None:
    """The course's first published lecture in reading order (the seed course's lecture 1)."""
    from lessons.models import Lesson

    return (
        Lesson.objects.filter(module__course__slug=slug, kind=Lesson.Kind.LECTURE, is_published=True)
        .order_by("module__position", "module_id", "position", "id")
        .values_list("pk", flat=True)
        .first()
    )


def busiest_student() -> str | None:
    """The username of the student with the most enrollments that the dashboard lists (active
    or completed, in a readable course); the first such username on a tie."""
    from django.db.models import Count

    from courses.access import LEARNING_STATUSES, READABLE_COURSE_STATUSES
    from courses.models import Enrollment

    row = (
        Enrollment.objects.filter(status__in=LEARNING_STATUSES, course__status__in=READABLE_COURSE_STATUSES)
        .values("user__username")
        .annotate(enrollments=Count("pk"))
        .order_by("-enrollments", "user__username")
        .first()
    )
    return row["user__username"] if row else None


def student_enrolled(*, username: str, slug: str) -> None:
    """``username`` (created if missing) enrolled in course ``slug`` through the enrollment
    service; nothing happens when they already are."""
    from django.contrib.auth import get_user_model

    from courses.exceptions import AlreadyEnrolled
    from courses.models import Course
    from courses.services import enrollment_create

    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(
        **{user_model.USERNAME_FIELD: username}, defaults={"email": f"{username}@bench.invalid"}
    )
    try:
        enrollment_create(course=Course.objects.get(slug=slug), user=user)
    except AlreadyEnrolled:
        pass


def context_build(*, scenarios: list[Scenario]) -> Context:
    """The context the scenarios resolve against, with a session for each ``login``; the
    enrolled student of ``bench.scenarios.ENROLLED_STUDENT`` enrolled in the measured course."""
    from bench.sessions import session_cookie_for

    slug = measured_course_slug()
    context = Context(course_slug=slug, lecture_id=first_lecture_id(slug), busiest_student=busiest_student())
    usernames = {s.login_user(context) for s in scenarios}
    if ENROLLED_STUDENT in usernames:
        student_enrolled(username=ENROLLED_STUDENT, slug=slug)
    for username in sorted(name for name in usernames if name):
        context.session_cookies[username] = session_cookie_for(username)
    return context
