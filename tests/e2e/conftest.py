"""End-to-end tests: real Chromium (Debian's /usr/bin/chromium, driven by Playwright's sync API)
against pytest-django's ``live_server`` with the seed course imported.

- The browser: one for the whole e2e run (package-scoped: closed before the next folder's tests),
  a fresh context (cookies, storage, language) per test. It is never downloaded; without
  /usr/bin/chromium the e2e tests are skipped with that reason.
- The server: ``live_server`` serves static files through staticfiles' StaticFilesHandler
  (what StaticLiveServerTestCase does) because django.contrib.staticfiles is installed, so
  htmx and the page scripts load. It needs ``transactional_db``: the server thread sees only
  committed data.
- Celery: with REDIS_URL and a PostgreSQL DATABASE_URL the tasks (quiz grading, notifications)
  run on a real worker, the integration tests' ``celery_worker`` fixture; otherwise (SQLite) they
  run eagerly in the server thread. The run's summary says which.
- Screenshots: var/e2e-screenshots/<test-name>/<nn>-<step>.png, kept as CI artifacts.
"""

import io
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect, sync_playwright

# The real worker of the integration tests, reused (not duplicated): imported here, these are
# fixtures of this directory too. ``integration_skip_reason`` says whether Redis + PostgreSQL are set.
from tests.integration.conftest import _skip_reason as integration_skip_reason
from tests.integration.conftest import celery_on_redis, celery_worker  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SEED_COURSE_DIR = Path(settings.BASE_DIR) / "fixtures" / "courses" / "ml-engineer-professional"
SEED_COURSE_SLUG = "ml-engineer-professional"
SCREENSHOTS_DIR = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"
# Long enough for a loaded CI machine, short enough that a broken page fails the run quickly.
DEFAULT_TIMEOUT_MS = 15_000  # actions and navigations
EXPECT_TIMEOUT_MS = 10_000  # expect(...) assertions, which retry until then
# How long the real worker sleeps in the middle of grading, so the result page is seen pending.
GRADING_DELAY_SECONDS = 3

_celery_modes: set[str] = set()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"end-to-end tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for mode in sorted(_celery_modes):
        terminalreporter.write_line(f"e2e: Celery tasks {mode}")


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all the e2e tests of the run.

    Package-scoped (this folder is a package): the browser, and with it the event loop of
    Playwright's sync API, is gone before the tests of the next folder run. While that loop runs
    in this thread, Django sees a running event loop and refuses ORM calls
    (SynchronousOnlyOperation); the fixtures' calls are plain blocking ones, so
    DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"end-to-end tests need Debian's Chromium at {CHROMIUM}")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Browsing:
    """Opens browser contexts for one test (several when the test plays several users) and
    saves its screenshots as <nn>-<step>.png in one folder per test."""

    browser: Browser
    base_url: str
    directory: Path
    contexts: list = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    count: int = 0

    def new_page(self, *, locale: str = "en-US", viewport: dict | None = None, **options) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            locale=locale,  # also the Accept-Language header Django's LocaleMiddleware reads
            viewport=viewport or {"width": 1280, "height": 900},
            **options,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page

    def log_in(self, credentials: tuple[str, str], **context_options) -> Page:
        """A new context logged in through the login form as (username, password)."""
        page = self.new_page(**context_options)
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(credentials[0])
        page.locator("#id_password").fill(credentials[1])
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        expect(page.locator("form.logout-form")).to_be_visible()
        return page

    def screenshot(self, page: Page, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser, live_server, request) -> Iterator[Browsing]:
    """A fresh browser context per test (``browsing.new_page()``), screenshots in
    var/e2e-screenshots/<test-name>/ (emptied first), and no uncaught JavaScript error."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    directory = SCREENSHOTS_DIR / name
    shutil.rmtree(directory, ignore_errors=True)
    session = Browsing(browser=browser, base_url=live_server.url, directory=directory)
    yield session
    session.close()
    assert not session.page_errors, f"JavaScript errors on the pages: {session.page_errors}"


# --- data and background work -----------------------------------------------------------------------


@pytest.fixture
def seed_course(transactional_db):
    """The seed course, imported from its bundle as `make run` does."""
    from courses.models import Course

    call_command("import_course", str(SEED_COURSE_DIR), stdout=io.StringIO())
    return Course.objects.get(slug=SEED_COURSE_SLUG)


@pytest.fixture
def demo_people(seed_course) -> dict[str, tuple[str, str]]:
    """The demo accounts as ``create_demo_accounts`` makes them: ``student`` (enrolled in the seed
    course here), ``instructor`` (its lead, through CourseStaff) and ``staff`` (is_staff with the
    report apps' view permissions). Returns {role: (username, password)}."""
    from accounts.models import User
    from accounts.services import DEMO_INSTRUCTOR, DEMO_STAFF, DEMO_STUDENT, demo_accounts_ensure
    from courses.models import CourseStaff
    from courses.services import enrollment_create

    demo_accounts_ensure(course_slugs=[seed_course.slug])
    enrollment_create(course=seed_course, user=User.objects.get(username=DEMO_STUDENT[0]))
    assert CourseStaff.objects.filter(
        course=seed_course, user__username=DEMO_INSTRUCTOR[0], role=CourseStaff.Role.LEAD
    ).exists()
    staff = User.objects.get(username=DEMO_STAFF[0])
    assert staff.is_staff and staff.has_perm("reviews.view_feedbackresponse")
    return {"student": DEMO_STUDENT, "instructor": DEMO_INSTRUCTOR, "staff": DEMO_STAFF}


@dataclass(frozen=True)
class CeleryMode:
    real_worker: bool

    @property
    def description(self) -> str:
        if self.real_worker:
            return "ran on a real worker (REDIS_URL broker, PostgreSQL test database)"
        return (
            "ran eagerly in the server thread (CELERY_TASK_ALWAYS_EAGER; set REDIS_URL and a "
            "PostgreSQL DATABASE_URL to use a real worker)"
        )


@pytest.fixture
def celery_tasks(request, transactional_db) -> Iterator[CeleryMode]:
    """Makes the tasks the pages enqueue (grading, notifications) really run: on a real worker
    when Redis and PostgreSQL are configured (CI), else eagerly (the SQLite dev run)."""
    from config.celery_app import app

    real_worker = integration_skip_reason() is None
    mode = CeleryMode(real_worker=real_worker)
    _celery_modes.add(mode.description)
    if real_worker:
        worker_factory = request.getfixturevalue("celery_worker")
        worker_factory.start(grading_delay=GRADING_DELAY_SECONDS)
        yield mode
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield mode
    finally:
        app.conf.task_always_eager = previous
