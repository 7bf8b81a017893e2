"""Every write to quizzes: starting, answering, submitting, closing and grading attempts.

Each write locks the attempt row (``select_for_update``) and checks the deadline on the server,
so concurrent requests and a killed worker never leave an attempt half-written. Grading is
queued with ``transaction.on_commit`` and is idempotent.
"""

import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from random import Random

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from courses.models import Enrollment
from quizzes import grading, selectors
from quizzes.exceptions import (
    AttemptClosed,
    AttemptDeadlinePassed,
    InvalidAnswer,
    NotEnrolled,
    QuizError,
    QuizMisconfigured,
)
from quizzes.models import Attempt, Choice, Question, Quiz, QuizQuestion, Response
from quizzes.permissions import (
    attempt_deadline,
    attempt_is_expired,
    attempt_start_refusal,
    quiz_availability_refusal,
)
from quizzes.tasks import attempt_grade_task

_system_random = secrets.SystemRandom()
_MAX_ID = 2**63 - 1  # BigAutoField


# ---------------------------------------------------------------------------------------------
# Starting


def quiz_draw_questions(*, quiz: Quiz, rng: Random | None = None) -> list[tuple[Question, Decimal]]:
    """The questions of a new attempt with their points, in attempt order.

    Fixed slots keep their question; each draw slot takes ``draw_count`` random questions of its
    category (and tag), never one already fixed or drawn by another slot. The order is the slot
    order (a draw slot's questions in random order), shuffled as a whole when the quiz says so.
    Raises QuizMisconfigured when the quiz has no questions or a category runs short.
    """
    rng = rng or _system_random
    slots = list(QuizQuestion.objects.filter(quiz=quiz).select_related("question").order_by("position", "id"))
    taken = {slot.question_id for slot in slots if slot.question_id is not None}
    drawn: list[tuple[Question, Decimal]] = []
    for slot in slots:
        if slot.question is not None:
            drawn.append((slot.question, slot.points if slot.points is not None else slot.question.points))
            continue
        candidates = Question.objects.filter(
            course_id=quiz.course_id, category_id=slot.draw_category_id
        ).exclude(pk__in=taken)
        if slot.draw_tag_id is not None:
            candidates = candidates.filter(tags=slot.draw_tag_id)
        pool = list(candidates.order_by("pk"))
        if len(pool) < slot.draw_count:
            raise QuizMisconfigured(
                _(
                    "This quiz cannot be started: a random slot needs %(count)d questions, "
                    "its category has %(have)d."
                )
                % {"count": slot.draw_count, "have": len(pool)}
            )
        for question in rng.sample(pool, slot.draw_count):
            taken.add(question.pk)
            drawn.append((question, slot.points if slot.points is not None else question.points))
    if not drawn:
        raise QuizMisconfigured(_("This quiz has no questions yet."))
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def _choice_orders(*, quiz: Quiz, questions: Sequence[Question], rng: Random) -> dict[int, list[int]]:
    """Choice ids per choice question, in the order the student will see them."""
    choice_question_ids = [q.pk for q in questions if q.kind in grading.CHOICE_KINDS]
    orders: dict[int, list[int]] = {pk: [] for pk in choice_question_ids}
    rows = Choice.objects.filter(question_id__in=choice_question_ids).order_by("position", "id")
    for question_id, choice_id in rows.values_list("question_id", "id"):
        orders[question_id].append(choice_id)
    if quiz.shuffle_choices:
        for order in orders.values():
            rng.shuffle(order)
    return orders


