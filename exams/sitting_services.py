"""Writes for exams with tickets: drawing a ticket, answering, running the practical task's
checks, submitting, closing sittings at their deadline, and re-totalling a sitting's score.

Every write locks the sitting row (``select_for_update``) and checks the deadline on the
server. Drawing locks the exam row, so concurrent draws see each other and tickets stay
balanced. Grading is queued with ``transaction.on_commit`` and is idempotent.

The practical task's code is saved on the sitting (``Sitting.code``) by the editor's autosave,
by every "Run checks" and by the "Save" button; the practical part of a submitted sitting is a
Submission of kind ``submit`` holding the code the student sent with the submit (or, when
nothing came with it — the deadline sweep — the code they saved last);
``exams.sitting_grading.sitting_grade`` runs it in the sandbox and moves the sitting to GRADED
(practical only) or AWAITING_MANUAL (theory answers and cases go to the grading desk, which
calls ``sitting_recompute_score`` and publishes the final grade).

When the sandbox workers cannot run the task's runtime (``exams.sandbox_health``), "Run checks"
is refused (the code is still saved) but the sitting stays answerable and the submit is never
refused: its practical part waits in the queue until a worker can run it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ApplicationError, PermissionDeniedError
from courses.models import Enrollment
from exams.models import (
    CaseSubmission,
    Exam,
    ExamTicket,
    PracticalTask,
    RubricCriterion,
    Sitting,
    SittingAnswer,
    Submission,
    TaskFile,
    TicketCase,
    TicketQuestion,
)
from exams.sandbox_health import RunsUnavailable
from exams.services import submission_create
from exams.sitting_selectors import (
    exam_window_refusal,
    score_parts,
    sitting_ids_expired,
)
from exams.tasks import sitting_grade_task

# A submit that left the browser at the deadline arrives a little later: the work it carries
# is accepted this long after the deadline. Autosaves and runs get no grace.
SUBMIT_GRACE = timedelta(seconds=10)
ANSWER_MAX_CHARS = 50_000
_MAX_ID = 2**63 - 1


class ExamUnavailable(ApplicationError):
    """The exam cannot be started now (not published, window closed, no tickets)."""


class SittingClosed(ApplicationError):
    """The sitting was submitted: nothing in it can change."""


class SittingDeadlinePassed(SittingClosed):
    """A write arrived after the deadline: the sitting is submitted as it was saved."""


class NotEnrolled(PermissionDeniedError):
    """Only students actively enrolled in the course sit its exams."""


class InvalidWork(ApplicationError):
    """The work sent is not valid: a question or case not in the ticket, a text too long, a
    file that is not one of the task's or too large."""


# ---------------------------------------------------------------------------------------------
# Drawing a ticket


def ticket_for_seed(*, seed: int, candidates: Sequence[ExamTicket]) -> ExamTicket:
    """The ticket a draw with ``seed`` picks among ``candidates``: a pure function of the seed
    and the candidates (their order does not matter), so a stored seed replays the draw."""
    if not candidates:
        raise ValueError("no candidate tickets")
    ordered = sorted(candidates, key=lambda ticket: (ticket.number, ticket.pk))
    key = f"{seed}:{','.join(str(ticket.pk) for ticket in ordered)}".encode()
    index = int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % len(ordered)
    return ordered[index]


def _is_active_student(*, user: User, course_id: int) -> bool:
    return Enrollment.objects.filter(user=user, course_id=course_id, status=Enrollment.Status.ACTIVE).exists()


def _not_enrolled() -> NotEnrolled:
    return NotEnrolled(_("Only students enrolled in the course can sit its exams."))


def sitting_deadline(*, exam: Exam, started_at: datetime) -> datetime:
    """The duration from the start, cut at the exam's close."""
    deadline = started_at + timedelta(minutes=exam.duration_minutes)
    return min(deadline, exam.closes_at) if exam.closes_at is not None else deadline


