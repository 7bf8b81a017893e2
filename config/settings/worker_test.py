"""Settings for the Celery worker that integration tests start (tests/integration/): the test
settings, with the broker on REDIS_URL and the database on DATABASE_URL (the test process
passes its own test database). Never used outside the tests."""

from config.settings.test import *  # noqa: F403
from config.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, env

CELERY_BROKER_URL = env.str("REDIS_URL")
# A killed worker's unacknowledged message goes back to the queue after the visibility
# timeout; short here so a restarted worker picks it up within seconds, not an hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=4),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# Seconds to sleep in the middle of grading, so a test can kill the worker there.
QUIZ_GRADING_TEST_DELAY = env.float("QUIZ_GRADING_TEST_DELAY", default=0)
