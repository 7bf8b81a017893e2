"""Exam admin: a ticket's questions, cases and task come from the exam's course."""

import pytest
from django.urls import reverse

from exams.models import TicketCase, TicketQuestion
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
