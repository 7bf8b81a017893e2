"""The feedback report page and its CSV files: parse the filter → authorize → build the report
(one call, a fixed number of aggregate queries) → render.

Staff read every course's report, a course's team reads its own courses' (see
``reviews.report_permissions``); everybody else gets 403 (anonymous visitors: the login page).
A malformed filter answers 400 with the message beside the form. The page is one URL: an HTMX
request (the filter form) gets the report fragment only.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.exceptions import PermissionDeniedError
from reviews.report_permissions import report_course_ids, user_can_read_reports
from reviews.reports import queries
from reviews.reports.charts import chart_data
from reviews.reports.csv_export import TABLES, table_csv
from reviews.reports.filters import ReportFilter, ReportFilterError, report_filter_parse, site_time_zone
from reviews.reports.queries import RATING_VALUES
from reviews.reports.report import feedback_report_build
from reviews.reports.suppression import MIN_RESPONSES

PARTICIPATION_ROWS_ON_PAGE = 150


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "courses/forbidden.html", {"message": message}, status=403)


def _readers_only(request: HttpRequest) -> HttpResponse | None:
    if not user_can_read_reports(request.user):
        return _forbidden(request, _("Feedback reports are for course teams and staff."))
    return None


def _choices(request: HttpRequest, report_filter: ReportFilter | None) -> dict[str, list[dict[str, Any]]]:
    """The filter form's options, each marked ``selected`` as the request asked."""
    choices = queries.filter_choices(
        readable=report_course_ids(request.user), report_filter=report_filter or ReportFilter(course_ids=())
    )
    selected = {
        "courses": set(request.GET.getlist("course")),
        "modules": {request.GET.get("module", "")},
        "lessons": {request.GET.get("lesson", "")},
        "instructors": {request.GET.get("instructor", "")},
    }
    for name, options in choices.items():
        for option in options:
            key = option["slug"] if name == "courses" else str(option["pk"])
            option["selected"] = key in selected[name]
    return choices


@login_required
@require_GET
def feedback_report(request: HttpRequest) -> HttpResponse:
    refusal = _readers_only(request)
    if refusal is not None:
        return refusal
    template = "reviews/partials/report_body.html" if request.htmx else "reviews/report.html"
    context: dict[str, Any] = {
        "values": {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")},
        "query": request.GET.urlencode(),
        "min_responses": MIN_RESPONSES,
        "rating_values": RATING_VALUES,
        "site_time_zone": site_time_zone().key,
    }
    try:
        report_filter = report_filter_parse(data=request.GET, user=request.user)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ReportFilterError as exc:
        context.update(error=exc.message, errors=exc.extra.get("errors", {}), choices=_choices(request, None))
        return render(request, template, context, status=400)
    report = feedback_report_build(report_filter=report_filter)
    context.update(
        report=report,
        charts=chart_data(report),
        choices=_choices(request, report_filter),
        single_course=report_filter.single_course_id is not None,
        # Across many courses the per-lesson table is for the CSV file, not for reading on a page.
        participation_on_page=len(report.participation) <= PARTICIPATION_ROWS_ON_PAGE,
    )
    return render(request, template, context)


@login_required
@require_GET
def feedback_report_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404
    refusal = _readers_only(request)
    if refusal is not None:
        return refusal
    try:
        report_filter = report_filter_parse(data=request.GET, user=request.user)
    except PermissionDeniedError as exc:
        return _forbidden(request, exc.message)
    except ReportFilterError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    report = feedback_report_build(report_filter=report_filter)
    response = HttpResponse(table_csv(report, table), content_type="text/csv; charset=utf-8")
    stamp = report.generated_at.astimezone(site_time_zone()).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="feedback-{table}-{stamp}.csv"'
    return response
