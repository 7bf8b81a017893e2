"""Exam admin: a ticket's questions, cases and task come from the exam's course; a practical
task is published only through the reference check."""

from unittest import mock

import pytest
from django.urls import reverse

from exams.models import PracticalTask, TaskFile, TicketCase, TicketQuestion
from exams.tasks import task_check_reference_task
from tests.courses.conftest import changeform_data
from tests.courses.factories import CourseFactory
from tests.exams.factories import CaseStudyFactory, ExamFactory, ExamTicketFactory, PracticalTaskFactory
from tests.quizzes.factories import QuestionFactory


@pytest.fixture
def signed_in(client, instructor):
    client.force_login(instructor)
    return client


def ticket_url(ticket) -> str:
    return reverse("admin:exams_examticket_change", args=[ticket.pk])


def with_row(data: dict, prefix: str, **fields: object) -> dict:
    index = data[f"{prefix}-TOTAL_FORMS"]
    return (
        data
        | {f"{prefix}-TOTAL_FORMS": str(int(index) + 1)}
        | {f"{prefix}-{index}-{name}": str(value) for name, value in fields.items()}
    )


@pytest.mark.parametrize("same_course", [True, False], ids=["my course", "another course"])
def test_ticket_takes_theory_questions_of_its_course_only(signed_in, course, same_course):
    # given
    ticket = ExamTicketFactory(exam__course=course)
    question = QuestionFactory(category__course=course if same_course else CourseFactory())
    data = with_row(
        changeform_data(signed_in.get(ticket_url(ticket))),
        "ticket_questions",
        question=question.pk,
        position=1,
    )

    # when
    signed_in.post(ticket_url(ticket), data)

    # then
    assert TicketQuestion.objects.filter(ticket=ticket, question=question).exists() == same_course


@pytest.mark.parametrize("same_course", [True, False], ids=["my course", "another course"])
def test_ticket_takes_cases_of_its_course_only(signed_in, course, same_course):
    # given
    ticket = ExamTicketFactory(exam__course=course)
    case = CaseStudyFactory(course=course if same_course else CourseFactory())
    data = with_row(
        changeform_data(signed_in.get(ticket_url(ticket))), "ticket_cases", case=case.pk, position=1
    )

    # when
    signed_in.post(ticket_url(ticket), data)

    # then
    assert TicketCase.objects.filter(ticket=ticket, case=case).exists() == same_course


def test_exam_page_lists_tickets_and_offers_its_course_tasks(signed_in, course):
    # given
    exam = ExamFactory(course=course)
    ExamTicketFactory.create_batch(2, exam=exam)
    mine, theirs = PracticalTaskFactory(course=course), PracticalTaskFactory(course=CourseFactory())

    # when
    response = signed_in.get(reverse("admin:exams_exam_change", args=[exam.pk]))

    # then
    (tickets,) = response.context["inline_admin_formsets"]
    assert len(tickets.formset.initial_forms) == 2
    tasks = set(tickets.formset.forms[0].fields["task"].queryset)
    assert mine in tasks
    assert theirs not in tasks


# -- practical tasks: publishing goes through the reference check -------------------------------

TASK_CHANGELIST = reverse("admin:exams_practicaltask_changelist")


def task_url(task) -> str:
    return reverse("admin:exams_practicaltask_change", args=[task.pk])


def run_action(client, action: str, *tasks):
    return client.post(
        TASK_CHANGELIST, {"action": action, "_selected_action": [t.pk for t in tasks]}, follow=True
    )


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_task_form_cannot_publish_a_task(signed_in, course):
    # given: a task whose reference solution has not passed
    task = PracticalTaskFactory(course=course, reference_check=PracticalTask.ReferenceCheck.FAILED)
    data = changeform_data(signed_in.get(task_url(task))) | {"status": PracticalTask.Status.PUBLISHED}

    # when
    response = signed_in.post(task_url(task), data)

    # then: saved, the status untouched (it is not a field of the form)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == PracticalTask.Status.DRAFT


def test_publish_action_publishes_a_task_whose_reference_solution_passed(signed_in, course):
    # given
    task = PracticalTaskFactory(course=course, reference_check=PracticalTask.ReferenceCheck.PASSED)

    # when
    response = run_action(signed_in, "publish_tasks", task)

    # then
    task.refresh_from_db()
    assert task.status == PracticalTask.Status.PUBLISHED
    assert "1 practical task published." in shown_messages(response)


