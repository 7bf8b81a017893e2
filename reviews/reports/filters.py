"""What a feedback report covers (``ReportFilter``) and how a query string becomes one.

A report covers lecture feedback (items about a lesson) and the inbox items of the team, in a
set of courses (or every course), optionally narrowed to a period, a module, a lesson or the
lessons of one instructor (``Lesson.author``).

Periods are calendar days in the *site* time zone (``settings.TIME_ZONE``), whatever time zone
the reader has activated: ``from=2026-03-02&to=2026-03-08`` is [2026-03-02 00:00, 2026-03-09
00:00) site time. So the same query string gives the same figures to every reader, and weekly
buckets (also in site time) line up with the period's days.

Reviews are about a whole course: when the filter narrows below the course (module, lesson or
instructor), review figures (course rating, NPS) do not apply and the report says so.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError, PermissionDeniedError
from courses.models import Course, Module
from lessons.models import Lesson
from reviews.report_permissions import report_course_ids, user_can_read_course_reports

if TYPE_CHECKING:
    from courses.permissions import AnyUser

DATE_FORMAT = "%Y-%m-%d"


def site_time_zone() -> zoneinfo.ZoneInfo:
    """The site's time zone (``settings.TIME_ZONE``): periods and weekly buckets are in it."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class ReportFilterError(ApplicationError):
    """The query string does not describe a report (unknown course, malformed date, ...).
    ``extra["errors"]`` holds the messages per parameter."""


@dataclass(frozen=True)
class ReportFilter:
    """What one report covers. ``course_ids`` None means every course (staff only)."""

    course_ids: tuple[int, ...] | None = None
    start: date | None = None  # first day of the period, site time
    end: date | None = None  # last day of the period (inclusive), site time
    module_id: int | None = None
    lesson_id: int | None = None
    instructor_id: int | None = None

    @property
    def below_course(self) -> bool:
        """Narrowed to a module, a lesson or an instructor: course-wide reviews do not apply."""
        return any(value is not None for value in (self.module_id, self.lesson_id, self.instructor_id))

    @property
    def single_course_id(self) -> int | None:
        return self.course_ids[0] if self.course_ids is not None and len(self.course_ids) == 1 else None

    def period(self) -> tuple[datetime | None, datetime | None]:
        """The period as aware datetimes [start, end) at midnight, site time."""
        zone = site_time_zone()
        start = datetime.combine(self.start, time.min, tzinfo=zone) if self.start else None
        end = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone) if self.end else None
        return start, end

    def _period_q(self, field: str) -> Q:
        start, end = self.period()
        q = Q()
        if start is not None:
            q &= Q(**{f"{field}__gte": start})
        if end is not None:
            q &= Q(**{f"{field}__lt": end})
        return q

    def _lesson_q(self, lesson: str) -> Q:
        """The module/lesson/instructor part, for a path ``lesson`` to a Lesson."""
        q = Q()
        if self.lesson_id is not None:
            q &= Q(**{f"{lesson}_id": self.lesson_id})
        if self.module_id is not None:
            q &= Q(**{f"{lesson}__module_id": self.module_id})
        if self.instructor_id is not None:
            q &= Q(**{f"{lesson}__author_id": self.instructor_id})
        return q

    def feedback_q(self, prefix: str = "") -> Q:
        """LectureFeedback rows in the report: feedback on a lesson, in scope and period.
        ``prefix`` is the path to LectureFeedback from the queried model (``"lecturefeedback__"``)."""
        q = (
            Q(**{f"{prefix}lesson__isnull": False})
            & self._lesson_q(f"{prefix}lesson")
            & self._period_q(f"{prefix}created_at")
        )
        if self.course_ids is not None:
            q &= Q(**{f"{prefix}course_id__in": self.course_ids})
        return q

    def rollup_q(self) -> Q:
        """Rollup rows (``LessonFeedbackDay``, ``LessonFeedbackDayTag``) in the report: in scope,
        on the period's days (the same feedback as ``feedback_q``: a period is whole site days).
        Read only when every row is of the site time zone (``reviews.reports.rollup``)."""
        q = self._lesson_q("lesson")
        if self.start is not None:
            q &= Q(day__gte=self.start)
        if self.end is not None:
            q &= Q(day__lte=self.end)
        if self.course_ids is not None:
            q &= Q(course_id__in=self.course_ids)
        return q

    def response_q(self) -> Q:
        """FeedbackResponse rows (the team's inbox items) in the report, by the item's arrival
        (the response row is created when the item lands in the inbox). Below the course only
        items about the selected lessons count; otherwise every item of the courses (feedback on
        lessons, questions, cases and tickets, and reviews)."""
        q = self._period_q("created_at")
        if self.course_ids is not None:
            q &= Q(course_id__in=self.course_ids)
        if self.below_course:
            q &= self._lesson_q("feedback__lesson")
        return q

    def review_q(self) -> Q:
        """Reviews written here (imported ones are about other courses), not rejected."""
        from reviews.models import Review

        q = (
            Q(source=Review.Source.INTERNAL)
            & ~Q(status=Review.Status.REJECTED)
            & self._period_q("created_at")
        )
        if self.course_ids is not None:
            q &= Q(course_id__in=self.course_ids)
        return q

    def lesson_q(self) -> Q:
        """Lesson rows in the report's scope (for participation)."""
        q = Q()
        if self.lesson_id is not None:
            q &= Q(pk=self.lesson_id)
        if self.module_id is not None:
            q &= Q(module_id=self.module_id)
        if self.instructor_id is not None:
            q &= Q(author_id=self.instructor_id)
        if self.course_ids is not None:
            q &= Q(module__course_id__in=self.course_ids)
        return q

    def enrollment_q(self) -> Q:
        """Enrollments counted as "enrolled": every enrollment made before the period ends,
        whatever its status now (a student who dropped out was still asked)."""
        _start, end = self.period()
        q = Q()
        if end is not None:
            q &= Q(created_at__lt=end)
        if self.course_ids is not None:
            q &= Q(course_id__in=self.course_ids)
        return q

    def as_query(self, *, course_slugs: dict[int, str]) -> dict[str, Any]:
        """The filter as query-string parameters (for CSV links), given the courses' slugs."""
        params: dict[str, Any] = {}
        if self.course_ids is not None and course_slugs:
            params["course"] = [course_slugs[pk] for pk in self.course_ids if pk in course_slugs]
        for name, value in (
            ("from", self.start.strftime(DATE_FORMAT) if self.start else None),
            ("to", self.end.strftime(DATE_FORMAT) if self.end else None),
            ("module", self.module_id),
            ("lesson", self.lesson_id),
            ("instructor", self.instructor_id),
        ):
            if value is not None:
                params[name] = value
        return params


