"""Writes for practice in lessons: a student runs a lesson's code exercise (a PracticalTask with
``lesson`` set) against its public tests ("Run checks") or its hidden tests ("Submit").

The sandbox side (validation of the files, the pending-runs limit, the queue, the run and the
grading) is ``exams.services.submission_create``/``submission_run``; this module adds who may
practise which task. Exam tasks are practised only inside a sitting (``exams.sitting_services``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from accounts.models import User
from core.exceptions import PermissionDeniedError
from exams.models import PracticalTask, Submission
from exams.practice_selectors import practice_refusal
from exams.services import submission_create


def practice_run_create(
    *, task: PracticalTask, user: User, files: Mapping[str, str], kind: str, now: datetime | None = None
) -> Submission:
    """Queue a run of the user's files: ``check`` (public tests) or ``submit`` (hidden tests,
    scored). Needs an active enrollment in the task's course, the exercise published in a
    published lesson whose module is open to the user.

    Raises PermissionDeniedError when the user may not practise this task (the course's team
    included: they read, they do not run), and ApplicationError for everything
    ``submission_create`` refuses (unknown kind or file, too large, too many runs waiting).
    """
    refusal = practice_refusal(task=task, user=user, now=now)
    if refusal is not None:
        raise PermissionDeniedError(refusal)
    return submission_create(task=task, user=user, files=files, kind=kind)
