"""export_course writes one canonical form: export → import into an empty database → export
gives byte-identical files."""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from courses.bundles import BundleExportError, bundle_render
from courses.models import Course
from exams.models import ExamTicket, TaskFile, TicketCase, TicketQuestion
from quizzes.models import Question, Quiz, QuizQuestion
from tests.accounts.factories import UserFactory
from tests.courses.bundles import DEMO_BUNDLE, bundle_files, copy_demo_bundle
from tests.courses.factories import CourseFactory, CourseStaffFactory, ModuleFactory, ResourceFactory
from tests.exams.factories import (
    CaseProblemFactory,
    CaseStudyFactory,
    ExamFactory,
    ExamTicketFactory,
    PracticalTaskFactory,
    RolePlayFactory,
    RolePlayRoleFactory,
    RolePlayStageFactory,
)
from tests.lessons.factories import LessonFactory
from tests.quizzes.factories import (
    ChoiceFactory,
    OpenQuestionFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizFactory,
)
from tests.reviews.factories import FeedbackTagFactory


def _export(slug: str, path: Path, *options: str) -> None:
    call_command("export_course", slug, str(path), *options, stdout=StringIO())


def _import(path: Path) -> None:
    call_command("import_course", str(path), stdout=StringIO())


def _empty_the_database() -> None:
    """Delete every course and user, links first (they protect what they point at)."""
    QuizQuestion.objects.all().delete()
    TicketQuestion.objects.all().delete()
    TicketCase.objects.all().delete()
    ExamTicket.objects.all().delete()
    Question.objects.all().delete()
    Course.objects.all().delete()
    User.objects.all().delete()
    assert Course.objects.count() == Question.objects.count() == TaskFile.objects.count() == 0


@pytest.mark.django_db
def test_export_of_the_imported_demo_bundle_reproduces_it_byte_for_byte(tmp_path):
    # given
    _import(DEMO_BUNDLE)

    # when
    _export("bundle-demo", tmp_path / "export")

    # then
    assert bundle_files(tmp_path / "export") == bundle_files(DEMO_BUNDLE)


@pytest.mark.django_db
def test_export_import_into_an_empty_database_export_gives_identical_files(tmp_path):
    # given
    _import(DEMO_BUNDLE)
    _export("bundle-demo", tmp_path / "first")
    _empty_the_database()

    # when
    _import(tmp_path / "first")
    _export("bundle-demo", tmp_path / "second")

    # then
    first, second = bundle_files(tmp_path / "first"), bundle_files(tmp_path / "second")
    assert sorted(first) == sorted(second)
    for path in first:
        assert first[path] == second[path], path


def _build_course_in_the_admin_way() -> Course:
    """A course made with factories the way the admin would leave it: CRLF line endings, trailing
    spaces, decimals with zeros, admin-chosen choice keys, a draft lesson, no final newlines."""
    course = CourseFactory(slug="hand-made", description_md="Line one\r\nLine two  \r\n", language="en")
    CourseStaffFactory(
        course=course, user=UserFactory(username="teacher", first_name="Ivan", last_name="Petrov")
    )
    module = ModuleFactory(course=course, key="basics", summary_md="**Bold** summary")
    LessonFactory(
        module=module,
        key="draft-lesson",
        body_md="\r\n\r\n# Draft\r\n\r\ntext   \r\n",
        is_published=False,
        position=3,
    )
    category = QuestionCategoryFactory(
        course=course, key="bank", is_flashcard_deck=True, module=module, position=2
    )
    single = QuestionFactory(category=category, key="q-single", points=Decimal("1.50"), position=1)
    ChoiceFactory(question=single, key="x1", text="Yes", is_correct=True, position=1)
    ChoiceFactory(question=single, key="x2", text="No", position=2)
    QuestionFactory(
        category=category,
        key="q-numeric",
        kind=Question.Kind.NUMERIC,
        position=2,
        numeric_answer=Decimal("2.500000"),
        numeric_tolerance=Decimal("0.000100"),
    )
    short = QuestionFactory(category=category, key="q-short", kind=Question.Kind.SHORT_TEXT, position=3)
    ChoiceFactory(question=short, key="admin-key", text="Docker", is_correct=True)
    open_question = OpenQuestionFactory(category=category, key="q-open", position=4, corrections=["fixed"])
    quiz = QuizFactory(
        course=course,
        key="quiz",
        module=module,
        position=1,
        opens_at=datetime(2026, 1, 5, 7, 30, 15, 250000, tzinfo=UTC),
    )
    QuizQuestion.objects.create(quiz=quiz, question=single, position=1, points=Decimal("2.00"))
    QuizQuestion.objects.create(quiz=quiz, draw_category=category, draw_count=2, position=2)
    task = PracticalTaskFactory(course=course, key="task", test_weights={"test_add_negative": 1.5})
    TaskFile.objects.create(
        task=task,
        path="solution.py",
        kind=TaskFile.Kind.EDITABLE,
        starter="def add(a, b):\r\n    pass",
        reference="def add(a, b):\n    return a + b",
    )
    exam = ExamFactory(course=course, key="exam")
    ticket = ExamTicketFactory(exam=exam, number=1, task=task)
    TicketQuestion.objects.create(ticket=ticket, question=open_question, position=1)
    case = CaseStudyFactory(course=course, key="case", available_data=["logs"])
    CaseProblemFactory(case=case, position=1)
    play = RolePlayFactory(course=course, key="play", teams_min=2)
    RolePlayRoleFactory(role_play=play, position=1)
    RolePlayStageFactory(role_play=play, position=1, inputs=["data"])
    FeedbackTagFactory(course=course, key="too-fast", label="Too fast")
    ResourceFactory(course=course, key="book")
    return course


