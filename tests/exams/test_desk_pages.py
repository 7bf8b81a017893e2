"""The grading desk's pages and API: who opens them, the queue and its filters, grading an item
and moving on, overrides, anonymous grading and the query budget on a large queue."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import CaseSubmission, GradeAudit, RolePlayDeliverable, Sitting, SittingAnswer
from quizzes.models import Attempt, Response
from tests.exams.desk_builders import (
    ROLES,
    awaiting_attempt,
    awaiting_sitting,
    build_world,
    enrolled,
    handed_in_deliverable,
    open_question,
    running_session,
    submitted_analysis,
)
from tests.exams.factories import ExamFactory, ExamTicketFactory
from tests.quizzes.factories import QuizFactory

pytestmark = pytest.mark.django_db

QUEUE = {
    "anonymous": 302,
    "student": 403,
    "other_student": 403,
    "other_instructor": 403,
    "instructor": 200,
    "staff": 200,
    "superuser": 200,
}
ITEM = {**QUEUE, "student": 404, "other_student": 404, "other_instructor": 404}
GRADE = {**ITEM, "instructor": 302, "staff": 403, "superuser": 302}
API_QUEUE = {**QUEUE, "anonymous": 403}
API_ITEM = {**ITEM, "anonymous": 403}
API_GRADE = {**API_ITEM, "staff": 403}


def _queue_url(world, **params) -> str:
    url = reverse("desk:queue", kwargs={"slug": world.course.slug})
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def _item_url(kind: str, pk: int) -> str:
    return reverse("desk:item", kwargs={"kind": kind, "item_id": pk})


def _all_kinds(world):
    """One item of each kind waiting for ``world.student``."""
    _attempt, opens, auto = awaiting_attempt(world.course, world.student)
    _sitting, answers, _case = awaiting_sitting(world.course, world.student, answers=1)
    analysis = submitted_analysis(world.course, world.student)
    deliverable, _session = handed_in_deliverable(world.course, [world.student], led_by=world.instructor)
    return {
        "quiz_answer": opens[0],
        "exam_answer": answers[0],
        "case": analysis,
        "deliverable": deliverable,
        "auto": auto,
    }


# ---------------------------------------------------------------------------------------------
# Permission matrices


@pytest.mark.parametrize("role", ROLES)
def test_queue_page_permission_matrix(client, role):
    world = build_world()
    _all_kinds(world)
    world.login(client, role)

    response = client.get(_queue_url(world))

    assert response.status_code == QUEUE[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["quiz_answer", "exam_answer", "case", "deliverable"])
def test_item_page_permission_matrix(client, role, kind):
    world = build_world()
    items = _all_kinds(world)
    world.login(client, role)

    response = client.get(_item_url(kind, items[kind].pk))

    assert response.status_code == ITEM[role]


@pytest.mark.parametrize("role", ROLES)
def test_grading_permission_matrix(client, role):
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student)
    world.login(client, role)

    response = client.post(_item_url("quiz_answer", opens[0].pk), {"grade-points": "4"})

    assert response.status_code == GRADE[role]
    graded = Response.objects.get(pk=opens[0].pk).points is not None
    assert graded is (GRADE[role] == 302 and role != "anonymous")


@pytest.mark.parametrize("role", ["student", "other_instructor"])
def test_the_desk_index_is_for_course_teams(client, role):
    world = build_world()
    world.login(client, role)

    assert client.get(reverse("desk:index")).status_code == (403 if role == "student" else 200)


def test_the_desk_index_counts_pending_items(client):
    world = build_world()
    _all_kinds(world)
    client.force_login(world.instructor)

    page = client.get(reverse("desk:index")).content.decode()

    assert "4 items awaiting grading" in page
    assert "Other course" not in page


@pytest.mark.parametrize("role", ROLES)
def test_queue_api_permission_matrix(client, role):
    world = build_world()
    _all_kinds(world)
    world.login(client, role)

    response = client.get(reverse("grading-api:desk-queue", kwargs={"slug": world.course.slug}))

    assert response.status_code == API_QUEUE[role]
    if response.status_code == 200:
        assert response.json()["count"] == 4


@pytest.mark.parametrize("role", ROLES)
def test_item_api_permission_matrix(client, role):
    world = build_world()
    items = _all_kinds(world)
    world.login(client, role)

    response = client.get(
        reverse("grading-api:desk-item", kwargs={"kind": "case", "item_id": items["case"].pk})
    )

    assert response.status_code == API_ITEM[role]


@pytest.mark.parametrize("role", ROLES)
def test_grade_api_permission_matrix(client, role):
    world = build_world()
    items = _all_kinds(world)
    world.login(client, role)

    response = client.post(
        reverse("grading-api:desk-grade", kwargs={"kind": "exam_answer", "item_id": items["exam_answer"].pk}),
        {"points": "6"},
        "application/json",
    )

    expected = 200 if API_GRADE[role] == 200 and role != "staff" else API_GRADE[role]
    assert response.status_code == expected


# ---------------------------------------------------------------------------------------------
# The queue


def test_the_queue_lists_every_kind_oldest_first_with_names(client):
    world = build_world()
    _all_kinds(world)
    client.force_login(world.instructor)

    page = client.get(_queue_url(world)).content.decode()

    for text in (
        "Quiz answer",
        "Exam answer",
        "Case analysis",
        "Role-play deliverable",
        "Alice Anders",
        "Team 1",
    ):
        assert text in page, text
    assert "js/desk.js" in page


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"kind": "case"}, 1),
        ({"kind": "deliverable"}, 1),
        ({"status": "graded"}, 0),
        ({"status": "all"}, 4),
        ({"student": "1"}, 4),
        ({"student": "99"}, 0),
        ({"kind": "bogus", "status": "bogus", "student": "x", "source": "nope"}, 4),
    ],
)
def test_queue_filters(client, params, count):
    world = build_world()
    _all_kinds(world)
    client.force_login(world.instructor)

    data = client.get(
        reverse("grading-api:desk-queue", kwargs={"slug": world.course.slug}),
        {k: v for k, v in params.items() if k != "kind" or v != "bogus"}
        if "bogus" in params.values()
        else params,
    )
    page = client.get(_queue_url(world, **params))

    assert page.status_code == 200
    if "bogus" not in params.values():
        assert data.json()["count"] == count


def test_the_source_filter_narrows_to_one_quiz(client):
    world = build_world()
    items = _all_kinds(world)
    other_quiz_attempt, _o, _a = awaiting_attempt(world.course, world.student)
    client.force_login(world.instructor)
    quiz_id = items["quiz_answer"].attempt.quiz_id

    data = client.get(
        reverse("grading-api:desk-queue", kwargs={"slug": world.course.slug}), {"source": f"quiz:{quiz_id}"}
    ).json()

    assert [row["id"] for row in data["results"]] == [items["quiz_answer"].pk]
    assert other_quiz_attempt.quiz_id != quiz_id


@pytest.mark.parametrize(
    "params", [{"kind": "nope"}, {"source": "quiz:abc"}, {"student": "-3"}, {"status": "x"}]
)
def test_queue_api_rejects_bad_filters_with_400(client, params):
    world = build_world()
    client.force_login(world.instructor)

    response = client.get(reverse("grading-api:desk-queue", kwargs={"slug": world.course.slug}), params)

    assert response.status_code == 400
    assert "detail" in response.json()


# ---------------------------------------------------------------------------------------------
# Grading on the page


def test_an_item_shows_the_answer_beside_the_reference_and_the_auto_results(client):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)

    page = client.get(_item_url("quiz_answer", items["quiz_answer"].pk)).content.decode()

    assert "My answer about the idea." in page
    assert "<strong>reference</strong>" in page
    assert "Graded automatically" in page and "Pick one." in page
    assert "data-desk-grade-form" in page and "grade-points" in page


def test_a_case_item_shows_the_rubric_and_the_reference_problems(client):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)

    page = client.get(_item_url("case", items["case"].pk)).content.decode()

    for text in (
        "<strong>drifted</strong>",
        "Problem 1: Problem 0",
        "Conclusions and recommendations",
        "Symptom 1",
    ):
        assert text in page, text


def test_grading_a_case_on_the_page_creates_the_rubric_and_moves_on(client):
    # given
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)
    url = _item_url("case", items["case"].pk) + "?kind=case&status=all"
    # when
    response = client.post(
        url,
        {
            "position-0-points": "5",
            "position-1-points": "4",
            "position-2-points": "3",
            "comment": "Well argued.",
        },
    )
    # then
    submission = CaseSubmission.objects.get(pk=items["case"].pk)
    assert response.status_code == 302
    assert submission.status == CaseSubmission.Status.GRADED and submission.score == Decimal("12.00")
    page = client.get(url).content.decode()
    assert "Reason for the change" in page
    assert "12.00 of 15.00" in page or "12,00 of 15,00" in page


def test_a_refused_grade_keeps_what_was_typed(client):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)

    response = client.post(
        _item_url("exam_answer", items["exam_answer"].pk), {"grade-points": "11", "comment": "Typed"}
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert "between 0 and 10" in content and 'value="11"' in content and "Typed" in content


def test_after_grading_the_next_item_of_the_queue_opens(client):
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student, open_count=2)
    client.force_login(world.instructor)

    response = client.post(_item_url("quiz_answer", opens[0].pk) + "?kind=quiz_answer", {"grade-points": "5"})

    assert response["Location"] == _item_url("quiz_answer", opens[1].pk) + "?kind=quiz_answer&status=pending"


def test_the_last_item_graded_goes_back_to_the_queue(client):
    world = build_world()
    _attempt, opens, _auto = awaiting_attempt(world.course, world.student)
    client.force_login(world.instructor)

    response = client.post(_item_url("quiz_answer", opens[0].pk), {"grade-points": "5"})

    assert response["Location"].startswith(_queue_url(world))
    assert Attempt.objects.get().status == Attempt.Status.GRADED


def test_overriding_from_the_item_page(client):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)
    back = _item_url("quiz_answer", items["quiz_answer"].pk)

    response = client.post(
        reverse("desk:override"),
        {
            "target": "response",
            "target_id": items["auto"].pk,
            "points": "0",
            "reason": "Wrong key",
            "next": back,
        },
    )
    missing_reason = client.post(
        reverse("desk:override"),
        {"target": "response", "target_id": items["auto"].pk, "points": "1", "next": back},
    )

    assert response.status_code == 302 and response["Location"] == back
    assert missing_reason.status_code == 302
    assert GradeAudit.objects.filter(target="response", target_id=items["auto"].pk).count() == 1
    assert client.post(reverse("desk:override"), {"target": "response", "target_id": "x"}).status_code == 404


def test_an_unknown_kind_or_id_is_404(client):
    world = build_world()
    client.force_login(world.instructor)

    assert client.get(_item_url("nope", 1)).status_code == 404
    assert client.get(_item_url("case", 99999)).status_code == 404


def test_an_attempt_in_progress_is_not_on_the_desk(client):
    world = build_world()
    attempt, opens, _auto = awaiting_attempt(world.course, world.student)
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.IN_PROGRESS)
    client.force_login(world.instructor)

    assert client.get(_item_url("quiz_answer", opens[0].pk)).status_code == 404


# ---------------------------------------------------------------------------------------------
# Anonymous grading


def test_anonymous_grading_hides_names_on_the_pages(client):
    world = build_world(anonymous_grading=True)
    items = _all_kinds(world)
    client.force_login(world.instructor)

    queue = client.get(_queue_url(world)).content.decode()
    item = client.get(_item_url("case", items["case"].pk)).content.decode()
    team = client.get(_item_url("deliverable", items["deliverable"].pk)).content.decode()

    for content in (queue, item, team):
        assert "Alice" not in content and "d-student" not in content
    assert "Student 1" in queue and "Student 1" in item and "Student 1" in team


def test_anonymous_grading_hides_names_in_the_api(client):
    world = build_world(anonymous_grading=True)
    items = _all_kinds(world)
    client.force_login(world.instructor)

    queue = client.get(reverse("grading-api:desk-queue", kwargs={"slug": world.course.slug}))
    item = client.get(
        reverse("grading-api:desk-item", kwargs={"kind": "exam_answer", "item_id": items["exam_answer"].pk})
    )

    for response in (queue, item):
        assert "Alice" not in response.content.decode() and "d-student" not in response.content.decode()
    assert queue.json()["anonymous"] is True
    assert {row["student"] for row in queue.json()["results"] if row["kind"] != "deliverable"} == {
        "Student 1"
    }


def test_student_numbers_are_stable_as_others_enroll(client):
    world = build_world(anonymous_grading=True)
    items = _all_kinds(world)
    enrolled(world.course, 5)
    client.force_login(world.instructor)

    data = client.get(
        reverse("grading-api:desk-item", kwargs={"kind": "case", "item_id": items["case"].pk})
    ).json()

    assert data["student"] == "Student 1"


# ---------------------------------------------------------------------------------------------
# API grading


def test_grade_api_grades_a_case_with_every_criterion(client):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)
    url = reverse("grading-api:desk-grade", kwargs={"kind": "case", "item_id": items["case"].pk})

    first = client.post(url, {"scores": [{"position": 0, "points": "5"}]}, "application/json")
    detail = client.get(
        reverse("grading-api:desk-item", kwargs={"kind": "case", "item_id": items["case"].pk})
    ).json()
    ids = [line["criterion_id"] for line in detail["rubric"]]
    ok = client.post(
        url,
        {"scores": [{"criterion_id": pk, "points": "2", "comment": "ok"} for pk in ids], "comment": "Fine"},
        "application/json",
    )

    assert first.status_code == 400  # two criteria have no points
    assert all(ids) and len(ids) == 3
    assert ok.status_code == 200 and ok.json()["points"] == "6.00" and ok.json()["is_pending"] is False


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"points": "abc"},
        {"points": "-1"},
        {"points": "99"},
        {"points": None},
        {"comment": ["x"], "points": 1},
    ],
)
def test_grade_api_bad_input_is_400_never_500(client, body):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)

    response = client.post(
        reverse("grading-api:desk-grade", kwargs={"kind": "deliverable", "item_id": items["deliverable"].pk}),
        body,
        "application/json",
    )

    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "scores", [["x"], [{"criterion_id": "a", "points": 1}], "nope", [{"points": "1e999"}]]
)
def test_grade_api_bad_case_scores_are_400(client, scores):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)

    response = client.post(
        reverse("grading-api:desk-grade", kwargs={"kind": "case", "item_id": items["case"].pk}),
        {"scores": scores},
        "application/json",
    )

    assert response.status_code == 400


def test_override_api(client):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.instructor)
    url = reverse("grading-api:desk-override")

    ok = client.post(
        url,
        {"target": "response", "target_id": items["auto"].pk, "points": "0", "reason": "Key"},
        "application/json",
    )
    no_reason = client.post(
        url, {"target": "response", "target_id": items["auto"].pk, "points": "0"}, "application/json"
    )
    missing = client.post(
        url, {"target": "response", "target_id": 999999, "points": "0", "reason": "x"}, "application/json"
    )
    manual = client.post(
        url,
        {"target": "response", "target_id": items["quiz_answer"].pk, "points": "1", "reason": "x"},
        "application/json",
    )

    assert ok.status_code == 200 and ok.json()["new_points"] == "0.00"
    assert no_reason.status_code == 400
    assert missing.status_code == 404
    assert manual.status_code == 409


def test_override_api_refuses_other_courses(client):
    world = build_world()
    items = _all_kinds(world)
    client.force_login(world.users["other_instructor"])

    response = client.post(
        reverse("grading-api:desk-override"),
        {"target": "response", "target_id": items["auto"].pk, "points": "0", "reason": "x"},
        "application/json",
    )

    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# Query budget


def _large_queue(world, per_kind: int = 75):
    """300 items: ``per_kind`` of each kind, by as many students (bulk inserts)."""
    students = enrolled(world.course, per_kind)
    now = timezone.now()
    quiz = QuizFactory(course=world.course)
    question = open_question(world.course)
    attempts = Attempt.objects.bulk_create(
        Attempt(quiz=quiz, user=s, number=1, status=Attempt.Status.AWAITING_MANUAL, submitted_at=now)
        for s in students
    )
    Response.objects.bulk_create(
        Response(attempt=a, question=question, position=0, text_answer="x") for a in attempts
    )
    exam = ExamFactory(course=world.course)
    ticket = ExamTicketFactory(exam=exam)
    sittings = Sitting.objects.bulk_create(
        Sitting(exam=exam, user=s, ticket=ticket, draw_seed=1, status=Sitting.Status.AWAITING_MANUAL,
                deadline_at=now, submitted_at=now)
        for s in students
    )  # fmt: skip
    SittingAnswer.objects.bulk_create(SittingAnswer(sitting=s, question=question, text="y") for s in sittings)
    analysis = submitted_analysis(world.course, students[0])
    CaseSubmission.objects.bulk_create(
        CaseSubmission(case=analysis.case, user=s, status=CaseSubmission.Status.SUBMITTED, submitted_at=now)
        for s in students[1:]
    )
    session, team = running_session(world.course, students[:4], led_by=world.instructor)
    from tests.exams.factories import RolePlayStageFactory

    stages = RolePlayStageFactory.create_batch(per_kind, role_play=session.role_play)
    RolePlayDeliverable.objects.bulk_create(
        RolePlayDeliverable(team=team, stage=stage, text_md="z", submitted_at=now) for stage in stages
    )


@pytest.mark.parametrize("anonymous", [False, True])
def test_queue_page_query_count_does_not_grow(client, django_assert_max_num_queries, anonymous):
    world = build_world(anonymous_grading=anonymous)
    _large_queue(world)
    client.force_login(world.instructor)

    with django_assert_max_num_queries(16):
        response = client.get(_queue_url(world))

    assert response.status_code == 200
    assert response.content.decode().count("data-desk-row") == 300


def test_queue_api_query_count_does_not_grow(client, django_assert_max_num_queries):
    world = build_world()
    _large_queue(world)
    client.force_login(world.instructor)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("grading-api:desk-queue", kwargs={"slug": world.course.slug}))

    assert response.json()["count"] == 300


def test_item_page_query_count_on_a_large_queue(client, django_assert_max_num_queries):
    world = build_world()
    _large_queue(world)
    item = SittingAnswer.objects.first()
    client.force_login(world.instructor)

    with django_assert_max_num_queries(30):
        response = client.get(_item_url("exam_answer", item.pk))

    assert response.status_code == 200


def test_htmx_filtering_answers_with_the_rows_only(client):
    world = build_world()
    _all_kinds(world)
    client.force_login(world.instructor)

    response = client.get(_queue_url(world, kind="case"), HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content and content.count("data-desk-row") == 1
