"""Quiz pages: parse the request, authorize on the object, call one service or selector, render.

Errors from services become: 403 (not enrolled, or a teacher trying to write), 404 (not
visible: another student's attempt looks missing), 400 (a bad answer, shown next to the
question), 409 or a redirect with a message (the quiz or attempt state refuses it).
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.pagination import page_number
from quizzes import polling, selectors, services
from quizzes.exceptions import AttemptClosed, InvalidAnswer, NotEnrolled, QuizError
from quizzes.forms import ResponseForm
from quizzes.models import Attempt, Quiz


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "quizzes/forbidden.html", {"message": message}, status=403)


def _attempt_or_404(request: HttpRequest, attempt_id: int) -> Attempt:
    try:
        return selectors.attempt_get_for_viewer(user=request.user, attempt_id=attempt_id)
    except Attempt.DoesNotExist:
        raise Http404 from None


def _read_only(request: HttpRequest) -> HttpResponse:
    return _forbidden(request, _("You can view this attempt but not change it."))


@login_required
@require_GET
def quiz_detail(request: HttpRequest, quiz_id: int) -> HttpResponse:
    try:
        detail = selectors.quiz_detail_for(user=request.user, quiz_id=quiz_id)
    except Quiz.DoesNotExist:
        raise Http404 from None
    return render(request, "quizzes/quiz_detail.html", {"detail": detail, "quiz": detail.quiz})


@login_required
@require_POST
def attempt_start(request: HttpRequest, quiz_id: int) -> HttpResponse:
    try:
        quiz = selectors.quiz_get_for_viewer(user=request.user, quiz_id=quiz_id)
    except Quiz.DoesNotExist:
        raise Http404 from None
    try:
        attempt, _created = services.attempt_start(quiz=quiz, user=request.user)
    except NotEnrolled as exc:
        return _forbidden(request, exc.message)
    except QuizError as exc:
        messages.error(request, exc.message)
        return redirect("quizzes:quiz-detail", quiz_id=quiz.pk)
    return redirect("quizzes:attempt-take", attempt_id=attempt.pk)


def _take_context(take: selectors.TakePage, forms: list[ResponseForm]) -> dict:
    attempt = take.attempt
    return {
        "take": take,
        "attempt": attempt,
        "quiz": attempt.quiz,
        "forms": forms,
        "time_left": _duration(take.seconds_left),
    }


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _navigate(attempt: Attempt, take: selectors.TakePage, nav: str) -> HttpResponse:
    """Where the take form's button goes once the page's answers are saved."""
    take_url = reverse("quizzes:attempt-take", kwargs={"attempt_id": attempt.pk})
    if nav == "finish":
        return redirect("quizzes:attempt-submit", attempt_id=attempt.pk)
    if nav == "prev" and take.previous_page:
        return redirect(f"{take_url}?page={take.previous_page}")
    if nav == "next" and take.next_page:
        return redirect(f"{take_url}?page={take.next_page}")
    if nav.startswith("page-") and nav[5:].isdigit():
        return redirect(f"{take_url}?page={nav[5:]}")
    return redirect(f"{take_url}?page={take.page}")


@login_required
@require_http_methods(["GET", "POST"])
def attempt_take(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The questions of one page of the student's attempt. Every control autosaves (HTMX); the
    form also works as a plain POST that saves the page and moves on."""
    attempt = _attempt_or_404(request, attempt_id)
    if not attempt.viewer_is_owner or attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("quizzes:attempt-result", attempt_id=attempt.pk)
    if services.attempt_close_if_expired(attempt_id=attempt.pk):
        messages.warning(request, _("Time is up: your attempt was submitted."))
        return redirect("quizzes:attempt-result", attempt_id=attempt.pk)

    take = selectors.attempt_take_page(attempt=attempt, page=page_number(request.GET.get("page")))
    if request.method == "GET":
        forms = [ResponseForm(view=view) for view in take.questions]
        return render(request, "quizzes/attempt_take.html", _take_context(take, forms))

    forms = [ResponseForm(request.POST, view=view) for view in take.questions]
    status = 400
    if all(form.is_valid() for form in forms):
        answers = {form.view.question.pk: form.cleaned_data["answer"] for form in forms}
        try:
            services.responses_save(attempt=attempt, user=request.user, answers=answers)
        except AttemptClosed as exc:  # incl. the deadline: the attempt is submitted now
            messages.warning(request, exc.message)
            return redirect("quizzes:attempt-result", attempt_id=attempt.pk)
        except NotEnrolled as exc:
            return _forbidden(request, exc.message)
        except QuizError as exc:  # a bad answer (400) or the quiz was unpublished meanwhile (409)
            messages.error(request, exc.message)
            status = 400 if isinstance(exc, InvalidAnswer) else 409
        else:
            return _navigate(attempt, take, request.POST.get("nav", ""))
    return render(request, "quizzes/attempt_take.html", _take_context(take, forms), status=status)


