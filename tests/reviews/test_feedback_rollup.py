"""The report's per-lesson, per-day rollup stays exact: after any sequence of submits, edits and
deletes through the services (and the admin) it equals a rebuild from scratch; the report reads
it, and falls back to the feedback rows when its days are of another time zone."""

import io
import random
import threading
from dataclasses import asdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import LectureFeedback, LessonFeedbackDay, LessonFeedbackDayTag
from reviews.reports import queries, rollup
from reviews.reports.filters import ReportFilter
from reviews.reports.report import feedback_report_build
from reviews.rollup_models import COUNTED_FIELDS
from tests.courses.conftest import changeform_data
from tests.quizzes.factories import QuestionCategoryFactory, QuestionFactory
from tests.reviews.feedback_builders import classroom, submit, target

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")
# Sunday 8 March 2026, 23:00 Moscow (20:00 UTC): an hour before a new site day and a new week.
START = datetime(2026, 3, 8, 23, 0, tzinfo=MOSCOW)


class Clock:
    """``timezone.now()`` (and so ``created_at``) under the test's control."""

    def __init__(self, monkeypatch, at: datetime) -> None:
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch, settings):
    settings.TIME_ZONE = "Europe/Moscow"
    return Clock(monkeypatch, START)


def rollup_rows() -> tuple[list[tuple], list[tuple]]:
    """The rollup's rows with responses, and its tag rows, as sorted tuples."""
    days = LessonFeedbackDay.objects.filter(responses__gt=0).values_list(
        "time_zone", "course_id", "lesson_id", "day", "week", *COUNTED_FIELDS
    )
    tags = LessonFeedbackDayTag.objects.values_list(
        "time_zone", "course_id", "lesson_id", "day", "tag_id", "responses"
    )
    return sorted(days), sorted(tags)


def rebuilt_rows() -> tuple[list[tuple], list[tuple]]:
    services.feedback_rollup_rebuild()
    return rollup_rows()


def _lesson_tags(room) -> dict[str, int]:
    return {tag.key: tag.pk for tag in services.feedback_tags_ensure(course=room.course, kind="lesson")}


def _random_history(room, clock, rng: random.Random, steps: int) -> None:
    """Submits, edits and deletes in random order, over three site days."""
    tags = list(_lesson_tags(room).values())
    for _ in range(steps):
        clock.advance(minutes=rng.choice((5, 20, 45)))
        student, lesson = rng.choice(room.students), rng.choice(room.lessons)
        if rng.random() < 0.15:
            existing = LectureFeedback.objects.filter(user=student).first()
            if existing is not None:
                services.feedback_delete(feedback=[existing])
                continue
        submit(
            student,
            lesson,
            clarity=rng.choice((None, 1, 2, 3, 4, 5)),
            pace=rng.choice((None, 1, 2, 3, 4, 5)),
            practice=rng.choice((None, 1, 2, 3, 4, 5)),
            tag_ids=rng.sample(tags, rng.randint(0, 3)),
            is_anonymous=rng.random() < 0.3,
        )


def test_a_submit_counts_in_its_lesson_and_site_day_at_once(clock):
    # given
    room = classroom(students=2)
    unclear = _lesson_tags(room)["unclear"]
    # when a first item arrives at 23:00 Moscow time, a second one after midnight
    submit(room.students[0], room.lesson, clarity=2, pace=4, practice=None, tag_ids=[unclear])
    clock.advance(hours=1, minutes=30)
    submit(room.students[1], room.lesson, clarity=5, pace=5, practice=5)
    # then
    sunday = LessonFeedbackDay.objects.get(lesson=room.lesson, day=date(2026, 3, 8))
    monday = LessonFeedbackDay.objects.get(lesson=room.lesson, day=date(2026, 3, 9))
    assert (sunday.time_zone, sunday.course_id) == ("Europe/Moscow", room.course.pk)
    assert (sunday.responses, sunday.low, sunday.clarity_2, sunday.pace_4) == (1, 1, 1, 1)
    assert sunday.practice_5 == 0
    assert (monday.responses, monday.low, monday.clarity_5, monday.practice_5) == (1, 0, 1, 1)
    assert list(LessonFeedbackDayTag.objects.values_list("day", "tag_id", "responses")) == [
        (date(2026, 3, 8), unclear, 1)
    ]


