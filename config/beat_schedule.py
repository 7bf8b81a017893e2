"""Periodic Celery tasks. django-celery-beat's DatabaseScheduler copies these entries into its
tables when beat starts; they can then be paused or retimed in the admin."""

BEAT_SCHEDULE = {
    "quizzes-close-expired-attempts": {
        "task": "quizzes.tasks.attempts_close_expired_task",
        "schedule": 60.0,
        # A late run is useless once the next one is due.
        "options": {"expires": 55},
    },
    "quizzes-requeue-stuck-grading": {
        "task": "quizzes.tasks.attempts_requeue_stuck_grading_task",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
}
