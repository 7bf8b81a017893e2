"""Exam pages: the exam (draw a ticket), the sitting (answers and code with autosave, the
practical task with "Run checks", the cases, the countdown, submit) and its result (live while grading).
Parse the request, authorize on the object, call one service or selector, render.

Errors: 404 (not visible: someone else's sitting looks missing), 403 (not enrolled; the
course's team, who may only read), 400 (bad input), 409 (the sitting is submitted, or the
deadline passed: the page then shows the submitted sitting), 503 ("Run checks" while the
sandbox workers cannot run the task: the code is saved all the same, and the page says so up
front with the button disabled; the theory and the submit are never blocked by it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from core.exceptions import ApplicationError, PermissionDeniedError
from courses.views import forbidden
from exams import sitting_selectors as selectors
from exams import sitting_services as services
from exams.models import Exam, Sitting
from exams.practice_views import files_from_post, history_dom_id
from exams.run_selectors import run_view, submission_history
from exams.sandbox_health import RunsUnavailable

ANSWER_PREFIX = "answer-"
CASE_PREFIX = "case-"


def _sitting_or_404(request: HttpRequest, sitting_id: int) -> selectors.SittingAccess:
    try:
        return selectors.sitting_get_for_viewer(user=request.user, sitting_id=sitting_id)
    except Sitting.DoesNotExist:
        raise Http404 from None


def _read_only(request: HttpRequest, access: selectors.SittingAccess) -> HttpResponse:
    return forbidden(request, message=_("You can view this sitting but not change it."), viewer=access.viewer)


def _texts(request: HttpRequest, prefix: str) -> dict[int, str]:
    """``answer-<id>`` (or ``case-<id>``) fields of a post: id → text with LF line ends."""
    texts = {}
    for name, value in request.POST.items():
        key = name.removeprefix(prefix)
        if name.startswith(prefix) and key.isdigit() and len(key) < 19:
            texts[int(key)] = value.replace("\r\n", "\n")
    return texts


# ---------------------------------------------------------------------------------------------
# The exam


@login_required
@require_GET
def exam_detail(request: HttpRequest, exam_id: int) -> HttpResponse:
    """The exam's rules and window, and the student's way in: draw a ticket or continue the
    sitting. The course's team also sees the list of sittings."""
    try:
        access = selectors.exam_get_for_viewer(user=request.user, exam_id=exam_id)
    except Exam.DoesNotExist:
        raise Http404 from None
    sittings = selectors.sitting_list_for_exam(exam=access.exam) if access.can_review else []
    context = {"access": access, "exam": access.exam, "course": access.exam.course, "sittings": sittings}
    return render(request, "exams/exam_detail.html", context)


@login_required
@require_POST
def exam_draw(request: HttpRequest, exam_id: int) -> HttpResponse:
    """Draw a ticket (once: a second draw opens the same sitting) and start the timer."""
    try:
        access = selectors.exam_get_for_viewer(user=request.user, exam_id=exam_id)
    except Exam.DoesNotExist:
        raise Http404 from None
    try:
        sitting, _created = services.sitting_draw_ticket(exam=access.exam, user=request.user)
    except PermissionDeniedError as exc:
        return forbidden(request, message=exc.message, viewer=access.viewer)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("exams:exam-detail", exam_id=exam_id)
    return redirect("exams:sitting-detail", sitting_id=sitting.pk)


# ---------------------------------------------------------------------------------------------
# The sitting


