"""Practice in lessons: the exercises panel, "Run checks"/"Submit", live status, results (hidden
tests reduced for students), history and diffs; who may see and run what; query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Enrollment
from exams.models import PracticalTask, Submission
from exams.run_selectors import hidden_message
from tests.accounts.factories import UserFactory
from tests.exams.exam_builders import (
    HIDDEN_TESTS,
    REFERENCE_MARK,
    SOLUTION,
    WRONG,
    enroll,
    finished_run,
    instructor_of,
    lesson_exercise,
    practical_task,
    student_of,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def exercise():
    lesson, task = lesson_exercise(
        extra_files={"Dockerfile": "FROM python:3.11\n", "requirements.txt": "flask\n"},
        data_files={"data.csv": "DATA-FILE-CONTENT"},
    )
    return lesson, task


@pytest.fixture
def learner(exercise):
    return student_of(exercise[1].course)


def _exercises_url(lesson) -> str:
    return reverse("exams:lesson-exercises", args=[lesson.pk])


def _run(client, task, *, kind="check", files=None, htmx=True):
    files = files if files is not None else {"solution.py": SOLUTION}
    data = {"kind": kind, "path": list(files), "content": list(files.values())}
    return client.post(reverse("exams:task-run", args=[task.pk]), data, **(HTMX if htmx else {}))


# ---------------------------------------------------------------------------------------------
# The panel


def test_the_lesson_page_loads_its_exercises_without_querying_them(client, exercise, learner):
    # given
    lesson, _task = exercise
    client.force_login(learner)

    # when
    response = client.get(reverse("lessons:lesson-detail", args=[lesson.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="{_exercises_url(lesson)}"' in html
    assert "vendor/codemirror/codemirror.js" in html  # loaded on demand by editor.js


def test_a_student_sees_the_exercise_with_its_files_and_public_tests_but_no_secrets(
    client, exercise, learner
):
    # given
    lesson, task = exercise
    client.force_login(learner)

    # when
    response = client.get(_exercises_url(lesson), **HTMX)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert task.title in html and "Write a function" in html
    assert 'data-mode="python"' in html and 'data-mode="dockerfile"' in html and 'data-mode="text"' in html
    assert "raise NotImplementedError" in html  # the starter
    assert "test_add" in html and "data.csv" in html
    assert "Run checks" in html and 'value="submit"' in html
    for secret in ("test_add_negative", "SECRET-HIDDEN-HINT", REFERENCE_MARK, "DATA-FILE-CONTENT"):
        assert secret not in html


def test_the_editor_shows_the_code_of_the_last_run(client, exercise, learner):
    # given
    lesson, task = exercise
    finished_run(task=task, user=learner, files={"solution.py": "# MY-LAST-RUN\n"})
    client.force_login(learner)

    # when
    html = client.get(_exercises_url(lesson), **HTMX).content.decode()

    # then
    assert "# MY-LAST-RUN" in html


def test_a_lesson_without_exercises_answers_204_to_htmx(client):
    # given
    lesson, task = lesson_exercise()
    PracticalTask.objects.filter(pk=task.pk).update(status=PracticalTask.Status.DRAFT)
    client.force_login(student_of(task.course))

    # when
    response = client.get(_exercises_url(lesson), **HTMX)

    # then: drafts are not shown to students
    assert response.status_code == 204


def test_without_javascript_the_exercises_have_a_page(client, exercise, learner):
    # given
    lesson, task = exercise
    client.force_login(learner)

    # when
    response = client.get(_exercises_url(lesson))

    # then
    assert response.status_code == 200
    assert task.title in response.content.decode()
    assert "<html" in response.content.decode()


def test_a_user_not_enrolled_cannot_open_the_exercises(client, exercise):
    # given
    lesson, _task = exercise
    client.force_login(UserFactory())

    # when
    page = client.get(_exercises_url(lesson))
    fragment = client.get(_exercises_url(lesson), **HTMX)

    # then
    assert page.status_code == 403
    assert fragment.status_code == 204


def test_the_courses_team_sees_the_exercise_read_only(client, exercise):
    # given
    lesson, task = exercise
    client.force_login(instructor_of(task.course))

    # when
    html = client.get(_exercises_url(lesson), **HTMX).content.decode()

    # then
    assert task.title in html
    assert 'value="check"' not in html
    assert "runs are for students" in html


def test_an_exam_task_is_not_a_practice_exercise(client):
    # given: a task of a ticket, not in a lesson
    task = practical_task()
    client.force_login(student_of(task.course))

    # when
    response = client.get(reverse("exams:task-detail", args=[task.pk]))

    # then
    assert response.status_code == 404


def test_the_task_page_shows_one_exercise(client, exercise, learner):
    # given
    _lesson, task = exercise
    client.force_login(learner)

    # when
    response = client.get(reverse("exams:task-detail", args=[task.pk]))

    # then
    assert response.status_code == 200
    assert f'<h1 id="task-{task.pk}-title">{task.title}</h1>' in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Runs


def test_run_checks_queues_a_check_and_answers_with_the_live_status(
    client, exercise, learner, django_capture_on_commit_callbacks
):
    # given
    _lesson, task = exercise
    client.force_login(learner)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _run(client, task, files={"solution.py": "def add(a, b):\r\n    return a + b\r\n"})

    # then
    submission = Submission.objects.get(user=learner)
    assert response.status_code == 200
    assert (submission.kind, submission.status) == (Submission.Kind.CHECK, Submission.Status.QUEUED)
    assert submission.files["solution.py"] == SOLUTION  # CRLF from the browser stored as LF
    assert submission.files["Dockerfile"] == "FROM python:3.11\n"  # a file not sent keeps its starter
    assert len(callbacks) == 1
    html = response.content.decode()
    assert "Queued: number 1 in line" in html
    assert f"{reverse('exams:submission-detail', args=[submission.pk])}?known=queued-1" in html
    assert 'hx-swap-oob="true"' in html  # the history, out of band


def test_submit_queues_a_submit_run(client, exercise, learner):
    # given
    _lesson, task = exercise
    client.force_login(learner)

    # when
    response = _run(client, task, kind="submit", htmx=False)

    # then
    submission = Submission.objects.get(user=learner)
    assert submission.kind == Submission.Kind.SUBMIT
    assert response.status_code == 302
    assert response.url == reverse("exams:submission-detail", args=[submission.pk])


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"kind": "reference", "path": ["solution.py"], "content": ["x"]}, 400),
        ({"kind": "check", "path": ["../../etc/passwd"], "content": ["x"]}, 400),
        ({"kind": "check", "path": ["solution.py", "Dockerfile"], "content": ["x"]}, 400),
        ({"kind": "check", "path": ["solution.py"], "content": ["x" * 300_000]}, 400),
    ],
)
def test_bad_runs_are_refused_with_the_reason(client, exercise, learner, data, status):
    # given
    _lesson, task = exercise
    client.force_login(learner)

    # when
    response = client.post(reverse("exams:task-run", args=[task.pk]), data, **HTMX)

    # then
    assert response.status_code == status
    assert 'role="alert"' in response.content.decode()
    assert not Submission.objects.exists()


def test_too_many_runs_waiting_are_refused(client, exercise, learner, settings):
    # given
    settings.SANDBOX_MAX_PENDING_PER_USER = 1
    _lesson, task = exercise
    client.force_login(learner)
    _run(client, task)

    # when
    response = _run(client, task)

    # then
    assert response.status_code == 400
    assert "still in the queue" in response.content.decode()
    assert Submission.objects.count() == 1


@pytest.mark.parametrize("who", ["anonymous", "outsider", "dropped", "instructor", "staff"])
def test_only_enrolled_students_run(client, exercise, who):
    # given
    _lesson, task = exercise
    users = {
        "outsider": lambda: UserFactory(),
        "dropped": lambda: _dropped(task),
        "instructor": lambda: instructor_of(task.course),
        "staff": lambda: UserFactory(is_staff=True),
    }
    if who != "anonymous":
        client.force_login(users[who]())

    # when
    response = _run(client, task)

    # then
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert not Submission.objects.exists()


def _dropped(task):
    user = UserFactory()
    enroll(user, task.course, status=Enrollment.Status.DROPPED)
    return user


# ---------------------------------------------------------------------------------------------
# Status and results


def test_polling_answers_204_until_the_status_changes(client, exercise, learner):
    # given
    _lesson, task = exercise
    client.force_login(learner)
    _run(client, task)
    submission = Submission.objects.get()
    url = reverse("exams:submission-detail", args=[submission.pk])

    # when
    unchanged = client.get(url, {"known": "queued-1"}, **HTMX)
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.RUNNING)
    running = client.get(url, {"known": "queued-1"}, **HTMX)
    Submission.objects.filter(pk=submission.pk).delete()
    finished = finished_run(task=task, user=learner, passed=False)
    done = client.get(
        reverse("exams:submission-detail", args=[finished.pk]),
        {"known": "running-0"},
        HTTP_HX_TARGET=f"task-{task.pk}-run",
        **HTMX,
    )
    alone = client.get(reverse("exams:submission-detail", args=[finished.pk]), **HTMX)

    # then
    assert unchanged.status_code == 204
    assert "Running the tests" in running.content.decode()
    html = done.content.decode()
    assert "0 of 1 tests passed" in html and "Wrong answer" in html
    assert "every 1s" not in html  # polling stops
    assert f'id="history-task-{task.pk}"' in html
    assert "hx-swap-oob" not in alone.content.decode()  # the run's own page has no history to refresh


def test_results_show_every_detail_of_public_tests(client, exercise, learner):
    # given
    _lesson, task = exercise
    run = finished_run(task=task, user=learner, passed=False)
    client.force_login(learner)

    # when
    html = client.get(reverse("exams:submission-detail", args=[run.pk])).content.decode()

    # then
    assert "test_add" in html and "Wrong answer" in html
    assert "public stdout" in html and "12 ms" in html and "20.0 MB" in html


def test_hidden_tests_show_name_outcome_and_a_masked_message_only(client, exercise, learner):
    # given
    _lesson, task = exercise
    run = finished_run(task=task, user=learner, kind=Submission.Kind.SUBMIT, passed=False)
    client.force_login(learner)

    # when
    html = client.get(reverse("exams:submission-detail", args=[run.pk])).content.decode()

    # then
    assert "test_add_negative" in html and "Wrong answer" in html
    assert "AssertionError: SECRET-HIDDEN-HINT" in html  # the assertion message is shown …
    assert "assert add(-1, 1) == 0, &#x27;SECRET-HIDDEN-HINT&#x27;" not in html  # … a source line is not
    assert "[…]" in html
    assert "HIDDEN-STDOUT" not in html and "12 ms" not in html
    assert "def test_add_large" not in html and REFERENCE_MARK not in html


def test_hidden_message_masks_lines_of_the_hidden_source():
    # given: code that read the test file and raised it
    leaked = "ValueError: stolen\n" + HIDDEN_TESTS

    # when
    shown = hidden_message(message=leaked, hidden_source=HIDDEN_TESTS)

    # then
    assert "def test_add_large" not in shown and "10**6" not in shown
    assert shown.startswith("ValueError: stolen")


def test_the_team_sees_hidden_test_details(client, exercise, learner):
    # given
    _lesson, task = exercise
    run = finished_run(task=task, user=learner, kind=Submission.Kind.SUBMIT, passed=False)
    client.force_login(instructor_of(task.course))

    # when
    response = client.get(reverse("exams:submission-detail", args=[run.pk]))

    # then
    assert response.status_code == 200
    assert "HIDDEN-STDOUT" in response.content.decode()
    assert "read only" in response.content.decode()


@pytest.mark.parametrize("who", ["other student", "other course's instructor", "staff"])
def test_other_peoples_runs_are_not_found(client, exercise, learner, who):
    # given
    _lesson, task = exercise
    run = finished_run(task=task, user=learner)
    users = {
        "other student": lambda: student_of(task.course),
        "other course's instructor": lambda: instructor_of(practical_task().course),
        "staff": lambda: UserFactory(is_staff=True),
    }
    client.force_login(users[who]())

    # when
    responses = [
        client.get(reverse("exams:submission-detail", args=[run.pk])),
        client.get(reverse("exams:submission-detail", args=[run.pk]), **HTMX),
        client.get(reverse("exams:submission-diff", args=[run.pk])),
    ]

    # then
    assert [response.status_code for response in responses] == [404, 404, 404]


def test_a_run_that_could_not_run_says_so_without_internals(client, exercise, learner):
    # given
    _lesson, task = exercise
    run = finished_run(task=task, user=learner)
    Submission.objects.filter(pk=run.pk).update(status=Submission.Status.ERROR, error="bwrap: INTERNAL-PATH")
    client.force_login(learner)

    # when
    html = client.get(reverse("exams:submission-detail", args=[run.pk])).content.decode()

    # then
    assert "could not be run" in html and "INTERNAL-PATH" not in html


# ---------------------------------------------------------------------------------------------
# History and diffs


def test_history_lists_only_the_students_own_practice_runs(client, exercise, learner):
    # given
    lesson, task = exercise
    mine = finished_run(task=task, user=learner)
    theirs = finished_run(task=task, user=student_of(task.course))
    client.force_login(learner)

    # when
    html = client.get(_exercises_url(lesson), **HTMX).content.decode()

    # then
    assert f">#{mine.pk}<" in html
    assert f">#{theirs.pk}<" not in html


def test_diff_between_two_runs_is_escaped_plain_text(client, exercise, learner):
    # given
    _lesson, task = exercise
    now = timezone.now()
    older = finished_run(
        task=task, user=learner, files={"solution.py": SOLUTION}, created_at=now - timedelta(minutes=1)
    )
    newer = finished_run(
        task=task, user=learner, files={"solution.py": WRONG + "# <script>alert(1)</script>\n"}
    )
    client.force_login(learner)

    # when
    html = client.get(reverse("exams:submission-diff", args=[newer.pk])).content.decode()

    # then
    assert f"Changes from run #{older.pk} to run #{newer.pk}" in html
    assert '<span class="diff-del">-    return a + b</span>' in html
    assert '<span class="diff-add">+    return a - b</span>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_diff_against_another_students_run_is_not_found(client, exercise, learner):
    # given
    _lesson, task = exercise
    mine = finished_run(task=task, user=learner)
    theirs = finished_run(task=task, user=student_of(task.course))
    client.force_login(learner)

    # when
    response = client.get(reverse("exams:submission-diff", args=[mine.pk]), {"against": theirs.pk})

    # then
    assert response.status_code == 404


def test_the_first_run_has_nothing_to_compare(client, exercise, learner):
    # given
    _lesson, task = exercise
    run = finished_run(task=task, user=learner)
    client.force_login(learner)

    # when
    html = client.get(reverse("exams:submission-diff", args=[run.pk])).content.decode()

    # then
    assert "nothing to compare" in html


# ---------------------------------------------------------------------------------------------
# Query budgets


def _runs(task, user, count):
    now = timezone.now()
    for index in range(count):
        kind = Submission.Kind.SUBMIT if index % 2 else Submission.Kind.CHECK
        finished_run(task=task, user=user, kind=kind, created_at=now - timedelta(seconds=count - index))


def test_the_exercises_panel_query_count_does_not_grow_with_runs_or_tasks(
    client, django_assert_max_num_queries
):
    # given: one lesson, three exercises with 50 runs each
    lesson, task = lesson_exercise(extra_files={"Dockerfile": "FROM python\n"})
    tasks = [task] + [practical_task(lesson=lesson) for _ in range(2)]
    student = student_of(task.course)
    for each in tasks:
        _runs(each, student, 50)
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(_exercises_url(lesson), **HTMX)
    assert response.status_code == 200
    assert response.content.decode().count('class="practice"') == 3


def test_the_task_page_query_count_is_the_same_with_one_or_fifty_runs(client, django_assert_max_num_queries):
    # given
    _lesson, task = lesson_exercise()
    student = student_of(task.course)
    _runs(task, student, 50)
    client.force_login(student)

    # when / then
    with django_assert_max_num_queries(11):
        response = client.get(reverse("exams:task-detail", args=[task.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("/practice/runs/") >= 50


# ---------------------------------------------------------------------------------------------
# Markup


def duplicate_ids(html: str) -> list[str]:
    """Element ids used more than once (labels and tabs rely on them being unique)."""
    from collections import Counter
    from html.parser import HTMLParser

    ids: Counter[str] = Counter()

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            ids.update(value for name, value in attrs if name == "id" and value)

    Collector().feed(html)
    return [value for value, count in ids.items() if count > 1]


def test_every_editor_of_every_exercise_has_its_own_id_and_label(client):
    # given
    lesson, task = lesson_exercise(extra_files={"Dockerfile": "FROM python\n"})
    other = practical_task(lesson=lesson, extra_files={"Dockerfile": "FROM python\n"})
    student = student_of(task.course)
    finished_run(task=task, user=student)
    client.force_login(student)

    # when
    html = client.get(_exercises_url(lesson), **HTMX).content.decode()

    # then
    assert duplicate_ids(html) == []
    for each in (task, other):
        assert f'<label class="code-file-name" for="task-{each.pk}-file-1">solution.py</label>' in html
        assert f'id="task-{each.pk}-file-2"' in html
