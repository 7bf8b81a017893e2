"""Admin permissions as a matrix: role × object of my course / of another course × action.

An instructor (a member of ``course``'s team) lists, opens, changes and deletes the objects of
their course that their role allows, and none of another course's: for every model registered
with a course-scoped admin.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from core.admin import CourseScopedAdmin
from courses.models import Course, Enrollment, Module, Resource
from exams.models import CaseStudy, Exam, ExamTicket, PracticalTask, RolePlay, Sitting, Submission
from lessons.models import Lesson, LessonProgress
from quizzes.models import Attempt, Question, QuestionCategory, Quiz, Tag
from reviews.board_models import BoardEntry
from reviews.models import FeedbackResponse, FeedbackTag, LectureFeedback, Review
from tests.accounts.factories import UserFactory
from tests.courses.conftest import changeform_data
from tests.courses.factories import EnrollmentFactory, ModuleFactory, ResourceFactory
from tests.exams.factories import (
    CaseStudyFactory,
    ExamFactory,
    ExamTicketFactory,
    PracticalTaskFactory,
    RolePlayFactory,
)
from tests.lessons.factories import LessonFactory, LessonProgressFactory
from tests.quizzes.factories import AttemptFactory, QuestionCategoryFactory, QuestionFactory, QuizFactory
from tests.reviews.factories import (
    BoardEntryFactory,
    FeedbackResponseFactory,
    FeedbackTagFactory,
    LectureFeedbackFactory,
    ReviewFactory,
)


def _tag(course: Course) -> Tag:
    return Tag.objects.create(course=course, name=f"tag-{Tag.objects.count()}")


def _sitting(course: Course) -> Sitting:
    ticket = ExamTicketFactory(exam__course=course)
    return Sitting.objects.create(
        exam=ticket.exam,
        user=UserFactory(),
        ticket=ticket,
        draw_seed=1,
        deadline_at=timezone.now() + timedelta(hours=1),
    )


def _submission(course: Course) -> Submission:
    return Submission.objects.create(
        task=PracticalTaskFactory(course=course), user=UserFactory(), kind=Submission.Kind.CHECK, files={}
    )


@dataclass(frozen=True)
class Case:
    model: type[Model]
    build: Callable[[Course], Model]
    edit: tuple[str, str]  # a field and a new value to post
    team_changes: bool = True
    team_deletes: bool = True
    team_adds: bool = True

    def __str__(self) -> str:
        return self.model.__name__


CASES = [
    Case(Course, lambda course: course, ("title", "Renamed"), team_deletes=False, team_adds=False),
    Case(Module, lambda course: ModuleFactory(course=course), ("title", "Renamed")),
    Case(Resource, lambda course: ResourceFactory(course=course), ("title", "Renamed")),
    Case(Lesson, lambda course: LessonFactory(module__course=course), ("title", "Renamed")),
    Case(QuestionCategory, lambda course: QuestionCategoryFactory(course=course), ("title", "Renamed")),
    Case(Tag, _tag, ("name", "renamed")),
    Case(Question, lambda course: QuestionFactory(category__course=course), ("text_md", "Renamed?")),
    Case(Quiz, lambda course: QuizFactory(course=course), ("title", "Renamed")),
    Case(PracticalTask, lambda course: PracticalTaskFactory(course=course), ("title", "Renamed")),
    Case(CaseStudy, lambda course: CaseStudyFactory(course=course), ("title", "Renamed")),
    Case(RolePlay, lambda course: RolePlayFactory(course=course), ("title", "Renamed")),
    Case(Exam, lambda course: ExamFactory(course=course), ("title", "Renamed")),
    Case(ExamTicket, lambda course: ExamTicketFactory(exam__course=course), ("title", "Renamed")),
    Case(FeedbackTag, lambda course: FeedbackTagFactory(course=course), ("label", "Renamed")),
    Case(
        Review,
        lambda course: ReviewFactory(
            course=course, user=None, source=Review.Source.EXTERNAL, source_name="Forum"
        ),
        ("source_name", "Renamed"),
    ),
    Case(
        FeedbackResponse,
        lambda course: FeedbackResponseFactory(feedback__lesson__module__course=course),
        ("internal_notes", "Renamed"),
        team_deletes=False,
        team_adds=False,
    ),
    Case(BoardEntry, lambda course: BoardEntryFactory(course=course), ("title", "Renamed")),
    *(
        Case(model, build, edit, team_changes=False, team_deletes=False, team_adds=False)
        for model, build, edit in [
            (Enrollment, lambda course: EnrollmentFactory(course=course), ("status", "dropped")),
            (
                LessonProgress,
                lambda course: LessonProgressFactory(lesson__module__course=course),
                ("status", "done"),
            ),
            (Attempt, lambda course: AttemptFactory(quiz__course=course), ("status", "graded")),
            (Sitting, _sitting, ("status", "graded")),
            (Submission, _submission, ("status", "done")),
            (
                LectureFeedback,
                lambda course: LectureFeedbackFactory(lesson__module__course=course),
                ("comment", "Hi"),
            ),
        ]
    ),
]


def url(obj_or_model: Model | type[Model], action: str) -> str:
    opts = obj_or_model._meta
    args = [] if action in ("changelist", "add") else [obj_or_model.pk]
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def edited_form(client, obj: Model, edit: tuple[str, str]) -> dict:
    """The change form of ``obj`` as ``client`` sees it, with ``edit`` applied."""
    response = client.get(url(obj, "change"))
    assert response.status_code == 200
    field, value = edit
    return changeform_data(response) | {field: value}


def assert_refused(response) -> None:
    """Refused: 403, or Django's "no such object" redirect to the admin index (the object is
    outside the user's queryset)."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")


