"""Fixtures of the quiz-engine tests."""

import pytest

from quizzes import services


@pytest.fixture
def grade_queue(monkeypatch):
    """Attempt ids queued for grading (``attempt_grade_task.delay``), instead of a broker."""
    queued: list[int] = []

    class QueuedGrading:
        @staticmethod
        def delay(attempt_id: int) -> None:
            queued.append(attempt_id)

    monkeypatch.setattr(services, "attempt_grade_task", QueuedGrading)
    return queued
