"""The figures of a feedback report as immutable rows: what the page, the API and the CSV files
display. ``None`` stands for a figure that is suppressed (see ``reviews.reports.suppression``) or
undefined (no answers); every row of a suppressible group says ``suppressed``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reviews.reports.filters import ReportFilter
from reviews.reports.queries import RATING_VALUES
from reviews.reports.suppression import MIN_RESPONSES, is_suppressed


def _hours(value: timedelta | None) -> float | None:
    return value.total_seconds() / 3600 if value is not None else None


@dataclass(frozen=True)
class QuestionStats:
    """One rating question over the whole report. Figures are None when suppressed or when
    nobody answered."""

    key: str
    label: str
    n: int
    suppressed: bool
    values: tuple[int, ...] = RATING_VALUES
    counts: tuple[int, ...] | None = None
    percents: tuple[float, ...] | None = None
    mean: float | None = None
    median: float | None = None
    interpolated_median: float | None = None
    sd: float | None = None  # sample SD (n − 1); None for a single answer

    @property
    def distribution(self) -> list[tuple[int, int, float]]:
        """(value, count, percent) per value, for display; empty when suppressed."""
        if self.counts is None or self.percents is None:
            return []
        return list(zip(self.values, self.counts, self.percents, strict=True))


@dataclass(frozen=True)
class NpsStats:
    """Net Promoter Score from reviews' "would recommend" (0–10): % promoters (9–10) minus
    % detractors (0–6), from −100 to +100; passives (7–8) count only in N."""

    n: int
    suppressed: bool
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    promoters_pct: float | None = None
    passives_pct: float | None = None
    detractors_pct: float | None = None
    score: float | None = None


@dataclass(frozen=True)
class CourseRow:
    course_id: int
    slug: str
    title: str
    enrolled: int
    lessons: int  # in scope: published, or with responses
    responses: int
    response_rate: float | None  # responses / (enrolled × lessons), %: the mean lesson response rate
    suppressed: bool
    mean_clarity: float | None = None
    mean_pace: float | None = None
    mean_practice: float | None = None
    low_pct: float | None = None


@dataclass(frozen=True)
class LessonParticipation:
    lesson_id: int
    course_title: str
    module_title: str
    lesson_title: str
    instructor: str
    enrolled: int
    responded: int
    response_rate: float | None  # responded / enrolled in the course, %


@dataclass(frozen=True)
class WeekRow:
    week_start: date  # a Monday, site time
    responses: int
    suppressed: bool
    mean_clarity: float | None = None
    mean_pace: float | None = None
    mean_practice: float | None = None
    low_pct: float | None = None


@dataclass(frozen=True)
class ProblemRow:
    """A lesson in the problem ranking. No instructor: lessons are ranked, people are not."""

    rank: int
    lesson_id: int
    course_title: str
    module_title: str
    lesson_title: str
    responses: int
    mean_clarity: float | None
    mean_pace: float | None
    mean_practice: float | None
    low_pct: float  # % of responses with a rating of 1 or 2
    unclear_pct: float  # % of responses tagged "unclear"
    score: float  # the mean of the two percentages


@dataclass(frozen=True)
class LoopHealth:
    items: int
    answered: int
    median_first_response: timedelta | None
    p90_first_response: timedelta | None
    within_sla: int
    late: int
    overdue: int
    pending: int
    within_sla_pct: float | None  # within / (within + late + overdue): items whose SLA is decided
    open: int
    actions_published: int
    by_status: tuple[tuple[str, str, int], ...]  # (value, label, count)

    @property
    def sla_decided(self) -> int:
        return self.within_sla + self.late + self.overdue

    @property
    def median_first_response_hours(self) -> float | None:
        return _hours(self.median_first_response)

    @property
    def p90_first_response_hours(self) -> float | None:
        return _hours(self.p90_first_response)


@dataclass(frozen=True)
class OwnerRow:
    owner: str | None  # None: unassigned
    open: int
    overdue: int


@dataclass(frozen=True)
class CommentRow:
    created_at: datetime
    course_title: str
    lesson_title: str
    comment: str
    is_anonymous: bool
    author: str | None  # always None for anonymous items
    status: str | None  # FeedbackResponse.Status value; None when no inbox item exists
    status_label: str
    owner: str | None


@dataclass(frozen=True)
class TagRow:
    key: str
    label: str
    count: int
    pct: float | None  # of the responses in scope


@dataclass(frozen=True)
class FeedbackReport:
    report_filter: ReportFilter
    generated_at: datetime
    responses: int
    enrolled: int
    lessons: int
    response_rate: float | None  # responses / Σ (enrolled × lessons) over the courses, %
    questions: tuple[QuestionStats, ...]
    reviews_apply: bool  # False below the course level: reviews are about whole courses
    nps: NpsStats | None
    courses: tuple[CourseRow, ...]
    participation: tuple[LessonParticipation, ...]
    trend: tuple[WeekRow, ...]
    problems: tuple[ProblemRow, ...]
    unranked_lessons: int  # lessons with responses, but fewer than MIN_RESPONSES
    loop: LoopHealth
    owners: tuple[OwnerRow, ...]
    comments: tuple[CommentRow, ...]
    tags: tuple[TagRow, ...]
    tags_suppressed: bool
    min_responses: int = MIN_RESPONSES

    @property
    def suppressed(self) -> bool:
        return is_suppressed(self.responses)
