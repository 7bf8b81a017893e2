"""The small-group rule: figures computed from fewer than ``MIN_RESPONSES`` answers are not shown.

A mean of three answers, a distribution of two, a weekly bucket with one response: with so few
respondents a reader who knows who attended can work out who answered what, anonymous or not.
Course-evaluation systems suppress such groups (Moodle needs at least 2 responses for an
anonymous feedback; evaluation offices use 5–10). Kafedra uses 5.

The rule is applied where the report is built (``reviews.reports.report``), before any figure
reaches a page, the API or a CSV file: a suppressed group carries its count of responses and
``suppressed=True``, and ``None`` for every figure derived from the answers (distribution,
percentages, mean, median, SD, NPS, tag counts). Counts of responses and response rates stay:
they say how many answered, not what anyone answered. Lessons with fewer responses are left out
of the problem ranking (the report says how many).
"""

MIN_RESPONSES = 5


def is_suppressed(responses: int) -> bool:
    """Whether figures computed from ``responses`` answers must be hidden."""
    return responses < MIN_RESPONSES
