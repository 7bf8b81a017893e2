"""The feedback report API: ``GET /api/v1/reports/feedback/`` with the filters of the report page.

The same ``FeedbackReport`` as the page and the CSV files (``reviews.reports.report``), so the
same figures, the same small-group suppression (``suppressed: true`` and ``null`` figures) and
the same rule for anonymous comments (``author`` is always ``null``). Staff read every course,
a course's team its own courses; others get 403. A malformed or inconsistent filter is a 400
with the message in ``detail`` and the messages per parameter in ``errors``.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import PermissionDeniedError
from courses.api.base import ERRORS, KafedraApi
from reviews.report_permissions import user_can_read_reports
from reviews.reports.filters import ReportFilterError, report_filter_parse
from reviews.reports.report import feedback_report_build

DECIMALS = 4


class FigureField(serializers.FloatField):
    """A derived figure, rounded to 4 decimals; null when suppressed or undefined."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: float) -> float:
        return round(float(value), DECIMALS)


class HoursField(FigureField):
    def to_representation(self, value: Any) -> float:
        return round(value.total_seconds() / 3600, DECIMALS)


class FilterSerializer(serializers.Serializer):
    course_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True, help_text="null: every course (staff)."
    )
    start = serializers.DateField(allow_null=True, help_text="First day, site time zone.")
    end = serializers.DateField(allow_null=True, help_text="Last day (inclusive), site time zone.")
    module_id = serializers.IntegerField(allow_null=True)
    lesson_id = serializers.IntegerField(allow_null=True)
    instructor_id = serializers.IntegerField(allow_null=True)


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="clarity | pace | practice | rating (course rating from reviews)")
    label = serializers.CharField()
    n = serializers.IntegerField(help_text="Answers (non-blank).")
    suppressed = serializers.BooleanField(help_text="Fewer than 5 answers: every figure below is null.")
    values = serializers.ListField(child=serializers.IntegerField())
    counts = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    percents = serializers.ListField(child=FigureField(), allow_null=True)
    mean = FigureField()
    median = FigureField(help_text="percentile_cont(0.5).")
    interpolated_median = FigureField(help_text="Grouped-data median (McGill).")
    sd = FigureField(help_text="Sample standard deviation (n − 1).")


class NpsSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    suppressed = serializers.BooleanField()
    promoters = serializers.IntegerField(allow_null=True)
    passives = serializers.IntegerField(allow_null=True)
    detractors = serializers.IntegerField(allow_null=True)
    promoters_pct = FigureField()
    passives_pct = FigureField()
    detractors_pct = FigureField()
    score = FigureField(help_text="% promoters (9–10) − % detractors (0–6).")


class CourseRowSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    enrolled = serializers.IntegerField()
    lessons = serializers.IntegerField(help_text="Lessons in scope: published, or with responses.")
    responses = serializers.IntegerField()
    response_rate = FigureField(
        help_text="responses / (enrolled × lessons), %: the mean lesson response rate."
    )
    suppressed = serializers.BooleanField()
    mean_clarity = FigureField()
    mean_pace = FigureField()
    mean_practice = FigureField()
    low_pct = FigureField()


class ParticipationSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    course_title = serializers.CharField()
    module_title = serializers.CharField()
    lesson_title = serializers.CharField()
    instructor = serializers.CharField()
    enrolled = serializers.IntegerField()
    responded = serializers.IntegerField()
    response_rate = FigureField()


class WeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="Monday, site time zone.")
    responses = serializers.IntegerField()
    suppressed = serializers.BooleanField()
    mean_clarity = FigureField()
    mean_pace = FigureField()
    mean_practice = FigureField()
    low_pct = FigureField()


class ProblemSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    lesson_id = serializers.IntegerField()
    course_title = serializers.CharField()
    module_title = serializers.CharField()
    lesson_title = serializers.CharField()
    responses = serializers.IntegerField()
    mean_clarity = FigureField()
    mean_pace = FigureField()
    mean_practice = FigureField()
    low_pct = FigureField()
    unclear_pct = FigureField()
    score = FigureField(help_text="Mean of low_pct and unclear_pct.")


class StatusCountSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()

    def to_representation(self, instance: tuple[str, str, int]) -> dict[str, Any]:
        value, label, count = instance
        return {"status": value, "label": label, "count": count}


class LoopSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    answered = serializers.IntegerField()
    median_first_response_hours = HoursField(source="median_first_response")
    p90_first_response_hours = HoursField(source="p90_first_response")
    within_sla = serializers.IntegerField()
    late = serializers.IntegerField()
    overdue = serializers.IntegerField()
    pending = serializers.IntegerField()
    within_sla_pct = FigureField(help_text="within_sla / (within_sla + late + overdue).")
    open = serializers.IntegerField()
    actions_published = serializers.IntegerField()
    by_status = StatusCountSerializer(many=True)


class OwnerSerializer(serializers.Serializer):
    owner = serializers.CharField(allow_null=True, help_text="null: unassigned.")
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()


class CommentSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    course_title = serializers.CharField()
    lesson_title = serializers.CharField()
    comment = serializers.CharField()
    is_anonymous = serializers.BooleanField()
    author = serializers.CharField(allow_null=True, help_text="Always null for anonymous items.")
    status = serializers.CharField(allow_null=True)
    status_label = serializers.CharField()
    owner = serializers.CharField(allow_null=True)


class TagSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    pct = FigureField()


@extend_schema_serializer(component_name="FeedbackReport")
class FeedbackReportSerializer(serializers.Serializer):
    filter = FilterSerializer(source="report_filter")
    generated_at = serializers.DateTimeField()
    min_responses = serializers.IntegerField(help_text="Groups with fewer responses are suppressed.")
    responses = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    lessons = serializers.IntegerField()
    response_rate = FigureField(help_text="responses / Σ (enrolled × lessons) over the courses, %.")
    questions = QuestionSerializer(many=True)
    reviews_apply = serializers.BooleanField(
        help_text="False below the course level (reviews rate whole courses)."
    )
    nps = NpsSerializer(allow_null=True)
    courses = CourseRowSerializer(many=True)
    participation = ParticipationSerializer(many=True)
    trend = WeekSerializer(many=True)
    problems = ProblemSerializer(many=True)
    unranked_lessons = serializers.IntegerField()
    loop = LoopSerializer()
    owners = OwnerSerializer(many=True)
    comments = CommentSerializer(many=True)
    tags = TagSerializer(many=True)
    tags_suppressed = serializers.BooleanField()


class FeedbackReportApi(KafedraApi):
    """The feedback report of the courses the user may read (staff: every course; a course's
    team: its own courses), optionally narrowed by period, module, lesson and instructor."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="feedback_report",
        parameters=[
            OpenApiParameter(
                "course",
                OpenApiTypes.STR,
                many=True,
                explode=True,
                required=False,
                description="Course slug; repeat for several. Default: every course the user may read.",
            ),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=False, description="First day (site time zone)."
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, required=False, description="Last day, inclusive."),
            OpenApiParameter("module", OpenApiTypes.INT, required=False, description="Module id."),
            OpenApiParameter("lesson", OpenApiTypes.INT, required=False, description="Lesson id."),
            OpenApiParameter(
                "instructor", OpenApiTypes.INT, required=False, description="User id of a lesson's author."
            ),
        ],
        responses={200: FeedbackReportSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def get(self, request: Request) -> Response:
        if not user_can_read_reports(request.user):
            raise PermissionDeniedError(_("Feedback reports are for course teams and staff."))
        try:
            report_filter = report_filter_parse(data=request.query_params, user=request.user)
        except ReportFilterError as exc:
            return Response(
                {"detail": exc.message, "errors": exc.extra.get("errors", {})},
                status=status.HTTP_400_BAD_REQUEST,
            )
        report = feedback_report_build(report_filter=report_filter)
        return Response(FeedbackReportSerializer(report).data)