def sitting_draw_ticket(
    *, exam: Exam, user: User, now: datetime | None = None, seed: int | None = None
) -> tuple[Sitting, bool]:
    """Draw the user's ticket and start their sitting; (sitting, True). A user who already
    drew gets their sitting back, never a new ticket; (sitting, False).

    The ticket is drawn on the server among the exam's least-used tickets (so tickets are used
    evenly across sittings) with a random seed that is stored: ``ticket_for_seed`` replays it.
    The deadline is ``duration`` from now, cut at the exam's close. Creates an empty theory
    answer per question of the ticket and an empty case analysis per case.

    Raises NotEnrolled (no active enrollment) and ExamUnavailable (not published, the window is
    not open, no tickets). ``seed`` is for tests.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The exam row lock serializes draws of one exam: each sees the others' sittings.
        exam = Exam.objects.select_for_update(of=("self",)).select_related("course").get(pk=exam.pk)
        existing = Sitting.objects.filter(exam=exam, user=user).first()
        if existing is not None:
            return existing, False
        if not _is_active_student(user=user, course_id=exam.course_id):
            raise _not_enrolled()
        refusal = exam_window_refusal(exam=exam, now=now)
        if refusal is not None:
            raise ExamUnavailable(refusal)
        tickets = list(
            ExamTicket.objects.filter(exam=exam).annotate(used=Count("sittings")).order_by("number", "id")
        )
        if not tickets:
            raise ExamUnavailable(_("This exam has no tickets yet."))
        least = min(ticket.used for ticket in tickets)
        candidates = [ticket for ticket in tickets if ticket.used == least]
        seed = secrets.randbits(63) if seed is None else seed
        ticket = ticket_for_seed(seed=seed, candidates=candidates)
        sitting = Sitting(
            exam=exam,
            user=user,
            ticket=ticket,
            draw_seed=seed,
            status=Sitting.Status.IN_PROGRESS,
            deadline_at=sitting_deadline(exam=exam, started_at=now),
        )
        sitting.full_clean()
        sitting.save()
        _sitting_parts_create(sitting=sitting)
    return sitting, True


def _sitting_parts_create(*, sitting: Sitting) -> None:
    question_ids = TicketQuestion.objects.filter(ticket=sitting.ticket_id).order_by("position", "id")
    SittingAnswer.objects.bulk_create(
        SittingAnswer(sitting=sitting, question_id=question_id)
        for question_id in question_ids.values_list("question_id", flat=True)
    )
    case_ids = list(
        TicketCase.objects.filter(ticket=sitting.ticket_id)
        .order_by("position", "id")
        .values_list("case_id", flat=True)
    )
    if not case_ids:
        return
    max_scores = dict(
        RubricCriterion.objects.filter(case_id__in=case_ids)
        .values("case_id")
        .annotate(total=Sum("max_points"))
        .values_list("case_id", "total")
    )
    analyses = []
    for case_id in case_ids:
        analysis = CaseSubmission(
            case_id=case_id,
            user_id=sitting.user_id,
            sitting=sitting,
            max_score=max_scores.get(case_id) or Decimal("0"),
        )
        analysis.render_markdown_fields()
        analyses.append(analysis)
    CaseSubmission.objects.bulk_create(analyses)


# ---------------------------------------------------------------------------------------------
# Answering


def _sitting_locked(*, sitting_id: int, user: User) -> Sitting:
    """The user's sitting, locked. Raises Sitting.DoesNotExist for someone else's."""
    return (
        Sitting.objects.select_for_update(of=("self",))
        .select_related("exam__course", "ticket__task")
        .get(pk=sitting_id, user=user)
    )


def sitting_is_expired(*, sitting: Sitting, now: datetime) -> bool:
    return now >= sitting.deadline_at


def _deadline_passed() -> SittingDeadlinePassed:
    return SittingDeadlinePassed(
        _("Time is up: your exam was submitted with the work saved before the deadline.")
    )


def _already_submitted() -> SittingClosed:
    return SittingClosed(_("This exam was already submitted: it can no longer be changed."))


@dataclass
class SavedWork:
    sitting: Sitting
    answers: list[SittingAnswer]
    cases: list[CaseSubmission]


def _text_check(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidWork(_("An answer must be text."))
    if len(value) > ANSWER_MAX_CHARS:
        raise InvalidWork(
            _("An answer can be at most %(limit)s characters long.") % {"limit": ANSWER_MAX_CHARS}
        )
    return value


def _work_write(
    *,
    sitting: Sitting,
    answers: Mapping[int, object],
    cases: Mapping[int, object],
    files: Mapping[str, object] | None = None,
    now: datetime,
) -> SavedWork:
    if files is not None:
        _code_write(sitting=sitting, files=files, now=now)
    saved_answers: list[SittingAnswer] = []
    if answers:
        rows = {
            row.question_id: row
            for row in SittingAnswer.objects.filter(
                sitting=sitting, question_id__in=[qid for qid in answers if 0 < qid <= _MAX_ID]
            )
        }
        unknown = sorted(set(answers) - set(rows))
        if unknown:
            raise InvalidWork(
                _("Question %(id)s is not part of your ticket.") % {"id": ", ".join(map(str, unknown))}
            )
        for question_id, text in answers.items():
            row = rows[question_id]
            row.text = _text_check(text)
            row.saved_at = now
            row.updated_at = now
            saved_answers.append(row)
        SittingAnswer.objects.bulk_update(saved_answers, ["text", "saved_at", "updated_at"])
    saved_cases: list[CaseSubmission] = []
    if cases:
        analyses = {
            row.case_id: row
            for row in CaseSubmission.objects.filter(
                sitting=sitting, case_id__in=[cid for cid in cases if 0 < cid <= _MAX_ID]
            )
        }
        unknown = sorted(set(cases) - set(analyses))
        if unknown:
            raise InvalidWork(
                _("Case %(id)s is not part of your ticket.") % {"id": ", ".join(map(str, unknown))}
            )
        for case_id, text in cases.items():
            analysis = analyses[case_id]
            analysis.analysis_md = _text_check(text)
            analysis.saved_at = now
            analysis.save(update_fields=["analysis_md", "saved_at", "updated_at"])  # renders the Markdown
            saved_cases.append(analysis)
    return SavedWork(sitting=sitting, answers=saved_answers, cases=saved_cases)


def _code_write(*, sitting: Sitting, files: Mapping[str, object], now: datetime) -> None:
    """Store the practical task's files on the locked sitting, over the code saved before.
    Raises InvalidWork (no practical task, a file not the task's, not text or too large)."""
    task = sitting.ticket.task
    if task is None:
        raise InvalidWork(_("Your ticket has no practical task."))
    base = _last_saved_files(sitting=sitting, starters=_editable_files(task))
    sitting.code = _files_clean(files=files, base=base)
    sitting.code_saved_at = now
    sitting.save(update_fields=["code", "code_saved_at", "updated_at"])


def sitting_work_save(
    *,
    sitting: Sitting,
    user: User,
    answers: Mapping[int, object] | None = None,
    cases: Mapping[int, object] | None = None,
    files: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> SavedWork:
    """Save theory answers (question id → text), case analyses (case id → Markdown) and the
    practical task's code (editable file name → text; a file left out keeps its saved code) of
    the user's sitting, all or none.

    Needs the sitting in progress, before its deadline, and an active enrollment. A write after
    the deadline submits the sitting as it was saved and raises SittingDeadlinePassed. Raises
    Sitting.DoesNotExist (not the user's), SittingClosed (submitted), NotEnrolled, and
    InvalidWork (a question or case not in the ticket, a text that is too long, code for a
    ticket without a practical task, a file that is not the task's, not text or too large).
    """
    now = now or timezone.now()
    with transaction.atomic():
        sitting = _sitting_locked(sitting_id=sitting.pk, user=user)
        if sitting.status != Sitting.Status.IN_PROGRESS:
            raise _already_submitted()
        if not sitting_is_expired(sitting=sitting, now=now):
            if not _is_active_student(user=user, course_id=sitting.exam.course_id):
                raise _not_enrolled()
            return _work_write(
                sitting=sitting, answers=answers or {}, cases=cases or {}, files=files, now=now
            )
        _submit_locked(sitting=sitting, files=None, now=now)
    raise _deadline_passed()


def sitting_answer_save(
    *, sitting: Sitting, user: User, question_id: int, text: object, now: datetime | None = None
) -> SittingAnswer:
    """Save the answer to one theory question (autosave, the API's PUT). See ``sitting_work_save``."""
    return sitting_work_save(sitting=sitting, user=user, answers={question_id: text}, now=now).answers[0]


def sitting_case_save(
    *, sitting: Sitting, user: User, case_id: int, analysis_md: object, now: datetime | None = None
) -> CaseSubmission:
    """Save the analysis of one case of the ticket (autosave). See ``sitting_work_save``."""
    return sitting_work_save(sitting=sitting, user=user, cases={case_id: analysis_md}, now=now).cases[0]


def sitting_save_code(
    *, sitting: Sitting, user: User, files: Mapping[str, object], now: datetime | None = None
) -> Sitting:
    """Save the code of the ticket's practical task (the editor's autosave, the API's PUT):
    ``files`` maps editable file names to their text, a file left out keeps its saved code.
    Returns the sitting with ``code`` and ``code_saved_at`` set. The code is what a reload of
    the sitting shows and what the sitting is submitted with if no code comes with the submit.
    Same rules as the theory answers' autosave (see ``sitting_work_save``): refused after the
    submit (SittingClosed) and after the deadline (SittingDeadlinePassed: the sitting is then
    submitted with the code saved before)."""
    return sitting_work_save(sitting=sitting, user=user, files=files, now=now).sitting


# ---------------------------------------------------------------------------------------------
# The practical task: checks during the sitting, the code at submit


def sitting_run_check(
    *, sitting: Sitting, user: User, files: Mapping[str, str], now: datetime | None = None
) -> Submission:
    """Run the public tests of the ticket's practical task on the user's files (a Submission of
    kind ``check`` with the sitting set, queued on commit); a file left out runs with its saved
    code. The run's files are saved as the sitting's code too (see ``sitting_save_code``): the
    code the sitting is submitted with if the student sends none at submit.

    Same conditions as ``sitting_work_save`` (a run after the deadline submits the sitting and
    raises SittingDeadlinePassed); ApplicationError when the ticket has no practical task and
    for whatever ``submission_create`` refuses (unknown file, too large, too many runs waiting).
    When the sandbox workers cannot run the task (``RunsUnavailable``) nothing is queued but
    the files are still saved as the sitting's code, then RunsUnavailable is raised: a refused
    run never loses the student's code, and the sitting can still be answered and submitted.
    """
    now = now or timezone.now()
    refused: RunsUnavailable | None = None
    with transaction.atomic():
        sitting = _sitting_locked(sitting_id=sitting.pk, user=user)
        if sitting.status != Sitting.Status.IN_PROGRESS:
            raise _already_submitted()
        if not sitting_is_expired(sitting=sitting, now=now):
            if not _is_active_student(user=user, course_id=sitting.exam.course_id):
                raise _not_enrolled()
            task = sitting.ticket.task
            if task is None:
                raise ApplicationError(_("Your ticket has no practical task."))
            saved = _last_saved_files(sitting=sitting, starters=_editable_files(task))
            try:
                with transaction.atomic():  # a savepoint: a refused run stores nothing
                    submission = submission_create(
                        task=task,
                        user=user,
                        files={**saved, **files},
                        kind=Submission.Kind.CHECK,
                        sitting=sitting,
                    )
            except RunsUnavailable as exc:
                _code_write(sitting=sitting, files=files, now=now)
                refused = exc
            else:
                sitting.code, sitting.code_saved_at = submission.files, now
                sitting.save(update_fields=["code", "code_saved_at", "updated_at"])
                return submission
        else:
            _submit_locked(sitting=sitting, files=None, now=now)
    if refused is not None:
        raise refused  # after the commit: the code is saved
    raise _deadline_passed()


def _editable_files(task: PracticalTask) -> dict[str, str]:
    """Editable file name → starter content."""
    return dict(
        TaskFile.objects.filter(task=task, kind=TaskFile.Kind.EDITABLE)
        .order_by("position", "id")
        .values_list("path", "starter")
    )


def _last_saved_files(*, sitting: Sitting, starters: Mapping[str, str]) -> dict[str, str]:
    """The code the student last saved (``Sitting.code``; for a sitting from before code was
    saved on it, the code of its last run), over the starter files."""
    saved = sitting.code or (
        Submission.objects.filter(sitting=sitting)
        .order_by("-created_at", "-id")
        .values_list("files", flat=True)
        .first()
    )
    files = dict(starters)
    if isinstance(saved, dict):
        files.update(
            {path: text for path, text in saved.items() if path in starters and isinstance(text, str)}
        )
    return files


def _files_clean(*, files: Mapping[str, object], base: Mapping[str, str]) -> dict[str, str]:
    """The submitted files over ``base``, checked as ``submission_create`` checks them."""
    unknown = sorted(set(files) - set(base))
    if unknown:
        raise InvalidWork(
            _("These files cannot be submitted: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        )
    limit = settings.SANDBOX_MAX_FILE_BYTES
    cleaned = dict(base)
    for name, content in files.items():
        if not isinstance(content, str):
            raise InvalidWork(_("%(name)s: a file must be text.") % {"name": name})
        if len(content.encode("utf-8", "surrogatepass")) > limit:
            raise InvalidWork(_("%(name)s is larger than %(limit)s bytes.") % {"name": name, "limit": limit})
        cleaned[name] = content
    return cleaned


# ---------------------------------------------------------------------------------------------
# Submitting and closing


def _submit_locked(*, sitting: Sitting, files: Mapping[str, object] | None, now: datetime) -> None:
    """Submit a locked in-progress sitting: lock its cases, store the practical code as the
    submission to grade (``files`` over the code saved last, which they replace), queue grading
    after commit."""
    sitting.status = Sitting.Status.SUBMITTED
    sitting.submitted_at = now
    fields = ["status", "submitted_at", "updated_at"]
    task = sitting.ticket.task
    code = None
    if task is not None:
        code = _last_saved_files(sitting=sitting, starters=_editable_files(task))
        if files is not None:
            code = _files_clean(files=files, base=code)
            sitting.code, sitting.code_saved_at = code, now
            fields += ["code", "code_saved_at"]
    sitting.save(update_fields=fields)
    CaseSubmission.objects.filter(sitting=sitting, status=CaseSubmission.Status.DRAFT).update(
        status=CaseSubmission.Status.SUBMITTED, submitted_at=now, updated_at=now
    )
    if task is not None and code is not None:
        # Created here, not with submission_create: the exam's submit is never refused for the
        # pending-runs limit, and its run is part of grading the sitting (sitting_grade_task).
        final = Submission(
            task=task, user_id=sitting.user_id, sitting=sitting, kind=Submission.Kind.SUBMIT, files=code
        )
        final.full_clean()
        final.save()
    sitting_id = sitting.pk
    transaction.on_commit(lambda: sitting_grade_task.delay(sitting_id))


def sitting_submit(
    *,
    sitting: Sitting,
    user: User,
    answers: Mapping[int, object] | None = None,
    cases: Mapping[int, object] | None = None,
    files: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> tuple[Sitting, bool]:
    """Submit the user's sitting with the work sent along (theory answers, case analyses, the
    practical task's files; each optional) and queue its grading; (sitting, True).

    Idempotent: a sitting already submitted is returned as it is; (sitting, False). The work
    sent along is saved when it arrives by the deadline (plus SUBMIT_GRACE for the submit the
    page sends at the deadline) and ignored after that: the sitting is then submitted as it was
    saved. Code not sent is the code saved last (autosave, the last run). Raises
    Sitting.DoesNotExist (not the user's) and ApplicationError for invalid work (the sitting
    then stays open).
    """
    now = now or timezone.now()
    with transaction.atomic():
        sitting = _sitting_locked(sitting_id=sitting.pk, user=user)
        if sitting.status != Sitting.Status.IN_PROGRESS:
            return sitting, False
        in_time = now <= sitting.deadline_at + SUBMIT_GRACE and _is_active_student(
            user=user, course_id=sitting.exam.course_id
        )
        if in_time and (answers or cases):
            _work_write(sitting=sitting, answers=answers or {}, cases=cases or {}, now=now)
        _submit_locked(sitting=sitting, files=files if in_time else None, now=now)
    return sitting, True


def sitting_close_if_expired(*, sitting_id: int, now: datetime | None = None) -> bool:
    """Submit the sitting if it is in progress past its deadline (with the work saved by then
    and the code saved last); True when it did. Skips a sitting locked by a concurrent
    write (the next sweep gets it). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        sitting = (
            Sitting.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("ticket__task")
            .filter(pk=sitting_id, status=Sitting.Status.IN_PROGRESS)
            .first()
        )
        if sitting is None or not sitting_is_expired(sitting=sitting, now=now):
            return False
        _submit_locked(sitting=sitting, files=None, now=now)
        return True


def sittings_close_expired(*, now: datetime | None = None) -> int:
    """Submit every sitting left in progress past its deadline (closed laptops, lost
    connections); their grading is queued. Returns how many were closed. Idempotent."""
    now = now or timezone.now()
    return sum(sitting_close_if_expired(sitting_id=pk, now=now) for pk in sitting_ids_expired(now=now))


# ---------------------------------------------------------------------------------------------
# The score (the grading desk re-totals with it)


def sitting_recompute_score(*, sitting: Sitting) -> Sitting:
    """Recompute the sitting's ``score`` and ``max_score`` from its parts: theory answers
    (points of max_points), case analyses (score of max_score) and the practical task (the
    last ``submit`` run's percent of ``sitting_selectors.PRACTICAL_MAX_POINTS``). Parts not
    graded yet count 0; ``exams.sitting_selectors.score_parts`` tells whether all are graded.
    Does not change the status: the grading desk calls this after grading and publishes the
    grade itself.
    Idempotent; locks the sitting."""
    with transaction.atomic():
        sitting = Sitting.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=sitting.pk)
        parts = score_parts(sitting=sitting)
        sitting.score, sitting.max_score = parts.score, parts.max_score
        sitting.save(update_fields=["score", "max_score", "updated_at"])
    return sitting