def attempt_start(
    *, quiz: Quiz, user: User, now: datetime | None = None, rng: Random | None = None
) -> tuple[Attempt, bool]:
    """Start a new attempt of ``quiz`` for ``user``, or continue the one in progress.

    Returns ``(attempt, created)``. A new attempt has its questions drawn and its question and
    choice order fixed in its responses, and ``deadline_at`` = now + time limit, capped by the
    quiz's close. An attempt in progress whose time ran out is submitted first.
    Needs an active enrollment, a published course and quiz inside its window, and attempts
    left. Raises NotEnrolled, QuizUnavailable, AttemptsExhausted or QuizMisconfigured.
    """
    now = now or timezone.now()
    rng = rng or _system_random
    refusal: QuizError | NotEnrolled | None = None
    with transaction.atomic():
        # The enrollment row serializes concurrent starts by the same student.
        enrollment = (
            Enrollment.objects.select_for_update()
            .filter(user=user, course_id=quiz.course_id, status=Enrollment.Status.ACTIVE)
            .first()
        )
        quiz = Quiz.objects.select_related("course").get(pk=quiz.pk)
        # Locked too: the deadline sweep or a request in another tab may be closing one.
        attempts = list(Attempt.objects.select_for_update().filter(quiz=quiz, user=user).order_by("number"))
        for attempt in attempts:
            attempt.quiz = quiz
        in_progress = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
        if in_progress is not None and enrollment is not None:
            if not attempt_is_expired(attempt=in_progress, now=now):
                return in_progress, False
            _attempt_submit_locked(attempt=in_progress, now=now)
        refusal = attempt_start_refusal(
            quiz=quiz, is_enrolled=enrollment is not None, attempts_used=len(attempts), now=now
        )
        if refusal is None:
            try:
                drawn = quiz_draw_questions(quiz=quiz, rng=rng)
            except QuizMisconfigured as exc:
                refusal = exc
        if refusal is None:
            return _attempt_create(
                quiz=quiz, user=user, attempts=attempts, drawn=drawn, now=now, rng=rng
            ), True
    # Outside the transaction, so that closing an expired attempt above is kept.
    raise refusal


def _attempt_create(
    *,
    quiz: Quiz,
    user: User,
    attempts: list[Attempt],
    drawn: list[tuple[Question, Decimal]],
    now: datetime,
    rng: Random,
) -> Attempt:
    attempt = Attempt(
        quiz=quiz,
        user=user,
        number=max((a.number for a in attempts), default=0) + 1,
        status=Attempt.Status.IN_PROGRESS,
        deadline_at=attempt_deadline(quiz=quiz, started_at=now),
        max_score=sum((points for _question, points in drawn), Decimal(0)),
    )
    attempt.full_clean()
    attempt.save()
    orders = _choice_orders(quiz=quiz, questions=[question for question, _points in drawn], rng=rng)
    Response.objects.bulk_create(
        Response(
            attempt=attempt,
            question=question,
            position=position,
            choice_order=orders.get(question.pk, []),
            max_points=points,
        )
        for position, (question, points) in enumerate(drawn)
    )
    return attempt


# ---------------------------------------------------------------------------------------------
# Answering and submitting


def _attempt_locked(*, attempt_id: int, user: User) -> Attempt:
    """The user's attempt, locked. Raises Attempt.DoesNotExist for someone else's."""
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz__course")
        .get(pk=attempt_id, user=user)
    )


def _is_enrolled(*, user: User, course_id: int) -> bool:
    return Enrollment.objects.filter(user=user, course_id=course_id, status=Enrollment.Status.ACTIVE).exists()


def _attempt_submit_locked(*, attempt: Attempt, now: datetime) -> None:
    """Mark a locked in-progress attempt submitted and queue its grading after commit."""
    attempt.status = Attempt.Status.SUBMITTED
    attempt.submitted_at = now
    attempt.save(update_fields=["status", "submitted_at", "updated_at"])
    attempt_id = attempt.pk
    transaction.on_commit(lambda: attempt_grade_task.delay(attempt_id))


def _deadline_passed() -> AttemptDeadlinePassed:
    return AttemptDeadlinePassed(
        _("Time is up: your attempt was submitted with the answers saved before the deadline.")
    )


