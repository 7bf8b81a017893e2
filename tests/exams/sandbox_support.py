"""Helpers for the tests that run code in the real sandbox (markers ``sandbox``/``sandbox_ml``).

When bubblewrap, the sandbox user or a runtime is missing, those tests are skipped with the
reason — unless ``SANDBOX_TESTS_REQUIRED=1`` (CI), where a missing sandbox fails them.
"""

from __future__ import annotations

import os
import textwrap

import factory
import pytest

from exams.models import Submission, TaskFile
from exams.sandbox import Limits, RunReport, TestModule, run_tests, sandbox_status
from exams.sandbox.runtimes import runtime_problem
from tests.accounts.factories import UserFactory
from tests.exams.factories import PracticalTaskFactory


def require_sandbox(runtime: str = "python-basic") -> None:
    """Skip (or, with SANDBOX_TESTS_REQUIRED=1, fail) unless code can run isolated here."""
    status = sandbox_status()
    problem = runtime_problem(runtime)
    reason = None
    if not status.available:
        reason = f"the sandbox is unavailable here: {status.reason}"
    elif problem:
        reason = problem
    if reason:
        if os.environ.get("SANDBOX_TESTS_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def run_source(
    source: str,
    *,
    files: dict[str, str] | None = None,
    visibility: str = "public",
    runtime: str = "python-basic",
    time_seconds: float = 2,
    memory_mb: int = 256,
    **limits: object,
) -> RunReport:
    """Run one test module (dedented ``source``) in the sandbox with small limits. The wall
    clock gets 10× the CPU limit unless the test says otherwise: test hosts are shared and
    busy, and only the tests about the wall-clock limit need it tight."""
    base = Limits.from_settings(time_seconds=time_seconds, memory_mb=memory_mb)
    fields = (
        {name: getattr(base, name) for name in base.__dataclass_fields__} | {"wall_factor": 10.0} | limits
    )
    return run_tests(
        runtime=runtime,
        files=files or {},
        modules=[TestModule(visibility=visibility, source=textwrap.dedent(source))],
        limits=Limits(**fields),
    )


def outcomes(report: RunReport) -> dict[str, str]:
    return {test.name: test.outcome for test in report.tests}


def by_name(report: RunReport) -> dict:
    return {test.name: test for test in report.tests}


class TaskFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskFile

    task = factory.SubFactory(PracticalTaskFactory)
    path = "solution.py"
    kind = TaskFile.Kind.EDITABLE
    starter = "def add(a, b):\n    raise NotImplementedError\n"
    reference = "def add(a, b):\n    return a + b\n"


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    task = factory.SubFactory(PracticalTaskFactory)
    user = factory.SubFactory(UserFactory)
    kind = Submission.Kind.CHECK
    files = factory.LazyFunction(lambda: {"solution.py": "def add(a, b):\n    return a + b\n"})
