"""Periodic Celery tasks. django-celery-beat's DatabaseScheduler copies these entries into its
tables when beat starts; they can then be paused or retimed in the admin."""

from celery.schedules import crontab

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
    "reviews-feedback-sla-check": {
        "task": "reviews.tasks.feedback_sla_check_task",
        "schedule": 900.0,
        "options": {"expires": 840},
    },
    # Crontab times are in CELERY_TIMEZONE, the site time zone.
    "reviews-feedback-weekly-digest": {
        "task": "reviews.tasks.feedback_weekly_digest_task",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
        "options": {"expires": 6 * 3600},
    },
    # The exam sweeps run no code: sent to the default queue, not behind sandbox runs.
    "exams-close-expired-sittings": {
        "task": "exams.tasks.sittings_close_expired_task",
        "schedule": 60.0,
        "options": {"expires": 55, "queue": "default"},
    },
    "exams-requeue-stuck-sittings": {
        "task": "exams.tasks.sittings_requeue_stuck_grading_task",
        "schedule": 300.0,
        "options": {"expires": 290, "queue": "default"},
    },
}
