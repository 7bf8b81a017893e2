"""The practice and exam API: one APIView per operation, parse → authorize → one service or
selector → serialize. Errors are ``{"detail": "..."}``: 400 (bad input, a refused run), 403
(not enrolled; the course's team, who may only read), 404 (not visible: someone else's run
or sitting looks missing), 409 (the exam or sitting state refuses it: window closed, already
submitted, deadline passed), 503 with ``"code": "sandbox_unavailable"`` (a run while the
sandbox workers cannot run the task: nothing was queued; a sitting's code was saved all the
same). Whether runs are possible now is in the task's and the sitting's ``sandbox`` field.
Never a 500 for bad input."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import ApplicationError, PermissionDeniedError
from courses.api.base import ERRORS, KafedraApi
from exams import practice_selectors, run_selectors, sitting_selectors
from exams import sitting_services as services
from exams.api.serializers import (
    InlineChoiceField,
    PracticeRunSerializer,
    PracticeRunSummarySerializer,
    PracticeTaskSerializer,
    RunCreateInputSerializer,
    SittingAnswerInputSerializer,
    SittingCaseInputSerializer,
    SittingCheckInputSerializer,
    SittingCodeInputSerializer,
    SittingSerializer,
    SittingSubmitInputSerializer,
)
from exams.models import Exam, PracticalTask, Sitting, Submission
from exams.practice_services import practice_run_create
from exams.sandbox_health import RunsUnavailable

SANDBOX_UNAVAILABLE = "sandbox_unavailable"
RUN_ERRORS = {**ERRORS, 503: ERRORS[409]}


class ExamsApi(KafedraApi):
    """Invalid work (a question not in the ticket, a file too large) is a 400; other refusals
    of the exam's state are 409 (see KafedraApi)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.InvalidWork):
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, RunsUnavailable):
            return Response(
                {"detail": exc.message, "code": SANDBOX_UNAVAILABLE},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return super().handle_exception(exc)

    @staticmethod
    def body(serializer_class: type[serializers.Serializer], request: Request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def sitting(request: Request, sitting_id: int, *, write: bool = False) -> sitting_selectors.SittingAccess:
        """The sitting if the user may see it (404 otherwise); for writes only its student (403
        for the course's team, who may only read)."""
        try:
            access = sitting_selectors.sitting_get_for_viewer(user=request.user, sitting_id=sitting_id)
        except Sitting.DoesNotExist:
            raise Http404 from None
        if write and not access.is_owner:
            raise exceptions.PermissionDenied(_("You can view this sitting but not change it."))
        return access


def _sitting_state(access: sitting_selectors.SittingAccess) -> dict:
    page = sitting_selectors.sitting_page(access=access)
    return SittingSerializer(page, context={"show_reference": access.show_reference}).data


def _task_access(request: Request, task_id: int) -> practice_selectors.TaskAccess:
    try:
        access = practice_selectors.practice_task_get_for_viewer(user=request.user, task_id=task_id)
    except PracticalTask.DoesNotExist:
        raise Http404 from None
    if access.refusal is not None:
        raise PermissionDeniedError(access.refusal)
    return access


# ---------------------------------------------------------------------------------------------
# Practice


class PracticeTaskDetailApi(ExamsApi):
    """A lesson's code exercise: statement, editable files with their starter content, data
    file names, public test names, and whether the user may run it."""

    @extend_schema(operation_id="practice_task_detail", responses={200: PracticeTaskSerializer, **ERRORS})
    def get(self, request: Request, task_id: int) -> Response:
        access = _task_access(request, task_id)
        detail = practice_selectors.practice_task_detail(access=access)
        return Response(PracticeTaskSerializer(detail).data)


class PracticeRunCreateApi(ExamsApi):
    """Queue a run of the user's files: ``check`` (public tests) or ``submit`` (hidden tests,
    scored). Poll the run until its status is ``done`` or ``error``. 503 when the sandbox
    workers cannot run the task now (nothing is queued: try again later)."""

    @extend_schema(
        operation_id="practice_run_create",
        request=RunCreateInputSerializer,
        responses={202: PracticeRunSerializer, **RUN_ERRORS},
        examples=[
            OpenApiExample(
                "check",
                value={"kind": "check", "files": {"solution.py": "def add(a, b):\n    return a + b\n"}},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, task_id: int) -> Response:
        access = _task_access(request, task_id)
        body = self.body(RunCreateInputSerializer, request)
        try:
            submission = practice_run_create(
                task=access.task, user=request.user, files=body["files"], kind=body["kind"]
            )
        except (PermissionDeniedError, RunsUnavailable):
            raise
        except ApplicationError as exc:  # an unknown or too large file, too many runs waiting
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        run = run_selectors.run_view(submission=submission, full=False)
        return Response(PracticeRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class PracticeRunHistoryApi(ExamsApi):
    """The user's latest runs of an exercise, newest first (at most 50)."""

    @extend_schema_serializer(component_name="PracticeRunHistory")
    class OutputSerializer(serializers.Serializer):
        task_id = serializers.IntegerField()
        runs = PracticeRunSummarySerializer(many=True)

    @extend_schema(operation_id="practice_run_history", responses={200: OutputSerializer, **ERRORS})
    def get(self, request: Request, task_id: int) -> Response:
        access = _task_access(request, task_id)
        rows = run_selectors.submission_history(user=request.user, task_ids=[access.task.pk])[access.task.pk]
        return Response(self.OutputSerializer({"task_id": access.task.pk, "runs": rows}).data)


class PracticeRunDetailApi(ExamsApi):
    """A run: status (with the place in the queue), score and per-test results. The user's own
    runs; the course's team reads any run of their course."""

    @extend_schema(operation_id="practice_run_detail", responses={200: PracticeRunSerializer, **ERRORS})
    def get(self, request: Request, submission_id: int) -> Response:
        try:
            access = run_selectors.submission_get_for_viewer(user=request.user, submission_id=submission_id)
        except Submission.DoesNotExist:
            raise Http404 from None
        run = run_selectors.run_view(submission=access.submission, full=access.full)
        return Response(PracticeRunSerializer(run).data)


# ---------------------------------------------------------------------------------------------
# Exams


class ExamDrawApi(ExamsApi):
    """Draw a ticket and start the sitting (201); a second draw returns the same sitting (200)."""

    @extend_schema(
        operation_id="exam_draw",
        request=None,
        responses={201: SittingSerializer, 200: SittingSerializer, **ERRORS},
    )
    def post(self, request: Request, exam_id: int) -> Response:
        try:
            access = sitting_selectors.exam_get_for_viewer(user=request.user, exam_id=exam_id)
        except Exam.DoesNotExist:
            raise Http404 from None
        sitting, created = services.sitting_draw_ticket(exam=access.exam, user=request.user)
        state = _sitting_state(self.sitting(request, sitting.pk))
        return Response(state, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SittingDetailApi(ExamsApi):
    """A sitting: ticket, deadline and seconds left, theory questions with the saved answers,
    the practical task (files, last run, graded run), the cases, and the grade once published
    (with the reference answers)."""

    @extend_schema(operation_id="sitting_detail", responses={200: SittingSerializer, **ERRORS})
    def get(self, request: Request, sitting_id: int) -> Response:
        access = self.sitting(request, sitting_id)
        sitting = access.sitting
        expired = sitting.status == Sitting.Status.IN_PROGRESS and sitting.deadline_at <= timezone.now()
        if access.is_owner and expired and services.sitting_close_if_expired(sitting_id=sitting_id):
            access = self.sitting(request, sitting_id)
        return Response(_sitting_state(access))


class SittingAnswerSaveApi(ExamsApi):
    """Save the answer to one theory question. After the deadline: 409, and the sitting is
    submitted as it was saved."""

    @extend_schema_serializer(component_name="ExamSittingAnswerSaved")
    class OutputSerializer(serializers.Serializer):
        question_id = serializers.IntegerField()
        saved_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="sitting_answer_save",
        request=SittingAnswerInputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def put(self, request: Request, sitting_id: int, question_id: int) -> Response:
        access = self.sitting(request, sitting_id, write=True)
        body = self.body(SittingAnswerInputSerializer, request)
        answer = services.sitting_answer_save(
            sitting=access.sitting, user=request.user, question_id=question_id, text=body["text"]
        )
        return Response(self.OutputSerializer({"question_id": question_id, "saved_at": answer.saved_at}).data)


class SittingCaseSaveApi(ExamsApi):
    """Save the analysis of one case of the ticket (Markdown)."""

    @extend_schema_serializer(component_name="ExamSittingCaseSaved")
    class OutputSerializer(serializers.Serializer):
        case_id = serializers.IntegerField()
        saved_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="sitting_case_save",
        request=SittingCaseInputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def put(self, request: Request, sitting_id: int, case_id: int) -> Response:
        access = self.sitting(request, sitting_id, write=True)
        body = self.body(SittingCaseInputSerializer, request)
        analysis = services.sitting_case_save(
            sitting=access.sitting, user=request.user, case_id=case_id, analysis_md=body["analysis_md"]
        )
        return Response(self.OutputSerializer({"case_id": case_id, "saved_at": analysis.saved_at}).data)


class SittingCodeSaveApi(ExamsApi):
    """Save the practical task's code (autosave): editable file name → text, a file left out
    keeps its saved code. It is what the sitting shows when reopened and what it is submitted
    with if the submit sends no code. After the deadline: 409, and the sitting is submitted
    as it was saved."""

    @extend_schema_serializer(component_name="ExamSittingCodeSaved")
    class OutputSerializer(serializers.Serializer):
        files = serializers.DictField(
            child=serializers.CharField(), help_text="The code saved: every editable file with its text."
        )
        saved_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="sitting_code_save",
        request=SittingCodeInputSerializer,
        responses={200: OutputSerializer, **ERRORS},
    )
    def put(self, request: Request, sitting_id: int) -> Response:
        access = self.sitting(request, sitting_id, write=True)
        body = self.body(SittingCodeInputSerializer, request)
        sitting = services.sitting_save_code(sitting=access.sitting, user=request.user, files=body["files"])
        output = {"files": sitting.code, "saved_at": sitting.code_saved_at}
        return Response(self.OutputSerializer(output).data)


class SittingCheckCreateApi(ExamsApi):
    """ "Run checks" during the sitting: the practical task's public tests on the given files.
    503 when the sandbox workers cannot run the task now: nothing is queued, but the files are
    saved as the sitting's code (the sitting can still be answered and submitted)."""

    @extend_schema(
        operation_id="sitting_check_create",
        request=SittingCheckInputSerializer,
        responses={202: PracticeRunSerializer, **RUN_ERRORS},
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        access = self.sitting(request, sitting_id, write=True)
        body = self.body(SittingCheckInputSerializer, request)
        try:
            submission = services.sitting_run_check(
                sitting=access.sitting, user=request.user, files=body["files"]
            )
        except (PermissionDeniedError, services.SittingClosed, RunsUnavailable):
            raise
        except ApplicationError as exc:  # an unknown or too large file, too many runs waiting
            return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
        run = run_selectors.run_view(submission=submission, full=False)
        return Response(PracticeRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class SittingSubmitApi(ExamsApi):
    """Submit the sitting, optionally with the last answers, analyses and code; grading is
    queued (poll the sitting). Idempotent: 202 when this call submitted it, 200 when it was
    already submitted."""

    @extend_schema_serializer(component_name="ExamSittingSubmitted")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = InlineChoiceField(choices=Sitting.Status.choices)
        submitted_at = serializers.DateTimeField()
        sitting_url = serializers.CharField()

    @extend_schema(
        operation_id="sitting_submit",
        request=SittingSubmitInputSerializer,
        responses={202: OutputSerializer, 200: OutputSerializer, **ERRORS},
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        access = self.sitting(request, sitting_id, write=True)
        body = self.body(SittingSubmitInputSerializer, request)
        sitting, submitted = services.sitting_submit(
            sitting=access.sitting,
            user=request.user,
            answers=body["answers"],
            cases=body["cases"],
            files=body["files"],
        )
        output = {
            "id": sitting.pk,
            "status": sitting.status,
            "submitted_at": sitting.submitted_at,
            "sitting_url": reverse("exams-api:sitting-detail", kwargs={"sitting_id": sitting.pk}),
        }
        return Response(
            self.OutputSerializer(output).data,
            status=status.HTTP_202_ACCEPTED if submitted else status.HTTP_200_OK,
        )
