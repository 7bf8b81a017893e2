"""How the result page polls an attempt's status while it is being graded: soon after the
status fragment appears, then less and less often, down to once a second.

The one place the schedule is written: the page's ``hx-trigger`` is built from it, and the
benchmark (``bench/quiz_latency.py``) polls by it, so the time it measures is the time a
student waits.

htmx semantics the schedule relies on (htmx 2): every ``load delay:…`` trigger fires once,
that long after the element is processed; ``every …`` fires at each multiple of its interval
after that, whatever the responses; a trigger that fires while the element's request is in
flight is queued, and several such collapse into one request sent as soon as the answer
comes (the default ``queue last``). A 204 answer swaps nothing and the schedule goes on;
a new fragment (another status) starts its own schedule.
"""

from collections.abc import Iterator
from itertools import count

# One-off polls, in ms after the pending fragment is loaded ...
STATUS_POLL_DELAYS_MS = (250, 500, 750)
# ... then one every this many ms (counted from the load too: 1 s, 2 s, 3 s, …).
STATUS_POLL_EVERY_MS = 1000


def status_poll_trigger() -> str:
    """The ``hx-trigger`` of the pending status fragment."""
    return ", ".join(
        [*(f"load delay:{delay}ms" for delay in STATUS_POLL_DELAYS_MS), f"every {STATUS_POLL_EVERY_MS}ms"]
    )


def status_poll_times_ms() -> Iterator[int]:
    """When the page's triggers fire, in ms after the fragment is loaded, in order (endless).
    A delay equal to a tick of ``every`` would fire twice at once: keep them apart."""
    ticks = (STATUS_POLL_EVERY_MS * n for n in count(1))
    delays = iter(sorted(STATUS_POLL_DELAYS_MS))
    tick, delay = next(ticks), next(delays, None)
    while True:
        if delay is not None and delay <= tick:
            yield delay
            delay = next(delays, None)
        else:
            yield tick
            tick = next(ticks)