class ReportFilterForm(forms.Form):
    """Parses and checks the report's query string: ``course`` (slug, repeatable), ``from`` and
    ``to`` (YYYY-MM-DD, site time), ``module``, ``lesson`` and ``instructor`` (ids). Objects
    are looked up among all rows, so an unknown one is a 400 and a forbidden one a 403."""

    course = forms.ModelMultipleChoiceField(
        queryset=Course.objects.all(),
        to_field_name="slug",
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Unknown course: %(value)s."),
            "invalid_pk_value": gettext_lazy("Unknown course: %(pk)s."),
        },
    )
    module = forms.ModelChoiceField(
        queryset=Module.objects.all(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Unknown module.")},
    )
    lesson = forms.ModelChoiceField(
        queryset=Lesson.objects.select_related("module"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Unknown lesson.")},
    )
    instructor = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(authored_lessons__isnull=False).distinct(),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Unknown instructor: nobody with this id teaches a lesson.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so the two date fields are added here, not declared.
        for name, label in (("from", gettext_lazy("From")), ("to", gettext_lazy("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=[DATE_FORMAT],
                error_messages={"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end of the period is before its start."))
        courses = {course.pk for course in data.get("course") or []}
        module, lesson = data.get("module"), data.get("lesson")
        if module is not None and courses and module.course_id not in courses:
            self.add_error("module", _("The module is not part of the selected courses."))
        if lesson is not None:
            if module is not None and lesson.module_id != module.pk:
                self.add_error("lesson", _("The lesson is not part of the selected module."))
            elif courses and lesson.module.course_id not in courses:
                self.add_error("lesson", _("The lesson is not part of the selected courses."))
        return data


def _first_error(form: forms.Form) -> str:
    for name, errors in form.errors.items():
        message = str(errors[0])
        return message if name == "__all__" else f"{name}: {message}"
    return _("Invalid filter.")


def report_filter_parse(*, data: Any, user: AnyUser) -> ReportFilter:
    """The report filter a query string asks for, for ``user``.

    Without ``course`` the report covers every course the user may read (all of them for
    staff). Raises ReportFilterError (a 400: malformed or unknown values, inconsistent
    module/lesson) and PermissionDeniedError (a 403: a course, module or lesson of a course
    whose report the user may not read).
    """
    form = ReportFilterForm(data)
    if not form.is_valid():
        errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        raise ReportFilterError(_first_error(form), extra={"errors": errors})
    data = form.cleaned_data
    courses = list(data.get("course") or [])
    module, lesson = data.get("module"), data.get("lesson")
    touched = {course.pk for course in courses}
    if module is not None:
        touched.add(module.course_id)
    if lesson is not None:
        touched.add(lesson.module.course_id)
    if not user_can_read_course_reports(user, touched):
        raise PermissionDeniedError(_("You may read the feedback report of your own courses only."))
    readable = report_course_ids(user)
    if courses:
        course_ids: tuple[int, ...] | None = tuple(sorted(touched_course.pk for touched_course in courses))
    elif readable is None:
        course_ids = None
    else:
        course_ids = tuple(sorted(readable))
    instructor = data.get("instructor")
    return ReportFilter(
        course_ids=course_ids,
        start=data.get("from"),
        end=data.get("to"),
        module_id=module.pk if module is not None else None,
        lesson_id=lesson.pk if lesson is not None else None,
        instructor_id=instructor.pk if instructor is not None else None,
    )
