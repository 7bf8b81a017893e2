"""Quiz and question admin: inlines keep to the course of the object being edited."""

import pytest
from django.urls import reverse

from quizzes.models import Choice, QuizQuestion
from tests.courses.conftest import changeform_data
from tests.courses.factories import CourseFactory, CourseStaffFactory
from tests.quizzes.factories import (
    ChoiceFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizFactory,
    QuizQuestionFactory,
)


@pytest.fixture
def signed_in(client, instructor):
    client.force_login(instructor)
    return client


def quiz_url(quiz) -> str:
    return reverse("admin:quizzes_quiz_change", args=[quiz.pk])


def with_new_slot(data: dict, question) -> dict:
    return data | {
        "slots-TOTAL_FORMS": str(int(data["slots-TOTAL_FORMS"]) + 1),
        f"slots-{data['slots-TOTAL_FORMS']}-question": str(question.pk),
        f"slots-{data['slots-TOTAL_FORMS']}-position": "1",
        f"slots-{data['slots-TOTAL_FORMS']}-draw_count": "1",
    }


def test_slot_takes_a_question_of_the_quiz_course(signed_in, course):
    # given
    quiz = QuizFactory(course=course)
    question = QuestionFactory(category__course=course)
    data = with_new_slot(changeform_data(signed_in.get(quiz_url(quiz))), question)

    # when
    response = signed_in.post(quiz_url(quiz), data)

    # then
    assert response.status_code == 302
    assert QuizQuestion.objects.filter(quiz=quiz, question=question).exists()


@pytest.mark.parametrize("question_course", ["other team's course", "my other course"])
def test_slot_refuses_a_question_of_another_course(signed_in, instructor, course, question_course):
    # given
    other = CourseFactory()
    if question_course == "my other course":
        CourseStaffFactory(course=other, user=instructor)
    quiz = QuizFactory(course=course)
    question = QuestionFactory(category__course=other)
    data = with_new_slot(changeform_data(signed_in.get(quiz_url(quiz))), question)

    # when
    response = signed_in.post(quiz_url(quiz), data)

    # then
    assert response.status_code == 200
    assert any(inline.formset.errors for inline in response.context["inline_admin_formsets"])
    assert not QuizQuestion.objects.filter(question=question).exists()


def test_choice_rows_of_another_course_question_cannot_be_edited(signed_in, course):
    # given
    other_course = CourseFactory()
    mine = QuestionFactory(category__course=course)
    ChoiceFactory(question=mine)
    theirs = ChoiceFactory(question=QuestionFactory(category__course=other_course), text="Theirs")
    url = reverse("admin:quizzes_question_change", args=[mine.pk])
    data = changeform_data(signed_in.get(url)) | {
        "choices-0-id": str(theirs.pk),
        "choices-0-text": "Hijacked",
    }

    # when: Django leaves a row whose id is outside the inline's queryset unsaved
    signed_in.post(url, data)

    # then
    theirs.refresh_from_db()
    assert theirs.text == "Theirs"
    assert theirs.question.course == other_course
    assert not Choice.objects.filter(text="Hijacked").exists()


def test_question_page_edits_its_choices(signed_in, course):
    # given
    question = QuestionFactory(category__course=course)
    choice = ChoiceFactory(question=question, text="Old")
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    data = changeform_data(signed_in.get(url)) | {"choices-0-text": "New"}

    # when
    response = signed_in.post(url, data)

    # then
    assert response.status_code == 302
    assert Choice.objects.get(pk=choice.pk).text == "New"


def test_quiz_links_to_its_questions(signed_in, course):
    # given
    slot = QuizQuestionFactory(quiz__course=course)
    QuestionFactory(category__course=course)  # in the bank, not in the quiz
    page = signed_in.get(quiz_url(slot.quiz)).content.decode()
    link = f"{reverse('admin:quizzes_question_changelist')}?slots__quiz__id__exact={slot.quiz.pk}"

    # when
    response = signed_in.get(link)

    # then
    assert link.replace("&", "&amp;") in page
    assert list(response.context["cl"].result_list) == [slot.question]


def test_category_lists_its_questions(signed_in, course):
    # given
    category = QuestionCategoryFactory(course=course)
    QuestionFactory.create_batch(3, category=category)
    QuestionFactory(category__course=course)

    # when
    response = signed_in.get(
        reverse("admin:quizzes_question_changelist"), {"category__id__exact": category.pk}
    )

    # then
    assert response.context["cl"].result_count == 3
