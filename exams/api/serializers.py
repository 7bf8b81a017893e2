"""Shapes of the practice and exam API: every component name is prefixed (Practice…, ExamSitting…)
so the schema has no clashes with other apps. Outputs read the selectors' dataclasses; what a
student may not see (hidden tests' source, their output, the reference solution, reference
answers before the grade is published) is never in them."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from exams.models import Sitting, Submission, TestResult
from exams.sitting_services import ANSWER_MAX_CHARS


class InlineChoiceField(serializers.ChoiceField):
    """A choice described inline in the schema: no shared enum component, whose name
    ("Status…Enum", "Kind…Enum") would clash with other apps' choice sets."""


class InlineChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = InlineChoiceField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": [str(value) for value in self.target.choices]}


def files_field(**kwargs) -> serializers.DictField:
    """File name → content: text, kept exactly (no trimming)."""
    return serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        help_text="Editable file name → its full text. A file left out keeps its last (or starter) content.",
        **kwargs,
    )


@extend_schema_serializer(component_name="PracticeFile")
class PracticeFileSerializer(serializers.Serializer):
    path = serializers.CharField()
    content = serializers.CharField()
    mode = serializers.CharField(help_text="Highlighting: python, dockerfile or text.")


@extend_schema_serializer(component_name="PracticeTestResult")
class PracticeTestResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    hidden = serializers.BooleanField(source="is_hidden")
    outcome = InlineChoiceField(choices=TestResult.Outcome.choices)
    outcome_label = serializers.CharField()
    message = serializers.CharField(
        help_text="The assertion and its diff; for hidden tests, masked and shortened."
    )
    stdout = serializers.CharField(help_text="Trimmed; empty for hidden tests.")
    stderr = serializers.CharField(help_text="Trimmed; empty for hidden tests.")
    duration_ms = serializers.IntegerField(allow_null=True)
    memory_kb = serializers.IntegerField(allow_null=True)


@extend_schema_serializer(component_name="PracticeRun")
class PracticeRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="submission.pk")
    task_id = serializers.IntegerField(source="submission.task_id")
    sitting_id = serializers.IntegerField(source="submission.sitting_id", allow_null=True)
    kind = InlineChoiceField(source="submission.kind", choices=Submission.Kind.choices)
    status = InlineChoiceField(source="submission.status", choices=Submission.Status.choices)
    queue_position = serializers.IntegerField(
        allow_null=True, help_text="1 = next to run; null unless queued."
    )
    score = serializers.DecimalField(
        source="submission.score",
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        help_text="Percent of the hidden tests' weight passed (submit runs only).",
    )
    passed_count = serializers.IntegerField()
    total_count = serializers.IntegerField()
    created_at = serializers.DateTimeField(source="submission.created_at")
    started_at = serializers.DateTimeField(source="submission.started_at", allow_null=True)
    finished_at = serializers.DateTimeField(source="submission.finished_at", allow_null=True)
    error = serializers.SerializerMethodField(
        help_text="Why the run could not be done (the course's team only)."
    )
    results = PracticeTestResultSerializer(source="rows", many=True)

    def get_error(self, run) -> str:
        return run.submission.error if run.show_error else ""


@extend_schema_serializer(component_name="PracticeRunSummary")
class PracticeRunSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="submission.pk")
    kind = InlineChoiceField(source="submission.kind", choices=Submission.Kind.choices)
    status = InlineChoiceField(source="submission.status", choices=Submission.Status.choices)
    score = serializers.DecimalField(
        source="submission.score", max_digits=6, decimal_places=2, allow_null=True
    )
    passed_count = serializers.IntegerField()
    total_count = serializers.IntegerField()
    created_at = serializers.DateTimeField(source="submission.created_at")
    previous_id = serializers.IntegerField(allow_null=True, help_text="The run before it, to compare with.")


@extend_schema_serializer(component_name="PracticeSandbox")
class SandboxAvailabilitySerializer(serializers.Serializer):
    state = InlineChoiceField(
        choices=["available", "unavailable", "unknown"],
        help_text="available: a sandbox worker can run the task; unavailable: runs are refused (503) "
        "until the sandbox is fixed; unknown: no worker has reported yet, runs are accepted and wait "
        "in the queue.",
    )
    reason = serializers.CharField(help_text="Why runs are refused; empty unless unavailable.")


@extend_schema_serializer(component_name="PracticeTaskInfo")
class TaskInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    statement_html = serializers.CharField()
    runtime = serializers.CharField()
    time_limit_seconds = serializers.IntegerField()
    memory_limit_mb = serializers.IntegerField()


@extend_schema_serializer(component_name="PracticeTask")
class PracticeTaskSerializer(serializers.Serializer):
    task = TaskInfoSerializer()
    lesson_id = serializers.IntegerField(source="task.lesson_id", allow_null=True)
    files = PracticeFileSerializer(many=True, help_text="The editable files with their starter content.")
    data_files = serializers.ListField(
        child=serializers.CharField(), help_text="Read-only data files, by name."
    )
    public_tests = serializers.ListField(
        child=serializers.CharField(), help_text="Names of the public tests."
    )
    can_run = serializers.BooleanField(
        help_text="The user may run the task (see sandbox: whether it can run now)."
    )
    run_refusal = serializers.CharField(allow_null=True)
    sandbox = SandboxAvailabilitySerializer()


