"""The lesson API: one APIView per operation. Errors: see ``courses.api.base`` (403 carries
the reason a lesson is locked or closed to the user)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from courses.api.base import ERRORS, KafedraApi
from courses.exceptions import ContentLocked, NotEnrolled
from lessons import selectors, services
from lessons.models import Lesson, LessonProgress


class TocChildSerializer(serializers.Serializer):
    anchor = serializers.CharField()
    text = serializers.CharField()


class TocEntrySerializer(TocChildSerializer):
    children = TocChildSerializer(many=True, help_text="The entries one level deeper.")


class NeighborSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


def _access_or_404(request: Request, lesson_id: int) -> selectors.LessonAccess:
    try:
        return selectors.lesson_get_for_viewer(user=request.user, lesson_id=lesson_id)
    except Lesson.DoesNotExist:
        raise Http404 from None


class LessonDetailApi(KafedraApi):
    """A lesson the user may open: the stored HTML, table of contents, mind-map tree, previous
    and next lessons and the user's state. 403 with the reason when it is locked or the user
    is not enrolled; 404 when they may not see it at all. Reading here records nothing (the
    client reports completion with the complete operation)."""

    @extend_schema_serializer(component_name="LessonDetail")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="lesson.pk")
        key = serializers.CharField(source="lesson.key")
        title = serializers.CharField(source="lesson.title")
        kind = serializers.CharField(source="lesson.kind")
        summary = serializers.CharField(source="lesson.summary")
        estimated_minutes = serializers.IntegerField(source="lesson.estimated_minutes")
        body_html = serializers.CharField(source="lesson.body_html")
        mind_map = serializers.JSONField(source="lesson.mind_map", allow_null=True)
        toc = TocEntrySerializer(many=True)
        course = serializers.SerializerMethodField()
        module = serializers.SerializerMethodField()
        previous = NeighborSerializer(allow_null=True)
        next = NeighborSerializer(allow_null=True)
        position = serializers.IntegerField()
        lesson_count = serializers.IntegerField()
        state = serializers.SerializerMethodField()
        is_read_only = serializers.BooleanField(source="access.viewer.is_read_only")
        module_lock = serializers.CharField(source="access.module_lock", allow_null=True)

        @extend_schema_field(serializers.DictField(child=serializers.CharField()))
        def get_course(self, page: selectors.LessonPage) -> dict[str, str]:
            course = page.lesson.module.course
            return {"slug": course.slug, "title": course.title}

        @extend_schema_field(serializers.DictField(child=serializers.CharField()))
        def get_module(self, page: selectors.LessonPage) -> dict[str, str]:
            module = page.lesson.module
            return {"key": module.key, "title": module.title}

        @extend_schema_field(serializers.CharField(allow_null=True))
        def get_state(self, page: selectors.LessonPage) -> str | None:
            if not page.access.viewer.is_learner:
                return None
            if page.progress is None:
                return "not_started"
            return page.progress.status

    @extend_schema(
        operation_id="lesson_detail", responses={200: OutputSerializer, 403: ERRORS[403], 404: ERRORS[404]}
    )
    def get(self, request: Request, lesson_id: int) -> Response:
        access = _access_or_404(request, lesson_id)
        if access.refusal is not None:
            error = ContentLocked if access.viewer.is_learner else NotEnrolled
            raise error(access.refusal)
        return Response(self.OutputSerializer(selectors.lesson_page(access=access)).data)


class LessonCompleteApi(KafedraApi):
    """Mark a lesson done (idempotent) and get the course progress back. 403 for the course's
    team and staff (read-only), for students not enrolled and for locked lessons."""

    @extend_schema_serializer(component_name="LessonComplete")
    class OutputSerializer(serializers.Serializer):
        lesson_id = serializers.IntegerField()
        state = serializers.ChoiceField(choices=LessonProgress.Status.choices)
        completed_at = serializers.DateTimeField()
        course_progress_percent = serializers.IntegerField()

    @extend_schema(operation_id="lesson_complete", request=None, responses={200: OutputSerializer, **ERRORS})
    def post(self, request: Request, lesson_id: int) -> Response:
        access = _access_or_404(request, lesson_id)
        try:
            progress, enrollment = services.lesson_complete(lesson=access.lesson, user=request.user)
        except Lesson.DoesNotExist:  # hidden since the line above
            raise Http404 from None
        return Response(
            self.OutputSerializer(
                {
                    "lesson_id": access.lesson.pk,
                    "state": progress.status,
                    "completed_at": progress.completed_at,
                    "course_progress_percent": enrollment.progress_percent,
                }
            ).data
        )
