"""Read queries for practice in lessons: which code exercises a viewer may open and run, and
the panel each one shows (statement, editable files, public test names, the last run, the
history, whether the sandbox can run it now). What a student may see of a run is decided in
``exams.run_selectors``; whether runs are possible at all, in ``exams.sandbox_health``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from courses.access import CourseViewer
from courses.models import Course, Enrollment
from courses.selectors import course_viewer
from exams.models import PracticalTask, Submission, TaskFile, TestResult
from exams.run_selectors import (
    HistoryRow,
    RunView,
    result_rows,
    submission_history,
    submission_queue_position,
)
from exams.sandbox import expected_tests
from exams.sandbox_health import RunAvailability, practical_runs_availability
from lessons.models import Lesson
from lessons.selectors import LessonAccess, content_access, lesson_get_for_viewer

if TYPE_CHECKING:
    from courses.permissions import AnyUser

_PUBLIC_COURSE_STATUSES = (Course.Status.PUBLISHED, Course.Status.ARCHIVED)


def editor_mode(path: str) -> str:
    """The editor's highlighting for a file name: python, dockerfile or plain text."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith((".py", ".pyi")):
        return "python"
    if name == "dockerfile" or name.endswith(".dockerfile"):
        return "dockerfile"
    return "text"


# ---------------------------------------------------------------------------------------------
# Who may practise a task


def _task_visible(task: PracticalTask) -> bool:
    """A lesson exercise students may see: published, in a published lesson of a public course."""
    lesson = task.lesson
    return (
        lesson is not None
        and task.status == PracticalTask.Status.PUBLISHED
        and lesson.is_published
        and task.course.status in _PUBLIC_COURSE_STATUSES
    )


def _run_refusal(*, task: PracticalTask, viewer: CourseViewer, read_refusal: str | None) -> str | None:
    """Why the viewer may not run the task; ``read_refusal`` is theirs for the lesson's content
    (``content_access``: not a learner, module locked)."""
    if viewer.is_reviewer and not viewer.is_learner:
        return _("You are viewing this exercise as the course's team or staff: runs are for students.")
    if not _task_visible(task):
        return _("This exercise is not open.")
    if read_refusal is not None:
        return read_refusal
    if viewer.enrollment is None or viewer.enrollment.status != Enrollment.Status.ACTIVE:
        return _("Only students enrolled in the course can run the exercises.")
    return None


def _module(task: PracticalTask):
    return task.lesson.module if task.lesson is not None else None


def practice_refusal(*, task: PracticalTask, user: AnyUser, now: datetime | None = None) -> str | None:
    """Why ``user`` may not run ``task`` now, or None: runs need an active enrollment and the
    exercise open (published, in a published lesson of an unlocked module). The service checks
    this before every run; pages show ``TaskAccess.run_refusal``."""
    viewer = course_viewer(user=user, course=task.course)
    read_refusal, _lock = content_access(viewer=viewer, module=_module(task), now=now)
    return _run_refusal(task=task, viewer=viewer, read_refusal=read_refusal)


@dataclass
class TaskAccess:
    task: PracticalTask
    viewer: CourseViewer
    refusal: str | None  # why the viewer may not open it (403), None when they may
    run_refusal: str | None  # why the viewer may not run it, None when they may

    @property
    def can_run(self) -> bool:
        return self.run_refusal is None


def _tasks() -> QuerySet[PracticalTask]:
    return PracticalTask.objects.select_related("course", "lesson__module__prerequisite").defer(
        "hidden_tests", "reference_check_log", "statement_md"
    )


def practice_task_get_for_viewer(*, user: AnyUser, task_id: int, now: datetime | None = None) -> TaskAccess:
    """A lesson exercise and the viewer's access to it. Exercises students may not see (draft,
    not in a lesson — exam tasks are only shown in a sitting — or in an unpublished lesson or a
    course that is not public) exist only for the course's team and staff:
    PracticalTask.DoesNotExist for everybody else (404). The hidden tests are not loaded."""
    task = _tasks().get(pk=task_id)
    viewer = course_viewer(user=user, course=task.course)
    if not (_task_visible(task) or viewer.is_reviewer):
        raise PracticalTask.DoesNotExist
    refusal, _lock = content_access(viewer=viewer, module=_module(task), now=now)
    return TaskAccess(
        task=task,
        viewer=viewer,
        refusal=refusal,
        run_refusal=_run_refusal(task=task, viewer=viewer, read_refusal=refusal),
    )


# ---------------------------------------------------------------------------------------------
# The practice panel


@dataclass
class EditorFile:
    path: str
    content: str
    mode: str


@dataclass
class PracticePanel:
    """Everything a lesson exercise shows: statement, editable files (the last run's content, or
    the starter), data file names, public test names, the last run and the history."""

    access: TaskAccess
    files: list[EditorFile]
    data_files: list[str]
    public_tests: list[str]
    history: list[HistoryRow]
    latest: RunView | None
    can_view_history: bool = True
    sandbox: RunAvailability | None = None  # can the sandbox workers run the task's runtime now

    @property
    def task(self) -> PracticalTask:
        return self.access.task

    @property
    def can_run(self) -> bool:
        """The viewer may run the task (the buttons are shown)."""
        return self.access.can_run

    @property
    def runs_paused(self) -> bool:
        """The viewer may run the task but the sandbox cannot now: the buttons are shown
        disabled, with the reason (``sandbox.reason``)."""
        return self.can_run and self.sandbox is not None and self.sandbox.unavailable

    @property
    def run_refusal(self) -> str | None:
        return self.access.run_refusal

    @property
    def dom_id(self) -> str:
        return f"task-{self.task.pk}"

    @property
    def is_draft(self) -> bool:
        return self.task.status != PracticalTask.Status.PUBLISHED


