"""Role-play sessions through the API, for participants: my role card, team and the current
stage; saving (and handing in) the team's deliverable; the reflection."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from exams import role_play_selectors, role_play_services
from exams.api.desk_base import ERRORS, DeskApi
from exams.models import RolePlaySession


def _page(request: Request, session_id: int) -> role_play_selectors.ParticipantPage:
    try:
        return role_play_selectors.role_play_session_for_participant(user=request.user, session_id=session_id)
    except RolePlaySession.DoesNotExist:
        raise Http404 from None


@extend_schema_serializer(component_name="RolePlaySessionMember")
class RolePlaySessionMemberSerializer(serializers.Serializer):
    name = serializers.CharField(source="user")
    role = serializers.CharField(source="role.name")


@extend_schema_serializer(component_name="RolePlaySessionStagePart")
class RolePlaySessionStagePartSerializer(serializers.Serializer):
    heading = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="RolePlaySessionDeliverable")
class RolePlaySessionDeliverableSerializer(serializers.Serializer):
    stage_id = serializers.IntegerField()
    text_md = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    comment = serializers.CharField()


@extend_schema_serializer(component_name="RolePlaySessionMine")
class RolePlaySessionOutputSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(source="session.pk")
    role_play_id = serializers.IntegerField(source="session.role_play_id")
    status = serializers.ChoiceField(source="session.status", choices=RolePlaySession.Status.choices)
    role = serializers.CharField(source="assignment.role.name")
    responsibilities = serializers.CharField(source="assignment.role.responsibilities")
    team = serializers.CharField(source="assignment.team.name")
    teammates = RolePlaySessionMemberSerializer(many=True)
    stage_id = serializers.IntegerField(source="stage.stage.pk", allow_null=True, default=None)
    stage_title = serializers.CharField(source="stage.stage.title", allow_null=True, default=None)
    stage_brief_html = serializers.CharField(source="stage.stage.brief_html", allow_null=True, default=None)
    stage_parts = serializers.SerializerMethodField()
    deliverable = RolePlaySessionDeliverableSerializer(allow_null=True)
    can_edit_deliverable = serializers.BooleanField()
    reflection_questions = serializers.SerializerMethodField()
    reflection_answers = serializers.SerializerMethodField()
    can_reflect = serializers.BooleanField()

    def get_stage_parts(self, page) -> list[dict]:
        parts = page.stage.parts if page.stage else []
        return RolePlaySessionStagePartSerializer(
            [{"heading": heading, "items": items} for heading, items in parts], many=True
        ).data

    def get_reflection_questions(self, page) -> list[str]:
        return [question for question, _answer in page.reflection_questions]

    def get_reflection_answers(self, page) -> list[str]:
        return [answer for _question, answer in page.reflection_questions]


class RolePlaySessionMineApi(DeskApi):
    """My role card, my team, the current stage and my team's deliverable for it, and the
    reflection (404 for anyone who does not take part in the session)."""

    @extend_schema(
        operation_id="role_play_session_mine", responses={200: RolePlaySessionOutputSerializer, **ERRORS}
    )
    def get(self, request: Request, session_id: int) -> Response:
        return Response(RolePlaySessionOutputSerializer(_page(request, session_id)).data)


class RolePlayDeliverableSaveApi(DeskApi):
    """Save the team's deliverable for the current stage; with ``submit``, hand it in."""

    @extend_schema_serializer(component_name="RolePlayDeliverableSaveInput")
    class InputSerializer(serializers.Serializer):
        text_md = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=50_000)
        submit = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        operation_id="role_play_deliverable_save",
        request=InputSerializer,
        responses={200: RolePlaySessionDeliverableSerializer, **ERRORS},
    )
    def put(self, request: Request, session_id: int) -> Response:
        page = _page(request, session_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        deliverable = role_play_services.role_play_deliverable_save(
            session=page.session,
            user=request.user,
            text_md=body.validated_data["text_md"],
            submit=body.validated_data["submit"],
        )
        return Response(RolePlaySessionDeliverableSerializer(deliverable).data)


class RolePlayReflectionSaveApi(DeskApi):
    """Save my reflection: one answer per reflection question, in order."""

    @extend_schema_serializer(component_name="RolePlayReflectionInput")
    class InputSerializer(serializers.Serializer):
        answers = serializers.ListField(
            child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=5_000),
            max_length=100,
        )

    @extend_schema_serializer(component_name="RolePlayReflection")
    class OutputSerializer(serializers.Serializer):
        answers = serializers.ListField(child=serializers.CharField())
        saved_at = serializers.DateTimeField(source="updated_at")

    @extend_schema(
        operation_id="role_play_reflection_save",
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def put(self, request: Request, session_id: int) -> Response:
        page = _page(request, session_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reflection = role_play_services.role_play_reflection_save(
            session=page.session, user=request.user, answers=body.validated_data["answers"]
        )
        return Response(self.OutputSerializer(reflection).data)
