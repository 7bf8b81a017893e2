"""The Celery application. Tasks live in each app's ``tasks.py`` and are autodiscovered.

Queues (``CELERY_TASK_ROUTES``): "grading" (quiz attempts: what a student waits for after
pressing "submit"), "sandbox" (untrusted code runs) and "default" (the rest: notification
e-mails, digests, periodic sweeps). Every worker command lists all three; with Redis a worker
takes "grading" first (``GradingFirstCycle``).
"""

import os

from celery import Celery, signals
from kombu.utils.scheduling import round_robin_cycle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

GRADING_QUEUE = "grading"

app = Celery("kafedra")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class GradingFirstCycle(round_robin_cycle):
    """The order a worker reads its queues in (the Redis transport's ``queue_order_strategy``):
    "grading" first whenever it holds a message, the other queues in turn as kombu's round
    robin does. A burst of submits is graded before the e-mails that grading queues, and a
    flood of e-mails or sandbox runs never delays a grade; neither of those starves the other.
    """

    def update(self, it: object) -> None:
        super().update(it)
        self._grading_first()

    def rotate(self, last_used: str) -> str:
        super().rotate(last_used)
        self._grading_first()
        return last_used

    def _grading_first(self) -> None:
        if GRADING_QUEUE in self.items:
            self.items.remove(GRADING_QUEUE)
            self.items.insert(0, GRADING_QUEUE)


@signals.task_prerun.connect
@signals.task_postrun.connect
def _database_connections_recycle(*, task: object = None, **_kwargs: object) -> None:
    """Close the database connections that are too old (``CONN_MAX_AGE``) or broken, as Django
    does around every request, and keep the others for the next task.

    Celery's Django fixup would close them around every task instead (unless
    ``CELERY_DB_REUSE_MAX`` says otherwise, see the settings): a new PostgreSQL connection
    per task costs a backend start-up and cold caches, more CPU than grading an attempt.
    """
    if getattr(getattr(task, "request", None), "is_eager", False):
        return  # run in the caller's process (and maybe its transaction): not ours to close
    from django.db import close_old_connections

    close_old_connections()
