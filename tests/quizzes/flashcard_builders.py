"""Builders for the flashcard tests: decks of open questions (fast, in bulk, for large decks),
learners, and stored card schedules."""

from datetime import datetime, timedelta

from courses.models import Course, Enrollment, Module
from quizzes.models import FlashcardState, Question, QuestionCategory
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, EnrollmentFactory
from tests.quizzes.factories import QuestionCategoryFactory


def deck(
    course: Course | None = None, *, cards: int = 3, module: Module | None = None, **fields
) -> tuple[QuestionCategory, list[Question]]:
    """A flashcard deck with ``cards`` open questions (bulk-created, HTML given directly)."""
    course = course or CourseFactory()
    category = QuestionCategoryFactory(course=course, is_flashcard_deck=True, module=module, **fields)
    Question.objects.bulk_create(
        Question(
            course=course,
            category=category,
            key=f"{category.key}-card-{index}",
            kind=Question.Kind.OPEN,
            text_md=f"Question {index}?",
            text_html=f"<p>Question {index}?</p>",
            answer_md=f"Answer {index}.",
            answer_html=f"<p>Answer {index}.</p>",
            position=index,
        )
        for index in range(cards)
    )
    return category, list(Question.objects.filter(category=category).order_by("position", "id"))


def learner(course: Course, *, status: str = Enrollment.Status.ACTIVE, **fields):
    user = UserFactory(**fields)
    EnrollmentFactory(user=user, course=course, status=status)
    return user


def studied(
    user,
    questions: list[Question],
    *,
    due_at: datetime,
    introduced_at: datetime | None = None,
    state: int = FlashcardState.State.REVIEW,
) -> list[FlashcardState]:
    """Stored schedules for ``questions`` as if studied before (in bulk)."""
    introduced_at = introduced_at or due_at - timedelta(days=10)
    return FlashcardState.objects.bulk_create(
        FlashcardState(
            user=user,
            question=question,
            state=state,
            step=None if state == FlashcardState.State.REVIEW else 0,
            stability=5.0,
            difficulty=5.0,
            due_at=due_at,
            last_review_at=introduced_at,
            introduced_at=introduced_at,
            reps=1,
        )
        for question in questions
    )
