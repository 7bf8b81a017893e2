"""The "you said, we did" pages: the public board, and the team's entry form and publishing."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from courses.models import Course
from reviews import selectors, services
from reviews.board_models import BoardEntry
from reviews.forms import (
    BoardEntryForm,
)
from reviews.views import status_for


def board(request: HttpRequest, slug: str) -> HttpResponse:
    """The course's public board of actions taken on feedback; the team also sees drafts."""
    try:
        course = selectors.public_course_get(slug=slug)
    except Course.DoesNotExist:
        raise Http404 from None
    context = {"board": selectors.board_page(course=course, user=request.user), "course": course}
    if request.htmx:
        return render(request, "reviews/partials/board_entries.html", context)
    return render(request, "reviews/board.html", context)


def _item_choices(items: list[selectors.InboxItem]) -> list[tuple[str, str]]:
    choices = []
    for item in items:
        text = item.comment or item.pros or item.cons or ", ".join(item.tags)
        label = f"{item.kind_label}: {item.target_label}"
        if text:
            label += f" — {text[:120]}"
        sent = formats.date_format(timezone.localtime(item.created_at), "SHORT_DATE_FORMAT")
        label += f" ({item.status_label}, {sent})"
        choices.append((str(item.id), label))
    return choices


def _entry_form_page(
    request: HttpRequest, *, course: Course, entry: BoardEntry | None, selected: list[int]
) -> HttpResponse:
    items = selectors.board_entry_item_choices(user=request.user, course=course, selected=selected)
    choices = _item_choices(items)
    status = 200
    if request.method == "POST":
        form = BoardEntryForm(request.POST, item_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if entry is None:
                    entry = services.board_entry_create(
                        course=course,
                        user=request.user,
                        title=data["title"],
                        you_said=data["you_said"],
                        we_did=data["we_did"],
                        item_ids=data["items"],
                    )
                else:
                    services.board_entry_update(
                        entry=entry,
                        user=request.user,
                        title=data["title"],
                        you_said=data["you_said"],
                        we_did=data["we_did"],
                        item_ids=data["items"],
                    )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = status_for(exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("reviews:board-entry-edit", entry_id=entry.pk)
        else:
            status = 400
    else:
        initial: dict[str, Any] = {"items": [str(pk) for pk in selected]}
        if entry is not None:
            initial.update(title=entry.title, you_said=entry.you_said, we_did=entry.we_did)
        form = BoardEntryForm(initial=initial, item_choices=choices)
    context = {"course": course, "entry": entry, "form": form, "item_count": len(selected)}
    return render(request, "reviews/board_entry_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def board_entry_create(request: HttpRequest, slug: str) -> HttpResponse:
    """A new draft entry, from the items grouped in the inbox (``?items=…``)."""
    try:
        course = selectors.board_course_get_for_team(user=request.user, slug=slug)
    except Course.DoesNotExist:
        raise Http404 from None
    selected = sorted({int(v) for v in request.GET.getlist("items") if v.isdigit()})
    return _entry_form_page(request, course=course, entry=None, selected=selected)


@login_required
@require_http_methods(["GET", "POST"])
def board_entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = selectors.board_entry_get_for_team(user=request.user, entry_id=entry_id)
    except BoardEntry.DoesNotExist:
        raise Http404 from None
    selected = list(entry.items.values_list("pk", flat=True))
    return _entry_form_page(request, course=entry.course, entry=entry, selected=selected)


@login_required
@require_POST
def board_entry_publish(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Publish a draft: public on the board, grouped items done, students notified."""
    try:
        entry = selectors.board_entry_get_for_team(user=request.user, entry_id=entry_id)
    except BoardEntry.DoesNotExist:
        raise Http404 from None
    try:
        services.board_entry_publish(entry=entry, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("reviews:board-entry-edit", entry_id=entry.pk)
    messages.success(request, _("Published. The course's students are being notified."))
    return redirect(reverse("reviews:board", kwargs={"slug": entry.course.slug}) + f"#entry-{entry.pk}")
