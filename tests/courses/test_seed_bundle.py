"""The seed course bundle imports completely: every question, ticket, case, game, mind map and
resource of ../shared/seeds/, and round-trips byte for byte."""

import filecmp
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from courses.models import Course
from exams.models import CaseStudy, ExamTicket, PracticalTask, RolePlay
from lessons.models import Lesson
from quizzes.models import Question, QuestionCategory, Quiz
from reviews.models import Review

pytestmark = pytest.mark.django_db

SEED = Path(settings.COURSE_BUNDLES_DIR) / "ml-engineer-professional"

EXPECTED_STATS = {
    "status": "published",
    "modules": 6,
    "lessons_lecture": 1,
    "lessons_reading": 0,
    "lessons_mind_map": 3,
    "questions_single": 75,  # the 75 multiple-choice questions (A–D, one correct)
    "questions_multiple": 0,
    "questions_true_false": 0,
    "questions_short_text": 0,
    "questions_numeric": 0,
    "questions_open": 93,  # 75 theory + 10 exam-ticket theory + 8 interview questions
    "questions_code": 0,
    "quizzes": 5,
    "exam_tickets": 6,
    "practical_tasks": 5,
    "case_studies": 2,
    "role_plays": 4,
    "resources": 19,  # 5 literature items + 14 reading-list resources
    "reviews": 1,
    "flashcard_decks": 2,
    "flashcards": 83,
    "quiz_slots": 75,
    "case_problems": 10,
    "role_play_roles": 24,
    "resources_literature": 5,
    "resources_reading_list": 14,
    "announcements": 25,
}


@pytest.fixture(scope="module")
def seed_course(django_db_setup, django_db_blocker):
    """Import the seed once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_course", str(SEED), stdout=StringIO())
        yield Course.objects.get(slug="ml-engineer-professional")
        transaction.set_rollback(True)


def test_seed_bundle_imports_with_every_count(seed_course):
    # when
    out = StringIO()
    call_command("course_stats", "ml-engineer-professional", "--json", stdout=out)

    # then
    stats = json.loads(out.getvalue())
    for key, expected in EXPECTED_STATS.items():
        assert stats[key] == expected, f"{key}: expected {expected}, got {stats[key]}"


def test_seed_content_is_structured_not_squeezed_into_blobs(seed_course):
    # the 75 theory questions are open questions with reference answers, usable as flashcards
    theory = QuestionCategory.objects.get(course=seed_course, key="theory")
    assert theory.is_flashcard_deck
    assert theory.questions.filter(kind=Question.Kind.OPEN).exclude(answer_md="").count() == 75

    # every multiple-choice question has four options and exactly one correct
    for question in Question.objects.filter(course=seed_course, kind=Question.Kind.SINGLE).prefetch_related("choices"):
        choices = list(question.choices.all())
        assert len(choices) == 4, question.key
        assert sum(c.is_correct for c in choices) == 1, question.key

    # five quizzes of fifteen
    assert [quiz.slots.count() for quiz in Quiz.objects.filter(course=seed_course)] == [15] * 5

    # tickets 1–5: two theory questions with reference answers + a practical task; ticket 6: two cases
    tickets = {t.number: t for t in ExamTicket.objects.filter(exam__course=seed_course)}
    for number in range(1, 6):
        assert tickets[number].theory_questions.exclude(answer_md="").count() == 2
        assert tickets[number].task is not None
    assert tickets[6].task is None
    assert tickets[6].cases.count() == 2

    # cases: problems with symptom / cause / solution, conclusions and discussion questions
    for case in CaseStudy.objects.filter(course=seed_course):
        assert case.problems.count() == 5
        assert all(p.symptom and p.cause and p.solution for p in case.problems.all())
        assert case.conclusions and case.discussion_questions and case.available_data

    # role plays: roles with responsibilities, stages, effects, challenges, reflection
    for game in RolePlay.objects.filter(course=seed_course):
        assert game.roles.count() == 6
        assert game.stages.count() >= 5
        assert game.learning_effects and game.challenges and game.reflection_questions

    # mind maps are trees with a central node and branches
    for mind_map in Lesson.objects.filter(module__course=seed_course, kind=Lesson.Kind.MIND_MAP):
        assert mind_map.mind_map["children"], mind_map.key

    # the lecture is real Markdown with the DS roles table
    lecture = Lesson.objects.get(module__course=seed_course, kind=Lesson.Kind.LECTURE)
    assert "<table>" in lecture.body_html
    assert "Постановка задачи" in lecture.body_html


def test_seed_practical_tasks_record_their_corrections(seed_course):
    tasks = {t.key: t for t in PracticalTask.objects.filter(course=seed_course).prefetch_related("files")}

    assert "load_breast_cancer" in tasks["ticket-1-lightgbm-onnx"].files.get(path="solution.py").reference
    assert "onnxruntime" in tasks["ticket-1-lightgbm-onnx"].files.get(path="solution.py").reference
    assert "load_digits" in tasks["ticket-4-torch-mlp"].files.get(path="solution.py").reference
    assert "load_diabetes" in tasks["ticket-5-shap-xgboost"].files.get(path="solution.py").reference
    assert tasks["ticket-3-sklearn-pipeline"].files.filter(path="data.csv", kind="data").exists()
    assert {f.path for f in tasks["ticket-2-flask-predict"].files.filter(kind="editable")} == {
        "app.py", "Dockerfile", "requirements.txt"
    }
    for task in tasks.values():
        assert task.corrections, f"{task.key} should record what was changed from the source"
        assert task.hidden_tests and task.public_tests


def test_seed_review_is_an_imported_external_review_with_five_complaints(seed_course):
    review = Review.objects.get(course=seed_course)

    assert review.source == Review.Source.EXTERNAL
    assert review.source_url == "https://t.me/buryippua/1242"
    assert "Otus" in review.about_course
    assert list(review.points.values_list("kind", flat=True)) == ["complaint"] * 5


def test_seed_announcements_are_upcoming_catalog_courses(seed_course):
    announced = Course.objects.filter(status=Course.Status.ANNOUNCED, announced_with=seed_course)

    assert announced.count() == 25
    assert all(course.summary for course in announced)


def test_seed_bundle_round_trips_byte_for_byte(seed_course, tmp_path):
    # when
    call_command("export_course", "ml-engineer-professional", str(tmp_path / "out"), stdout=StringIO())

    # then: every file the exporter writes is identical to the committed bundle
    written = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert written, "export wrote nothing"
    mismatches = [str(p) for p in written if not filecmp.cmp(SEED / p, tmp_path / "out" / p, shallow=False)]
    assert mismatches == []
    committed = sorted(
        p.relative_to(SEED) for p in SEED.rglob("*")
        if p.is_file() and p.name not in ("README.md", ".ruff.toml")
    )
    assert committed == written


def test_reimporting_the_seed_changes_nothing(seed_course):
    before = {model.__name__: model.objects.count() for model in (Course, Question, Quiz, ExamTicket, Lesson)}

    call_command("import_course", str(SEED), stdout=StringIO())

    after = {model.__name__: model.objects.count() for model in (Course, Question, Quiz, ExamTicket, Lesson)}
    assert after == before
