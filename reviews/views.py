"""Feedback pages: parse the request, authorize on the object, call one service or selector,
render. HTMX requests get the fragment, others the page (one URL, one view).

Errors from services become: 403 with the reason (not enrolled, not on the team), 400 (the
form is wrong: shown next to it), 409 (the item's state refuses it), 404 (not visible).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError, PermissionDeniedError
from core.pagination import page_number
from courses import selectors as course_selectors
from courses.models import Course
from courses.views import forbidden
from reviews import selectors, services
from reviews.exceptions import InvalidFeedback
from reviews.forms import (
    FeedbackForm,
    ItemReportForm,
    ModerateForm,
    ReviewForm,
)
from reviews.models import Review

REPORT_KINDS = ("question", "case", "ticket")


def status_for(exc: ApplicationError) -> int:
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, InvalidFeedback):
        return 400
    return 409


def next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# ---------------------------------------------------------------------------------------------
# Lecture feedback and item reports (students)


def _feedback_form(request: HttpRequest, *, kind: str, target_id: int) -> HttpResponse:
    try:
        target = selectors.feedback_target_get(kind=kind, target_id=target_id)
    except ObjectDoesNotExist:
        raise Http404 from None
    refusal = selectors.feedback_refusal(user=request.user, target=target)
    tags = services.feedback_tags_ensure(course=target.course, kind=kind) if refusal is None else []
    state = selectors.feedback_form_state(user=request.user, target=target, tags=tags)
    form_class = FeedbackForm if kind == "lesson" else ItemReportForm
    widget_id = f"feedback-{kind}-{target.obj.pk}"
    form_options = {"tags": tags, "auto_id": f"{widget_id}-%s"}
    status = 200
    saved = False
    if request.method == "POST" and state.can_submit:
        form = form_class(request.POST, **form_options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback, _created = services.feedback_submit(
                    user=request.user,
                    target=target,
                    clarity=data.get("clarity"),
                    pace=data.get("pace"),
                    practice=data.get("practice"),
                    tag_ids=data["tags"],
                    comment=data["comment"],
                    is_anonymous=data["is_anonymous"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = status_for(exc)
            else:
                if not request.htmx:
                    messages.success(request, _("Thank you! The course team will read your feedback."))
                    return redirect(
                        next_or(request, selectors.target_url(kind, target.obj, for_team=False) or "/")
                    )
                saved = True
                state = selectors.feedback_form_state(user=request.user, target=target, tags=tags)
                form = form_class(initial=_feedback_initial(state.feedback), **form_options)
        else:
            status = 400
    elif request.method == "POST":
        status = 403
        form = None
    else:
        form = (
            form_class(initial=_feedback_initial(state.feedback), **form_options)
            if state.can_submit
            else None
        )
    context = {
        "state": state,
        "form": form,
        "kind": kind,
        "saved": saved,
        "action_url": request.path,
        "widget_id": widget_id,
        "inbox_url": reverse("reviews:inbox") + "?" + urlencode({"course": target.course.pk, "kind": kind}),
    }
    template = (
        "reviews/partials/feedback_widget.html" if kind == "lesson" else "reviews/partials/item_report.html"
    )
    if request.htmx:
        return render(request, template, context, status=status)
    return render(request, "reviews/feedback_page.html", {**context, "fragment": template}, status=status)


def _feedback_initial(feedback: Any) -> dict[str, Any]:
    if feedback is None:
        return {}
    return {
        "clarity": feedback.clarity,
        "pace": feedback.pace,
        "practice": feedback.practice,
        "tags": [str(tag.pk) for tag in feedback.tags.all()],
        "comment": feedback.comment,
        "is_anonymous": feedback.is_anonymous,
    }


@login_required
@require_http_methods(["GET", "POST"])
def lesson_feedback(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """The feedback widget under a lecture: ratings, tags, comment, anonymity. One item per
    student per lesson; sending again edits it."""
    return _feedback_form(request, kind="lesson", target_id=lesson_id)


@login_required
@require_http_methods(["GET", "POST"])
def item_report(request: HttpRequest, kind: str, target_id: int) -> HttpResponse:
    """ "This question (case, exam ticket) is wrong or unclear": a report with the item attached."""
    if kind not in REPORT_KINDS:
        raise Http404
    return _feedback_form(request, kind=kind, target_id=target_id)


@login_required
@require_GET
def my_feedback(request: HttpRequest) -> HttpResponse:
    """The student's own feedback, reports and reviews with the team's replies and statuses."""
    context = {
        "feedback_list": selectors.feedback_own_list(user=request.user),
        "review_list": selectors.review_own_list(user=request.user),
    }
    return render(request, "reviews/my_feedback.html", context)


# ---------------------------------------------------------------------------------------------
# Reviews


def _public_course_or_404(slug: str) -> Course:
    try:
        return selectors.public_course_get(slug=slug)
    except Course.DoesNotExist:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def review_form(request: HttpRequest, slug: str) -> HttpResponse:
    """Write or edit one's review of the course; it is public after moderation."""
    course = _public_course_or_404(slug)
    refusal = selectors.review_refusal(user=request.user, course=course)
    if refusal is not None:
        return forbidden(
            request, message=refusal, viewer=course_selectors.course_viewer(user=request.user, course=course)
        )
    review = selectors.review_own(user=request.user, course=course)
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.review_submit(user=request.user, course=course, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("Thank you! Your review will appear after moderation."))
                return redirect("reviews:course-reviews", slug=course.slug)
        else:
            status = 400
    else:
        form = ReviewForm(initial=ReviewForm.initial_from(review))
    return render(
        request, "reviews/review_form.html", {"course": course, "form": form, "review": review}, status=status
    )


@require_GET
def course_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """The course's published reviews (imported ones with their source), public: the newest
    few for the course page's slot (HTMX), all of them page by page otherwise."""
    course = _public_course_or_404(slug)
    if request.htmx:  # the course page's reviews slot: the newest few, then a link to them all
        number = None
        public = selectors.course_reviews_public(course, limit=selectors.REVIEWS_ON_COURSE_PAGE)
    else:
        number = page_number(request.GET.get("page"))
        per_page = selectors.REVIEWS_PER_PAGE
        public = selectors.course_reviews_public(course, limit=per_page, offset=(number - 1) * per_page)
    context = {
        "course": course,
        "course_reviews": public,
        "paginated": number is not None,
        "page_number": number,
        "can_review": request.user.is_authenticated
        and selectors.review_refusal(user=request.user, course=course) is None,
    }
    if request.htmx:
        return render(request, "reviews/partials/course_reviews.html", context)
    return render(request, "reviews/course_reviews_page.html", context)


@login_required
@require_POST
def review_moderate(request: HttpRequest, review_id: int) -> HttpResponse:
    try:
        review = selectors.review_get_for_moderator(user=request.user, review_id=review_id)
    except Review.DoesNotExist:
        raise Http404 from None
    form = ModerateForm(request.POST)
    fallback = reverse("reviews:inbox")
    if not form.is_valid():
        messages.error(request, _("Choose to publish or reject the review."))
        return redirect(next_or(request, fallback))
    try:
        services.review_moderate(review=review, user=request.user, status=form.cleaned_data["status"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(next_or(request, fallback))
    messages.success(request, _("The review is moderated."))
    return redirect(next_or(request, fallback))
