"""Practice pages: a lesson's code exercises, runs ("Run checks" / "Submit"), their live status
and results, and the changes between two runs. Parse the request, authorize on the object,
call one service or selector, render. ``request.htmx`` picks the fragment or the page.

Errors: 404 (not visible: someone else's run looks missing), 403 (not enrolled, the course's
team trying to run), 400 (refused: an unknown or too large file, too many runs waiting), 503
(the sandbox workers cannot run the task now: the page says so up front and disables the
buttons; a run posted anyway is refused and the editor keeps the code that was sent).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError, PermissionDeniedError
from courses.views import forbidden
from exams import practice_selectors, run_selectors
from exams.models import PracticalTask, Submission
from exams.practice_services import practice_run_create
from exams.sandbox_health import RunsUnavailable
from lessons.models import Lesson


def files_from_post(request: HttpRequest) -> dict[str, str] | None:
    """The editor's files from a form post: ``path`` and ``content`` fields in pairs (browsers
    send textareas with CRLF line ends; code is kept with LF). None when they do not pair up."""
    paths = request.POST.getlist("path")
    contents = request.POST.getlist("content")
    if len(paths) != len(contents):
        return None
    return {path: content.replace("\r\n", "\n") for path, content in zip(paths, contents, strict=True)}


def history_dom_id(*, task_id: int, sitting_id: int | None) -> str:
    return f"history-sitting-{sitting_id}" if sitting_id else f"history-task-{task_id}"


def _task_or_404(request: HttpRequest, task_id: int) -> practice_selectors.TaskAccess:
    try:
        return practice_selectors.practice_task_get_for_viewer(user=request.user, task_id=task_id)
    except PracticalTask.DoesNotExist:
        raise Http404 from None


def _submission_or_404(request: HttpRequest, submission_id: int) -> run_selectors.SubmissionAccess:
    try:
        return run_selectors.submission_get_for_viewer(user=request.user, submission_id=submission_id)
    except Submission.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def lesson_exercises(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The code exercises of a lesson: loaded into the lesson page by HTMX (nothing when the
    lesson has none), or a page of their own without JavaScript."""
    try:
        exercises = practice_selectors.lesson_exercises_for_viewer(user=request.user, lesson_id=lesson_id)
    except Lesson.DoesNotExist:
        raise Http404 from None
    access = exercises.lesson_access
    if access.refusal is not None:
        if request.htmx:
            return HttpResponse(status=204)  # the lesson page says why already
        return forbidden(request, message=access.refusal, viewer=access.viewer)
    if request.htmx:
        if not exercises.panels:
            return HttpResponse(status=204)
        return render(request, "exams/partials/lesson_exercises.html", {"exercises": exercises})
    context = {"exercises": exercises, "lesson": exercises.lesson, "course": access.course}
    return render(request, "exams/lesson_exercises.html", context)


@login_required
@require_GET
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """One exercise on a page of its own: statement, editor, last run, history."""
    access = _task_or_404(request, task_id)
    if access.refusal is not None:
        return forbidden(request, message=access.refusal, viewer=access.viewer)
    return _task_page(request, access)


