"""What the page benchmark measures: one ``Scenario`` per URL, in the order they run.

To measure another page, add an entry to ``SCENARIOS``. A path that depends on the data (a
course slug, a lesson key) is a function of the ``Context`` built after the data is loaded; add
the field it needs to ``Context`` and fill it in ``bench.data.context_build``. A page behind a
login sets ``login`` to a username (or a function of the ``Context`` giving one, for a user
picked from the data): the harness creates that user if missing and sends a session cookie
made with Django's SessionStore (checked against ``/bench/whoami/`` first) and the CSRF cookie a
signed-in browser holds. A POST sets ``method``/``body``; the harness adds the CSRF cookie and
the matching header.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

FLOOR = "floor"
# The bare view signed in: the least any page behind a login does (a session and a user read).
LOGGED_IN_FLOOR = "floor + login"

# A student the harness enrolls in the measured course (``bench.data.context_build``), through
# the enrollment service: the lecture page and the outline are measured logged in as them.
ENROLLED_STUDENT = "bench-student"

# The CSRF secret the harness plants in the csrftoken cookie and echoes in X-CSRFToken (Django
# accepts an unmasked 32-character secret as the token).
CSRF_SECRET = "benchcsrfsecret0benchcsrfsecret0"  # noqa: S105 - not a secret


@dataclass
class Context:
    """What the scenarios may refer to, known once the data is loaded."""

    course_slug: str  # the seed course, or the largest course when it is missing
    lecture_id: int | None = None  # the measured course's first lecture (the seed's lecture 1)
    busiest_student: str | None = None  # the student with the most enrollments (dashboard)
    session_cookies: dict[str, str] = field(default_factory=dict)  # username → "sessionid=…"


PathSpec = str | Callable[[Context], str]
LoginSpec = str | Callable[[Context], str | None] | None


@dataclass(frozen=True)
class Scenario:
    name: str
    path: PathSpec
    about: str = ""
    login: LoginSpec = None  # a username (or a function of the context): requests carry its session
    method: str = "GET"
    body: str | None = None

    def resolve_path(self, context: Context) -> str:
        return self.path(context) if callable(self.path) else self.path

    def login_user(self, context: Context) -> str | None:
        """The username the requests log in as, None for anonymous requests."""
        return self.login(context) if callable(self.login) else self.login

    def headers(self, context: Context) -> Mapping[str, str]:
        headers: dict[str, str] = {}
        cookies = []
        username = self.login_user(context)
        if username is not None:
            cookies.append(context.session_cookies[username])
        unsafe = self.method not in {"GET", "HEAD", "OPTIONS"}
        if username is not None or unsafe:
            # A signed-in browser holds the CSRF cookie the first page with a form set.
            cookies.append(f"csrftoken={CSRF_SECRET}")
        if unsafe:
            headers["X-CSRFToken"] = CSRF_SECRET
            if self.body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        return headers


SCENARIOS: list[Scenario] = [
    Scenario(FLOOR, "/bench/bare/", "bare Django view: middleware + URL resolution, no DB"),
    Scenario("floor + 1 query", "/bench/bare-db/", "bare view + one trivial ORM query"),
    Scenario(
        LOGGED_IN_FLOOR,
        "/bench/whoami/",
        "bare view, logged in: the session and user lookups every logged-in page pays",
        login=ENROLLED_STUDENT,
    ),
    Scenario("catalog", "/", "catalog page (HTML)"),
    Scenario("course page", lambda c: f"/courses/{c.course_slug}/", "course page with syllabus (HTML)"),
    Scenario("catalog API", "/api/v1/courses/", "catalog (JSON)"),
    Scenario(
        "course API", lambda c: f"/api/v1/courses/{c.course_slug}/", "course detail with syllabus (JSON)"
    ),
    Scenario(
        "lecture page",
        lambda c: f"/lessons/{c.lecture_id}/",
        "the seed course's lecture 1, as an enrolled student (HTML)",
        login=ENROLLED_STUDENT,
    ),
    Scenario(
        "course outline",
        lambda c: f"/courses/{c.course_slug}/outline/",
        "the learning path of the seed course, as an enrolled student (HTML)",
        login=ENROLLED_STUDENT,
    ),
    Scenario(
        "dashboard",
        "/dashboard/",
        "the dashboard of the student with the most enrollments (HTML)",
        login=lambda c: c.busiest_student,
    ),
]


def scenarios_selected(scenarios: list[Scenario], only: tuple[str, ...]) -> list[Scenario]:
    """The scenarios whose name contains one of ``only`` (all when empty); the floor always."""
    if not only:
        return list(scenarios)
    return [s for s in scenarios if s.name == FLOOR or any(part in s.name for part in only)]
