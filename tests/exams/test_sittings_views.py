"""Exam pages: the exam, drawing a ticket, the sitting (autosave, checks, submit, the deadline),
the result while grading and once graded; the permission matrix and query budgets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exams import sitting_services as services
from exams.models import Exam, Sitting, SittingAnswer, Submission
from tests.accounts.factories import UserFactory
from tests.exams.exam_builders import (
    REFERENCE_MARK,
    SOLUTION,
    exam_with_tickets,
    finished_run,
    instructor_of,
    student_of,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def exam():
    return exam_with_tickets(tickets=2, questions=2, cases=1)


@pytest.fixture
def sitting(exam):
    sitting, _created = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    return sitting


def _detail(sitting) -> str:
    return reverse("exams:sitting-detail", args=[sitting.pk])


def _question_id(sitting) -> int:
    return (
        SittingAnswer.objects.filter(sitting=sitting).order_by("id").values_list("question_id", flat=True)[0]
    )


# ---------------------------------------------------------------------------------------------
# The exam page and the draw


def test_an_enrolled_student_sees_the_rules_and_the_draw_button(client, exam):
    # given
    client.force_login(student_of(exam.course))

    # when
    response = client.get(reverse("exams:exam-detail", args=[exam.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Draw a ticket and start" in html and "60 minutes" in html
    assert "REFERENCE-ANSWER" not in html


def test_a_user_not_enrolled_sees_why_they_cannot_draw(client, exam):
    # given
    client.force_login(UserFactory())

    # when
    html = client.get(reverse("exams:exam-detail", args=[exam.pk])).content.decode()

    # then
    assert "Only students enrolled in the course" in html
    assert "Draw a ticket and start" not in html


def test_an_unpublished_exam_is_not_found_for_students_but_shown_to_the_team(client, exam):
    # given
    Exam.objects.filter(pk=exam.pk).update(status=Exam.Status.DRAFT)
    url = reverse("exams:exam-detail", args=[exam.pk])

    # when
    client.force_login(student_of(exam.course))
    as_student = client.get(url)
    client.force_login(instructor_of(exam.course))
    as_instructor = client.get(url)

    # then
    assert (as_student.status_code, as_instructor.status_code) == (404, 200)


def test_the_team_sees_the_sittings_of_the_exam(client, exam, sitting):
    # given
    client.force_login(instructor_of(exam.course))

    # when
    html = client.get(reverse("exams:exam-detail", args=[exam.pk])).content.decode()

    # then
    assert sitting.user.username in html
    assert _detail(sitting) in html


def test_the_exam_page_leads_the_team_to_the_grading_desk_and_students_not(client, exam):
    # given
    desk = f"{reverse('desk:queue', args=[exam.course.slug])}?source=exam:{exam.pk}"
    url = reverse("exams:exam-detail", args=[exam.pk])

    # when
    client.force_login(instructor_of(exam.course))
    as_instructor = client.get(url).content.decode()
    client.force_login(student_of(exam.course))
    as_student = client.get(url).content.decode()

    # then
    assert f'href="{desk}"' in as_instructor and "Grade the answers on the grading desk" in as_instructor
    assert reverse("desk:queue", args=[exam.course.slug]) not in as_student


def test_drawing_opens_the_sitting_and_drawing_again_opens_the_same_one(client, exam):
    # given
    client.force_login(student_of(exam.course))
    url = reverse("exams:exam-draw", args=[exam.pk])

    # when
    first = client.post(url)
    second = client.post(url)

    # then
    sitting = Sitting.objects.get()
    assert first.url == second.url == _detail(sitting)


def test_drawing_after_the_close_is_refused_with_the_reason(client):
    # given
    now = timezone.now()
    exam = exam_with_tickets(opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    client.force_login(student_of(exam.course))

    # when
    response = client.post(reverse("exams:exam-draw", args=[exam.pk]), follow=True)

    # then
    assert "The exam closed on" in response.content.decode()
    assert not Sitting.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "instructor"])
def test_only_enrolled_students_draw(client, exam, who):
    # given
    client.force_login(UserFactory() if who == "outsider" else instructor_of(exam.course))

    # when
    response = client.post(reverse("exams:exam-draw", args=[exam.pk]))

    # then
    assert response.status_code == 403
    assert not Sitting.objects.exists()


# ---------------------------------------------------------------------------------------------
# The sitting in progress


def test_the_sitting_page_shows_the_ticket_with_editors_and_no_secrets(client, sitting):
    # given
    client.force_login(sitting.user)

    # when
    response = client.get(_detail(sitting))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Question 1" in html and "Question 2" in html
    assert (
        f'hx-post="{reverse("exams:sitting-answer-save", args=[sitting.pk, _question_id(sitting)])}"' in html
    )
    assert "Practical task" in html and "data-code-editor" in html and "Run checks" in html
    assert "Your analysis (Markdown)" in html
    assert 'data-countdown data-seconds-left="' in html
    assert "Submit the exam" in html
    for secret in ("REFERENCE-ANSWER", "test_add_negative", "SECRET-HIDDEN-HINT", REFERENCE_MARK):
        assert secret not in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("instructor", 200), ("other student", 404), ("other instructor", 404), ("staff", 404)],
)
def test_who_may_see_a_sitting(client, sitting, who, status):
    # given
    users = {
        "owner": lambda: sitting.user,
        "instructor": lambda: instructor_of(sitting.exam.course),
        "other student": lambda: student_of(sitting.exam.course),
        "other instructor": lambda: instructor_of(exam_with_tickets(tickets=1).course),
        "staff": lambda: UserFactory(is_staff=True),
    }
    client.force_login(users[who]())

    # when
    response = client.get(_detail(sitting))

    # then
    assert response.status_code == status


def test_the_instructor_reads_the_sitting_with_the_reference_answers(client, sitting):
    # given
    client.force_login(instructor_of(sitting.exam.course))

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert "read only" in html
    assert "REFERENCE-ANSWER" in html
    assert "data-code-editor" not in html  # the result page, not the work page
    assert "test_add_negative" not in html and REFERENCE_MARK not in html


@pytest.mark.parametrize("who", ["instructor", "other student", "anonymous"])
@pytest.mark.parametrize("action", ["answer", "code", "save", "check", "submit"])
def test_only_the_student_writes_their_sitting(client, sitting, who, action):
    # given
    if who == "instructor":
        client.force_login(instructor_of(sitting.exam.course))
    elif who == "other student":
        client.force_login(student_of(sitting.exam.course))
    question_id = _question_id(sitting)
    urls = {
        "answer": reverse("exams:sitting-answer-save", args=[sitting.pk, question_id]),
        "code": reverse("exams:sitting-code-save", args=[sitting.pk]),
        "save": reverse("exams:sitting-save", args=[sitting.pk]),
        "check": reverse("exams:sitting-check", args=[sitting.pk]),
        "submit": reverse("exams:sitting-submit", args=[sitting.pk]),
    }

    # when
    response = client.post(
        urls[action], {f"answer-{question_id}": "hijack", "path": "solution.py", "content": "x"}
    )

    # then
    expected = {"instructor": 403, "other student": 404, "anonymous": 302}[who]
    assert response.status_code == expected
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.IN_PROGRESS
    assert not SittingAnswer.objects.filter(sitting=sitting, text="hijack").exists()
    assert not Submission.objects.exists()
    assert sitting.code == {}


def test_autosave_saves_one_answer(client, sitting):
    # given
    client.force_login(sitting.user)
    question_id = _question_id(sitting)

    # when
    response = client.post(
        reverse("exams:sitting-answer-save", args=[sitting.pk, question_id]),
        {f"answer-{question_id}": "line one\r\nline two"},
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert SittingAnswer.objects.get(sitting=sitting, question_id=question_id).text == "line one\nline two"


def test_autosave_of_a_case_analysis(client, sitting):
    # given
    client.force_login(sitting.user)
    case_id = sitting.case_submissions.get().case_id

    # when
    response = client.post(
        reverse("exams:sitting-case-save", args=[sitting.pk, case_id]),
        {f"case-{case_id}": "# Diagnosis"},
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert sitting.case_submissions.get().analysis_md == "# Diagnosis"


def test_autosave_after_the_deadline_is_rejected_and_moves_to_the_result(client, sitting):
    # given
    Sitting.objects.filter(pk=sitting.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    client.force_login(sitting.user)
    question_id = _question_id(sitting)

    # when
    response = client.post(
        reverse("exams:sitting-answer-save", args=[sitting.pk, question_id]),
        {f"answer-{question_id}": "late"},
        **HTMX,
    )

    # then
    assert response.status_code == 409
    assert response["HX-Redirect"] == _detail(sitting)
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.SUBMITTED
    follow = client.get(_detail(sitting)).content.decode()
    assert "Time is up" in follow


@pytest.mark.parametrize(
    ("question", "data"),
    [("outside", {"answer-1": "x"}), ("own", {}), ("own", {"wrong-field": "x"})],
)
def test_bad_autosaves_answer_400_with_the_reason(client, sitting, question, data):
    # given
    client.force_login(sitting.user)
    question_id = 999_999 if question == "outside" else _question_id(sitting)
    body = {f"answer-{question_id}": "x"} if question == "outside" else data

    # when
    response = client.post(reverse("exams:sitting-answer-save", args=[sitting.pk, question_id]), body, **HTMX)

    # then
    assert response.status_code == 400
    assert "save-error" in response.content.decode()


def test_the_save_button_saves_every_answer_without_javascript(client, sitting):
    # given
    client.force_login(sitting.user)
    ids = list(SittingAnswer.objects.filter(sitting=sitting).values_list("question_id", flat=True))

    # when
    response = client.post(
        reverse("exams:sitting-save", args=[sitting.pk]), {f"answer-{i}": f"A{i}" for i in ids}
    )

    # then
    assert response.status_code == 302
    assert {a.question_id: a.text for a in SittingAnswer.objects.filter(sitting=sitting)} == {
        i: f"A{i}" for i in ids
    }


SAVED_CODE = "def add(a, b):\n    return b + a  # SAVED-BY-AUTOSAVE\n"


def test_the_code_autosaves(client, sitting):
    # given
    client.force_login(sitting.user)

    # when
    response = client.post(
        reverse("exams:sitting-code-save", args=[sitting.pk]),
        {"path": "solution.py", "content": SAVED_CODE.replace("\n", "\r\n")},
        **HTMX,
    )

    # then
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": SAVED_CODE}
    assert not Submission.objects.exists()


def test_the_sitting_page_reopens_with_the_saved_code(client, sitting):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SAVED_CODE})
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then: the editor holds the saved code, and the page says when it was saved
    assert "return b + a  # SAVED-BY-AUTOSAVE" in html
    assert "raise NotImplementedError" not in html  # not the starter
    assert f'hx-post="{reverse("exams:sitting-code-save", args=[sitting.pk])}"' in html
    assert 'id="code-state"' in html and "Saved at" in html


def test_the_saved_code_is_not_shown_to_another_student(client, sitting):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SAVED_CODE})
    client.force_login(student_of(sitting.exam.course))

    # when
    response = client.get(_detail(sitting))

    # then
    assert response.status_code == 404
    assert "SAVED-BY-AUTOSAVE" not in response.content.decode()


def test_a_code_autosave_after_the_deadline_is_rejected_and_moves_to_the_result(client, sitting):
    # given
    services.sitting_save_code(sitting=sitting, user=sitting.user, files={"solution.py": SAVED_CODE})
    Sitting.objects.filter(pk=sitting.pk).update(deadline_at=timezone.now() - timedelta(seconds=1))
    client.force_login(sitting.user)

    # when
    response = client.post(
        reverse("exams:sitting-code-save", args=[sitting.pk]),
        {"path": "solution.py", "content": "late = True\n"},
        **HTMX,
    )

    # then
    assert response.status_code == 409
    assert response["HX-Redirect"] == _detail(sitting)
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED
    assert sitting.code == {"solution.py": SAVED_CODE}
    assert Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT).files == {
        "solution.py": SAVED_CODE
    }


def test_a_code_autosave_after_the_submit_moves_to_the_result(client, sitting):
    # given
    services.sitting_submit(sitting=sitting, user=sitting.user)
    client.force_login(sitting.user)

    # when
    response = client.post(
        reverse("exams:sitting-code-save", args=[sitting.pk]),
        {"path": "solution.py", "content": "after = True\n"},
        **HTMX,
    )

    # then
    assert response.status_code == 409
    assert response["HX-Redirect"] == _detail(sitting)
    sitting.refresh_from_db()
    assert "after = True\n" not in sitting.code.values()


@pytest.mark.parametrize(
    "data",
    [{}, {"path": "solution.py"}, {"path": "../escape.py", "content": "x"}, {"content": "x"}],
)
def test_bad_code_autosaves_answer_400_with_the_reason(client, sitting, data):
    # given
    client.force_login(sitting.user)

    # when
    response = client.post(reverse("exams:sitting-code-save", args=[sitting.pk]), data, **HTMX)

    # then
    assert response.status_code == 400
    assert "save-error" in response.content.decode()
    sitting.refresh_from_db()
    assert sitting.code == {}


def test_the_save_button_also_saves_the_code(client, sitting):
    # given
    client.force_login(sitting.user)

    # when
    response = client.post(
        reverse("exams:sitting-save", args=[sitting.pk]), {"path": "solution.py", "content": SAVED_CODE}
    )

    # then
    assert response.status_code == 302
    sitting.refresh_from_db()
    assert sitting.code == {"solution.py": SAVED_CODE}


def test_run_checks_in_the_sitting(client, sitting, django_capture_on_commit_callbacks):
    # given
    client.force_login(sitting.user)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("exams:sitting-check", args=[sitting.pk]),
            {"path": "solution.py", "content": SOLUTION},
            **HTMX,
        )

    # then
    run = Submission.objects.get()
    assert (run.sitting_id, run.kind) == (sitting.pk, Submission.Kind.CHECK)
    assert response.status_code == 200 and "Queued" in response.content.decode()
    assert f'id="history-sitting-{sitting.pk}"' in response.content.decode()
    assert len(callbacks) == 1


def test_submitting_sends_everything_and_shows_grading(client, sitting, django_capture_on_commit_callbacks):
    # given
    client.force_login(sitting.user)
    question_id = _question_id(sitting)
    data = {f"answer-{question_id}": "final answer", "path": "solution.py", "content": SOLUTION}

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client.post(reverse("exams:sitting-submit", args=[sitting.pk]), data)
        second = client.post(reverse("exams:sitting-submit", args=[sitting.pk]), data)
    page = client.get(_detail(sitting))

    # then
    assert first.url == second.url == _detail(sitting)
    assert len(callbacks) == 1
    assert Submission.objects.filter(sitting=sitting, kind=Submission.Kind.SUBMIT).count() == 1
    html = page.content.decode()
    assert "Your exam is submitted." in html
    assert "Submitted" in html and reverse("exams:sitting-status", args=[sitting.pk]) in html
    assert "final answer" in html
    assert "REFERENCE-ANSWER" not in html


def test_opening_an_expired_sitting_submits_it(client, sitting):
    # given
    Sitting.objects.filter(pk=sitting.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert "Time is up" in html
    assert Sitting.objects.get(pk=sitting.pk).status == Sitting.Status.SUBMITTED


# ---------------------------------------------------------------------------------------------
# The result


def test_status_polling_answers_204_until_grading_is_over_then_refreshes(client, sitting):
    # given
    services.sitting_submit(sitting=sitting, user=sitting.user)
    client.force_login(sitting.user)
    url = reverse("exams:sitting-status", args=[sitting.pk])

    # when
    unchanged = client.get(url, {"known": "submitted"}, **HTMX)
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.Status.GRADING)
    grading = client.get(url, {"known": "submitted"}, **HTMX)
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.Status.AWAITING_MANUAL)
    over = client.get(url, {"known": "grading"}, **HTMX)

    # then
    assert unchanged.status_code == 204
    assert "Grading" in grading.content.decode()
    assert over["HX-Refresh"] == "true"


def _graded(sitting, status):
    services.sitting_submit(sitting=sitting, user=sitting.user, files={"solution.py": SOLUTION})
    final = Submission.objects.get(sitting=sitting, kind=Submission.Kind.SUBMIT)
    finished = finished_run(task=final.task, user=sitting.user, sitting=sitting, kind=Submission.Kind.SUBMIT,
                            passed=False, score=Decimal("50"))  # fmt: skip
    final.delete()
    SittingAnswer.objects.filter(sitting=sitting).update(points=Decimal("7"), comment="GRADER-COMMENT")
    sitting.case_submissions.update(score=Decimal("9"))
    Sitting.objects.filter(pk=sitting.pk).update(status=status, score=Decimal("28"), max_score=Decimal("40"))
    return finished


def test_awaiting_manual_shows_the_automatic_result_but_no_reference_answers(client, sitting):
    # given
    _graded(sitting, Sitting.Status.AWAITING_MANUAL)
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert "Awaiting grading" in html
    assert "5 of 10 points" in html  # 50% of the practical task
    assert "test_add_negative" in html and "Wrong answer" in html
    assert "REFERENCE-ANSWER" not in html and "Reference analysis" not in html
    assert "Final grade" not in html


def test_once_graded_the_student_sees_the_grade_and_the_reference_answers(client, sitting):
    # given
    _graded(sitting, Sitting.Status.GRADED)
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert "Final grade: 28 of 40 points" in html
    assert "REFERENCE-ANSWER" in html and "GRADER-COMMENT" in html and "Reference analysis" in html
    assert "SECRET-HIDDEN-HINT&#x27;" not in html  # the hidden test's source line stays masked
    assert REFERENCE_MARK not in html  # never the reference solution


# ---------------------------------------------------------------------------------------------
# Query budgets


def _many_runs(sitting, count):
    now = timezone.now()
    for index in range(count):
        finished_run(
            task=sitting.ticket.task, user=sitting.user, sitting=sitting,
            created_at=now - timedelta(seconds=count - index),
        )  # fmt: skip


@pytest.mark.parametrize("runs", [1, 50])
def test_the_sitting_page_query_count_does_not_grow_with_runs(
    client, sitting, runs, django_assert_max_num_queries
):
    # given
    _many_runs(sitting, runs)
    client.force_login(sitting.user)

    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(_detail(sitting))
    assert response.status_code == 200


@pytest.mark.parametrize("runs", [1, 50])
def test_the_result_page_query_count_does_not_grow_with_runs(
    client, sitting, runs, django_assert_max_num_queries
):
    # given
    _many_runs(sitting, runs)
    _graded(sitting, Sitting.Status.GRADED)
    client.force_login(instructor_of(sitting.exam.course))

    # when / then
    with django_assert_max_num_queries(14):
        response = client.get(_detail(sitting))
    assert response.status_code == 200


@pytest.mark.parametrize("graded", [False, True])
def test_sitting_pages_have_unique_ids(client, graded):
    # given: two theory questions and two cases, in progress and once graded
    from tests.exams.test_practice import duplicate_ids

    exam = exam_with_tickets(tickets=1, questions=2, cases=2)
    sitting, _ = services.sitting_draw_ticket(exam=exam, user=student_of(exam.course))
    if graded:
        _graded(sitting, Sitting.Status.GRADED)
    client.force_login(sitting.user)

    # when
    html = client.get(_detail(sitting)).content.decode()

    # then
    assert duplicate_ids(html) == []
