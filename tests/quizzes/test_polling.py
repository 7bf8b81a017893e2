"""The result page's status polling schedule (read by the page's template and by the benchmark)."""

from itertools import islice

from quizzes.polling import (
    STATUS_POLL_DELAYS_MS,
    STATUS_POLL_EVERY_MS,
    status_poll_times_ms,
    status_poll_trigger,
)


def test_the_page_polls_soon_then_backs_off_to_once_a_second():
    # when
    times = list(islice(status_poll_times_ms(), 7))

    # then
    assert times == [250, 500, 750, 1000, 2000, 3000, 4000]
    assert status_poll_trigger() == "load delay:250ms, load delay:500ms, load delay:750ms, every 1000ms"


def test_the_trigger_and_the_times_say_the_same_schedule():
    # given
    specs = [spec.strip() for spec in status_poll_trigger().split(",")]

    # when
    delays = [int(spec.removeprefix("load delay:").removesuffix("ms")) for spec in specs[:-1]]
    every = int(specs[-1].removeprefix("every ").removesuffix("ms"))

    # then
    assert (tuple(delays), every) == (STATUS_POLL_DELAYS_MS, STATUS_POLL_EVERY_MS)
    assert sorted(set(islice(status_poll_times_ms(), 20))) == list(islice(status_poll_times_ms(), 20))