@pytest.mark.django_db
def test_course_built_outside_a_bundle_exports_to_a_bundle_that_round_trips(tmp_path):
    # given
    _build_course_in_the_admin_way()
    _export("hand-made", tmp_path / "first")
    _empty_the_database()

    # when
    _import(tmp_path / "first")
    _export("hand-made", tmp_path / "second")

    # then
    assert bundle_files(tmp_path / "first") == bundle_files(tmp_path / "second")
    lesson = (tmp_path / "first/lessons/draft-lesson.md").read_bytes()
    assert lesson.endswith(b"published: false\n---\n# Draft\n\ntext\n")


@pytest.mark.django_db
def test_export_writes_the_canonical_form():
    # given
    _build_course_in_the_admin_way()

    # when
    files = bundle_render(Course.objects.get(slug="hand-made"))

    # then
    assert all(text.endswith("\n") and "\r" not in text for text in files.values() if text)
    course_yaml = files["course.yaml"]
    assert course_yaml.startswith("slug: hand-made\ntitle: ")
    assert 'description_md: "Line one\\nLine two  \\n"\n' in course_yaml  # trailing spaces: quoted
    assert (
        "staff:\n- username: teacher\n  name: Ivan Petrov\nmodules:\n" in course_yaml
    )  # role: instructor is the default
    assert "  items:\n  - quiz: quiz\n  - flashcards: bank\n  - lesson: draft-lesson\n" in course_yaml
    bank = files["questions/bank.yaml"]
    assert "  points: 1.5\n" in bank and "  answer: 2.5\n  tolerance: 0.0001\n" in bank
    assert "  accepted:\n  - Docker\n" in bank
    assert "points: 1\n" not in bank and "corrections: []" not in bank  # defaults are left out
    quiz = files["quizzes/quiz.yaml"]
    assert "opens_at: 2026-01-05T10:30:15.250000+03:00\n" in quiz  # site time zone, with offset
    assert "- question: q-single\n  points: 2\n- draw: bank\n  count: 2\n" in quiz
    assert files["tasks/task/starter/solution.py"] == "def add(a, b):\n    pass\n"
    assert "test_weights:\n  test_add_negative: 1.5\n" in files["tasks/task/task.yaml"]


@pytest.mark.django_db
def test_export_refuses_a_folder_that_is_not_empty(tmp_path):
    # given
    _import(DEMO_BUNDLE)
    (tmp_path / "notes.txt").write_text("mine")

    # when
    with pytest.raises(CommandError) as raised:
        _export("bundle-demo", tmp_path)

    # then
    assert "is not empty; pass --overwrite" in str(raised.value)


@pytest.mark.django_db
def test_overwrite_replaces_bundle_files_and_keeps_other_and_hidden_files(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _import(bundle)
    Quiz.objects.filter(key="quiz-basics").delete()
    (bundle / "README.md").write_text("about this bundle\n")
    (bundle / "tasks/.ruff.toml").write_text("[lint]\n")

    # when
    _export("bundle-demo", bundle, "--overwrite")

    # then
    assert not (bundle / "quizzes").exists()
    assert (bundle / "README.md").read_text() == "about this bundle\n"
    assert (bundle / "tasks/.ruff.toml").exists()
    assert (bundle / "course.yaml").read_bytes() != (DEMO_BUNDLE / "course.yaml").read_bytes()  # no quiz item


@pytest.mark.django_db
def test_export_of_an_unknown_course_fails(tmp_path):
    # when
    with pytest.raises(CommandError) as raised:
        _export("no-such-course", tmp_path)

    # then
    assert "No course with the slug 'no-such-course'" in str(raised.value)


@pytest.mark.django_db
def test_export_refuses_two_lessons_that_share_a_key():
    # given
    course = CourseFactory()
    LessonFactory(module=ModuleFactory(course=course, key="one"), key="same")
    LessonFactory(module=ModuleFactory(course=course, key="two"), key="same")

    # when
    with pytest.raises(BundleExportError) as raised:
        bundle_render(course)

    # then
    assert "share the key 'same'" in raised.value.message