@extend_schema_serializer(component_name="ExamSittingTheory")
class SittingTheorySerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    number = serializers.IntegerField()
    text_html = serializers.CharField(source="answer.question.text_html")
    answer = serializers.CharField(source="answer.text")
    saved_at = serializers.DateTimeField(source="answer.saved_at", allow_null=True)
    points = serializers.DecimalField(source="answer.points", max_digits=6, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(source="answer.max_points", max_digits=6, decimal_places=2)
    comment = serializers.CharField(source="answer.comment")
    reference_html = serializers.SerializerMethodField(
        help_text="The reference answer, once the grade is published."
    )

    def get_reference_html(self, item) -> str | None:
        return item.answer.question.answer_html if self.context.get("show_reference") else None


@extend_schema_serializer(component_name="ExamSittingCase")
class SittingCaseSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(source="analysis.case_id")
    title = serializers.CharField(source="analysis.case.title")
    situation_html = serializers.CharField(source="analysis.case.situation_html")
    observations_html = serializers.CharField(source="analysis.case.observations_html")
    task_html = serializers.CharField(source="analysis.case.task_html")
    analysis_md = serializers.CharField(source="analysis.analysis_md")
    saved_at = serializers.DateTimeField(source="analysis.saved_at", allow_null=True)
    score = serializers.DecimalField(source="analysis.score", max_digits=8, decimal_places=2, allow_null=True)
    max_score = serializers.DecimalField(source="analysis.max_score", max_digits=8, decimal_places=2)
    comment = serializers.CharField(source="analysis.comment")


@extend_schema_serializer(component_name="ExamSittingPractical")
class SittingPracticalSerializer(serializers.Serializer):
    task = TaskInfoSerializer()
    files = PracticeFileSerializer(
        many=True, help_text="The editable files with the code saved last (autosave, a run, the submit)."
    )
    saved_at = serializers.DateTimeField(
        allow_null=True, help_text="When that code was saved; null: the starter code."
    )
    data_files = serializers.ListField(child=serializers.CharField())
    public_tests = serializers.ListField(child=serializers.CharField())
    latest_run = PracticeRunSerializer(source="latest", allow_null=True)
    final_run = PracticeRunSerializer(
        source="final", allow_null=True, help_text="The graded run, once submitted."
    )
    runs = PracticeRunSummarySerializer(source="history", many=True)
    sandbox = SandboxAvailabilitySerializer(
        allow_null=True,
        help_text='Whether "Run checks" can run now; when unavailable, the submit is still accepted and '
        "its hidden tests wait for the sandbox.",
    )


@extend_schema_serializer(component_name="ExamSitting")
class SittingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="sitting.pk")
    exam_id = serializers.IntegerField(source="sitting.exam_id")
    exam_title = serializers.CharField(source="sitting.exam.title")
    ticket_number = serializers.IntegerField(source="sitting.ticket.number")
    ticket_title = serializers.CharField(source="sitting.ticket.title")
    status = InlineChoiceField(source="sitting.status", choices=Sitting.Status.choices)
    deadline_at = serializers.DateTimeField(source="sitting.deadline_at")
    seconds_left = serializers.IntegerField(
        allow_null=True, help_text="While in progress; from the server's clock."
    )
    submitted_at = serializers.DateTimeField(source="sitting.submitted_at", allow_null=True)
    graded_at = serializers.DateTimeField(source="sitting.graded_at", allow_null=True)
    score = serializers.SerializerMethodField(help_text="The final grade, once published.")
    max_score = serializers.DecimalField(source="parts.max_score", max_digits=8, decimal_places=2)
    practical_points = serializers.DecimalField(
        source="parts.practical.points", max_digits=8, decimal_places=2, allow_null=True, default=None
    )
    can_write = serializers.BooleanField()
    theory = SittingTheorySerializer(many=True)
    practical = SittingPracticalSerializer(allow_null=True)
    cases = SittingCaseSerializer(many=True)

    def get_score(self, page) -> str | None:
        return None if page.sitting.score is None or not page.is_graded else f"{page.sitting.score:.2f}"


@extend_schema_serializer(component_name="PracticeRunCreateInput")
class RunCreateInputSerializer(serializers.Serializer):
    kind = InlineChoiceField(choices=[Submission.Kind.CHECK, Submission.Kind.SUBMIT])
    files = files_field(required=False, default=dict)


@extend_schema_serializer(component_name="ExamSittingCheckInput")
class SittingCheckInputSerializer(serializers.Serializer):
    files = files_field(required=False, default=dict)


@extend_schema_serializer(component_name="ExamSittingCodeInput")
class SittingCodeInputSerializer(serializers.Serializer):
    files = files_field()


@extend_schema_serializer(component_name="ExamSittingAnswerInput")
class SittingAnswerInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=ANSWER_MAX_CHARS)


@extend_schema_serializer(component_name="ExamSittingCaseInput")
class SittingCaseInputSerializer(serializers.Serializer):
    analysis_md = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=ANSWER_MAX_CHARS)


class _IdTextMapField(serializers.DictField):
    """A JSON object keyed by ids (as strings, JSON's only keys) → text; ids come out as ints."""

    child = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=ANSWER_MAX_CHARS)

    def to_internal_value(self, data):
        texts = super().to_internal_value(data)
        parsed = {}
        for key, value in texts.items():
            if not (isinstance(key, str) and key.isdigit() and len(key) < 19):
                raise serializers.ValidationError(f"{key!r} is not an id.")
            parsed[int(key)] = value
        return parsed


@extend_schema_serializer(component_name="ExamSittingSubmitInput")
class SittingSubmitInputSerializer(serializers.Serializer):
    answers = _IdTextMapField(required=False, default=dict, help_text="Question id → answer text.")
    cases = _IdTextMapField(required=False, default=dict, help_text="Case id → analysis (Markdown).")
    files = files_field(required=False, allow_null=True, default=None)
