"""Changelists run a fixed number of queries whatever the number of rows (a page holds 100)."""

from collections.abc import Callable
from datetime import timedelta

import factory
import pytest
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Enrollment, Module, Resource
from exams.models import ExamTicket, Sitting, Submission
from lessons.models import Lesson, LessonProgress
from quizzes.models import Attempt, Question, QuestionCategory, Quiz
from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse, LectureFeedback, Review
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseStaffFactory, EnrollmentFactory, ModuleFactory, ResourceFactory
from tests.exams.factories import ExamFactory, ExamTicketFactory, PracticalTaskFactory
from tests.lessons.factories import LessonFactory, LessonProgressFactory
from tests.quizzes.factories import AttemptFactory, QuestionCategoryFactory, QuestionFactory, QuizFactory
from tests.reviews.factories import (
    BoardEntryFactory,
    FeedbackResponseFactory,
    LectureFeedbackFactory,
    ReviewFactory,
)

ROWS = 200
# Measured 5–11: session, user, permissions, team membership, counts, the page, each list
# filter's choices. An N+1 would add a query per row (100 on a page).
BUDGET = 11


def _modules(course: Course) -> list[Module]:
    return ModuleFactory.create_batch(5, course=course)


def _lessons(course: Course, instructor) -> list[Lesson]:
    return LessonFactory.create_batch(ROWS, module=factory.Iterator(_modules(course)), author=instructor)


def _sittings(course: Course, instructor) -> None:
    tickets = ExamTicketFactory.create_batch(5, exam=ExamFactory(course=course))
    deadline = timezone.now() + timedelta(hours=1)
    Sitting.objects.bulk_create(
        Sitting(exam=tickets[0].exam, user=user, ticket=tickets[i % 5], draw_seed=i, deadline_at=deadline)
        for i, user in enumerate(UserFactory.create_batch(ROWS))
    )


def _submissions(course: Course, instructor) -> None:
    tasks = PracticalTaskFactory.create_batch(5, course=course)
    Submission.objects.bulk_create(
        Submission(task=tasks[i % 5], user=user, kind=Submission.Kind.CHECK, files={})
        for i, user in enumerate(UserFactory.create_batch(ROWS))
    )


BUILDERS: dict[type[Model], Callable[[Course, object], object]] = {
    Course: lambda course, instructor: CourseStaffFactory.create_batch(ROWS, user=instructor),
    Module: lambda course, instructor: ModuleFactory.create_batch(ROWS, course=course),
    Resource: lambda course, instructor: ResourceFactory.create_batch(ROWS, course=course),
    Enrollment: lambda course, instructor: EnrollmentFactory.create_batch(ROWS, course=course),
    Lesson: _lessons,
    LessonProgress: lambda course, instructor: LessonProgressFactory.create_batch(
        ROWS, lesson=factory.Iterator(LessonFactory.create_batch(5, module__course=course))
    ),
    QuestionCategory: lambda course, instructor: QuestionCategoryFactory.create_batch(ROWS, course=course),
    Question: lambda course, instructor: QuestionFactory.create_batch(
        ROWS, category=factory.Iterator(QuestionCategoryFactory.create_batch(5, course=course))
    ),
    Quiz: lambda course, instructor: QuizFactory.create_batch(
        ROWS, course=course, module=factory.Iterator(_modules(course))
    ),
    Attempt: lambda course, instructor: AttemptFactory.create_batch(
        ROWS, quiz=factory.Iterator(QuizFactory.create_batch(5, course=course))
    ),
    ExamTicket: lambda course, instructor: ExamTicketFactory.create_batch(
        ROWS,
        exam=factory.Iterator(ExamFactory.create_batch(5, course=course)),
        task=PracticalTaskFactory(course=course),
    ),
    Sitting: _sittings,
    Submission: _submissions,
    Review: lambda course, instructor: ReviewFactory.create_batch(ROWS, course=course),
    LectureFeedback: lambda course, instructor: LectureFeedbackFactory.create_batch(
        ROWS, lesson=factory.Iterator(_lessons(course, instructor)[:5]), course=course
    ),
    FeedbackResponse: lambda course, instructor: FeedbackResponseFactory.create_batch(
        ROWS,
        feedback__lesson=factory.Iterator(LessonFactory.create_batch(5, module__course=course)),
        feedback__course=course,
        owner=instructor,
    ),
    BoardEntry: lambda course, instructor: BoardEntryFactory.create_batch(
        ROWS, course=course, author=instructor
    ),
}


@pytest.mark.parametrize("model", BUILDERS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("role", ["instructor", "superuser"])
def test_changelist_query_count_does_not_grow_with_rows(
    client, django_assert_max_num_queries, course, instructor, superuser, model, role
):
    # given
    BUILDERS[model](course, instructor)
    client.force_login(instructor if role == "instructor" else superuser)
    opts = model._meta

    # when
    with django_assert_max_num_queries(BUDGET):
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    # then
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100
