"""Grading the automatic part of a submitted exam sitting, in the sandbox worker.

``sitting_grade`` (the body of ``sitting_grade_task``, on the sandbox queue) runs the sitting's
practical submission in the sandbox and moves the sitting on: GRADED when the ticket has only
a practical task, AWAITING_MANUAL when theory answers or cases wait for the grading desk
(which re-totals with ``sitting_services.sitting_recompute_score`` and publishes the grade).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Notification
from exams.models import Sitting, Submission
from exams.services import submission_run
from exams.sitting_selectors import ScoreParts, final_submission, score_parts, sitting_ids_stuck_in_grading
from exams.tasks import sitting_grade_task

logger = logging.getLogger(__name__)


def sitting_grade(*, sitting_id: int) -> Sitting | None:
    """Grade the automatic part of a submitted sitting: run its practical submission in the
    sandbox (``submission_run``), then compute the score and move the sitting to GRADED (a
    ticket with only a practical task) or AWAITING_MANUAL (theory answers or cases wait for
    the grading desk, or the code could not be run), and notify the student. When the sandbox
    refuses to run here (no isolation, runtime missing: infrastructure, not the student's
    code), the practical submission goes back to the queue and the sitting stays GRADING: the
    stuck-grading sweep (``sittings_requeue_stuck_grading``) queues it again until it runs.

    Idempotent and safe after a crash: SUBMITTED → GRADING in one transaction; the run is
    idempotent (a run left by a killed worker starts over); the result is written under the row
    lock only while the sitting is still GRADING. Returns None for a missing sitting; one in
    progress or already past grading is returned unchanged. Runs in the sandbox worker.
    """
    with transaction.atomic():
        sitting = Sitting.objects.select_for_update().filter(pk=sitting_id).first()
        if sitting is None:
            return None
        if sitting.status == Sitting.Status.SUBMITTED:
            sitting.status = Sitting.Status.GRADING
            sitting.save(update_fields=["status", "updated_at"])
        elif sitting.status != Sitting.Status.GRADING:
            return sitting

    final = final_submission(sitting=sitting)
    if final is not None and final.status not in (Submission.Status.DONE, Submission.Status.ERROR):
        final = submission_run(submission=final)
        if final.status == Submission.Status.QUEUED:
            # No sandbox on this host (the run went back to the queue): the sitting stays
            # grading, and the stuck-grading sweep queues it again until a worker can run it.
            logger.warning("sitting %s: its practical part waits for a worker with a sandbox", sitting_id)
            return sitting

    with transaction.atomic():
        sitting = (
            Sitting.objects.select_for_update(of=("self",))
            .select_related("exam", "user", "ticket")
            .get(pk=sitting_id)
        )
        if sitting.status != Sitting.Status.GRADING:  # a concurrent run finished it
            return sitting
        parts = score_parts(sitting=sitting)
        sitting.score, sitting.max_score = parts.score, parts.max_score
        now = timezone.now()
        if parts.is_complete:
            sitting.status = Sitting.Status.GRADED
            sitting.graded_at = now
        else:
            sitting.status = Sitting.Status.AWAITING_MANUAL
        sitting.save(update_fields=["status", "score", "max_score", "graded_at", "updated_at"])
        _notify_auto_graded(sitting=sitting, parts=parts)
    return sitting


def _notify_auto_graded(*, sitting: Sitting, parts: ScoreParts) -> None:
    from accounts.notifications import notification_send

    user = sitting.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        if parts.is_complete:
            title = _("Your exam “%(exam)s” is graded") % {"exam": sitting.exam.title}
            body = _("Score: %(score)s of %(max)s.") % {"score": parts.score, "max": parts.max_score}
        elif parts.practical is not None and parts.practical.points is not None:
            title = _("The practical task of your exam “%(exam)s” is graded") % {"exam": sitting.exam.title}
            body = _(
                "Practical task: %(points)s of %(max)s. The rest of your answers are waiting for a teacher."
            ) % {"points": parts.practical.points, "max": parts.practical.max_points}
        else:
            title = _("Your exam “%(exam)s” is submitted") % {"exam": sitting.exam.title}
            body = _("Your answers are waiting for a teacher; you will be notified of the grade.")
        notification_send(
            user=user,
            kind=Notification.Kind.SUBMISSION_GRADED,
            title=title,
            body=body,
            url=reverse("exams:sitting-detail", args=[sitting.pk]),
            dedupe_key=f"sitting-auto-graded-{sitting.pk}",
        )


def sittings_requeue_stuck_grading(*, older_than_minutes: int = 15, now: datetime | None = None) -> int:
    """Queue grading again for sittings submitted more than ``older_than_minutes`` ago and
    still submitted or grading (the task was lost). Safe: grading is idempotent."""
    now = now or timezone.now()
    ids = sitting_ids_stuck_in_grading(submitted_before=now - timedelta(minutes=older_than_minutes))
    for sitting_id in ids:
        sitting_grade_task.delay(sitting_id)
    return len(ids)
