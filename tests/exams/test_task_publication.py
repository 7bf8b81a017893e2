"""Publishing a practical task: only once its reference solution passed all its tests."""

import pytest

from core.exceptions import ApplicationError
from exams.models import PracticalTask
from exams.services import task_publish, task_unpublish
from tests.exams.factories import PracticalTaskFactory

pytestmark = pytest.mark.django_db


def test_a_task_whose_reference_solution_passed_is_published():
    # given
    task = PracticalTaskFactory(reference_check=PracticalTask.ReferenceCheck.PASSED)

    # when
    task = task_publish(task=task)

    # then
    assert task.status == PracticalTask.Status.PUBLISHED


@pytest.mark.parametrize(
    "check", [PracticalTask.ReferenceCheck.UNCHECKED, PracticalTask.ReferenceCheck.FAILED]
)
def test_a_task_without_a_passing_reference_check_is_not_published(check):
    # given
    task = PracticalTaskFactory(reference_check=check)

    # when / then
    with pytest.raises(ApplicationError):
        task_publish(task=task)
    task.refresh_from_db()
    assert task.status == PracticalTask.Status.DRAFT


def test_unpublishing_takes_the_task_back_to_draft_and_is_idempotent():
    # given
    task = PracticalTaskFactory(
        status=PracticalTask.Status.PUBLISHED, reference_check=PracticalTask.ReferenceCheck.PASSED
    )

    # when
    task_unpublish(task=task)
    task = task_unpublish(task=task)

    # then
    assert task.status == PracticalTask.Status.DRAFT