def _task_page(
    request: HttpRequest,
    access: practice_selectors.TaskAccess,
    *,
    draft: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    drafts = {access.task.pk: draft} if draft else None
    panel = practice_selectors.practice_panels(accesses=[access], user=request.user, drafts=drafts)[0]
    context = {
        "panel": panel,
        "task": access.task,
        "course": access.task.course,
        "lesson": access.task.lesson,
    }
    return render(request, "exams/task_detail.html", context, status=status)


def _run_refused(request: HttpRequest, *, task_id: int, message: str, status: int) -> HttpResponse:
    if request.htmx:
        return render(request, "exams/partials/run_refused.html", {"message": message}, status=status)
    if status == 403:
        return forbidden(request, message=message)
    messages.error(request, message)
    return redirect("exams:task-detail", task_id=task_id)


@login_required
@require_POST
def task_run(request: HttpRequest, task_id: int) -> HttpResponse:
    """ "Run checks" (kind=check) or "Submit" (kind=submit) with the editor's files. HTMX gets
    the live status fragment (and the history, out of band); a plain post goes to the run."""
    access = _task_or_404(request, task_id)
    files = files_from_post(request)
    if files is None:
        return _run_refused(request, task_id=task_id, message=_bad_form(), status=400)
    try:
        submission = practice_run_create(
            task=access.task, user=request.user, files=files, kind=request.POST.get("kind", "")
        )
    except PermissionDeniedError as exc:
        return _run_refused(request, task_id=task_id, message=exc.message, status=403)
    except RunsUnavailable as exc:  # the sandbox cannot run it now: nothing was stored
        if request.htmx:  # the editor is not swapped: the code stays in it
            return _run_refused(request, task_id=task_id, message=exc.message, status=503)
        messages.error(request, exc.message)
        return _task_page(request, access, draft=files, status=503)  # the code that was sent
    except ApplicationError as exc:  # a bad file, or too many runs waiting
        return _run_refused(request, task_id=task_id, message=exc.message, status=400)
    if not request.htmx:
        return redirect("exams:submission-detail", submission_id=submission.pk)
    return _run_fragment(request, submission=submission, full=False, with_history=True)


def _bad_form() -> str:
    return _("The files of the form do not match. Reload the page and try again.")


def _run_fragment(
    request: HttpRequest, *, submission: Submission, full: bool, with_history: bool
) -> HttpResponse:
    run = run_selectors.run_view(submission=submission, full=full)
    context = {
        "run": run,
        "history_id": history_dom_id(task_id=submission.task_id, sitting_id=submission.sitting_id),
    }
    if with_history:
        context["history"] = run_selectors.submission_history(
            user=submission.user, task_ids=[submission.task_id], sitting_id=submission.sitting_id
        )[submission.task_id]
    return render(request, "exams/partials/run_status.html", context)


@login_required
@require_GET
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    """A run: status (live while queued or running), the per-test results, the code. The
    status fragment is polled by HTMX: 204 while nothing changed (``known``)."""
    access = _submission_or_404(request, submission_id)
    submission = access.submission
    if request.htmx:
        pending = submission.status in run_selectors.PENDING_STATUSES
        if pending and request.GET.get("known") == run_selectors.run_state_key(submission=submission):
            return HttpResponse(status=204)
        # The history is refreshed (out of band) where the run slot sits next to one: the
        # practice panel and the sitting page, whose run slots have an id (HX-Target).
        with_history = not pending and request.htmx.target is not None
        return _run_fragment(request, submission=submission, full=access.full, with_history=with_history)
    run = run_selectors.run_view(submission=submission, full=access.full)
    previous = run_selectors.submission_previous(submission=submission)
    context = {
        "access": access,
        "run": run,
        "submission": submission,
        "task": submission.task,
        "course": submission.task.course,
        "previous": previous,
        "files": sorted(submission.files.items()),
    }
    return render(request, "exams/submission_detail.html", context)


@login_required
@require_GET
def submission_diff(request: HttpRequest, submission_id: int) -> HttpResponse:
    """What changed in a run since another one of the same task (``?against=<id>``, by default
    the run before it)."""
    access = _submission_or_404(request, submission_id)
    newer = access.submission
    against = request.GET.get("against", "")
    if against.isdigit() and len(against) < 19:
        older = _submission_or_404(request, int(against)).submission
        if (older.user_id, older.task_id) != (newer.user_id, newer.task_id):
            raise Http404
    else:
        older = run_selectors.submission_previous(submission=newer)
    diffs = run_selectors.submission_diff(older=older, newer=newer) if older is not None else []
    context = {"access": access, "newer": newer, "older": older, "diffs": diffs, "task": newer.task}
    template = "exams/partials/run_diff.html" if request.htmx else "exams/submission_diff.html"
    return render(request, template, context)