def test_an_edit_moves_the_counts_between_values_and_tags(clock):
    # given
    room = classroom(students=1)
    tag_ids = _lesson_tags(room)
    submit(room.students[0], room.lesson, clarity=1, tag_ids=[tag_ids["unclear"]])
    # when the student changes their mind a day later (the item keeps its first day)
    clock.advance(days=1)
    submit(room.students[0], room.lesson, clarity=4, tag_ids=[tag_ids["great-examples"]])
    # then
    row = LessonFeedbackDay.objects.get()
    assert (row.day, row.responses, row.low, row.clarity_1, row.clarity_4) == (date(2026, 3, 8), 1, 0, 0, 1)
    assert list(LessonFeedbackDayTag.objects.values_list("tag_id", "responses")) == [
        (tag_ids["great-examples"], 1)
    ]


def test_a_delete_leaves_zeros_that_the_report_ignores(clock):
    # given
    room = classroom(students=1)
    item = submit(room.students[0], room.lesson, clarity=3, tag_ids=[_lesson_tags(room)["unclear"]])
    # when
    deleted = services.feedback_delete(feedback=[item])
    # then
    assert deleted == 1
    row = LessonFeedbackDay.objects.get()
    assert [getattr(row, name) for name in COUNTED_FIELDS] == [0] * len(COUNTED_FIELDS)
    assert not LessonFeedbackDayTag.objects.exists()
    report = feedback_report_build(report_filter=ReportFilter(course_ids=(room.course.pk,)))
    assert (report.responses, report.trend, report.problems, report.unranked_lessons) == (0, (), (), 0)


def test_feedback_about_no_lesson_is_not_rolled_up(clock):
    room = classroom(students=1)
    question = QuestionFactory(category=QuestionCategoryFactory(course=room.course))
    services.feedback_submit(user=room.students[0], target=target("question", question), comment="Typo")
    assert not LessonFeedbackDay.objects.exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_equals_a_rebuild_after_submits_edits_and_deletes(clock, seed):
    # given
    room = classroom(lessons=3, students=8)
    # when
    _random_history(room, clock, random.Random(seed), steps=60)
    kept = rollup_rows()
    # then
    assert kept[0], "the history left some feedback"
    assert kept == rebuilt_rows()


def _comparable(report) -> dict:
    data = asdict(report)
    data.pop("generated_at")
    return _rounded(data)


def _rounded(value):
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


def test_the_report_from_the_rollup_equals_the_report_from_the_feedback_rows(clock, monkeypatch):
    # given two courses' history and a review-free, inbox-free world
    first, second = classroom(lessons=3, students=8), classroom(lessons=2, students=6)
    rng = random.Random(5)
    _random_history(first, clock, rng, steps=50)
    clock.advance(days=9)
    _random_history(second, clock, rng, steps=40)
    now = clock.at + timedelta(days=1)
    filters = [
        ReportFilter(),
        ReportFilter(course_ids=(first.course.pk,)),
        ReportFilter(start=date(2026, 3, 9), end=date(2026, 3, 9)),
        ReportFilter(start=date(2026, 3, 10)),
        ReportFilter(course_ids=(first.course.pk,), lesson_id=first.lessons[1].pk),
        ReportFilter(course_ids=(first.course.pk,), module_id=first.lesson.module_id),
        ReportFilter(instructor_id=second.instructor.pk),
    ]
    # when
    from_rollup = [feedback_report_build(report_filter=f, now=now) for f in filters]
    monkeypatch.setattr(rollup, "rollup_usable", lambda: False)
    from_rows = [feedback_report_build(report_filter=f, now=now) for f in filters]
    # then
    assert [r.responses for r in from_rollup] == [r.responses for r in from_rows]
    assert from_rollup[0].responses > 0
    for built, expected in zip(from_rollup, from_rows, strict=True):
        assert _comparable(built) == _comparable(expected)


