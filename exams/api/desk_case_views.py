"""Case analyses through the API: the student's analysis and its result, saving the draft,
submitting it."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from exams import case_selectors, case_services
from exams.api.desk_base import ERRORS, DeskApi
from exams.api.desk_serializers import CaseAnalysisCriterionSerializer, CaseAnalysisProblemSerializer
from exams.models import CaseStudy, CaseSubmission


def _page(request: Request, case_id: int) -> case_selectors.CaseAnalysisPage:
    try:
        page = case_selectors.case_analysis_for(user=request.user, case_id=case_id)
    except CaseStudy.DoesNotExist:
        raise Http404 from None
    if page.access.refusal is not None:
        raise exceptions.PermissionDenied(page.access.refusal)
    return page


@extend_schema_serializer(component_name="CaseAnalysis")
class CaseAnalysisOutputSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(source="case.pk")
    status = serializers.ChoiceField(choices=CaseSubmission.Status.choices)
    analysis_md = serializers.CharField()
    saved_at = serializers.DateTimeField(source="submission.saved_at", allow_null=True, default=None)
    submitted_at = serializers.DateTimeField(source="submission.submitted_at", allow_null=True, default=None)
    can_edit = serializers.BooleanField()
    score = serializers.SerializerMethodField()
    max_score = serializers.SerializerMethodField()
    percent = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    comment = serializers.SerializerMethodField()
    criteria = CaseAnalysisCriterionSerializer(many=True, source="results", help_text="Once graded.")
    reference_problems = CaseAnalysisProblemSerializer(
        many=True, source="problems", help_text="The reference analysis: once graded (always for the team)."
    )
    reference_conclusions = serializers.SerializerMethodField()

    def _graded(self, page) -> bool:
        return page.is_graded and page.submission is not None

    def get_score(self, page) -> str | None:
        return str(page.submission.score) if self._graded(page) else None

    def get_max_score(self, page) -> str | None:
        return str(page.submission.max_score) if self._graded(page) else None

    def get_comment(self, page) -> str:
        return page.submission.comment if self._graded(page) else ""

    def get_reference_conclusions(self, page) -> list[str]:
        return list(page.case.conclusions or []) if page.show_reference else []


class CaseAnalysisDetailApi(DeskApi):
    """The user's analysis of a case (outside exams): the draft or submitted text, and once
    graded the rubric results and the reference analysis."""

    @extend_schema(
        operation_id="case_analysis_detail", responses={200: CaseAnalysisOutputSerializer, **ERRORS}
    )
    def get(self, request: Request, case_id: int) -> Response:
        return Response(CaseAnalysisOutputSerializer(_page(request, case_id)).data)


class CaseAnalysisSaveApi(DeskApi):
    """Save the draft analysis (autosave)."""

    @extend_schema_serializer(component_name="CaseAnalysisSaveInput")
    class InputSerializer(serializers.Serializer):
        analysis_md = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=50_000)

    @extend_schema(
        operation_id="case_analysis_save",
        request=InputSerializer,
        responses={200: CaseAnalysisOutputSerializer, **ERRORS},
    )
    def put(self, request: Request, case_id: int) -> Response:
        page = _page(request, case_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case_services.case_submission_save(
            case=page.case, user=request.user, analysis_md=body.validated_data["analysis_md"]
        )
        return Response(CaseAnalysisOutputSerializer(_page(request, case_id)).data)


class CaseAnalysisSubmitApi(DeskApi):
    """Submit the analysis for grading (optionally with its final text)."""

    @extend_schema_serializer(component_name="CaseAnalysisSubmitInput")
    class InputSerializer(serializers.Serializer):
        analysis_md = serializers.CharField(
            required=False, allow_blank=True, trim_whitespace=False, max_length=50_000
        )

    @extend_schema(
        operation_id="case_analysis_submit",
        request=InputSerializer,
        responses={200: CaseAnalysisOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        page = _page(request, case_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case_services.case_submission_submit(
            case=page.case, user=request.user, analysis_md=body.validated_data.get("analysis_md")
        )
        return Response(CaseAnalysisOutputSerializer(_page(request, case_id)).data)
