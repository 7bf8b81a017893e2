"""Fill the feedback rollup from the feedback already there (the same INSERT … SELECT as
``reviews.services.rollup.feedback_rollup_rebuild``, written against the historical models so
that later changes of the service cannot change this migration). Reversible: going back empties
the tables (0003 then drops them)."""

import zoneinfo

from django.conf import settings
from django.db import migrations
from django.db.models import Count, DateField, F, Q, Value
from django.db.models.functions import TruncDate, TruncWeek

FIELDS = ("clarity", "pace", "practice")


def _insert_select(schema_editor, model, queryset):
    connection = schema_editor.connection
    aliases = list(queryset.query.annotation_select)
    sql, params = queryset.query.sql_with_params()
    names = ", ".join(
        connection.ops.quote_name(model._meta.get_field(alias.removeprefix("rollup_")).column) for alias in aliases
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) {sql}", params)  # noqa: S608


def fill(apps, schema_editor):
    LectureFeedback = apps.get_model("reviews", "LectureFeedback")
    LessonFeedbackDay = apps.get_model("reviews", "LessonFeedbackDay")
    LessonFeedbackDayTag = apps.get_model("reviews", "LessonFeedbackDayTag")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    low = Q(clarity__lte=2) | Q(pace__lte=2) | Q(practice__lte=2)

    def group(prefix):
        return {
            "rollup_time_zone": Value(zone.key),
            "rollup_course": F(f"{prefix}course_id"),
            "rollup_lesson": F(f"{prefix}lesson_id"),
            "rollup_day": TruncDate(f"{prefix}created_at", tzinfo=zone),
        }

    counts = {
        "rollup_responses": Count("pk"),
        "rollup_low": Count("pk", filter=low),
        **{f"rollup_{q}_{v}": Count("pk", filter=Q(**{q: v})) for q in FIELDS for v in range(1, 6)},
    }
    feedback = LectureFeedback.objects.filter(lesson__isnull=False).order_by()
    week = {"rollup_week": TruncWeek("created_at", tzinfo=zone, output_field=DateField())}
    _insert_select(schema_editor, LessonFeedbackDay, feedback.values(**group(""), **week).annotate(**counts))
    tagged = LectureFeedback.tags.through.objects.filter(lecturefeedback__lesson__isnull=False).order_by()
    _insert_select(
        schema_editor,
        LessonFeedbackDayTag,
        tagged.values(**group("lecturefeedback__"), rollup_tag=F("feedbacktag_id")).annotate(
            rollup_responses=Count("pk")
        ),
    )


def empty(apps, schema_editor):
    apps.get_model("reviews", "LessonFeedbackDayTag").objects.all().delete()
    apps.get_model("reviews", "LessonFeedbackDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_lesson_feedback_day_rollup"),
    ]

    operations = [migrations.RunPython(fill, empty)]