def test_the_rollup_functions_return_what_the_feedback_queries_return(clock):
    room = classroom(lessons=2, students=6)
    _random_history(room, clock, random.Random(11), steps=40)
    f = ReportFilter(course_ids=(room.course.pk,))
    assert sorted(rollup.lesson_rows(f), key=lambda row: row["lesson_id"]) == sorted(
        queries.lesson_rows(f), key=lambda row: row["lesson_id"]
    )
    assert rollup.tag_counts(f) == {pk: n for pk, n in queries.tag_counts(f).items() if n}
    assert rollup.unclear_by_lesson(f) == queries.unclear_by_lesson(f)
    weeks, expected = rollup.weekly_rows(f), queries.weekly_rows(f)
    assert [(w["week"], w["responses"], w["low"]) for w in weeks] == [
        (w["week"], w["responses"], w["low"]) for w in expected
    ]
    for week, other in zip(weeks, expected, strict=True):
        for q in ("clarity", "pace", "practice"):
            mean = other[f"mean_{q}"]
            assert week[f"mean_{q}"] == pytest.approx(float(mean) if mean is not None else None)


def test_a_new_site_time_zone_reads_the_feedback_rows_until_rebuilt(clock, settings):
    # given a rollup built in Moscow time, with items either side of Moscow's midnight
    room = classroom(students=4)
    for student in room.students:
        submit(student, room.lesson, clarity=4)
        clock.advance(minutes=40)
    f = ReportFilter(course_ids=(room.course.pk,), end=date(2026, 3, 8))
    assert rollup.rollup_usable()
    assert feedback_report_build(report_filter=f).responses == 2  # 23:00 and 23:40 Moscow
    # when the site moves to UTC: every item is on Sunday 8 March
    settings.TIME_ZONE = "UTC"
    # then the report reads the feedback rows, and after a rebuild the rollup again
    assert not rollup.rollup_usable()
    assert feedback_report_build(report_filter=f).responses == 4
    call_command("feedback_rollup_rebuild", stdout=io.StringIO())
    assert rollup.rollup_usable()
    assert set(LessonFeedbackDay.objects.values_list("time_zone", "day")) == {("UTC", date(2026, 3, 8))}
    assert feedback_report_build(report_filter=f).responses == 4


def test_a_write_after_a_time_zone_change_does_not_make_the_old_rollup_usable(clock, settings):
    room = classroom(students=2)
    submit(room.students[0], room.lesson, clarity=4)
    settings.TIME_ZONE = "UTC"
    submit(room.students[1], room.lesson, clarity=2)
    assert not rollup.rollup_usable()
    assert feedback_report_build(report_filter=ReportFilter()).responses == 2


def test_rebuilding_one_course_leaves_the_others_alone(clock):
    # given
    first, second = classroom(students=3), classroom(students=3)
    for room in (first, second):
        for student in room.students:
            submit(student, room.lesson, clarity=5)
    LessonFeedbackDay.objects.filter(course=second.course).update(clarity_5=99)  # a stale row
    before = rollup_rows()
    # when
    rebuilt = services.feedback_rollup_rebuild(course=first.course)
    # then
    assert (rebuilt.days, rebuilt.tags) == (1, 0)
    assert rollup_rows() == before
    assert LessonFeedbackDay.objects.get(course=second.course).clarity_5 == 99


