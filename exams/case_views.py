"""A student's written analysis of a case study: the editor (Markdown, autosaved by HTMX), the
submit, and once graded the rubric results beside the reference analysis."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError, PermissionDeniedError
from courses.views import forbidden
from exams import case_selectors, case_services
from exams.desk_exceptions import InvalidInput
from exams.models import CaseStudy


def _page_or_404(request: HttpRequest, case_id: int) -> case_selectors.CaseAnalysisPage:
    try:
        return case_selectors.case_analysis_for(user=request.user, case_id=case_id)
    except CaseStudy.DoesNotExist:
        raise Http404 from None


def _save_state(request: HttpRequest, *, error: str = "", saved_at=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "exams/partials/analysis_save_state.html",
        {"error": error, "saved_at": saved_at},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_analysis(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET: the student's analysis page. POST: save the draft (HTMX autosave answers with the
    save state; a plain POST comes back to the page)."""
    page = _page_or_404(request, case_id)
    if page.access.refusal is not None:
        return forbidden(request, message=page.access.refusal, viewer=page.access.viewer)
    if request.method == "GET":
        return render(
            request, "exams/case_analysis.html", {"page": page, "case": page.case, "course": page.case.course}
        )
    try:
        submission = case_services.case_submission_save(
            case=page.case, user=request.user, analysis_md=request.POST.get("analysis_md", "")
        )
    except PermissionDeniedError as exc:
        if request.htmx:
            return _save_state(request, error=exc.message, status=403)
        return forbidden(request, message=exc.message, viewer=page.access.viewer)
    except ApplicationError as exc:
        status = 400 if isinstance(exc, InvalidInput) else 409
        if request.htmx:
            return _save_state(request, error=exc.message, status=status)
        messages.error(request, exc.message)
        return redirect("exams:case-analysis", case_id=case_id)
    if request.htmx:
        return _save_state(request, saved_at=submission.saved_at)
    messages.success(request, _("Your draft is saved."))
    return redirect("exams:case-analysis", case_id=case_id)


@login_required
@require_POST
def case_analysis_submit(request: HttpRequest, case_id: int) -> HttpResponse:
    """Submit the analysis (with the text in the form) for grading."""
    page = _page_or_404(request, case_id)
    if page.access.refusal is not None:
        return forbidden(request, message=page.access.refusal, viewer=page.access.viewer)
    text = request.POST.get("analysis_md")
    try:
        case_services.case_submission_submit(case=page.case, user=request.user, analysis_md=text)
    except PermissionDeniedError as exc:
        return forbidden(request, message=exc.message, viewer=page.access.viewer)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("exams:case-analysis", case_id=case_id)
    messages.success(request, _("Your analysis is submitted. You will be notified when it is graded."))
    return redirect("exams:case-analysis", case_id=case_id)
