"""import_course: what a bundle becomes in the database, and how re-imports update it in place
without duplicating content or losing student work."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from courses.bundles import BundleInvalid, bundle_import
from courses.models import Course, CourseOutcome, CourseStaff, Module, Resource
from exams.models import (
    CaseProblem,
    CaseStudy,
    Exam,
    ExamTicket,
    PracticalTask,
    RolePlay,
    RolePlayRole,
    RolePlayStage,
    Sitting,
    TaskFile,
    TicketCase,
    TicketQuestion,
)
from lessons.models import Lesson, LessonProgress
from quizzes.models import Choice, Question, QuestionCategory, Quiz, QuizQuestion, Response, Tag
from reviews.models import FeedbackTag, Review, ReviewPoint
from tests.accounts.factories import UserFactory
from tests.courses.bundles import DEMO_BUNDLE, copy_demo_bundle
from tests.courses.factories import CourseFactory
from tests.lessons.factories import LessonProgressFactory
from tests.quizzes.factories import AttemptFactory

CONTENT_MODELS = [
    Course,
    CourseOutcome,
    CourseStaff,
    Module,
    Resource,
    Lesson,
    QuestionCategory,
    Tag,
    Question,
    Choice,
    Quiz,
    QuizQuestion,
    PracticalTask,
    TaskFile,
    Exam,
    ExamTicket,
    TicketQuestion,
    TicketCase,
    CaseStudy,
    CaseProblem,
    RolePlay,
    RolePlayRole,
    RolePlayStage,
    Review,
    ReviewPoint,
    FeedbackTag,
    User,
]


def _import(*paths: Path, dry_run: bool = False) -> str:
    out = StringIO()
    call_command("import_course", *map(str, paths), *(["--dry-run"] if dry_run else []), stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in CONTENT_MODELS}


def _edit(bundle: Path, file: str, old: str, new: str) -> None:
    path = bundle / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.django_db
def test_import_creates_every_part_of_the_course():
    # when
    _import(DEMO_BUNDLE)

    # then
    course = Course.objects.get(slug="bundle-demo")
    assert course.status == Course.Status.PUBLISHED and course.published_at is not None
    assert "<strong>ship</strong>" in course.description_html
    assert list(course.outcomes.filter(kind="topic").values_list("text", flat=True)) == [
        "MLOps basics",
        "Monitoring: drift and alerts",
    ]
    assert _counts() | {"User": User.objects.count()} == {
        "Course": 3,
        "CourseOutcome": 4,
        "CourseStaff": 2,
        "Module": 2,
        "Resource": 2,
        "Lesson": 2,
        "QuestionCategory": 2,
        "Tag": 2,
        "Question": 9,
        "Choice": 10,
        "Quiz": 1,
        "QuizQuestion": 5,
        "PracticalTask": 1,
        "TaskFile": 2,
        "Exam": 1,
        "ExamTicket": 2,
        "TicketQuestion": 2,
        "TicketCase": 1,
        "CaseStudy": 1,
        "CaseProblem": 2,
        "RolePlay": 1,
        "RolePlayRole": 2,
        "RolePlayStage": 2,
        "Review": 1,
        "ReviewPoint": 2,
        "FeedbackTag": 2,
        "User": 2,
    }


@pytest.mark.django_db
def test_module_items_set_module_and_positions_in_item_order():
    # when
    _import(DEMO_BUNDLE)

    # then
    intro, practice = Module.objects.filter(course__slug="bundle-demo").order_by("position")
    assert (intro.key, intro.position, practice.key, practice.position) == ("intro", 1, "practice", 2)
    assert practice.prerequisite == intro
    assert practice.release_at == timezone.datetime.fromisoformat("2026-09-01T10:00:00+03:00")
    assert [(lesson.key, lesson.position) for lesson in intro.lessons.order_by("position")] == [
        ("lecture-intro", 1),
        ("mind-map-path", 2),
    ]
    deck = QuestionCategory.objects.get(key="theory")
    assert (deck.module, deck.position, deck.is_flashcard_deck) == (intro, 3, True)
    assert (Quiz.objects.get().module, Quiz.objects.get().position) == (practice, 1)
    assert (CaseStudy.objects.get().module, CaseStudy.objects.get().position) == (practice, 2)
    assert (RolePlay.objects.get().module, RolePlay.objects.get().position) == (practice, 3)
    assert (Exam.objects.get().module, Exam.objects.get().position) == (practice, 4)
    assert QuestionCategory.objects.get(key="mixed").module is None


@pytest.mark.django_db
def test_question_kinds_are_stored_in_their_model_fields():
    # when
    _import(DEMO_BUNDLE)

    # then
    questions = {question.key: question for question in Question.objects.prefetch_related("choices", "tags")}
    single = questions["single-001"]
    assert [(c.key, c.is_correct, c.position) for c in single.choices.all()] == [
        ("a", False, 1),
        ("b", True, 2),
        ("c", False, 3),
    ]
    assert single.choices.get(key="b").feedback == "Right, it edits pictures."
    assert sorted(tag.name for tag in single.tags.all()) == ["drift", "tools"]
    assert questions["tf-001"].correct_boolean is True
    numeric = questions["numeric-001"]
    assert (numeric.numeric_answer, numeric.numeric_tolerance, numeric.points) == (
        Decimal("3.14"),
        Decimal("0.005"),
        Decimal("1.5"),
    )
    short = questions["short-001"]
    assert [(c.text, c.is_correct) for c in short.choices.all()] == [
        ("Docker", True),
        ("docker engine", True),
    ]
    assert short.case_sensitive is True
    assert questions["code-001"].task == PracticalTask.objects.get(key="add-numbers")
    assert questions["theory-001"].answer_html.startswith("<p>Practices that bring models to production:</p>")


@pytest.mark.django_db
def test_lessons_tasks_and_mind_maps_are_imported_with_their_content():
    # when
    _import(DEMO_BUNDLE)

    # then
    lecture = Lesson.objects.get(key="lecture-intro")
    assert lecture.author.username == "bundle-lead"
    assert lecture.body_md.startswith("# Introduction\n\nSome **text**")
    assert 'class="highlight"' in lecture.body_html
    assert lecture.corrections == ["Fixed a typo in the title."]
    mind_map = Lesson.objects.get(key="mind-map-path").mind_map
    assert mind_map["title"] == "ML Engineer"
    assert [branch["title"] for branch in mind_map["children"]] == ["Mathematics", "Engineering"]
    task = PracticalTask.objects.get(key="add-numbers")
    assert task.status == PracticalTask.Status.PUBLISHED
    assert task.test_weights == {"test_add_large": 2}
    assert "def test_add_negative" in task.hidden_tests
    editable = task.files.get(kind=TaskFile.Kind.EDITABLE)
    assert (editable.path, editable.starter, editable.reference) == (
        "solution.py",
        "def add(a, b):\n    raise NotImplementedError\n",
        "def add(a, b):\n    return a + b\n",
    )
    assert task.files.get(kind=TaskFile.Kind.DATA).content == "a,b,sum\n1,2,3\n"


@pytest.mark.django_db
def test_quiz_exam_case_roleplay_review_and_tags_are_imported():
    # when
    _import(DEMO_BUNDLE)

    # then
    quiz = Quiz.objects.get(key="quiz-basics")
    assert (quiz.grading_method, quiz.review_show_correct, quiz.review_show_explanation) == (
        "last",
        "after_close",
        "after_submit",
    )
    slots = [
        (
            s.question and s.question.key,
            s.draw_category and s.draw_category.key,
            s.draw_tag and s.draw_tag.name,
            s.draw_count,
            s.points,
        )
        for s in quiz.slots.order_by("position")
    ]
    assert slots == [
        ("single-001", None, None, 1, None),
        ("multiple-001", None, None, 1, Decimal("3")),
        ("short-001", None, None, 1, None),
        (None, "mixed", "drift", 1, None),
        (None, "theory", None, 2, None),
    ]
    first, second = ExamTicket.objects.order_by("number")
    assert [q.key for q in first.theory_questions.order_by("ticket_slots__position")] == [
        "theory-001",
        "theory-002",
    ]
    assert first.task.key == "add-numbers" and second.task is None
    assert [c.key for c in second.cases.all()] == ["case-drift"]
    assert list(CaseStudy.objects.get().problems.values_list("title", flat=True)) == [
        "No retraining",
        "Cold start",
    ]
    play = RolePlay.objects.get()
    assert (play.team_size_min, play.team_size_max, play.teams_min, play.teams_max) == (4, 6, 2, None)
    assert play.stages.get(position=2).decisions == ["Roll back?", "Hotfix?"]
    review = Review.objects.get(key="otus")
    assert (review.source, review.status, review.rating, review.user) == ("external", "published", 2, None)
    assert list(review.points.values_list("kind", flat=True)) == ["complaint", "praise"]
    assert list(FeedbackTag.objects.values_list("key", flat=True)) == ["too-fast", "need-more-practice"]


@pytest.mark.django_db
def test_staff_users_are_created_without_usable_password_and_existing_users_are_reused():
    # given
    existing = UserFactory(username="bundle-lead", display_name="Anna S.")

    # when
    _import(DEMO_BUNDLE)

    # then
    existing.refresh_from_db()
    assert existing.display_name == "Anna S." and existing.has_usable_password()
    assistant = User.objects.get(username="bundle-assistant")
    assert not assistant.has_usable_password()
    roles = dict(CourseStaff.objects.values_list("user__username", "role"))
    assert roles == {"bundle-lead": "lead", "bundle-assistant": "assistant"}


@pytest.mark.django_db
def test_announcements_become_announced_courses_of_the_bundle_course():
    # when
    _import(DEMO_BUNDLE)

    # then
    course = Course.objects.get(slug="bundle-demo")
    announced = Course.objects.get(slug="bundle-demo-advanced")
    assert (announced.status, announced.announced_with, announced.summary) == (
        "announced",
        course,
        "The next step.",
    )


@pytest.mark.django_db
def test_announcement_of_a_real_course_is_skipped_with_a_warning(tmp_path):
    # given
    real = CourseFactory(slug="bundle-demo-advanced", title="Already running", status=Course.Status.PUBLISHED)

    # when
    output = _import(DEMO_BUNDLE)

    # then
    real.refresh_from_db()
    assert (real.title, real.status, real.announced_with) == ("Already running", "published", None)
    assert "course 'bundle-demo-advanced' exists and is published, not announced; left unchanged" in output


@pytest.mark.django_db
def test_dry_run_reports_what_would_be_created_and_writes_nothing():
    # when
    output = _import(DEMO_BUNDLE, dry_run=True)

    # then
    assert "bundle-demo: dry run, nothing written; would import" in output
    assert "questions: 9 created" in output
    assert Course.objects.count() == 0 and User.objects.count() == 0


@pytest.mark.django_db
def test_importing_the_same_bundle_twice_creates_no_duplicates():
    # given
    _import(DEMO_BUNDLE)
    before = _counts()

    # when
    output = _import(DEMO_BUNDLE)

    # then
    assert _counts() == before
    assert "created" not in output and "updated" not in output
    assert "questions: 9 unchanged" in output


@pytest.mark.django_db
def test_reimport_updates_objects_in_place_by_key(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _import(bundle)
    lesson_id = Lesson.objects.get(key="mind-map-path").pk
    choice_id = Choice.objects.get(question__key="single-001", key="b").pk
    _edit(bundle, "lessons/mind-map-path.md", "title: 'Mind map: the path'", "title: The path")
    _edit(bundle, "questions/mixed.yaml", "    text: Photoshop", "    text: GIMP")
    # the mind map moves from "intro" to the end of "practice"
    _edit(bundle, "course.yaml", "  - lesson: mind-map-path\n", "")
    _edit(bundle, "course.yaml", "  - exam: final-exam", "  - exam: final-exam\n  - lesson: mind-map-path")

    # when
    output = _import(bundle)

    # then
    lesson = Lesson.objects.get(key="mind-map-path")
    assert (lesson.pk, lesson.title, lesson.module.key, lesson.position) == (
        lesson_id,
        "The path",
        "practice",
        5,
    )
    assert Choice.objects.get(pk=choice_id).text == "GIMP"
    assert Lesson.objects.count() == 2
    assert "lessons: 1 updated, 1 unchanged" in output


@pytest.mark.django_db
def test_student_work_survives_a_reimport_that_removes_the_lesson_and_the_question(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _import(bundle)
    student = UserFactory()
    progress = LessonProgressFactory(user=student, lesson=Lesson.objects.get(key="lecture-intro"))
    attempt = AttemptFactory(quiz=Quiz.objects.get(key="quiz-basics"), user=student)
    question = Question.objects.get(key="single-001")
    response = Response.objects.create(attempt=attempt, question=question, position=1)
    response.selected_choices.set([question.choices.get(key="b")])
    _edit(bundle, "course.yaml", "  - lesson: lecture-intro\n", "")
    (bundle / "lessons/lecture-intro.md").unlink()
    _edit(bundle, "quizzes/quiz-basics.yaml", "- question: single-001\n", "")
    text = (bundle / "questions/mixed.yaml").read_text(encoding="utf-8")
    start, end = text.index("- key: single-001"), text.index("- key: single-002")
    (bundle / "questions/mixed.yaml").write_text(text[:start] + text[end:], encoding="utf-8")

    # when
    output = _import(bundle)

    # then
    lesson = Lesson.objects.get(key="lecture-intro")
    assert lesson.is_published is False
    assert LessonProgress.objects.filter(pk=progress.pk, lesson=lesson).exists()
    assert Response.objects.get(pk=response.pk).selected_choices.get().key == "b"
    assert Question.objects.filter(key="single-001").exists()
    assert not QuizQuestion.objects.filter(question__key="single-001").exists()
    assert "lesson lecture-intro: not in the bundle; unpublished" in output
    assert "question single-001: not in the bundle; kept in the bank" in output


@pytest.mark.django_db
def test_removed_choice_is_deleted_unless_a_response_selected_it(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _import(bundle)
    question = Question.objects.get(key="single-001")
    response = Response.objects.create(
        attempt=AttemptFactory(quiz=Quiz.objects.get()), question=question, position=1
    )
    response.selected_choices.set([question.choices.get(key="b")])
    _edit(
        bundle,
        "questions/mixed.yaml",
        "  - key: a\n    text: MLflow\n",
        "  - key: a\n    text: MLflow\n    correct: true\n",
    )
    _edit(
        bundle,
        "questions/mixed.yaml",
        "  - key: b\n    text: Photoshop\n    correct: true\n"
        "    feedback: Right, it edits pictures.\n  - key: c\n    text: Kubeflow\n",
        "  - key: d\n    text: Airflow\n",
    )

    # when
    output = _import(bundle)

    # then
    assert sorted(question.choices.values_list("key", flat=True)) == ["a", "b", "d"]
    assert (
        "choice b of question single-001: not in the bundle; kept because student work refers to it" in output
    )
    assert "choice c of question single-001: not in the bundle; deleted" in output


@pytest.mark.django_db
def test_removed_quiz_exam_case_and_roleplay_leave_the_outline_unpublished(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _import(bundle)
    attempt = AttemptFactory(quiz=Quiz.objects.get(key="quiz-basics"))
    for item in (
        "  - quiz: quiz-basics\n",
        "  - case: case-drift\n",
        "  - roleplay: incident\n",
        "  - exam: final-exam\n",
    ):
        _edit(bundle, "course.yaml", item, "")
    for file in (
        "quizzes/quiz-basics.yaml",
        "exams/final-exam.yaml",
        "cases/case-drift.md",
        "roleplays/incident.md",
    ):
        (bundle / file).unlink()

    # when
    _import(bundle)

    # then
    quiz, exam = Quiz.objects.get(), Exam.objects.get()
    case, play = CaseStudy.objects.get(), RolePlay.objects.get()
    assert (quiz.status, quiz.module, exam.status, exam.module) == ("draft", None, "draft", None)
    assert (case.is_published, case.module, play.is_published, play.module) == (False, None, False, None)
    assert quiz.attempts.get() == attempt
    assert Module.objects.get(key="practice").lessons.count() == 0


@pytest.mark.django_db
def test_removed_ticket_is_kept_while_a_sitting_drew_it(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _import(bundle)
    exam = Exam.objects.get()
    Sitting.objects.create(
        exam=exam,
        user=UserFactory(),
        ticket=exam.tickets.get(number=2),
        draw_seed=7,
        deadline_at=timezone.now() + timedelta(hours=2),
    )
    text = (bundle / "exams/final-exam.yaml").read_text(encoding="utf-8")
    (bundle / "exams/final-exam.yaml").write_text(text[: text.index("- number: 2")], encoding="utf-8")
    _edit(bundle, "exams/final-exam.yaml", "- number: 1", "- number: 3")

    # when
    output = _import(bundle)

    # then
    assert sorted(exam.tickets.values_list("number", flat=True)) == [2, 3]
    assert "ticket 1 of exam final-exam: not in the bundle; deleted" in output
    assert "ticket 2 of exam final-exam: not in the bundle; kept because student work refers to it" in output


@pytest.mark.django_db
def test_removed_announcement_goes_back_to_draft(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _import(bundle)
    _edit(
        bundle,
        "announcements.yaml",
        "- slug: bundle-demo-mlops\n  title: 'MLOps: from prototype to production'\n",
        "",
    )

    # when
    _import(bundle)

    # then
    assert Course.objects.get(slug="bundle-demo-mlops").status == Course.Status.DRAFT
    assert Course.objects.get(slug="bundle-demo-advanced").status == Course.Status.ANNOUNCED


@pytest.mark.django_db
def test_a_failure_during_the_import_rolls_everything_back(monkeypatch):
    # given
    def broken(ctx):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("courses.bundles.importer.import_exams", broken)

    # when
    with pytest.raises(RuntimeError):
        bundle_import(paths=[DEMO_BUNDLE])

    # then
    assert Course.objects.count() == 0 and Question.objects.count() == 0 and User.objects.count() == 0


@pytest.mark.django_db
def test_bundle_import_raises_bundle_invalid_with_located_errors(tmp_path):
    # given
    bundle = copy_demo_bundle(tmp_path)
    _edit(bundle, "reviews/otus.md", "rating: 2", "rating: 9")

    # when
    with pytest.raises(BundleInvalid) as raised:
        bundle_import(paths=[bundle])

    # then
    assert raised.value.lines() == ["reviews/otus.md:5: rating: must be at most 5, got 9"]
