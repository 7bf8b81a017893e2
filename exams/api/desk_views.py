"""The grading desk through the API: a course's queue, one item, grading it, overriding an
automatic result. Names are hidden under anonymous grading exactly as on the pages."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from courses.models import Course
from exams import desk_item_selectors, desk_selectors, desk_services
from exams.api.desk_base import ERRORS, DeskApi
from exams.api.desk_serializers import (
    KIND_HELP,
    CaseAnalysisProblemSerializer,
    DeskAuditSerializer,
    DeskAutoResultSerializer,
    DeskFiltersSerializer,
    DeskRowSerializer,
    DeskRubricLineSerializer,
    DeskSiblingSerializer,
)
from exams.case_services import case_rubric_ensure

_MAX_ID = 2**63 - 1


def _item(request: Request, kind: str, item_id: int) -> desk_item_selectors.DeskItem:
    if not 0 < item_id <= _MAX_ID:
        raise Http404
    try:
        return desk_item_selectors.desk_item_get(user=request.user, kind=kind, item_id=item_id)
    except LookupError:
        raise Http404 from None


class DeskQueueApi(DeskApi):
    """A course's items for the filters, oldest submission first (the course's team, staff and
    superusers; 403 for others)."""

    @extend_schema_serializer(component_name="DeskQueue")
    class OutputSerializer(serializers.Serializer):
        course = serializers.SlugField(source="course.slug")
        anonymous = serializers.BooleanField()
        can_grade = serializers.BooleanField(source="course.can_grade")
        count = serializers.IntegerField()
        truncated = serializers.BooleanField()
        results = DeskRowSerializer(many=True, source="rows")

    @extend_schema(
        operation_id="desk_queue",
        parameters=[DeskFiltersSerializer],
        responses={200: OutputSerializer, **ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        try:
            course = desk_selectors.desk_course_get(user=request.user, slug=slug)
        except Course.DoesNotExist:
            raise Http404 from None
        except PermissionError:
            raise exceptions.PermissionDenied() from None
        params = self.parse_query(DeskFiltersSerializer, request)
        filters = desk_selectors.DeskFilters(
            kind=params.get("kind", ""),
            source=params.get("source", ""),
            student=params.get("student"),
            status=params.get("status") or desk_selectors.PENDING,
        )
        queue = desk_selectors.desk_queue(course=course, filters=filters, with_sources=False)
        return Response(self.OutputSerializer(queue).data)


@extend_schema_serializer(component_name="DeskItem")
class DeskItemOutputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KIND_HELP)
    id = serializers.IntegerField(source="obj.pk")
    course = serializers.SlugField(source="course.slug")
    student = serializers.CharField(
        help_text="A name, or “Student N” under anonymous grading; a team's name."
    )
    team_members = serializers.ListField(child=serializers.CharField())
    anonymous = serializers.BooleanField()
    source_title = serializers.CharField()
    title = serializers.CharField()
    prompt_html = serializers.CharField()
    answer_html = serializers.CharField()
    answer_text = serializers.CharField()
    reference_html = serializers.CharField()
    reference_problems = CaseAnalysisProblemSerializer(many=True)
    reference_conclusions = serializers.ListField(child=serializers.CharField())
    rubric = DeskRubricLineSerializer(many=True, source="lines")
    comment = serializers.CharField()
    points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    is_pending = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    graded_at = serializers.DateTimeField(allow_null=True)
    auto_results = DeskAutoResultSerializer(many=True)
    siblings = DeskSiblingSerializer(many=True)
    audit = DeskAuditSerializer(many=True)
    can_grade = serializers.BooleanField()


class DeskItemApi(DeskApi):
    """One item: the student's work, the reference, the rubric with the points given so far,
    the automatic results beside it and the audit trail (404 outside the user's desk)."""

    @extend_schema(operation_id="desk_item", responses={200: DeskItemOutputSerializer, **ERRORS})
    def get(self, request: Request, kind: str, item_id: int) -> Response:
        return Response(DeskItemOutputSerializer(_item(request, kind, item_id)).data)


class DeskGradeApi(DeskApi):
    """Grade an item: ``points`` for an answer or a deliverable, ``scores`` (every criterion)
    for a case analysis; ``reason`` is required when a given grade changes."""

    @extend_schema_serializer(component_name="DeskGradeScoreInput")
    class ScoreSerializer(serializers.Serializer):
        criterion_id = serializers.IntegerField(
            min_value=1, max_value=_MAX_ID, required=False, allow_null=True,
            help_text="null with `position` for a case whose default rubric is not created yet.",
        )  # fmt: skip
        position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
        points = serializers.DecimalField(max_digits=8, decimal_places=2)
        comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")

    @extend_schema_serializer(component_name="DeskGradeInput")
    class InputSerializer(serializers.Serializer):
        points = serializers.DecimalField(max_digits=8, decimal_places=2, required=False)
        scores = serializers.ListField(child=serializers.DictField(), required=False, max_length=500)
        comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2_000, default="")

    @extend_schema(
        operation_id="desk_grade",
        request=InputSerializer,
        responses={200: DeskItemOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, kind: str, item_id: int) -> Response:
        item = _item(request, kind, item_id)
        if not item.can_grade:
            raise exceptions.PermissionDenied(_("Only the course's team grades its work."))
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        values: dict = {"comment": data["comment"], "reason": data["reason"]}
        if item.kind == desk_selectors.CASE:
            if "scores" not in data:
                raise exceptions.ValidationError({"scores": [_("Give points for every criterion.")]})
            rows = []
            for raw in data["scores"]:
                score = self.ScoreSerializer(data=raw)
                score.is_valid(raise_exception=True)
                rows.append(score.validated_data)
            if item.needs_rubric:
                criteria = case_rubric_ensure(case=item.obj.case)
                by_position = {row.get("position"): row for row in rows}
                rows = [
                    {**by_position[index], "criterion_id": criterion.pk}
                    for index, criterion in enumerate(criteria)
                    if index in by_position
                ]
            values["scores"] = {row.get("criterion_id"): row["points"] for row in rows}
            values["criterion_comments"] = {row.get("criterion_id"): row["comment"] for row in rows}
        else:
            if "points" not in data:
                raise exceptions.ValidationError({"points": [_("This field is required.")]})
            values["points"] = data["points"]
        desk_services.desk_grade(kind=item.kind, obj=item.obj, grader=request.user, **values)
        return Response(DeskItemOutputSerializer(_item(request, kind, item_id)).data)


class DeskOverrideApi(DeskApi):
    """Override an automatic result with a reason: an auto-graded quiz answer (``response``) or
    a practical run (``submission``, points in percent)."""

    @extend_schema_serializer(component_name="DeskOverrideInput")
    class InputSerializer(serializers.Serializer):
        target = serializers.ChoiceField(choices=["response", "submission"])
        target_id = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
        points = serializers.DecimalField(max_digits=8, decimal_places=2)
        reason = serializers.CharField(max_length=2_000)

    @extend_schema_serializer(component_name="DeskOverride")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="pk")
        target = serializers.CharField()
        target_id = serializers.IntegerField()
        old_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
        new_points = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
        reason = serializers.CharField()

    @extend_schema(
        operation_id="desk_override",
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            audit = desk_services.grade_override(
                target=data["target"],
                target_id=data["target_id"],
                grader=request.user,
                points=data["points"],
                reason=data["reason"],
            )
        except LookupError:
            raise Http404 from None
        return Response(self.OutputSerializer(audit).data)