matrix = pytest.mark.parametrize("case", CASES, ids=str)


def test_every_course_scoped_admin_is_in_the_matrix():
    # given
    registered = {
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, CourseScopedAdmin)
    }

    # when
    covered = {case.model for case in CASES}

    # then
    assert registered == covered


@matrix
def test_instructor_changelist_lists_only_their_course(instructor_client, course, other_course, case):
    # given
    mine, theirs = case.build(course), case.build(other_course)

    # when
    response = instructor_client.get(url(case.model, "changelist"))

    # then
    assert response.status_code == 200
    listed = {obj.pk for obj in response.context["cl"].result_list}
    assert mine.pk in listed
    assert theirs.pk not in listed


@matrix
def test_instructor_opens_only_their_course_objects(instructor_client, course, other_course, case):
    # given
    mine, theirs = case.build(course), case.build(other_course)

    # when
    own_page = instructor_client.get(url(mine, "change"))
    other_page = instructor_client.get(url(theirs, "change"))

    # then
    assert own_page.status_code == 200
    assert_refused(other_page)


@matrix
def test_instructor_cannot_change_another_course_object(instructor_client, admin_client, other_course, case):
    # given
    theirs = case.build(other_course)
    data = edited_form(admin_client, theirs, case.edit)  # a valid form: only permission may refuse it
    field, new_value = case.edit

    # when
    response = instructor_client.post(url(theirs, "change"), data)

    # then
    assert_refused(response)
    theirs.refresh_from_db()
    assert getattr(theirs, field) != new_value


@matrix
def test_instructor_changes_their_course_object_as_their_role_allows(
    instructor_client, admin_client, course, case
):
    # given
    mine = case.build(course)
    field, new_value = case.edit
    data = edited_form(instructor_client if case.team_changes else admin_client, mine, case.edit)

    # when
    response = instructor_client.post(url(mine, "change"), data)

    # then
    mine.refresh_from_db()
    if case.team_changes:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert getattr(mine, field) == new_value
    else:
        assert response.status_code == 403
        assert getattr(mine, field) != new_value


@matrix
def test_instructor_cannot_delete_another_course_object(instructor_client, other_course, case):
    # given
    theirs = case.build(other_course)

    # when
    page = instructor_client.get(url(theirs, "delete"))
    response = instructor_client.post(url(theirs, "delete"), {"post": "yes"})

    # then
    assert_refused(page)
    assert_refused(response)
    assert case.model.objects.filter(pk=theirs.pk).exists()


