"""The seed course's practical tasks: each reference solution passes all its tests (public and
hidden) in the real sandbox, on the runtime and within the limits its task.yaml gives.

Read straight from the bundle (tasks/<key>/: task.yaml, solution/, files/, tests_*.py), so a
task that cannot pass in the sandbox is caught before anyone imports the course.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from exams.sandbox import Limits, TestModule, run_tests
from tests.exams.sandbox_support import require_sandbox

TASKS_DIR = Path(settings.BASE_DIR) / "fixtures" / "courses" / "ml-engineer-professional" / "tasks"
SEED_TASKS = {
    "ticket-1-lightgbm-onnx": "python-ml",
    "ticket-2-flask-predict": "python-ml",
    "ticket-3-sklearn-pipeline": "python-basic",
    "ticket-4-torch-mlp": "python-ml",
    "ticket-5-shap-xgboost": "python-ml",
}


def _read_dir(path: Path) -> dict[str, str]:
    if not path.is_dir():
        return {}
    return {
        p.relative_to(path).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_the_seed_course_has_the_five_tasks():
    assert sorted(p.name for p in TASKS_DIR.iterdir() if p.is_dir()) == sorted(SEED_TASKS)


@pytest.mark.sandbox_ml
@pytest.mark.parametrize(("key", "runtime"), SEED_TASKS.items(), ids=list(SEED_TASKS))
def test_reference_solution_passes_every_test(key, runtime):
    # given the task as the bundle describes it
    task_dir = TASKS_DIR / key
    meta = yaml.safe_load((task_dir / "task.yaml").read_text(encoding="utf-8"))
    assert meta.get("runtime", "python-basic") == runtime
    require_sandbox(runtime)
    solution = _read_dir(task_dir / "solution")
    assert sorted(solution) == sorted(meta["editable_files"])
    files = {**_read_dir(task_dir / "files"), **solution}
    modules = [
        TestModule("public", (task_dir / "tests_public.py").read_text(encoding="utf-8")),
        TestModule("hidden", (task_dir / "tests_hidden.py").read_text(encoding="utf-8")),
    ]
    limits = Limits.from_settings(time_seconds=meta["time_limit_seconds"], memory_mb=meta["memory_limit_mb"])
    # The task's limits are CPU time and memory. Test hosts are shared and often overloaded
    # (several suites on two cores make importing torch take minutes of wall time), so the
    # wall clock, which exists to stop code that sleeps or blocks, gets more room here.
    limits = dataclasses.replace(limits, wall_factor=max(limits.wall_factor, 10.0))

    # when its reference solution runs against all its tests
    report = run_tests(runtime=runtime, files=files, modules=modules, limits=limits)

    # then every test passes, isolated, and the weights name hidden tests that exist
    failing = [
        f"{t.visibility} {t.name}: {t.outcome}: {t.message[:500]}" for t in report.tests if not t.passed
    ]
    assert not failing, "\n".join(failing)
    for test in report.tests:
        assert test.cpu_ms is not None and test.cpu_ms <= meta["time_limit_seconds"] * 1000
    assert report.isolated
    assert {t.visibility for t in report.tests} == {"public", "hidden"}
    hidden = {t.name for t in report.tests if t.visibility == "hidden"}
    assert set(meta.get("test_weights") or {}) <= hidden
