"""import_course validates everything first: each kind of bad input gives an error naming the
file and line, every error is listed, and nothing changes in the database."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.models import Course
from lessons.models import Lesson
from quizzes.models import Question
from tests.courses.bundles import copy_demo_bundle
from tests.courses.factories import CourseFactory


def _replace(bundle: Path, file: str, old: str, new: str) -> None:
    path = bundle / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _line_of(bundle: Path, file: str, anchor: tuple[str, int] | None) -> int:
    """The 1-based line of ``file`` (as changed) holding the n-th occurrence of the anchor text;
    line 1 without an anchor."""
    if anchor is None:
        return 1
    text, occurrence = anchor
    lines = (bundle / file).read_text(encoding="utf-8").split("\n")
    return [number for number, line in enumerate(lines, start=1) if text in line][occurrence - 1]


def _import_errors(bundle: Path) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("import_course", str(bundle))
    return str(raised.value)


# (id, file to change, old text, new text, (text on the line the error names, its occurrence) or None for
# line 1, message)
BROKEN_VARIANTS = [
    (
        "yaml-syntax-error",
        "questions/mixed.yaml",
        "  text_md: Which metric detects drift?",
        "  text_md: [Which metric detects drift?",
        ("[Which metric", 1),
        "YAML syntax error",
    ),
    (
        "front-matter-yaml-error-counts-file-lines",
        "lessons/lecture-intro.md",
        "estimated_minutes: 45",
        "estimated_minutes: 45\n  oops: [",
        ("  oops: [", 1),
        "YAML syntax error",
    ),
    (
        "missing-required-field",
        "quizzes/quiz-basics.yaml",
        "status: published\n",
        "",
        None,
        "'status' is required",
    ),
    (
        "wrong-choice",
        "lessons/lecture-intro.md",
        "kind: lecture",
        "kind: lesson",
        ("kind: lesson", 1),
        "must be one of",
    ),
    (
        "wrong-type",
        "course.yaml",
        "feedback_sla_hours: 24",
        "feedback_sla_hours: soon",
        ("feedback_sla_hours", 1),
        "expected a whole number",
    ),
    (
        "unknown-field-with-hint",
        "exams/final-exam.yaml",
        "duration_minutes: 120",
        "duraton_minutes: 120",
        ("duraton_minutes", 1),
        "did you mean 'duration_minutes'",
    ),
    (
        "slot-names-missing-question",
        "quizzes/quiz-basics.yaml",
        "- question: short-001",
        "- question: short-999",
        ("short-999", 1),
        "question 'short-999' does not exist",
    ),
    (
        "module-item-names-missing-lesson",
        "course.yaml",
        "  - lesson: mind-map-path",
        "  - lesson: mind-map-gone",
        ("mind-map-gone", 1),
        "lesson 'mind-map-gone' does not exist",
    ),
    (
        "duplicate-question-key",
        "questions/theory.yaml",
        "- key: theory-002",
        "- key: theory-001",
        ("- key: theory-001", 2),
        "duplicate question key 'theory-001'",
    ),
    (
        "duplicate-yaml-key",
        "exams/final-exam.yaml",
        "status: published",
        "status: published\ntitle: Again",
        ("title: Again", 1),
        "duplicate key 'title' (first at line 1)",
    ),
    (
        "invalid-key-format",
        "resources.yaml",
        "- key: kaggle-learn",
        "- key: Kaggle_Learn",
        ("Kaggle_Learn", 1),
        "invalid key 'Kaggle_Learn'",
    ),
    (
        "item-in-two-modules",
        "course.yaml",
        "  - quiz: quiz-basics",
        "  - quiz: quiz-basics\n  - lesson: lecture-intro",
        ("  - lesson: lecture-intro", 2),
        "already listed in module 'intro'",
    ),
    (
        "mind-map-not-a-list",
        "lessons/mind-map-path.md",
        "  - Engineering",
        "Engineering is a paragraph",
        ("Engineering is a paragraph", 1),
        "a mind map is a nested list",
    ),
    (
        "single-choice-with-two-correct",
        "questions/mixed.yaml",
        "    text: Accuracy",
        "    text: Accuracy\n    correct: true",
        ("  choices:", 2),
        "exactly one correct choice, found 2",
    ),
    (
        "numeric-without-answer",
        "questions/mixed.yaml",
        "  answer: 3.14\n",
        "",
        ("- key: numeric-001", 1),
        "a numeric question needs 'answer'",
    ),
    (
        "code-question-with-missing-task",
        "questions/mixed.yaml",
        "  task: add-numbers",
        "  task: no-such-task",
        ("no-such-task", 1),
        "task 'no-such-task' does not exist",
    ),
    (
        "bad-date",
        "course.yaml",
        "release_at: 2026-09-01T10:00:00+03:00",
        "release_at: 2026-13-01T10:00:00+03:00",
        ("release_at", 1),
        "is not a date-time",
    ),
    (
        "date-without-time-zone",
        "quizzes/quiz-basics.yaml",
        "opens_at: 2026-09-01T10:00:00+03:00",
        "opens_at: 2026-09-01T10:00:00",
        ("opens_at", 1),
        "needs a time and a time zone offset",
    ),
    (
        "author-not-in-staff",
        "lessons/lecture-intro.md",
        "author: bundle-lead",
        "author: stranger",
        ("author: stranger", 1),
        "author 'stranger' is not in the course staff",
    ),
    (
        "test-weight-for-missing-test",
        "tasks/add-numbers/task.yaml",
        "  test_add_large: 2",
        "  test_add_huge: 2",
        ("test_add_huge", 1),
        "tests_hidden.py has no test function 'test_add_huge'",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("variant", "file", "old", "new", "anchor", "message"),
    BROKEN_VARIANTS,
    ids=[v[0] for v in BROKEN_VARIANTS],
)
def test_broken_bundle_reports_file_and_line_and_changes_nothing(
    tmp_path, variant, file, old, new, anchor, message
):
    # given
    CourseFactory()
    bundle = copy_demo_bundle(tmp_path)
    _replace(bundle, file, old, new)
    line = _line_of(bundle, file, anchor)
    courses_before = Course.objects.count()

    # when
    errors = _import_errors(bundle)

    # then
    assert f"{file}:{line}: " in errors
    assert message in errors
    assert Course.objects.count() == courses_before
    assert not Course.objects.filter(slug="bundle-demo").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remove", "reported_at", "message"),
    [
        (
            "tasks/add-numbers/solution/solution.py",
            "tasks/add-numbers/task.yaml:5: ",
            "solution/solution.py is missing",
        ),
        (
            "tasks/add-numbers/starter/solution.py",
            "tasks/add-numbers/task.yaml:5: ",
            "starter/solution.py is missing",
        ),
        ("tasks/add-numbers/statement.md", "tasks/add-numbers/statement.md:1: ", "statement.md is missing"),
        (
            "tasks/add-numbers/tests_hidden.py",
            "tasks/add-numbers/tests_hidden.py:1: ",
            "tests_hidden.py is missing",
        ),
        ("tasks/add-numbers/task.yaml", "tasks/add-numbers/task.yaml:1: ", "task.yaml is missing"),
        ("course.yaml", "course.yaml:1: ", "course.yaml is missing"),
    ],
)
def test_missing_file_is_reported_where_it_is_required(tmp_path, remove, reported_at, message):
    # given
    bundle = copy_demo_bundle(tmp_path)
    (bundle / remove).unlink()

    # when
    errors = _import_errors(bundle)

    # then
    assert f"{reported_at}{message}" in errors
    assert Course.objects.count() == 0


@pytest.mark.django_db
def test_binary_task_file_is_rejected_with_a_clear_error(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    (bundle / "tasks/add-numbers/files/logo.png").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    )  # NUL on line 3

    # when
    errors = _import_errors(bundle)

    # then
    assert "tasks/add-numbers/files/logo.png:3: binary file: bundles hold UTF-8 text files only" in errors
    assert Course.objects.count() == 0


@pytest.mark.django_db
def test_every_error_of_every_file_is_listed_in_one_run(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _replace(bundle, "lessons/lecture-intro.md", "kind: lecture", "kind: lesson")
    _replace(bundle, "questions/mixed.yaml", "  task: add-numbers", "  task: no-such-task")
    _replace(bundle, "exams/final-exam.yaml", "  - case-drift", "  - case-gone")

    # when
    errors = _import_errors(bundle)

    # then
    assert "lessons/lecture-intro.md:3: kind: must be one of" in errors
    assert "questions/mixed.yaml:" in errors and "task 'no-such-task' does not exist" in errors
    assert "exams/final-exam.yaml:" in errors and "case 'case-gone' does not exist" in errors
    assert "3 errors found; nothing was imported." in errors


@pytest.mark.django_db
def test_error_in_one_of_several_bundles_imports_none_of_them(tmp_path):
    # given
    good = copy_demo_bundle(tmp_path / "good")
    bad = copy_demo_bundle(tmp_path / "bad")
    _replace(bad, "course.yaml", "slug: bundle-demo", "slug: bundle-other")
    _replace(bad, "course.yaml", "  - lesson: mind-map-path", "  - lesson: mind-map-gone")

    # when
    with pytest.raises(CommandError) as raised:
        call_command("import_course", str(good), str(bad))

    # then
    assert f"In {bad}:" in str(raised.value)
    assert Course.objects.count() == 0
    assert Lesson.objects.count() == 0


@pytest.mark.django_db
def test_invalid_reimport_leaves_the_imported_course_as_it_was(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    call_command("import_course", str(bundle))
    _replace(bundle, "questions/theory.yaml", "text_md: What is MLOps?", "text_md: What is MLOps, really?")
    _replace(bundle, "questions/mixed.yaml", "  task: add-numbers", "  task: no-such-task")

    # when
    _import_errors(bundle)

    # then
    assert Question.objects.get(key="theory-001").text_md == "What is MLOps?"