@matrix
def test_instructor_deletes_their_course_object_as_their_role_allows(instructor_client, course, case):
    # given
    mine = case.build(course)

    # when
    response = instructor_client.post(url(mine, "delete"), {"post": "yes"})

    # then
    if case.team_deletes:
        assert response.status_code == 302
        assert not case.model.objects.filter(pk=mine.pk).exists()
    else:
        assert response.status_code == 403
        assert case.model.objects.filter(pk=mine.pk).exists()


@matrix
def test_instructor_add_page_is_open_as_their_role_allows(instructor_client, case):
    # when
    response = instructor_client.get(url(case.model, "add"))

    # then
    assert response.status_code == (200 if case.team_adds else 403)


@matrix
def test_superuser_lists_and_changes_every_course(admin_client, course, other_course, case):
    # given
    mine, theirs = case.build(course), case.build(other_course)

    # when
    listing = admin_client.get(url(case.model, "changelist"))
    page = admin_client.get(url(theirs, "change"))

    # then
    listed = {obj.pk for obj in listing.context["cl"].result_list}
    assert {mine.pk, theirs.pk} <= listed
    assert page.status_code == 200
    assert page.context["has_change_permission"]


@matrix
def test_staff_with_view_permission_views_every_course_but_changes_nothing(
    client, admin_client, staff_user, other_course, case
):
    # given
    opts = case.model._meta
    staff_user.user_permissions.add(Permission.objects.get(codename=f"view_{opts.model_name}"))
    theirs = case.build(other_course)
    data = edited_form(admin_client, theirs, case.edit)
    client.force_login(staff_user)

    # when
    page = client.get(url(theirs, "change"))
    response = client.post(url(theirs, "change"), data)

    # then
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert response.status_code == 403


@pytest.mark.parametrize("model", [Course, Lesson, LectureFeedback], ids=lambda m: m.__name__)
def test_staff_without_permissions_is_refused(client, staff_user, model):
    # given
    client.force_login(staff_user)

    # when
    response = client.get(url(model, "changelist"))

    # then
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path", ["admin:index", "admin:courses_course_changelist", "admin:lessons_lesson_add"]
)
def test_student_is_sent_to_the_login_page(client, student, course, path):
    # given
    client.force_login(student)

    # when
    response = client.get(reverse(path))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_instructor_index_lists_course_apps_only(instructor_client):
    # when
    response = instructor_client.get(reverse("admin:index"))

    # then
    assert response.status_code == 200
    app_labels = {app["app_label"] for app in response.context["app_list"]}
    assert {"courses", "lessons", "quizzes", "exams", "reviews"} <= app_labels
    assert not app_labels & {"accounts", "auth", "django_celery_beat", "authtoken"}


# -- choices -------------------------------------------------------------------------------

CHOICE_CASES = [
    (Lesson, "module", lambda course: ModuleFactory(course=course)),
    (Module, "course", lambda course: course),
    (Resource, "course", lambda course: course),
    (Question, "category", lambda course: QuestionCategoryFactory(course=course)),
    (Question, "task", lambda course: PracticalTaskFactory(course=course)),
    (Question, "tags", _tag),
    (Quiz, "module", lambda course: ModuleFactory(course=course)),
    (ExamTicket, "exam", lambda course: ExamFactory(course=course)),
    (ExamTicket, "task", lambda course: PracticalTaskFactory(course=course)),
    (QuestionCategory, "module", lambda course: ModuleFactory(course=course)),
]


@pytest.mark.parametrize(("model", "field", "build"), CHOICE_CASES, ids=lambda v: getattr(v, "__name__", v))
def test_add_form_offers_only_the_instructor_courses(
    instructor_client, course, other_course, model, field, build
):
    # given
    mine, theirs = build(course), build(other_course)

    # when
    response = instructor_client.get(url(model, "add"))

    # then
    choices = response.context["adminform"].form.fields[field].queryset
    assert mine in choices
    assert theirs not in choices