def _editor_files(
    task: PracticalTask, last_files: dict[str, str] | None
) -> tuple[list[EditorFile], list[str]]:
    editable, data = [], []
    for task_file in task.files.all():  # prefetched, ordered by kind, position
        if task_file.kind == TaskFile.Kind.EDITABLE:
            content = task_file.starter
            if last_files and isinstance(last_files.get(task_file.path), str):
                content = last_files[task_file.path]
            editable.append(
                EditorFile(path=task_file.path, content=content, mode=editor_mode(task_file.path))
            )
        else:
            data.append(task_file.path)
    return editable, data


def _files_prefetch() -> Prefetch:
    return Prefetch(
        "files",
        queryset=TaskFile.objects.only("id", "task_id", "path", "kind", "starter", "position").order_by(
            "kind", "position", "id"
        ),
    )


def practice_panels(
    *, accesses: list[TaskAccess], user: AnyUser, drafts: Mapping[int, Mapping[str, str]] | None = None
) -> list[PracticePanel]:
    """Panels for tasks the viewer may open. Constant queries whatever the number of tasks and
    runs: the files, the history, the last runs' files and results; one cache read for the
    sandbox's availability. ``drafts`` (task id → files) is code the student sent that was not
    run (a refused run): the editor shows it over the last run's code, so it is not lost."""
    if not accesses:
        return []
    drafts = drafts or {}
    tasks = [access.task for access in accesses]
    sandbox = practical_runs_availability(runtimes=[task.runtime for task in tasks])
    prefetch_related_objects(tasks, _files_prefetch())
    history = submission_history(user=user, task_ids=[task.pk for task in tasks])
    latest_ids = [rows[0].submission.pk for rows in history.values() if rows]
    latest = {s.task_id: s for s in Submission.objects.filter(pk__in=latest_ids)}
    results: dict[int, list[TestResult]] = {}
    for result in TestResult.objects.filter(submission_id__in=latest_ids).order_by("id"):
        results.setdefault(result.submission_id, []).append(result)
    needs_hidden = [s.task_id for s in latest.values() if s.kind == Submission.Kind.SUBMIT]
    hidden_sources = (
        dict(PracticalTask.objects.filter(pk__in=needs_hidden).order_by().values_list("pk", "hidden_tests"))
        if needs_hidden
        else {}
    )
    panels = []
    for access in accesses:
        task = access.task
        last = latest.get(task.pk)
        last_files = dict(last.files) if last is not None and isinstance(last.files, dict) else {}
        files, data = _editor_files(task, {**last_files, **drafts.get(task.pk, {})})
        run = None
        if last is not None:
            rows = result_rows(
                results=results.get(last.pk, []), full=False, hidden_source=hidden_sources.get(task.pk, "")
            )
            run = RunView(
                submission=last,
                rows=rows,
                queue_position=None
                if last.status != Submission.Status.QUEUED
                else submission_queue_position(submission=last),
                passed_count=sum(1 for row in rows if row.passed),
                total_count=len(rows),
            )
        panels.append(
            PracticePanel(
                access=access,
                files=files,
                data_files=data,
                public_tests=expected_tests(task.public_tests),
                history=history.get(task.pk, []),
                latest=run,
                sandbox=sandbox[task.runtime],
            )
        )
    return panels


@dataclass
class LessonExercises:
    lesson_access: LessonAccess
    panels: list[PracticePanel] = field(default_factory=list)

    @property
    def lesson(self) -> Lesson:
        return self.lesson_access.lesson


def lesson_exercises_for_viewer(
    *, user: AnyUser, lesson_id: int, now: datetime | None = None
) -> LessonExercises:
    """The code exercises of a lesson the viewer may open, as panels. Lesson.DoesNotExist when
    the lesson is not visible to them (404); ``lesson_access.refusal`` when they may not open it
    (403). Students see published exercises; the course's team also sees drafts."""
    access = lesson_get_for_viewer(user=user, lesson_id=lesson_id, now=now)
    if access.refusal is not None:
        return LessonExercises(lesson_access=access)
    viewer = access.viewer
    lesson = access.lesson
    tasks = (
        PracticalTask.objects.filter(lesson=lesson)
        .defer("hidden_tests", "reference_check_log", "statement_md")
        .order_by("key", "id")
    )
    if not viewer.is_reviewer:
        tasks = tasks.filter(status=PracticalTask.Status.PUBLISHED)
    accesses = []
    for task in tasks:
        task.lesson = lesson  # already loaded with its module and course
        task.course = lesson.module.course
        accesses.append(
            TaskAccess(
                task=task,
                viewer=viewer,
                refusal=None,
                run_refusal=_run_refusal(task=task, viewer=viewer, read_refusal=None),  # the lesson is open
            )
        )
    return LessonExercises(lesson_access=access, panels=practice_panels(accesses=accesses, user=user))


@dataclass
class PracticeTaskDetail:
    """A lesson exercise for the API: statement, the editable files with their starter
    content, data file names, public test names. Never the hidden tests or the reference."""

    task: PracticalTask
    files: list[EditorFile]
    data_files: list[str]
    public_tests: list[str]
    can_run: bool
    run_refusal: str | None
    sandbox: RunAvailability


def practice_task_detail(*, access: TaskAccess) -> PracticeTaskDetail:
    """One query: the task's files (their reference content is not loaded); one cache read."""
    task = access.task
    prefetch_related_objects([task], _files_prefetch())
    files, data = _editor_files(task, None)
    return PracticeTaskDetail(
        task=task,
        files=files,
        data_files=data,
        public_tests=expected_tests(task.public_tests),
        can_run=access.can_run,
        run_refusal=access.run_refusal,
        sandbox=practical_runs_availability(runtimes=[task.runtime])[task.runtime],
    )
