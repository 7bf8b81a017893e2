"""Builders for quiz-engine tests: questions of every kind with their choices, quizzes made of
them, enrollments. Built on the factories in tests/quizzes/factories.py."""

from decimal import Decimal

from courses.models import Course, Enrollment
from quizzes.models import Choice, Question, QuestionCategory, Quiz
from tests.courses.factories import EnrollmentFactory
from tests.quizzes.factories import (
    ChoiceFactory,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizFactory,
    QuizQuestionFactory,
)


def category_for(course: Course) -> QuestionCategory:
    return QuestionCategory.objects.filter(course=course).first() or QuestionCategoryFactory(course=course)


def _question(course: Course, kind: str, *, category: QuestionCategory | None = None, **fields) -> Question:
    return QuestionFactory(category=category or category_for(course), kind=kind, **fields)


def single(course: Course, *, options: int = 4, correct: int = 0, **fields) -> Question:
    question = _question(course, Question.Kind.SINGLE, **fields)
    for index in range(options):
        ChoiceFactory(
            question=question,
            key=f"o{index}",
            text=f"Option {index}",
            is_correct=index == correct,
            position=index,
        )
    return question


def multiple(course: Course, *, options: int = 4, correct: tuple[int, ...] = (0, 1), **fields) -> Question:
    question = _question(course, Question.Kind.MULTIPLE, **fields)
    for index in range(options):
        ChoiceFactory(
            question=question,
            key=f"o{index}",
            text=f"Option {index}",
            is_correct=index in correct,
            position=index,
        )
    return question


def true_false(course: Course, *, correct: bool = True, **fields) -> Question:
    return _question(course, Question.Kind.TRUE_FALSE, correct_boolean=correct, **fields)


def short_text(course: Course, *, accepted: tuple[str, ...] = ("Paris",), **fields) -> Question:
    question = _question(course, Question.Kind.SHORT_TEXT, **fields)
    for index, text in enumerate(accepted):
        ChoiceFactory(question=question, key=f"a{index}", text=text, is_correct=True, position=index)
    return question


def numeric(course: Course, *, answer: str = "3.14", tolerance: str = "0.01", **fields) -> Question:
    return _question(
        course,
        Question.Kind.NUMERIC,
        numeric_answer=Decimal(answer),
        numeric_tolerance=Decimal(tolerance),
        **fields,
    )


def open_question(course: Course, **fields) -> Question:
    return _question(course, Question.Kind.OPEN, answer_md="The reference answer.", **fields)


def quiz_of(course: Course, questions: list[Question], **fields) -> Quiz:
    fields.setdefault("shuffle_questions", False)
    fields.setdefault("shuffle_choices", False)
    fields.setdefault("attempts_allowed", 0)
    quiz = QuizFactory(course=course, **fields)
    for position, question in enumerate(questions):
        QuizQuestionFactory(quiz=quiz, question=question, position=position)
    return quiz


def every_kind_quiz(course: Course, **fields) -> tuple[Quiz, dict[str, Question]]:
    """One question of each auto-graded kind (no open question)."""
    questions = {
        "single": single(course),
        "multiple": multiple(course),
        "true_false": true_false(course),
        "short_text": short_text(course),
        "numeric": numeric(course),
    }
    return quiz_of(course, list(questions.values()), **fields), questions


def enroll(user, course: Course, status: str = Enrollment.Status.ACTIVE) -> Enrollment:
    return EnrollmentFactory(user=user, course=course, status=status)


def choice_ids(question: Question, *, correct: bool | None = None) -> list[int]:
    choices = Choice.objects.filter(question=question).order_by("position")
    if correct is not None:
        choices = choices.filter(is_correct=correct)
    return list(choices.values_list("pk", flat=True))


def correct_answers(questions: dict[str, Question]) -> dict[int, object]:
    """Raw values answering every question of ``every_kind_quiz`` correctly."""
    return {
        questions["single"].pk: choice_ids(questions["single"], correct=True)[0],
        questions["multiple"].pk: choice_ids(questions["multiple"], correct=True),
        questions["true_false"].pk: True,
        questions["short_text"].pk: "  paris ",
        questions["numeric"].pk: "3,145",
    }


def some_answer(question: Question) -> object:
    """A valid (not necessarily correct) raw answer for a question of any kind."""
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        return choice_ids(question)[:1]
    return {
        Question.Kind.TRUE_FALSE: False,
        Question.Kind.NUMERIC: "1",
    }.get(question.kind, "an answer")
