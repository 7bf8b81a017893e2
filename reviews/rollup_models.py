"""The lecture-feedback rollup the staff report reads: per course, lesson and site day, the
counts the report's feedback figures are sums of (``LessonFeedbackDay``), and per tag the
responses carrying it (``LessonFeedbackDayTag``).

Derived data, never edited by hand: ``reviews.services.rollup`` recomputes a (course, lesson,
day) group from the feedback rows whenever a service writes one of them, and rebuilds
everything for bulk loaders (``feedback_rollup_rebuild``, ``manage.py feedback_rollup_rebuild``).

The day is the calendar day of ``LectureFeedback.created_at`` in the site time zone
(``settings.TIME_ZONE``), the unit of the report's periods and weekly buckets. Each row records
that zone (``time_zone``): after the setting changes, rows of the old zone no longer describe
site days, and the report reads the feedback table itself until the rollup is rebuilt (see
``reviews.reports.rollup.rollup_usable``).
"""

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

RATING_FIELDS = ("clarity", "pace", "practice")
RATING_VALUES = (1, 2, 3, 4, 5)
LOW_RATING = 2  # a rating of LOW_RATING or less is a low rating
ZONE_MAX_LENGTH = 64
# The counted columns of LessonFeedbackDay, in order.
COUNTED_FIELDS = ("responses", "low", *(f"{q}_{v}" for q in RATING_FIELDS for v in RATING_VALUES))


def low_rating_q(prefix: str = "") -> Q:
    """Feedback with any rating of LOW_RATING or less (``prefix``: the path to LectureFeedback)."""
    return (
        Q(**{f"{prefix}clarity__lte": LOW_RATING})
        | Q(**{f"{prefix}pace__lte": LOW_RATING})
        | Q(**{f"{prefix}practice__lte": LOW_RATING})
    )


def feedback_counts() -> dict[str, Count]:
    """What each counted column of LessonFeedbackDay counts, as aggregates over LectureFeedback
    rows: the one definition used to recompute a group, to rebuild the rollup, and by the
    report when it reads the feedback rows themselves."""
    return {
        "responses": Count("pk"),
        "low": Count("pk", filter=low_rating_q()),
        **{f"{q}_{v}": Count("pk", filter=Q(**{q: v})) for q in RATING_FIELDS for v in RATING_VALUES},
    }


class LessonFeedbackDay(models.Model):
    """One lesson's feedback of one site day, as counts: ``responses``, ``low`` (with any rating
    of 1 or 2) and, per rating question, how many answered each value 1..5. No identities, no
    comments: only what the report's sums and distributions need."""

    time_zone = models.CharField(_("time zone of the day"), max_length=ZONE_MAX_LENGTH)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+", db_index=False)
    lesson = models.ForeignKey("lessons.Lesson", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(_("day (site time)"))
    week = models.DateField(_("Monday of the day's week"))  # stored: the trend groups by it
    responses = models.PositiveIntegerField(_("responses"), default=0)
    low = models.PositiveIntegerField(_("responses with a rating of 1 or 2"), default=0)
    clarity_1 = models.PositiveIntegerField(default=0)
    clarity_2 = models.PositiveIntegerField(default=0)
    clarity_3 = models.PositiveIntegerField(default=0)
    clarity_4 = models.PositiveIntegerField(default=0)
    clarity_5 = models.PositiveIntegerField(default=0)
    pace_1 = models.PositiveIntegerField(default=0)
    pace_2 = models.PositiveIntegerField(default=0)
    pace_3 = models.PositiveIntegerField(default=0)
    pace_4 = models.PositiveIntegerField(default=0)
    pace_5 = models.PositiveIntegerField(default=0)
    practice_1 = models.PositiveIntegerField(default=0)
    practice_2 = models.PositiveIntegerField(default=0)
    practice_3 = models.PositiveIntegerField(default=0)
    practice_4 = models.PositiveIntegerField(default=0)
    practice_5 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lesson feedback per day")
        verbose_name_plural = _("lesson feedback per day")
        ordering = ["day", "lesson"]
        constraints = [
            # Also the row each writer locks, and the report's course filter.
            models.UniqueConstraint(
                fields=["course", "lesson", "day", "time_zone"], name="feedback_day_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["lesson", "day"], name="feedback_day_lesson"),  # lesson, module, author
            models.Index(fields=["day"], name="feedback_day_day"),  # a period across courses
            models.Index(fields=["time_zone"], name="feedback_day_zone"),  # the zone check (min, max)
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id} {self.day}: {self.responses}"


class LessonFeedbackDayTag(models.Model):
    """How many of one lesson's responses of one site day carry one tag (rows only for tags
    used: a tag no longer used that day has no row)."""

    time_zone = models.CharField(_("time zone of the day"), max_length=ZONE_MAX_LENGTH)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+", db_index=False)
    lesson = models.ForeignKey("lessons.Lesson", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(_("day (site time)"))
    tag = models.ForeignKey("reviews.FeedbackTag", on_delete=models.CASCADE, related_name="+", db_index=False)
    responses = models.PositiveIntegerField(_("responses"), default=0)

    class Meta:
        verbose_name = _("lesson feedback tag per day")
        verbose_name_plural = _("lesson feedback tags per day")
        ordering = ["day", "lesson", "tag"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "lesson", "day", "time_zone", "tag"], name="feedback_day_tag_unique"
            ),
        ]
        indexes = [
            # "Unclear" per lesson (one tag per course) read from the index alone on PostgreSQL.
            models.Index(
                fields=["tag", "lesson", "day"], include=["course", "responses"], name="feedback_day_tag_tag"
            ),
            models.Index(fields=["lesson", "day"], name="feedback_day_tag_lesson"),
            models.Index(fields=["day"], name="feedback_day_tag_day"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id} {self.day} tag {self.tag_id}: {self.responses}"