def test_a_rebuild_fixes_wrong_groups_and_leaves_exact_ones_as_they_are(clock):
    # given an exact rollup, then one group counted wrong, one emptied, and one missing
    room = classroom(lessons=3, students=3)
    for lesson in room.lessons:
        for student in room.students:
            submit(student, lesson, clarity=4)
        clock.advance(days=1)
    first, second, third = room.lessons
    services.feedback_delete(feedback=LectureFeedback.objects.filter(lesson=third))  # a row of zeros
    expected = rollup_rows()
    ids = dict(LessonFeedbackDay.objects.values_list("lesson_id", "pk"))
    LessonFeedbackDay.objects.filter(lesson=first).update(clarity_4=7)
    LessonFeedbackDay.objects.filter(lesson=second).delete()
    # when
    rebuilt = services.feedback_rollup_rebuild()
    # then
    assert (rebuilt.days, rebuilt.tags) == (2, 0)
    assert rollup_rows() == expected
    assert LessonFeedbackDay.objects.get(lesson=first).pk == ids[first.pk]  # updated in place
    assert not LessonFeedbackDay.objects.filter(lesson=third).exists()  # no feedback, no row


def test_the_management_command_rebuilds_one_course_or_refuses_an_unknown_one(clock, capsys):
    room = classroom(students=2)
    for student in room.students:
        submit(student, room.lesson, clarity=3)
    LessonFeedbackDay.objects.update(clarity_3=0)
    call_command("feedback_rollup_rebuild", room.course.slug)
    assert LessonFeedbackDay.objects.get().clarity_3 == 2
    assert "1 lesson-days" in capsys.readouterr().out
    with pytest.raises(Exception, match="No course"):
        call_command("feedback_rollup_rebuild", "no-such-course")


def test_demo_data_rebuilds_the_rollup(clock):
    from courses.demo_data import demo_data_generate

    demo_data_generate(students=6, courses=1, feedback_per_student=4, seed=2, now=START)
    kept = rollup_rows()
    assert sum(row[5] for row in kept[0]) == LectureFeedback.objects.filter(lesson__isnull=False).count() > 0
    assert kept == rebuilt_rows()


def test_admin_edits_and_deletes_recount_the_rollup(clock, admin_client):
    # given
    room = classroom(students=3)
    tags = _lesson_tags(room)
    items = [submit(student, room.lesson, clarity=2, tag_ids=[tags["unclear"]]) for student in room.students]
    url = reverse("admin:reviews_lecturefeedback_change", args=[items[0].pk])
    # when a superuser corrects one item's ratings and tags, and deletes another
    data = changeform_data(admin_client.get(url)) | {"clarity": "5", "tags": [str(tags["great-examples"])]}
    assert admin_client.post(url, data).status_code == 302
    delete_url = reverse("admin:reviews_lecturefeedback_delete", args=[items[1].pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    changelist = reverse("admin:reviews_lecturefeedback_changelist")
    action = {"action": "delete_selected", "_selected_action": [items[2].pk], "post": "yes"}
    assert admin_client.post(changelist, action).status_code == 302
    # then
    row = LessonFeedbackDay.objects.get()
    assert (row.responses, row.clarity_2, row.clarity_5) == (1, 0, 1)
    assert rollup_rows() == rebuilt_rows()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_on_one_lesson_day_both_count(clock):
    # given a lesson's group already counted (its row exists), and two more students about to
    # rate the lesson on the same day
    room = classroom(students=3)
    submit(room.students[2], room.lesson, clarity=3)
    first_counted, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_writer() -> None:
        try:
            with transaction.atomic():
                submit(room.students[0], room.lesson, clarity=1)
                first_counted.set()  # counted, the group's row locked, not yet committed
                release.wait(10)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    def second_writer() -> None:
        try:
            submit(room.students[1], room.lesson, clarity=5)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    # when the second submits while the first holds its transaction open
    one = threading.Thread(target=first_writer)
    one.start()
    assert first_counted.wait(10)
    two = threading.Thread(target=second_writer)
    two.start()
    two.join(0.5)
    blocked = two.is_alive()  # waiting for the group's row lock
    release.set()
    one.join(10)
    two.join(10)
    # then the second counted after the first committed: every response is in the group
    assert not errors
    assert blocked
    row = LessonFeedbackDay.objects.get()
    assert (row.responses, row.clarity_1, row.clarity_3, row.clarity_5) == (3, 1, 1, 1)
    assert rollup_rows() == rebuilt_rows()