@pytest.mark.parametrize(
    ("check", "log", "reason"),
    [
        (PracticalTask.ReferenceCheck.FAILED, "PROBLEM: 1 of 2 tests fail", "its reference solution fails"),
        (PracticalTask.ReferenceCheck.UNCHECKED, "", "its reference check has not run since the last change"),
        (
            PracticalTask.ReferenceCheck.UNCHECKED,
            "The reference solution could not be run: no sandbox",
            "its reference solution could not be run",
        ),
    ],
    ids=["failed", "not run yet", "sandbox refused"],
)
def test_publish_action_leaves_a_task_without_a_passing_check_a_draft_and_says_why(
    signed_in, course, check, log, reason
):
    # given
    task = PracticalTaskFactory(
        course=course, title="Pipeline", reference_check=check, reference_check_log=log
    )

    # when
    response = run_action(signed_in, "publish_tasks", task)

    # then
    task.refresh_from_db()
    assert task.status == PracticalTask.Status.DRAFT
    refusals = [m for m in shown_messages(response) if m.startswith("Not published")]
    assert len(refusals) == 1
    assert "“Pipeline”" in refusals[0] and reason in refusals[0]


def test_publish_action_does_not_reach_another_courses_task(signed_in, course):
    # given: a passing task of a course the instructor is not on the team of
    theirs = PracticalTaskFactory(reference_check=PracticalTask.ReferenceCheck.PASSED)

    # when
    run_action(signed_in, "publish_tasks", theirs)

    # then
    theirs.refresh_from_db()
    assert theirs.status == PracticalTask.Status.DRAFT


def test_unpublish_action_takes_a_task_back_to_draft(signed_in, course):
    # given
    task = PracticalTaskFactory(
        course=course,
        status=PracticalTask.Status.PUBLISHED,
        reference_check=PracticalTask.ReferenceCheck.PASSED,
    )

    # when
    response = run_action(signed_in, "unpublish_tasks", task)

    # then
    task.refresh_from_db()
    assert task.status == PracticalTask.Status.DRAFT
    assert "1 practical task unpublished." in shown_messages(response)


def test_check_action_resets_the_check_and_queues_it_on_commit(
    signed_in, course, django_capture_on_commit_callbacks
):
    # given
    task = PracticalTaskFactory(course=course, reference_check=PracticalTask.ReferenceCheck.PASSED)

    # when
    with mock.patch.object(task_check_reference_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            run_action(signed_in, "check_tasks", task)

    # then
    delay.assert_called_once_with(task.pk)
    task.refresh_from_db()
    assert task.reference_check == PracticalTask.ReferenceCheck.UNCHECKED


def test_task_page_shows_the_last_reference_check_and_why_it_cannot_be_published(signed_in, course):
    # given
    task = PracticalTaskFactory(
        course=course,
        reference_check=PracticalTask.ReferenceCheck.FAILED,
        reference_check_log="PROBLEM: 1 of 2 tests fail\n[wrong_answer] hidden test_add",
    )

    # when
    response = signed_in.get(task_url(task))

    # then
    page = response.content.decode()
    assert "No: its reference solution fails its tests" in page
    assert "[wrong_answer] hidden test_add" in page
    assert 'name="status"' not in page


def test_saving_a_change_to_the_tests_queues_a_new_reference_check(
    signed_in, course, django_capture_on_commit_callbacks
):
    # given: a task whose reference solution passed
    task = PracticalTaskFactory(course=course, reference_check=PracticalTask.ReferenceCheck.PASSED)
    data = changeform_data(signed_in.get(task_url(task)))
    data["hidden_tests"] += "\n\ndef test_more():\n    assert add(2, 2) == 4\n"

    # when
    with mock.patch.object(task_check_reference_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            signed_in.post(task_url(task), data)

    # then: the old verdict is void; a new check is queued
    delay.assert_called_once_with(task.pk)
    task.refresh_from_db()
    assert task.reference_check == PracticalTask.ReferenceCheck.UNCHECKED


def test_saving_a_change_to_a_task_file_queues_a_new_reference_check(
    signed_in, course, django_capture_on_commit_callbacks
):
    # given
    task = PracticalTaskFactory(course=course, reference_check=PracticalTask.ReferenceCheck.PASSED)
    TaskFile.objects.create(task=task, path="solution.py", kind=TaskFile.Kind.EDITABLE, reference="x = 1\n")
    data = changeform_data(signed_in.get(task_url(task)))
    data["files-0-reference"] = "x = 2\n"

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signed_in.post(task_url(task), data)

    # then
    assert len(callbacks) == 1
    task.refresh_from_db()
    assert task.reference_check == PracticalTask.ReferenceCheck.UNCHECKED


def test_saving_an_unchanged_task_keeps_its_reference_check(
    signed_in, course, django_capture_on_commit_callbacks
):
    # given: only the title changes (the check does not depend on it); the tests as the form
    # posts them back (a text field strips the trailing newline: saved once, they are stable)
    task = PracticalTaskFactory(
        course=course,
        reference_check=PracticalTask.ReferenceCheck.PASSED,
        public_tests="def test_add():\n    assert 1 + 2 == 3",
        hidden_tests="def test_add_negative():\n    assert -1 + 1 == 0",
    )
    data = changeform_data(signed_in.get(task_url(task))) | {"title": "A better title"}

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signed_in.post(task_url(task), data)

    # then
    assert callbacks == []
    task.refresh_from_db()
    assert (task.title, task.reference_check) == ("A better title", PracticalTask.ReferenceCheck.PASSED)