def test_lesson_cannot_be_added_to_another_course_module(instructor_client, course, other_course):
    # given
    theirs = ModuleFactory(course=other_course)
    data = {
        "module": theirs.pk,
        "key": "sneaky",
        "title": "Sneaky",
        "kind": "lecture",
        "estimated_minutes": 5,
        "position": 0,
    }

    # when
    response = instructor_client.post(url(Lesson, "add"), data)

    # then
    assert response.status_code == 200
    assert "module" in response.context["adminform"].form.errors
    assert not Lesson.objects.filter(key="sneaky").exists()


AUTOCOMPLETE_CASES = [
    # (app_label, model_name, field_name) of the source field, and the target's builder
    ("quizzes", "quizquestion", "question", lambda course: QuestionFactory(category__course=course)),
    ("exams", "ticketquestion", "question", lambda course: QuestionFactory(category__course=course)),
    ("quizzes", "question", "tags", _tag),
    ("lessons", "lesson", "module", lambda course: ModuleFactory(course=course)),
    ("courses", "module", "course", lambda course: course),
]


@pytest.mark.parametrize(("app_label", "model_name", "field_name", "build"), AUTOCOMPLETE_CASES)
def test_autocomplete_does_not_leak_other_courses(
    instructor_client, course, other_course, app_label, model_name, field_name, build
):
    # given
    mine, theirs = build(course), build(other_course)

    # when
    response = instructor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
    )

    # then
    assert response.status_code == 200
    ids = {result["id"] for result in response.json()["results"]}
    assert str(mine.pk) in ids
    assert str(theirs.pk) not in ids


def test_autocomplete_of_users_is_refused_to_instructors(instructor_client):
    # when
    response = instructor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "courses", "model_name": "coursestaff", "field_name": "user", "term": ""},
    )

    # then
    assert response.status_code == 403


# -- actions -------------------------------------------------------------------------------

ACTION_CASES = [
    (Course, lambda course: course, "status", Course.Status.DRAFT, Course.Status.PUBLISHED),
    (
        Lesson,
        lambda course: LessonFactory(module__course=course, is_published=False),
        "is_published",
        False,
        True,
    ),
    (
        Quiz,
        lambda course: QuizFactory(course=course, status=Quiz.Status.DRAFT),
        "status",
        "draft",
        "published",
    ),
    (
        Exam,
        lambda course: ExamFactory(course=course, status=Exam.Status.DRAFT),
        "status",
        "draft",
        "published",
    ),
    (
        CaseStudy,
        lambda course: CaseStudyFactory(course=course, is_published=False),
        "is_published",
        False,
        True,
    ),
    (
        RolePlay,
        lambda course: RolePlayFactory(course=course, is_published=False),
        "is_published",
        False,
        True,
    ),
]


@pytest.mark.parametrize(
    ("model", "build", "field", "draft", "published"),
    ACTION_CASES,
    ids=lambda v: getattr(v, "__name__", None),
)
def test_publish_action_skips_other_courses(
    instructor_client, course, other_course, model, build, field, draft, published
):
    # given
    Course.objects.filter(pk__in=[course.pk, other_course.pk]).update(status=Course.Status.DRAFT)
    mine, theirs = build(course), build(other_course)

    # when
    response = instructor_client.post(
        url(model, "changelist"), {"action": "publish", "_selected_action": [mine.pk, theirs.pk]}
    )

    # then
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert getattr(mine, field) == published
    assert getattr(theirs, field) == draft


@pytest.mark.parametrize(
    ("model", "build", "field", "draft", "published"),
    ACTION_CASES,
    ids=lambda v: getattr(v, "__name__", None),
)
def test_unpublish_action_skips_other_courses(
    instructor_client, course, other_course, model, build, field, draft, published
):
    # given
    mine, theirs = build(course), build(other_course)
    model.objects.filter(pk__in=[mine.pk, theirs.pk]).update(**{field: published})

    # when
    instructor_client.post(
        url(model, "changelist"), {"action": "unpublish", "_selected_action": [mine.pk, theirs.pk]}
    )

    # then
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert getattr(mine, field) == draft
    assert getattr(theirs, field) == published
