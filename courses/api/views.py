from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import selectors
from courses.models import Course


class CourseListApi(APIView):
    """The catalog: published and announced courses."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.ModelSerializer):
        module_count = serializers.IntegerField()

        class Meta:
            model = Course
            fields = ["slug", "title", "summary", "status", "language", "level", "module_count"]

    @extend_schema(responses=OutputSerializer(many=True), operation_id="course_list")
    def get(self, request: Request) -> Response:
        courses = selectors.course_list_for_catalog()
        return Response(self.OutputSerializer(courses, many=True).data)


class OutlineItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    key = serializers.CharField()
    title = serializers.CharField()


class OutlineModuleSerializer(serializers.Serializer):
    key = serializers.CharField(source="module.key")
    title = serializers.CharField(source="module.title")
    release_at = serializers.DateTimeField(source="module.release_at", allow_null=True)
    items = OutlineItemSerializer(many=True)


class CourseDetailApi(APIView):
    """One catalog course with its outcomes, team and syllabus."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.ModelSerializer):
        outcomes = serializers.SerializerMethodField()
        team = serializers.SerializerMethodField()
        outline = OutlineModuleSerializer(many=True, read_only=True)

        class Meta:
            model = Course
            fields = [
                "slug", "title", "summary", "description_html", "format_html", "status", "language",
                "level", "outcomes", "team", "outline",
            ]

        def get_outcomes(self, course: Course) -> dict[str, list[str]]:
            grouped: dict[str, list[str]] = {}
            for outcome in course.outcomes.all():
                grouped.setdefault(outcome.kind, []).append(outcome.text)
            return grouped

        def get_team(self, course: Course) -> list[dict[str, str]]:
            return [{"name": str(member.user), "role": member.role} for member in course.staff.all()]

    @extend_schema(operation_id="course_detail", responses=OutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        try:
            course = selectors.course_get_public(slug=slug)
        except Course.DoesNotExist:
            raise Http404 from None
        course.outline = selectors.course_outline(course=course)
        return Response(self.OutputSerializer(course).data)
