"""The feedback inbox pages of the course's team and staff: the list (most urgent first,
filters, bulk actions), one item (reply, status, notes, owner, moderation), the CSV export.
The author of an anonymous item shows as "anonymous" everywhere here, except to superusers.
"""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.pagination import page_number
from courses.models import Course
from courses.views import forbidden
from reviews import selectors, services
from reviews.exceptions import InvalidFeedback
from reviews.forms import (
    BulkActionForm,
    ModerateForm,
    RespondForm,
)
from reviews.models import FeedbackResponse
from reviews.permissions import user_has_inbox
from reviews.views import next_or, status_for


def _inbox_refusal(request: HttpRequest) -> HttpResponse | None:
    if user_has_inbox(request.user):
        return None
    return forbidden(request, message=_("The feedback inbox is for the teams of courses."))


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The feedback inbox: items of the user's courses, most urgent first, with filters and
    bulk actions. The author of an anonymous item shows as "anonymous"."""
    refused = _inbox_refusal(request)
    if refused is not None:
        return refused
    filters = selectors.inbox_filter_parse(request.GET)
    page = selectors.inbox_page(
        user=request.user, filters=filters, page_number=page_number(request.GET.get("page"))
    )
    context = {"inbox": page, "query_string": urlencode(page.query), "next_url": request.get_full_path()}
    if request.htmx:
        return render(request, "reviews/partials/inbox_list.html", context)
    return render(request, "reviews/inbox.html", context)


CSV_COLUMNS = (
    "id",
    "course",
    "kind",
    "item",
    "student",
    "anonymous",
    "clarity",
    "pace",
    "practice",
    "rating",
    "would_recommend",
    "tags",
    "comment",
    "status",
    "owner",
    "created_at",
    "due_at",
    "first_response_at",
    "resolved_at",
    "overdue",
    "reply",
)


def _csv_safe(value: object) -> str:
    """Spreadsheets run cells starting with =, +, - or @ as formulas: quote them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(items: Iterator[selectors.InboxItem]) -> Iterator[list[str]]:
    yield list(CSV_COLUMNS)
    for item in items:
        row = [
            item.id,
            item.course.title,
            item.kind,
            item.target_label,
            item.author_label,
            "yes" if item.is_anonymous else "no",
            item.clarity,
            item.pace,
            item.practice,
            item.rating,
            item.would_recommend,
            "; ".join(item.tags),
            item.comment,
            item.status,
            item.owner or "",
            item.created_at.isoformat(),
            item.due_at.isoformat(),
            item.first_response_at.isoformat() if item.first_response_at else "",
            item.resolved_at.isoformat() if item.resolved_at else "",
            "yes" if item.is_overdue else "no",
            item.reply_md,
        ]
        yield [_csv_safe(value) for value in row]


@login_required
@require_GET
def inbox_export(request: HttpRequest) -> HttpResponse:
    """The filtered inbox as CSV (streamed). Same scope and anonymity as the page."""
    refused = _inbox_refusal(request)
    if refused is not None:
        return refused
    filters = selectors.inbox_filter_parse(request.GET)
    writer = csv.writer(_Echo())
    rows = _csv_rows(selectors.inbox_items_iter(user=request.user, filters=filters))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="feedback-inbox-{stamp}.csv"'
    return response


@login_required
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Acknowledge, assign, or group the selected items into a board entry."""
    refused = _inbox_refusal(request)
    if refused is not None:
        return refused
    form = BulkActionForm(request.POST)
    back = next_or(request, reverse("reviews:inbox"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action, ids = form.cleaned_data["action"], form.item_ids
    try:
        if action == BulkActionForm.ACKNOWLEDGE:
            count = services.feedback_bulk_acknowledge(user=request.user, response_ids=ids)
            messages.success(
                request,
                ngettext("%(count)d item acknowledged.", "%(count)d items acknowledged.", count)
                % {"count": count},
            )
        elif action == BulkActionForm.ASSIGN:
            owner = get_user_model().objects.filter(pk=form.cleaned_data["owner"]).first()
            if owner is None:
                raise InvalidFeedback(_("Choose whom to assign the items to."))
            count = services.feedback_assign(user=request.user, response_ids=ids, owner=owner)
            messages.success(
                request,
                ngettext(
                    "%(count)d item assigned to %(name)s.", "%(count)d items assigned to %(name)s.", count
                )
                % {"count": count, "name": str(owner)},
            )
        else:
            responses = selectors.inbox_responses_in_scope(user=request.user, response_ids=ids)
            course_ids = {response.course_id for response in responses}
            if len(responses) != len(ids) or len(course_ids) != 1:
                raise InvalidFeedback(_("Group items of one course at a time."))
            course = Course.objects.only("slug").get(pk=course_ids.pop())
            query = urlencode([("items", pk) for pk in ids])
            return redirect(reverse("reviews:board-entry-create", kwargs={"slug": course.slug}) + "?" + query)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def inbox_item(request: HttpRequest, response_id: int) -> HttpResponse:
    """One item: everything the student wrote (their name only if not anonymous), the reply,
    status and notes form, and moderation for a review."""
    try:
        response = selectors.inbox_item_get(user=request.user, response_id=response_id)
    except FeedbackResponse.DoesNotExist:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        form = RespondForm(request.POST, current_status=response.status)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.feedback_respond(
                    response=response,
                    user=request.user,
                    reply_md=data["reply_md"],
                    status=data["status"] or None,
                    decline_reason=data["decline_reason"],
                    internal_notes=data["internal_notes"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("Saved. The student is notified of replies and status changes."))
                return redirect("reviews:inbox-item", response_id=response.pk)
        else:
            status = 400
    else:
        form = RespondForm(
            initial={"reply_md": response.reply_md, "internal_notes": response.internal_notes},
            current_status=response.status,
        )
    item = selectors.inbox_items([response], user=request.user)[0]
    context = {
        "item": item,
        "form": form,
        "team": selectors.inbox_team_for(course=response.course_id),
        "moderate_form": ModerateForm() if item.review_id else None,
    }
    return render(request, "reviews/inbox_item.html", context, status=status)
