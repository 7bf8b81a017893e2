"""import_course and practical tasks: a task that is new or whose content changed gets a
reference check queued on the sandbox queue when the import commits; an unchanged one keeps its
check and queues nothing."""

import shutil
from pathlib import Path
from unittest import mock

import pytest

from courses.bundles import bundle_import
from exams.models import PracticalTask
from exams.tasks import task_check_reference_task
from tests.courses.bundles import copy_demo_bundle

pytestmark = pytest.mark.django_db

TASK = "tasks/add-numbers"


@pytest.fixture
def bundle(tmp_path) -> Path:
    """The demo bundle with a second task, a copy of the first under another key."""
    bundle = copy_demo_bundle(tmp_path)
    shutil.copytree(bundle / TASK, bundle / "tasks" / "add-numbers-again")
    return bundle


def _edit(bundle: Path, file: str, old: str, new: str) -> None:
    path = bundle / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _queued(capture, bundle: Path, *, dry_run: bool = False) -> list[int]:
    """The task ids whose reference check the import queued on commit."""
    with mock.patch.object(task_check_reference_task, "delay") as delay:
        with capture(execute=True):
            bundle_import(paths=[bundle], dry_run=dry_run)
    return sorted(call.args[0] for call in delay.call_args_list)


def _all_passed() -> None:
    PracticalTask.objects.update(reference_check=PracticalTask.ReferenceCheck.PASSED)


def test_the_first_import_queues_one_reference_check_per_task(bundle, django_capture_on_commit_callbacks):
    # when
    queued = _queued(django_capture_on_commit_callbacks, bundle)

    # then
    assert queued == sorted(PracticalTask.objects.values_list("pk", flat=True))
    assert len(queued) == 2


def test_reimporting_unchanged_tasks_queues_nothing_and_keeps_their_check(
    bundle, django_capture_on_commit_callbacks
):
    # given
    bundle_import(paths=[bundle])
    _all_passed()

    # when
    queued = _queued(django_capture_on_commit_callbacks, bundle)

    # then
    assert queued == []
    assert set(PracticalTask.objects.values_list("reference_check", flat=True)) == {"passed"}


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("tests_hidden.py", "def test_add_negative", "def test_add_negative_numbers"),
        ("solution/solution.py", "return a + b", "return b + a"),
        ("task.yaml", "time_limit_seconds: 30", "time_limit_seconds: 20"),
    ],
    ids=["hidden tests", "reference solution", "time limit"],
)
def test_reimporting_a_changed_task_queues_its_check_only(
    bundle, django_capture_on_commit_callbacks, file, old, new
):
    # given
    bundle_import(paths=[bundle])
    _all_passed()
    _edit(bundle, f"{TASK}/{file}", old, new)

    # when
    queued = _queued(django_capture_on_commit_callbacks, bundle)

    # then
    changed = PracticalTask.objects.get(key="add-numbers")
    unchanged = PracticalTask.objects.get(key="add-numbers-again")
    assert queued == [changed.pk]
    assert changed.reference_check == PracticalTask.ReferenceCheck.UNCHECKED
    assert unchanged.reference_check == PracticalTask.ReferenceCheck.PASSED


def test_a_changed_starter_alone_queues_no_check(bundle, django_capture_on_commit_callbacks):
    # given: the reference check runs the reference solution, never the starter
    bundle_import(paths=[bundle])
    _all_passed()
    starter = bundle / TASK / "starter" / "solution.py"
    starter.write_text(starter.read_text(encoding="utf-8") + "# hint: use +\n", encoding="utf-8")

    # when
    queued = _queued(django_capture_on_commit_callbacks, bundle)

    # then
    assert queued == []


def test_a_dry_run_queues_nothing(bundle, django_capture_on_commit_callbacks):
    # when
    queued = _queued(django_capture_on_commit_callbacks, bundle, dry_run=True)

    # then
    assert queued == []
    assert not PracticalTask.objects.exists()
