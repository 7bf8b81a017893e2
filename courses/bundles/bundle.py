"""The in-memory form of a bundle read from disk: cleaned records plus where each came from."""

from dataclasses import dataclass, field
from pathlib import Path

from courses.bundles.errors import BundleError, Location
from courses.bundles.fields import Record

# The entries of a bundle folder, in the order the format describes them.
BUNDLE_ENTRIES = (
    "course.yaml",
    "lessons",
    "questions",
    "quizzes",
    "tasks",
    "exams",
    "cases",
    "roleplays",
    "resources.yaml",
    "announcements.yaml",
    "reviews",
    "feedback_tags.yaml",
)


@dataclass(frozen=True)
class OutlineItem:
    """One entry of a module's ``items``: ``{kind: key}`` at ``position`` (1-based) in the module."""

    module: str
    kind: str
    key: str
    position: int
    at: Location


@dataclass
class TaskFileSpec:
    """A file of a practical task: an editable file (starter + reference) or a data file."""

    path: str
    kind: str  # TaskFile.Kind value
    at: Location
    starter: str = ""
    reference: str = ""
    content: str = ""


@dataclass
class Bundle:
    """A bundle folder, read and checked file by file (cross-file checks are in ``validation``).

    Markdown records carry their body under the model field it fills (``body_md``,
    ``situation_md``, ``setting_md``, ``text_md``); task records carry ``statement_md``,
    ``public_tests``, ``hidden_tests`` and ``files`` (a list of ``TaskFileSpec``).
    """

    root: Path
    label: str
    course: Record | None = None
    outline: list[OutlineItem] = field(default_factory=list)
    lessons: dict[str, Record] = field(default_factory=dict)
    categories: dict[str, Record] = field(default_factory=dict)
    quizzes: dict[str, Record] = field(default_factory=dict)
    tasks: dict[str, Record] = field(default_factory=dict)
    exams: dict[str, Record] = field(default_factory=dict)
    cases: dict[str, Record] = field(default_factory=dict)
    roleplays: dict[str, Record] = field(default_factory=dict)
    resources: list[Record] = field(default_factory=list)
    announcements: list[Record] = field(default_factory=list)
    reviews: dict[str, Record] = field(default_factory=dict)
    feedback_tags: list[Record] = field(default_factory=list)
    errors: list[BundleError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Folders with a file that could not be parsed at all: references into them are not
    # reported as missing (the parse error already says why).
    unreadable: set[str] = field(default_factory=set)

    @property
    def slug(self) -> str:
        return self.course["slug"] if self.course is not None else ""

    def questions(self) -> list[tuple[str, Record]]:
        """Every question as ``(category key, record)``, in file order."""
        return [
            (key, question) for key, category in self.categories.items() for question in category["questions"]
        ]

    def error(self, at: Location, message: str) -> None:
        self.errors.append(BundleError(at, message))
