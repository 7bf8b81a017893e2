"""Serializers shared by the case, role-play, grading-desk and gradebook API operations. Each
operation nests its own Input/Output serializer in its view module; every component name is
prefixed (CaseAnalysis…, RolePlaySession…, Desk…, Gradebook…) so the schema has no clashes."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from exams.desk_selectors import KINDS, SOURCE_KINDS, STATUSES
from exams.gradebook import CATEGORIES

KIND_HELP = "One of: " + ", ".join(KINDS) + "."


def _points(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=2, **kwargs)


# ---------------------------------------------------------------------------------------------
# Cases


@extend_schema_serializer(component_name="CaseAnalysisCriterion")
class CaseAnalysisCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="criterion.pk")
    title = serializers.CharField(source="criterion.title")
    description = serializers.CharField(source="criterion.description")
    max_points = _points(source="criterion.max_points")
    points = _points(allow_null=True)
    comment = serializers.CharField()


@extend_schema_serializer(component_name="CaseAnalysisProblem")
class CaseAnalysisProblemSerializer(serializers.Serializer):
    title = serializers.CharField()
    symptom = serializers.CharField()
    cause = serializers.CharField()
    solution = serializers.CharField()


# ---------------------------------------------------------------------------------------------
# Desk


@extend_schema_serializer(component_name="DeskQueueFilters")
class DeskFiltersSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, required=False, allow_blank=True)
    source = serializers.RegexField(
        rf"^({'|'.join(SOURCE_KINDS)}):[0-9]{{1,18}}$",
        required=False,
        allow_blank=True,
        help_text="quiz:<id>, exam:<id>, case:<id> or roleplay:<id>",
    )
    student = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=10**9,
        help_text="The course's student number (as in “Student 17”).",
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False, default="pending")


@extend_schema_serializer(component_name="DeskQueueRow")
class DeskRowSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KIND_HELP)
    id = serializers.IntegerField(source="pk")
    student = serializers.CharField(
        help_text="A name, or “Student N” under anonymous grading; a team's name."
    )
    student_number = serializers.IntegerField(allow_null=True)
    source_kind = serializers.ChoiceField(choices=SOURCE_KINDS)
    source_id = serializers.IntegerField()
    source_title = serializers.CharField()
    title = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    points = _points(allow_null=True)
    max_points = _points()
    is_pending = serializers.BooleanField()


@extend_schema_serializer(component_name="DeskRubricLine")
class DeskRubricLineSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField(source="criterion.pk", allow_null=True, default=None)
    title = serializers.CharField()
    description = serializers.CharField()
    max_points = _points()
    points = _points(allow_null=True)
    comment = serializers.CharField()


@extend_schema_serializer(component_name="DeskAutoResult")
class DeskAutoResultSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=["response", "submission"])
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    answer = serializers.CharField()
    points = _points(allow_null=True)
    max_points = _points()
    is_correct = serializers.BooleanField(allow_null=True)
    overridden = serializers.BooleanField()


@extend_schema_serializer(component_name="DeskAuditEntry")
class DeskAuditSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.CharField()
    old_points = _points(allow_null=True)
    new_points = _points(allow_null=True)
    reason = serializers.CharField()


@extend_schema_serializer(component_name="DeskSibling")
class DeskSiblingSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KIND_HELP)
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    is_pending = serializers.BooleanField()


# ---------------------------------------------------------------------------------------------
# Gradebook


@extend_schema_serializer(component_name="GradebookItem")
class GradebookItemSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CATEGORIES)
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


@extend_schema_serializer(component_name="GradebookCategory")
class GradebookCategorySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CATEGORIES)
    weight_percent = _points()
    percent = _points()


@extend_schema_serializer(component_name="GradebookStudent")
class GradebookStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


@extend_schema_serializer(component_name="GradebookRow")
class GradebookRowSerializer(serializers.Serializer):
    student = GradebookStudentSerializer(source="user")
    cells = serializers.ListField(
        child=_points(allow_null=True),
        help_text="Per item, in the order of `items`, in percent; null: no grade yet.",
    )
    categories = GradebookCategorySerializer(many=True)
    total = _points(allow_null=True)


@extend_schema_serializer(component_name="GradebookTable")
class GradebookSerializer(serializers.Serializer):
    course = serializers.SlugField(source="course.slug")
    course_title = serializers.CharField(source="course.title")
    items = GradebookItemSerializer(many=True)
    rows = GradebookRowSerializer(many=True)
