"""The course API: one APIView per operation. Errors: see ``courses.api.base``."""

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from courses import selectors, services
from courses.access import CourseViewer
from courses.api.base import ERRORS, KafedraApi
from courses.models import Course, Enrollment


class CourseListApi(KafedraApi):
    """The catalog: published and announced courses; ``q`` searches title, summary and
    description (full-text, Russian configuration, on PostgreSQL)."""

    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="CourseListQuery")
    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=selectors.SEARCH_MAX_LENGTH)

    @extend_schema_serializer(component_name="CourseListItem")
    class OutputSerializer(serializers.ModelSerializer):
        module_count = serializers.IntegerField()
        is_upcoming = serializers.SerializerMethodField()

        class Meta:
            model = Course
            fields = [
                "slug",
                "title",
                "summary",
                "status",
                "is_upcoming",
                "language",
                "level",
                "module_count",
            ]

        def get_is_upcoming(self, course: Course) -> bool:
            return course.status == Course.Status.ANNOUNCED

    @extend_schema(
        operation_id="course_list",
        parameters=[
            OpenApiParameter("q", str, description="Search text (at most 200 characters).", required=False)
        ],
        responses={200: OutputSerializer(many=True), 400: ERRORS[400]},
    )
    def get(self, request: Request) -> Response:
        params = self.parse_query(self.InputSerializer, request)
        courses = selectors.course_list_for_catalog(query=params.get("q", ""))
        return Response(self.OutputSerializer(courses, many=True).data)


class OutlineItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    key = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField(help_text="The item's page; empty when it has none yet.")
    state = serializers.CharField(
        help_text="For the requesting student: not_started | in_progress | done | locked | available; "
        "empty for everybody else."
    )
    lock_reason = serializers.CharField()


class OutlineModuleSerializer(serializers.Serializer):
    key = serializers.CharField(source="module.key")
    title = serializers.CharField(source="module.title")
    release_at = serializers.DateTimeField(source="module.release_at", allow_null=True)
    prerequisite = serializers.CharField(source="module.prerequisite.key", allow_null=True, default=None)
    lock_reason = serializers.CharField(help_text="Why the module is locked for students; empty when open.")
    lesson_count = serializers.IntegerField()
    done_count = serializers.IntegerField()
    items = OutlineItemSerializer(many=True)


class EnrollmentSerializer(serializers.ModelSerializer):
    last_lesson_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Enrollment
        fields = ["status", "progress_percent", "last_lesson_id", "created_at", "completed_at"]


class ViewerSerializer(serializers.Serializer):
    is_authenticated = serializers.SerializerMethodField()
    is_enrolled = serializers.BooleanField(source="is_learner")
    can_read = serializers.BooleanField()
    can_enroll = serializers.BooleanField()
    is_read_only = serializers.BooleanField(help_text="The course's team or staff: nothing is recorded.")
    read_refusal = serializers.SerializerMethodField()

    def get_is_authenticated(self, viewer: CourseViewer) -> bool:
        return bool(viewer.user.is_authenticated)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_read_refusal(self, viewer: CourseViewer) -> str | None:
        return viewer.read_refusal()


class ReviewSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    rated_count = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)


class CourseDetailApi(KafedraApi):
    """One catalog course: outcomes, team, reviews summary and syllabus; for the requesting
    student also the enrollment (progress, where to continue) and each item's state."""

    permission_classes = [AllowAny]

    @extend_schema_serializer(component_name="CourseDetail")
    class OutputSerializer(serializers.ModelSerializer):
        is_upcoming = serializers.SerializerMethodField()
        outcomes = serializers.SerializerMethodField()
        team = serializers.SerializerMethodField()
        reviews = ReviewSummarySerializer(source="review_summary")
        viewer = ViewerSerializer()
        enrollment = EnrollmentSerializer(allow_null=True)
        continue_lesson_id = serializers.IntegerField(allow_null=True)
        outline = OutlineModuleSerializer(many=True, read_only=True)

        class Meta:
            model = Course
            fields = [
                "slug", "title", "summary", "description_html", "format_html", "status", "is_upcoming",
                "language", "level", "outcomes", "team", "reviews", "viewer", "enrollment",
                "continue_lesson_id", "outline",
            ]  # fmt: skip

        def get_is_upcoming(self, course: Course) -> bool:
            return course.status == Course.Status.ANNOUNCED

        def get_outcomes(self, course: Course) -> dict[str, list[str]]:
            grouped: dict[str, list[str]] = {}
            for outcome in course.outcomes.all():
                grouped.setdefault(outcome.kind, []).append(outcome.text)
            return grouped

        def get_team(self, course: Course) -> list[dict[str, str]]:
            return [{"name": str(member.user), "role": member.role} for member in course.staff.all()]

    @extend_schema(operation_id="course_detail", responses={200: OutputSerializer, 404: ERRORS[404]})
    def get(self, request: Request, slug: str) -> Response:
        try:
            course = selectors.course_get_for_viewer(slug=slug, user=request.user)
        except Course.DoesNotExist:
            raise Http404 from None
        viewer = selectors.course_viewer(user=request.user, course=course)
        path = selectors.course_learning_path(course=course, viewer=viewer)
        course.review_summary = selectors.course_review_summary(course=course, with_reviews=False)
        course.viewer = viewer
        course.enrollment = viewer.enrollment if viewer.is_learner else None
        course.continue_lesson_id = path.continue_item.pk if path.continue_item else None
        course.outline = path.modules
        return Response(self.OutputSerializer(course).data)


class CourseEnrollApi(KafedraApi):
    """Enroll in a published course: 201 when new, 200 when a dropped enrollment is
    reactivated; 409 when already enrolled or the course takes no enrollments; 403 for the
    course's own team."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="course_enroll",
        request=None,
        responses={201: EnrollmentSerializer, 200: EnrollmentSerializer, **ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        try:
            course = selectors.course_get_for_viewer(slug=slug, user=request.user)
        except Course.DoesNotExist:
            raise Http404 from None
        enrollment, created = services.enrollment_create(course=course, user=request.user)
        return Response(
            EnrollmentSerializer(enrollment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DashboardCourseSerializer(serializers.Serializer):
    slug = serializers.CharField(source="course.slug")
    title = serializers.CharField(source="course.title")
    status = serializers.CharField()
    progress_percent = serializers.IntegerField()
    last_lesson_id = serializers.IntegerField(allow_null=True)
    last_lesson_title = serializers.CharField(source="last_lesson.title", allow_null=True, default=None)


class DueItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    course_slug = serializers.CharField(source="course.slug")
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField()
    url = serializers.CharField()


class DashboardApi(KafedraApi):
    """The student's courses with progress and where to continue, and what is due soon
    (published quizzes closing within two weeks that the student has not passed)."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="Dashboard")
    class OutputSerializer(serializers.Serializer):
        courses = DashboardCourseSerializer(source="enrollments", many=True)
        due = DueItemSerializer(many=True)

    @extend_schema(operation_id="dashboard", responses={200: OutputSerializer, 403: ERRORS[403]})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(selectors.dashboard_for(user=request.user)).data)
