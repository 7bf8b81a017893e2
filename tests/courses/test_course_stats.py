import json

import pytest
from django.core.management import CommandError, call_command

from courses.models import Course, Resource
from courses.stats import STAT_KEYS, course_stats
from lessons.models import Lesson
from quizzes.models import Question
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, EnrollmentFactory, ModuleFactory, ResourceFactory
from tests.exams.factories import (
    CaseProblemFactory,
    CaseStudyFactory,
    ExamFactory,
    ExamTicketFactory,
    PracticalTaskFactory,
    RolePlayFactory,
    RolePlayRoleFactory,
)
from tests.lessons.factories import LessonFactory
from tests.quizzes.factories import (
    OpenQuestionFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizFactory,
    QuizQuestionFactory,
)
from tests.reviews.factories import LectureFeedbackFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def build_course(slug: str = "stats-course") -> Course:
    """A course with a known amount of everything (the expected counts are in EXPECTED)."""
    course = CourseFactory(slug=slug)
    intro, practice = ModuleFactory.create_batch(2, course=course)
    LessonFactory.create_batch(3, module=intro, kind=Lesson.Kind.LECTURE)
    LessonFactory(module=practice, kind=Lesson.Kind.LECTURE)
    LessonFactory(module=practice, kind=Lesson.Kind.READING)
    mind_map = LessonFactory(module=intro, kind=Lesson.Kind.MIND_MAP, body_md="- Root\n  - Leaf\n")

    bank = QuestionCategoryFactory(course=course)
    deck = QuestionCategoryFactory(course=course, is_flashcard_deck=True)
    singles = QuestionFactory.create_batch(4, category=bank, kind=Question.Kind.SINGLE)
    QuestionFactory.create_batch(2, category=bank, kind=Question.Kind.MULTIPLE)
    QuestionFactory(category=bank, kind=Question.Kind.TRUE_FALSE, correct_boolean=True)
    QuestionFactory(category=bank, kind=Question.Kind.SHORT_TEXT)
    QuestionFactory(category=bank, kind=Question.Kind.NUMERIC, numeric_answer=42)
    OpenQuestionFactory.create_batch(3, category=deck)  # flashcards
    OpenQuestionFactory(category=bank)  # open, but not in a deck
    task = PracticalTaskFactory(course=course)
    PracticalTaskFactory(course=course)
    QuestionFactory(category=bank, kind=Question.Kind.CODE, task=task)

    quiz = QuizFactory(course=course)
    QuizFactory(course=course)
    for question in singles[:3]:
        QuizQuestionFactory(quiz=quiz, question=question)

    exam = ExamFactory(course=course)
    ExamTicketFactory.create_batch(2, exam=exam, task=task)
    case = CaseStudyFactory(course=course)
    CaseProblemFactory.create_batch(3, case=case)
    role_play = RolePlayFactory(course=course)
    RolePlayFactory(course=course)
    RolePlayRoleFactory.create_batch(4, role_play=role_play)

    ResourceFactory.create_batch(2, course=course, collection=Resource.Collection.LITERATURE)
    ResourceFactory.create_batch(3, course=course, collection=Resource.Collection.READING_LIST)
    CourseFactory.create_batch(2, status=Course.Status.ANNOUNCED, announced_with=course)

    students = UserFactory.create_batch(3)
    for student in students:
        EnrollmentFactory(course=course, user=student)
    ReviewFactory(course=course, user=students[0])
    ReviewFactory(course=course, user=None, key="imported", rating=None)
    LectureFeedbackFactory(lesson=mind_map, user=students[1])
    return course


EXPECTED = {
    "status": "published",
    "modules": 2,
    "lessons_lecture": 4,
    "lessons_reading": 1,
    "lessons_mind_map": 1,
    "questions_single": 4,
    "questions_multiple": 2,
    "questions_true_false": 1,
    "questions_short_text": 1,
    "questions_numeric": 1,
    "questions_open": 4,
    "questions_code": 1,
    "flashcard_decks": 1,
    "flashcards": 3,
    "quizzes": 2,
    "quiz_slots": 3,
    "exam_tickets": 2,
    "practical_tasks": 2,
    "case_studies": 1,
    "case_problems": 3,
    "role_plays": 2,
    "role_play_roles": 4,
    "resources": 5,
    "resources_literature": 2,
    "resources_reading_list": 3,
    "announcements": 2,
    "enrollments": 3,
    "reviews": 2,
    "feedback": 1,
}


def test_stats_count_every_kind_of_content_of_the_course():
    # given
    course = build_course()
    build_course(slug="other-course")  # must not leak into the first course's counts

    # when
    stats = course_stats(courses=Course.objects.filter(pk=course.pk))

    # then
    assert stats == {"stats-course": EXPECTED}
    assert list(stats["stats-course"]) == list(STAT_KEYS)


def test_empty_course_has_zero_counts():
    # given
    CourseFactory(slug="empty", status=Course.Status.DRAFT)

    # when
    stats = course_stats(courses=Course.objects.all())

    # then
    assert stats["empty"]["status"] == "draft"
    assert all(value == 0 for key, value in stats["empty"].items() if key != "status")


def test_command_prints_one_course_as_json(capsys):
    # given
    build_course()

    # when
    call_command("course_stats", "stats-course", "--json")

    # then
    assert json.loads(capsys.readouterr().out) == EXPECTED


def test_command_without_slug_prints_every_course_keyed_by_slug(capsys):
    # given
    build_course()
    CourseFactory(slug="another")

    # when
    call_command("course_stats", "--json")

    # then
    output = json.loads(capsys.readouterr().out)
    assert output["stats-course"] == EXPECTED
    assert output["another"]["modules"] == 0
    assert set(output) >= {"stats-course", "another"}
    assert len(output) == Course.objects.count()


def test_command_prints_a_readable_table_without_json(capsys):
    # given
    build_course()

    # when
    call_command("course_stats", "stats-course")

    # then
    output = capsys.readouterr().out
    assert output.startswith("stats-course\n")
    assert any(line.split() == ["questions_single", "4"] for line in output.splitlines())
    assert any(line.split() == ["status", "published"] for line in output.splitlines())


def test_command_refuses_an_unknown_slug():
    # given
    CourseFactory(slug="known")

    # when / then
    with pytest.raises(CommandError, match='No course with the slug "unknown"'):
        call_command("course_stats", "unknown", "--json")


def test_query_count_does_not_grow_with_the_number_of_courses(django_assert_num_queries, capsys):
    # given
    for number in range(3):
        build_course(slug=f"big-{number}")
    CourseFactory.create_batch(30)
    with django_assert_num_queries(19):  # 18 grouped counts + the course list
        call_command("course_stats", "big-0", "--json")
    capsys.readouterr()

    # when / then: all 38 courses cost the same queries as one
    with django_assert_num_queries(19):
        call_command("course_stats", "--json")
    assert len(json.loads(capsys.readouterr().out)) == Course.objects.count()
