"""The data of the report's charts, for ``static/js/reports.js`` (rendered with ``json_script``).

Only figures the report shows go in: suppressed weeks and questions are ``null`` / left out,
so a chart cannot reveal what a table hides.
"""

from typing import Any

from django.utils.translation import gettext as _

from reviews.reports.figures import FeedbackReport
from reviews.reports.queries import RATING_VALUES


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def chart_data(report: FeedbackReport) -> dict[str, Any]:
    weeks = report.trend
    return {
        "trend": {
            "labels": [week.week_start.isoformat() for week in weeks],
            "means": [
                {"label": _("Clarity"), "data": [_round(week.mean_clarity) for week in weeks]},
                {"label": _("Pace"), "data": [_round(week.mean_pace) for week in weeks]},
                {
                    "label": _("Usefulness of practice"),
                    "data": [_round(week.mean_practice) for week in weeks],
                },
            ],
            "responses": {"label": _("Responses"), "data": [week.responses for week in weeks]},
            "meanAxis": _("Mean rating (1–5)"),
            "responsesAxis": _("Responses"),
        },
        "distribution": {
            "labels": [str(value) for value in RATING_VALUES],
            "series": [
                {"label": question.label, "data": [_round(p) for p in question.percents]}
                for question in report.questions
                if question.percents is not None
            ],
            # xgettext:no-python-format
            "axis": _("% of answers"),
        },
        "loop": {
            "labels": [label for _value, label, _count in report.loop.by_status],
            "data": [count for _value, _label, count in report.loop.by_status],
            "label": _("Inbox items"),
        },
    }