@login_required
@require_POST
def response_save(request: HttpRequest, attempt_id: int, question_id: int) -> HttpResponse:
    """Autosave of one question (HTMX). Answers with the question's "saved" state fragment."""
    attempt = _attempt_or_404(request, attempt_id)
    if not attempt.viewer_is_owner:
        return _read_only(request)
    view = selectors.response_for_question(attempt=attempt, question_id=question_id)
    if view is None:
        return _save_state(
            request,
            question_id=question_id,
            error=_("This question is not part of this attempt."),
            status=400,
        )
    form = ResponseForm(request.POST, view=view)
    if not form.is_valid():
        error = " ".join(str(message) for message in form.errors.get("answer", [])) or _("Invalid answer.")
        return _save_state(request, form=form, error=error, status=400)
    try:
        response = services.response_save(
            attempt=attempt, user=request.user, question_id=question_id, value=form.cleaned_data["answer"]
        )
    except AttemptClosed as exc:  # incl. the deadline: the attempt is submitted now
        result_url = reverse("quizzes:attempt-result", kwargs={"attempt_id": attempt.pk})
        messages.warning(request, exc.message)
        if request.htmx:
            refused = HttpResponseClientRedirect(result_url)  # htmx follows HX-Redirect on any status
            refused.status_code = 409
            return refused
        return redirect(result_url)
    except NotEnrolled as exc:
        return _save_state(request, form=form, error=exc.message, status=403)
    except InvalidAnswer as exc:
        return _save_state(request, form=form, error=exc.message, status=400)
    except QuizError as exc:  # the quiz was unpublished meanwhile
        return _save_state(request, form=form, error=exc.message, status=409)
    if not request.htmx:
        return redirect("quizzes:attempt-take", attempt_id=attempt.pk)
    return _save_state(
        request,
        form=form,
        saved_at=response.answered_at,
        cleared=response.answered_at is None,
        answered=selectors.attempt_answered_count(attempt=attempt),
    )


def _save_state(
    request: HttpRequest,
    *,
    form: ResponseForm | None = None,
    question_id: int | None = None,
    error: str = "",
    saved_at: datetime | None = None,
    cleared: bool = False,
    answered: selectors.AnsweredCount | None = None,
    status: int = 200,
) -> HttpResponse:
    """The inside of a question's "saved" live region, and (out of band) its navigator mark and,
    after a save, the attempt's "N of M answered" line, counted by the server."""
    context = {
        "form": form,
        "question_id": form.view.question.pk if form is not None else question_id,
        "is_answered": saved_at is not None,
        "update_navigator": form is not None and not error,
        "answered": answered,
        "error": error,
        "saved_at": saved_at,
        "cleared": cleared,
    }
    return render(request, "quizzes/partials/save_state.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """GET: the summary before submitting (answered and unanswered questions). POST: submit
    (also sent by the countdown at the deadline)."""
    if request.method == "POST":
        return _attempt_submit_post(request, attempt_id)
    attempt = _attempt_or_404(request, attempt_id)
    if not attempt.viewer_is_owner or attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("quizzes:attempt-result", attempt_id=attempt.pk)
    take = selectors.attempt_summary(attempt=attempt)
    return render(request, "quizzes/attempt_submit.html", _take_context(take, []))


def _attempt_submit_post(request: HttpRequest, attempt_id: int) -> HttpResponse:
    # The service locks the student's own attempt and checks it: nothing to load before it.
    try:
        services.attempt_submit(attempt=Attempt(pk=attempt_id), user=request.user)
    except Attempt.DoesNotExist:  # not theirs: not found, or read-only for the course's teachers
        _attempt_or_404(request, attempt_id)
        return _read_only(request)
    except AttemptClosed:
        pass  # submitted meanwhile (another tab, the deadline sweep): show the result
    except NotEnrolled as exc:
        return _forbidden(request, exc.message)
    return redirect("quizzes:attempt-result", attempt_id=attempt_id)


@login_required
@require_GET
def attempt_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Status (live while grading), score and the review the policy allows. The course's
    teachers see any attempt of their course, read-only."""
    attempt = _attempt_or_404(request, attempt_id)
    if attempt.viewer_is_owner and attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("quizzes:attempt-take", attempt_id=attempt.pk)
    # While it is being graded (usually well under a second) the page shows the status alone:
    # the graded status fragment brings the review, so it is built once, with the grade.
    result = selectors.attempt_result(
        attempt=attempt, with_review=attempt.status not in selectors.PENDING_STATUSES
    )
    return render(request, "quizzes/attempt_result.html", _result_context(result, oob_review=False))


@login_required
@require_GET
def attempt_status(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The live status fragment, polled by the result page until grading is over (on the
    schedule of ``quizzes.polling``); once it is, the fragment also brings the review (out of
    band). A student's poll while nothing changed costs one query on the attempt's key: 204."""
    known = request.GET.get("known")
    if request.htmx and known in selectors.PENDING_STATUSES:
        if selectors.attempt_status_of_own(user=request.user, attempt_id=attempt_id) == known:
            return HttpResponse(status=204)  # unchanged: htmx keeps the fragment and polls again
    attempt = _attempt_or_404(request, attempt_id)
    if not request.htmx:
        return redirect("quizzes:attempt-result", attempt_id=attempt.pk)
    if attempt.status in selectors.PENDING_STATUSES and known == attempt.status:
        return HttpResponse(status=204)  # a teacher's poll, unchanged
    result = selectors.attempt_result(
        attempt=attempt, with_review=attempt.status not in selectors.PENDING_STATUSES
    )
    return render(
        request,
        "quizzes/partials/attempt_status.html",
        _result_context(result, oob_review=not result.is_pending),
    )


def _result_context(result: selectors.AttemptResultView, *, oob_review: bool) -> dict:
    return {
        "result": result,
        "attempt": result.attempt,
        "quiz": result.attempt.quiz,
        "oob_review": oob_review,
        "status_poll_trigger": polling.status_poll_trigger(),
    }