def responses_save(
    *, attempt: Attempt, user: User, answers: Mapping[int, object], now: datetime | None = None
) -> list[Response]:
    """Save answers to questions of the user's attempt, all or none.

    ``answers`` maps question ids to raw values (see ``grading.answer_parse``); an empty value
    clears the answer. Needs the attempt in progress, before its deadline (or the quiz's
    close), an active enrollment and the quiz still published. A write after the deadline
    submits the attempt as it was and raises AttemptDeadlinePassed. Raises Attempt.DoesNotExist
    (not the user's attempt), AttemptClosed, NotEnrolled, QuizUnavailable, or InvalidAnswer (a
    question not in the attempt, a value of the wrong type, a choice of another question).
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _attempt_locked(attempt_id=attempt.pk, user=user)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise AttemptClosed(_("This attempt was already submitted."))
        if not attempt_is_expired(attempt=attempt, now=now):
            if not _is_enrolled(user=user, course_id=attempt.quiz.course_id):
                raise NotEnrolled(_("You are no longer enrolled in this course."))
            refusal = quiz_availability_refusal(quiz=attempt.quiz, now=now)
            if refusal is not None:  # unpublished since the attempt started
                raise refusal
            return _responses_write(attempt=attempt, answers=answers, now=now)
        _attempt_submit_locked(attempt=attempt, now=now)
    raise _deadline_passed()


def _responses_write(*, attempt: Attempt, answers: Mapping[int, object], now: datetime) -> list[Response]:
    # Ids outside the key range cannot be questions of the attempt (and overflow some databases).
    candidate_ids = [question_id for question_id in answers if 0 < question_id <= _MAX_ID]
    responses = {
        response.question_id: response
        for response in Response.objects.filter(
            attempt=attempt, question_id__in=candidate_ids
        ).select_related("question")
    }
    unknown = [question_id for question_id in answers if question_id not in responses]
    if unknown:
        raise InvalidAnswer(
            _("Question %(id)s is not part of this attempt.") % {"id": ", ".join(map(str, sorted(unknown)))}
        )
    selections: dict[int, frozenset[int]] = {}
    for question_id, raw in answers.items():
        response = responses[question_id]
        answer = grading.answer_parse(kind=response.question.kind, raw=raw)
        if not answer.choice_ids <= set(response.choice_order):
            raise InvalidAnswer(_("That option does not belong to this question."))
        response.text_answer = answer.text
        response.numeric_answer = answer.number
        response.boolean_answer = answer.boolean
        response.answered_at = None if answer.is_empty else now
        response.updated_at = now
        if response.question.kind in grading.CHOICE_KINDS:
            selections[response.pk] = answer.choice_ids
    saved = list(responses.values())
    Response.objects.bulk_update(
        saved, ["text_answer", "numeric_answer", "boolean_answer", "answered_at", "updated_at"]
    )
    if selections:
        through = Response.selected_choices.through
        through.objects.filter(response_id__in=list(selections)).delete()
        through.objects.bulk_create(
            through(response_id=response_id, choice_id=choice_id)
            for response_id, choice_ids in selections.items()
            for choice_id in sorted(choice_ids)
        )
    return saved


def response_save(
    *, attempt: Attempt, user: User, question_id: int, value: object, now: datetime | None = None
) -> Response:
    """Save the answer to one question (autosave, the API's PUT). See ``responses_save``."""
    return responses_save(attempt=attempt, user=user, answers={question_id: value}, now=now)[0]


@transaction.atomic
def attempt_submit(*, attempt: Attempt, user: User, now: datetime | None = None) -> Attempt:
    """Submit the user's attempt and queue its grading (after commit). Submitting after the
    deadline is allowed: it is how an attempt is closed when time runs out.
    Raises Attempt.DoesNotExist (not the user's), AttemptClosed (already submitted),
    NotEnrolled."""
    now = now or timezone.now()
    # The attempt's row alone (its quiz and course are not needed to close it).
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk, user=user)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise AttemptClosed(_("This attempt was already submitted."))
    enrolled = Enrollment.objects.filter(
        user=user, course__quizzes=attempt.quiz_id, status=Enrollment.Status.ACTIVE
    ).exists()
    if not enrolled:
        raise NotEnrolled(_("You are no longer enrolled in this course."))
    _attempt_submit_locked(attempt=attempt, now=now)
    return attempt


