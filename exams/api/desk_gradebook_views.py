"""The gradebook through the API: a course's table (its team, staff and superusers) and the
user's own grades. See ``exams.gradebook`` for the weighting rule."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from courses.models import Course
from exams import gradebook
from exams.api.desk_base import ERRORS, DeskApi
from exams.api.desk_serializers import GradebookSerializer


class GradebookCourseApi(DeskApi):
    """Every student of the course with their grades per item, per category and in total."""

    @extend_schema(operation_id="gradebook_course", responses={200: GradebookSerializer, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise Http404
        if not gradebook.gradebook_can_view(user=request.user, course=course):
            raise exceptions.PermissionDenied()
        return Response(GradebookSerializer(gradebook.gradebook_for_course(course=course)).data)


class GradebookMineApi(DeskApi):
    """The user's own grades in each course they are enrolled in (one row per course)."""

    @extend_schema(operation_id="gradebook_mine", responses={200: GradebookSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(
            GradebookSerializer(gradebook.gradebook_for_student(user=request.user), many=True).data
        )