@login_required
@require_GET
def sitting_detail(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The student's sitting while it is in progress (the work page), otherwise its result:
    status (live while grading), the automatic result, and the final grade with the reference
    answers once published. The course's team reads any sitting of their course."""
    access = _sitting_or_404(request, sitting_id)
    sitting = access.sitting
    expired = sitting.status == Sitting.Status.IN_PROGRESS and sitting.deadline_at <= timezone.now()
    if access.is_owner and expired:
        if services.sitting_close_if_expired(sitting_id=sitting.pk):
            messages.warning(
                request, _("Time is up: your exam was submitted with the work saved before the deadline.")
            )
            access = _sitting_or_404(request, sitting_id)
    page = selectors.sitting_page(access=access)
    context = {
        "page": page,
        "sitting": page.sitting,
        "exam": page.sitting.exam,
        "course": page.sitting.exam.course,
        "practical": page.practical,
        "history_id": history_dom_id(task_id=0, sitting_id=page.sitting.pk),
        "time_left": _duration(page.seconds_left),
    }
    template = "exams/sitting_work.html" if page.can_write else "exams/sitting_result.html"
    return render(request, template, context)


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _closed_response(request: HttpRequest, sitting: Sitting, exc: services.SittingClosed) -> HttpResponse:
    """After the deadline (or a submit in another tab) the page moves to the result."""
    url = reverse("exams:sitting-detail", kwargs={"sitting_id": sitting.pk})
    messages.warning(request, exc.message)
    if request.htmx:
        refused = HttpResponseClientRedirect(url)  # htmx follows HX-Redirect on any status
        refused.status_code = 409
        return refused
    return redirect(url)


def _save_state(request: HttpRequest, *, error: str = "", saved_at=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "exams/partials/sitting_save_state.html",
        {"error": error, "saved_at": saved_at},
        status=status,
    )


def _autosave(
    request: HttpRequest, access: selectors.SittingAccess, save: Callable[[], datetime | None]
) -> HttpResponse:
    """Run one autosave of the sitting's work and answer with its save state: the time it was
    saved, or the reason it was refused (the sitting closed, not the student's, bad input)."""
    try:
        saved_at = save()
    except services.SittingClosed as exc:
        return _closed_response(request, access.sitting, exc)
    except PermissionDeniedError as exc:
        return _save_state(request, error=exc.message, status=403)
    except ApplicationError as exc:
        return _save_state(request, error=exc.message, status=400)
    if not request.htmx:
        return redirect("exams:sitting-detail", sitting_id=access.sitting.pk)
    return _save_state(request, saved_at=saved_at)


@login_required
@require_POST
def sitting_answer_save(request: HttpRequest, sitting_id: int, question_id: int) -> HttpResponse:
    """Autosave of one theory answer (HTMX; field ``answer-<question id>``)."""
    access = _sitting_or_404(request, sitting_id)
    if not access.is_owner:
        return _read_only(request, access)
    text = request.POST.get(f"{ANSWER_PREFIX}{question_id}")
    if text is None:
        return _save_state(request, error=_("The answer is missing from the form."), status=400)
    return _autosave(
        request,
        access,
        lambda: (
            services.sitting_answer_save(
                sitting=access.sitting,
                user=request.user,
                question_id=question_id,
                text=text.replace("\r\n", "\n"),
            ).saved_at
        ),
    )


@login_required
@require_POST
def sitting_case_save(request: HttpRequest, sitting_id: int, case_id: int) -> HttpResponse:
    """Autosave of one case analysis (HTMX; field ``case-<case id>``)."""
    access = _sitting_or_404(request, sitting_id)
    if not access.is_owner:
        return _read_only(request, access)
    text = request.POST.get(f"{CASE_PREFIX}{case_id}")
    if text is None:
        return _save_state(request, error=_("The analysis is missing from the form."), status=400)
    return _autosave(
        request,
        access,
        lambda: (
            services.sitting_case_save(
                sitting=access.sitting,
                user=request.user,
                case_id=case_id,
                analysis_md=text.replace("\r\n", "\n"),
            ).saved_at
        ),
    )


@login_required
@require_POST
def sitting_code_save(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """Autosave of the practical task's code (HTMX, debounced by the editor; ``path`` and
    ``content`` fields in pairs)."""
    access = _sitting_or_404(request, sitting_id)
    if not access.is_owner:
        return _read_only(request, access)
    files = files_from_post(request)
    if not files:
        return _save_state(request, error=_("The code is missing from the form."), status=400)
    return _autosave(
        request,
        access,
        lambda: (
            services.sitting_save_code(sitting=access.sitting, user=request.user, files=files).code_saved_at
        ),
    )


@login_required
@require_POST
def sitting_save(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """Save every answer, analysis and the code of the form at once (the "Save" button;
    without JavaScript this is how work is saved)."""
    access = _sitting_or_404(request, sitting_id)
    if not access.is_owner:
        return _read_only(request, access)
    files = files_from_post(request) if request.POST.getlist("path") else None
    try:
        services.sitting_work_save(
            sitting=access.sitting,
            user=request.user,
            answers=_texts(request, ANSWER_PREFIX),
            cases=_texts(request, CASE_PREFIX),
            files=files,
        )
    except services.SittingClosed as exc:
        return _closed_response(request, access.sitting, exc)
    except PermissionDeniedError as exc:
        return forbidden(request, message=exc.message, viewer=access.viewer)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Saved at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M:%S")}
        )
    return redirect("exams:sitting-detail", sitting_id=sitting_id)


@login_required
@require_POST
def sitting_check(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """ "Run checks": the practical task's public tests on the editor's files. HTMX gets the live
    status fragment; a plain post goes back to the sitting."""
    access = _sitting_or_404(request, sitting_id)
    if not access.is_owner:
        return _read_only(request, access)
    files = files_from_post(request)
    error, status = None, 400
    if files is None:
        error = _("The files of the form do not match. Reload the page and try again.")
    else:
        try:
            submission = services.sitting_run_check(sitting=access.sitting, user=request.user, files=files)
        except services.SittingClosed as exc:
            return _closed_response(request, access.sitting, exc)
        except PermissionDeniedError as exc:
            return forbidden(request, message=exc.message, viewer=access.viewer)
        except RunsUnavailable as exc:  # nothing was run, the code was saved
            error, status = exc.message, 503
        except ApplicationError as exc:
            error = exc.message
    if error is not None:
        if request.htmx:
            return render(request, "exams/partials/run_refused.html", {"message": error}, status=status)
        messages.error(request, error)
        return redirect("exams:sitting-detail", sitting_id=sitting_id)
    if not request.htmx:
        messages.info(request, _("Your checks are queued."))
        return redirect("exams:sitting-detail", sitting_id=sitting_id)
    context = {
        "run": run_view(submission=submission, full=False),
        "history_id": history_dom_id(task_id=submission.task_id, sitting_id=sitting_id),
        "history": submission_history(
            user=request.user, task_ids=[submission.task_id], sitting_id=sitting_id
        )[submission.task_id],
    }
    return render(request, "exams/partials/run_status.html", context)


@login_required
@require_POST
def sitting_submit(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """Submit the sitting with the work in the form (answers, analyses, code); also what the
    countdown sends at the deadline. Submitting twice is harmless: the sitting is graded once."""
    access = _sitting_or_404(request, sitting_id)
    if not access.is_owner:
        return _read_only(request, access)
    files = files_from_post(request) if request.POST.getlist("path") else None
    try:
        sitting, submitted = services.sitting_submit(
            sitting=access.sitting,
            user=request.user,
            answers=_texts(request, ANSWER_PREFIX),
            cases=_texts(request, CASE_PREFIX),
            files=files,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("exams:sitting-detail", sitting_id=sitting_id)
    if submitted:
        late = sitting.submitted_at > sitting.deadline_at + services.SUBMIT_GRACE
        messages.success(
            request,
            _("Time was up: your exam was submitted with the work saved before the deadline.")
            if late
            else _("Your exam is submitted."),
        )
    return redirect("exams:sitting-detail", sitting_id=sitting_id)


@login_required
@require_GET
def sitting_status(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """The live status line of a submitted sitting, polled by HTMX: 204 while unchanged, and a
    page refresh once grading is over (the page then shows the result)."""
    access = _sitting_or_404(request, sitting_id)
    sitting = access.sitting
    if not request.htmx:
        return redirect("exams:sitting-detail", sitting_id=sitting_id)
    if request.GET.get("known") == sitting.status:
        return HttpResponse(status=204)
    if sitting.status not in selectors.PENDING_STATUSES:
        return HttpResponseClientRefresh()
    return render(request, "exams/partials/sitting_status.html", {"sitting": sitting})
