"""The sandbox: runs untrusted Python (students' code and the tests against it) isolated.

* ``isolation`` — the bubblewrap command line, the unprivileged identity, seccomp, and
  ``sandbox_status()`` for the health page (fail closed: no isolation → no runs);
* ``runtimes`` — the named Python environments code runs in (``make runtime-<name>``);
* ``harness`` — the pytest driver that runs inside the sandbox and reports each test;
* ``runner`` — ``run_tests()``: one sandbox per run, deadlines, caps, a verdict per test.

Only Celery tasks on the ``sandbox`` queue call ``run_tests``; web processes never do.
"""

from django.core.signals import setting_changed
from django.dispatch import receiver

from exams.sandbox.isolation import SandboxStatus, SandboxUnavailable, sandbox_status, sandbox_status_clear
from exams.sandbox.runner import (
    Limits,
    RunReport,
    SandboxError,
    SandboxRefused,
    TestModule,
    TestReport,
    expected_tests,
    run_tests,
)

__all__ = [
    "Limits",
    "RunReport",
    "SandboxError",
    "SandboxRefused",
    "SandboxStatus",
    "SandboxUnavailable",
    "TestModule",
    "TestReport",
    "expected_tests",
    "run_tests",
    "sandbox_status",
    "sandbox_status_clear",
]


@receiver(setting_changed)
def _forget_probe_on_setting_change(*, setting: str, **kwargs) -> None:
    """The cached probe depends on the SANDBOX_* settings (tests override them)."""
    if setting.startswith("SANDBOX_"):
        sandbox_status_clear()