def attempt_close_if_expired(*, attempt_id: int, now: datetime | None = None) -> bool:
    """Submit the attempt if it is in progress and past its deadline; True when it did.
    Skips an attempt locked by a concurrent write (the next sweep gets it). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("quiz")
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None or not attempt_is_expired(attempt=attempt, now=now):
            return False
        _attempt_submit_locked(attempt=attempt, now=now)
        return True


def attempts_close_expired(*, now: datetime | None = None) -> int:
    """Submit every attempt left in progress past its deadline (abandoned tabs, closed
    laptops); their grading is queued. Returns how many were closed. Idempotent."""
    now = now or timezone.now()
    return sum(
        attempt_close_if_expired(attempt_id=attempt_id, now=now)
        for attempt_id in selectors.attempt_ids_expired(now=now)
    )


def attempts_requeue_stuck_grading(*, older_than_minutes: int = 10, now: datetime | None = None) -> int:
    """Queue grading again for attempts submitted more than ``older_than_minutes`` ago and still
    not graded (their task was lost, e.g. the broker was down at submit time). Safe because
    grading is idempotent. Returns how many were queued."""
    now = now or timezone.now()
    ids = selectors.attempt_ids_stuck_in_grading(submitted_before=now - timedelta(minutes=older_than_minutes))
    for attempt_id in ids:
        attempt_grade_task.delay(attempt_id)
    return len(ids)


# ---------------------------------------------------------------------------------------------
# Grading


# What grading reads of each response and its question: plain values, no model instances.
_GRADING_FIELDS = (
    "pk",
    "question_id",
    "max_points",
    "points",
    "text_answer",
    "numeric_answer",
    "boolean_answer",
    "question__kind",
    "question__case_sensitive",
    "question__correct_boolean",
    "question__numeric_answer",
    "question__numeric_tolerance",
)


def _responses_score(*, attempt_id: int, now: datetime) -> tuple[list[dict], bool]:
    """Score the attempt's automatically graded responses and write their points (one UPDATE
    per distinct (points, correct) pair, usually two). Returns every response's values, the
    new points included, and whether an open or code response still waits for a person.
    Four queries plus the UPDATEs, whatever the number of questions."""
    responses = list(Response.objects.filter(attempt_id=attempt_id).order_by().values(*_GRADING_FIELDS))
    auto = [row for row in responses if row["question__kind"] not in grading.MANUAL_KINDS]
    correct: dict[int, list[tuple[int, str]]] = {}
    rows = Choice.objects.filter(question_id__in={row["question_id"] for row in auto}, is_correct=True)
    for question_id, choice_id, text in rows.order_by().values_list("question_id", "pk", "text"):
        correct.setdefault(question_id, []).append((choice_id, text))
    selected: dict[int, set[int]] = {}
    through = Response.selected_choices.through.objects.filter(response_id__in=[row["pk"] for row in auto])
    for response_id, choice_id in through.values_list("response_id", "choice_id"):
        selected.setdefault(response_id, set()).add(choice_id)

    by_outcome: dict[tuple[Decimal | None, bool | None], list[int]] = {}
    for row in auto:
        keys = correct.get(row["question_id"], [])
        result = grading.score(
            key=grading.AnswerKey(
                kind=row["question__kind"],
                correct_choice_ids=frozenset(choice_id for choice_id, _text in keys),
                accepted_texts=tuple(text for _choice_id, text in keys),
                case_sensitive=row["question__case_sensitive"],
                correct_boolean=row["question__correct_boolean"],
                numeric_answer=row["question__numeric_answer"],
                numeric_tolerance=row["question__numeric_tolerance"],
            ),
            answer=grading.Answer(
                choice_ids=frozenset(selected.get(row["pk"], ())),
                text=row["text_answer"],
                number=row["numeric_answer"],
                boolean=row["boolean_answer"],
            ),
            max_points=row["max_points"],
        )
        row["points"] = result.points
        by_outcome.setdefault((result.points, result.is_correct), []).append(row["pk"])
    for (points, is_correct), ids in by_outcome.items():
        Response.objects.filter(pk__in=ids).update(points=points, is_correct=is_correct, updated_at=now)
    needs_manual = any(
        row["points"] is None for row in responses if row["question__kind"] in grading.MANUAL_KINDS
    )
    return responses, needs_manual


def _grading_test_delay() -> None:
    """Integration tests slow grading down to kill a worker in the middle of it
    (``settings.QUIZ_GRADING_TEST_DELAY``, seconds). The setting exists only there."""
    delay = getattr(settings, "QUIZ_GRADING_TEST_DELAY", None)
    if delay:
        time.sleep(float(delay))


def attempt_grade(*, attempt_id: int, now: datetime | None = None) -> Attempt | None:
    """Grade a submitted attempt: points and correctness per response, then score, max score,
    pass and ``graded_at``, status GRADED and a notification to the student; or status
    AWAITING_MANUAL when an open (or code) question waits for a person.

    Idempotent and safe to run twice at once or again after a crash: the attempt goes
    SUBMITTED → GRADING first (one conditional UPDATE, so the page shows "grading"), and the
    scores and the final status are written in a transaction under the row lock, only while
    the status is still GRADING. A worker killed in between leaves GRADING with nothing
    written; the re-delivered task grades it once. Returns None for a missing attempt; an
    attempt in progress or already graded is returned unchanged.
    """
    now = now or timezone.now()
    # Only one run can move it out of SUBMITTED; any run may resume an attempt left in GRADING.
    Attempt.objects.filter(pk=attempt_id, status=Attempt.Status.SUBMITTED).update(
        status=Attempt.Status.GRADING, updated_at=timezone.now()
    )
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz", "user")
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None or attempt.status != Attempt.Status.GRADING:  # gone, or finished by another run
            return attempt
        responses, needs_manual = _responses_score(attempt_id=attempt_id, now=now)
        _grading_test_delay()

        attempt.max_score = sum((row["max_points"] for row in responses), Decimal(0))
        if needs_manual:
            attempt.status = Attempt.Status.AWAITING_MANUAL
            attempt.score, attempt.passed, attempt.graded_at = None, None, None
        else:
            attempt.status = Attempt.Status.GRADED
            attempt.score = sum((row["points"] or Decimal(0) for row in responses), Decimal(0))
            percent = grading.percent_of(score=attempt.score, max_score=attempt.max_score)
            attempt.passed = grading.is_passed(percent=percent, pass_mark=attempt.quiz.pass_mark)
            attempt.graded_at = now
        attempt.save(update_fields=["status", "score", "max_score", "passed", "graded_at", "updated_at"])
        if attempt.status == Attempt.Status.GRADED:
            # In the grading transaction: the notification exists exactly when the grade does.
            _notify_graded(attempt=attempt)
    return attempt


def _notify_graded(*, attempt: Attempt) -> None:
    from accounts.notifications import notification_send

    percent = grading.percent_of(score=attempt.score or Decimal(0), max_score=attempt.max_score)
    with translation.override(attempt.user.preferred_language or settings.LANGUAGE_CODE):
        verdict = _("Passed.") if attempt.passed else _("Not passed.")
        notification_send(
            user=attempt.user,
            kind=Notification.Kind.ATTEMPT_GRADED,
            title=_("Your attempt at “%(quiz)s” is graded") % {"quiz": attempt.quiz.title},
            body=_("Score: %(score)s of %(max)s (%(percent)s%%). %(verdict)s")
            % {"score": attempt.score, "max": attempt.max_score, "percent": percent, "verdict": verdict},
            url=reverse("quizzes:attempt-result", args=[attempt.pk]),
            dedupe_key=f"attempt-graded-{attempt.pk}",
        )


@transaction.atomic
def attempt_finalize_manual(*, attempt: Attempt, grader: User, now: datetime | None = None) -> Attempt:
    """Total an attempt after a person graded (or overrode) its responses.

    - AWAITING_MANUAL with every open/code response graded: score, max score, pass and
      ``graded_at``, status GRADED and the "graded" notification (once: deduplicated).
    - AWAITING_MANUAL with a response still waiting: returned unchanged.
    - GRADED (an override changed a response): score and pass re-totalled, ``graded_at`` kept.
    ``grader`` is who triggered it (the audit trail is the caller's GradeAudit rows).
    Raises AttemptClosed for an attempt in progress or still being auto-graded.
    """
    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "user").get(pk=attempt.pk)
    )
    if attempt.status not in (Attempt.Status.AWAITING_MANUAL, Attempt.Status.GRADED):
        raise AttemptClosed(_("This attempt is not waiting for grading."))
    responses = list(
        Response.objects.filter(attempt=attempt)
        .select_related("question")
        .only("points", "max_points", "question__kind")
    )
    if any(r.points is None and r.question.kind in grading.MANUAL_KINDS for r in responses):
        return attempt
    was_graded = attempt.status == Attempt.Status.GRADED
    attempt.max_score = sum((response.max_points for response in responses), Decimal(0))
    attempt.score = sum((response.points or Decimal(0) for response in responses), Decimal(0))
    percent = grading.percent_of(score=attempt.score, max_score=attempt.max_score)
    attempt.passed = grading.is_passed(percent=percent, pass_mark=attempt.quiz.pass_mark)
    attempt.status = Attempt.Status.GRADED
    attempt.graded_at = attempt.graded_at or now
    attempt.save(update_fields=["status", "score", "max_score", "passed", "graded_at", "updated_at"])
    if not was_graded:
        _notify_graded(attempt=attempt)
    return attempt
