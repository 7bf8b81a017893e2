"""Exporting a course as a bundle, in the one canonical form the importer reads back.

Every file is built from the same schemas the importer checks against (``schemas``), so fields
come out in the documented order, optional fields at their default are left out, and nothing is
written that the importer would not read. Import of an export into an empty database followed
by a second export gives byte-identical files.
"""

from datetime import datetime
from pathlib import Path
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from courses.bundles import schemas
from courses.bundles.bundle import BUNDLE_ENTRIES
from courses.bundles.dumper import dump_yaml
from courses.bundles.errors import BundleExportError
from courses.bundles.fields import Schema, compact
from courses.bundles.importer import OUTCOME_KINDS
from courses.bundles.loader import markdown_body, normalize_newlines
from courses.models import Course, Module
from exams.models import CaseStudy, Exam, PracticalTask, RolePlay, TaskFile
from lessons.models import Lesson
from quizzes.models import Choice, Question, QuestionCategory, Quiz, QuizQuestion

_KIND_ORDER = {kind: rank for rank, kind in enumerate(schemas.OUTLINE_KINDS)}


def bundle_export(*, course: Course, path: Path, overwrite: bool = False) -> list[Path]:
    """Write ``course`` as a bundle into the folder ``path`` and return the files written.

    Raises ``BundleExportError`` when ``path`` holds files and ``overwrite`` is false, or when
    the course cannot be written as a bundle. With ``overwrite``, the files of the bundle
    format in ``path`` are replaced; anything else there (a README, hidden files such as a
    ``tasks/.ruff.toml``) is left alone.
    """
    files = bundle_render(course)
    if path.exists() and any(path.iterdir()):
        if not overwrite:
            raise BundleExportError(f"{path} is not empty; pass --overwrite to replace the bundle in it.")
        _remove_bundle_files(path)
    written = []
    for relative, content in sorted(files.items()):
        target = path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
        written.append(target)
    return written


def _remove_bundle_files(path: Path) -> None:
    """Delete the bundle's files (not hidden ones) and the folders this leaves empty."""
    for name in BUNDLE_ENTRIES:
        entry = path / name
        if entry.is_file():
            entry.unlink()
        elif entry.is_dir():
            for file in sorted(entry.rglob("*"), reverse=True):
                hidden = any(part.startswith(".") for part in file.relative_to(path).parts)
                if file.is_file() and not hidden:
                    file.unlink()
                elif file.is_dir() and not hidden and not any(file.iterdir()):
                    file.rmdir()
            if not any(entry.iterdir()):
                entry.rmdir()


def bundle_render(course: Course) -> dict[str, str]:
    """Every file of the course's bundle, as ``{relative path: text}``. Raises
    ``BundleExportError`` when two lessons of the course share a key (they would share a file)."""
    files: dict[str, str] = {"course.yaml": _course_file(course)}
    for lesson in _lessons(course):
        files[f"lessons/{lesson.key}.md"] = _lesson_file(lesson)
    categories = course.question_categories.prefetch_related(
        Prefetch(
            "questions",
            queryset=Question.objects.select_related("task")
            .prefetch_related("tags", Prefetch("choices", queryset=Choice.objects.order_by("position", "id")))
            .order_by("position", "id"),
        )
    )
    for category in categories:
        files[f"questions/{category.key}.yaml"] = _category_file(category)
    quizzes = course.quizzes.prefetch_related(
        Prefetch(
            "slots", queryset=QuizQuestion.objects.select_related("question", "draw_category", "draw_tag")
        )
    )
    for quiz in quizzes:
        files[f"quizzes/{quiz.key}.yaml"] = dump_yaml(_quiz(quiz))
    for task in course.practical_tasks.prefetch_related("files"):
        files.update(_task_files(task))
    exams = course.exams.prefetch_related(
        "tickets__task", "tickets__ticket_questions__question", "tickets__ticket_cases__case"
    )
    for exam in exams:
        files[f"exams/{exam.key}.yaml"] = dump_yaml(_exam(exam))
    for case in course.case_studies.prefetch_related("problems"):
        files[f"cases/{case.key}.md"] = _case_file(case)
    for play in course.role_plays.prefetch_related("roles", "stages"):
        files[f"roleplays/{play.key}.md"] = _roleplay_file(play)
    files.update(_list_files(course))
    for review in course.reviews.exclude(key="").prefetch_related("points"):
        files[f"reviews/{review.key}.md"] = _review_file(review)
    return files


# course.yaml ---------------------------------------------------------------------------------


def _course_file(course: Course) -> str:
    outcomes = {name: [] for name in OUTCOME_KINDS}
    names = {kind: name for name, kind in OUTCOME_KINDS.items()}
    for outcome in course.outcomes.order_by("kind", "position", "id"):
        outcomes[names[outcome.kind]].append(outcome.text)
    staff = [
        {"username": member.user.username, "name": member.user.get_full_name(), "role": member.role}
        for member in course.staff.select_related("user").order_by("id")
    ]
    modules = list(course.modules.select_related("prerequisite").order_by("position", "id"))
    outline = _outline(course)
    values = {
        **{
            name: getattr(course, name)
            for name in (
                "slug",
                "title",
                "status",
                "language",
                "level",
                "summary",
                "description_md",
                "format_md",
                "feedback_sla_hours",
            )
        },
        "outcomes": outcomes,
        "staff": staff,
        "modules": [
            {
                "key": module.key,
                "title": module.title,
                "summary": module.summary_md,
                "release_at": _iso(module.release_at),
                "prerequisite": module.prerequisite.key if module.prerequisite else None,
                "items": [{kind: key} for _, _, key, kind in sorted(outline.get(module.pk, []))],
            }
            for module in modules
        ],
    }
    return dump_yaml(compact(schemas.COURSE, values))


def _outline(course: Course) -> dict[int, list[tuple[int, int, str, str]]]:
    """Module id → its items as sortable ``(position, kind rank, key, kind)``."""
    sources: list[tuple[str, Any]] = [
        ("lesson", Lesson.objects.filter(module__course=course)),
        ("quiz", course.quizzes.all()),
        ("case", course.case_studies.all()),
        ("roleplay", course.role_plays.all()),
        ("exam", course.exams.all()),
        ("flashcards", course.question_categories.all()),
    ]
    outline: dict[int, list[tuple[int, int, str, str]]] = {}
    for kind, queryset in sources:
        for module_id, position, key in queryset.filter(module__isnull=False).values_list(
            "module", "position", "key"
        ):
            outline.setdefault(module_id, []).append((position, _KIND_ORDER[kind], key, kind))
    return outline


# lessons, cases, role plays, reviews ---------------------------------------------------------


def _lessons(course: Course) -> list[Lesson]:
    lessons = list(
        Lesson.objects.filter(module__course=course).select_related("author", "module").order_by("id")
    )
    seen: dict[str, Module] = {}
    for lesson in lessons:
        if lesson.key in seen:
            raise BundleExportError(
                f"Lessons in modules '{seen[lesson.key].key}' and '{lesson.module.key}' share "
                f"the key '{lesson.key}'; rename one (a bundle has one file per lesson key)."
            )
        seen[lesson.key] = lesson.module
    return lessons


def _lesson_file(lesson: Lesson) -> str:
    values = {
        "title": lesson.title,
        "kind": lesson.kind,
        "author": lesson.author.username if lesson.author else None,
        "estimated_minutes": lesson.estimated_minutes,
        "summary": lesson.summary,
        "published": lesson.is_published,
        "source": lesson.source,
        "corrections": lesson.corrections,
    }
    return _markdown_file(schemas.LESSON, values, lesson.body_md)


def _case_file(case: CaseStudy) -> str:
    values = {
        **{
            name: getattr(case, name)
            for name in (
                "title",
                "available_data",
                "observations_md",
                "task_md",
                "conclusions",
                "discussion_questions",
                "source",
                "corrections",
            )
        },
        "problems": [
            {name: getattr(problem, name) for name in ("title", "symptom", "cause", "solution")}
            for problem in case.problems.all()
        ],
        "published": case.is_published,
    }
    return _markdown_file(schemas.CASE, values, case.situation_md)


def _roleplay_file(play: RolePlay) -> str:
    stage_fields = ("title", "brief_md", "inputs", "questions", "decisions", "complications", "deliverables")
    values = {
        **{
            name: getattr(play, name)
            for name in (
                "title",
                "goal_md",
                "format_md",
                "learning_effects",
                "challenges",
                "reflection_intro",
                "reflection_questions",
                "source",
                "corrections",
            )
        },
        "team_size": {"min": play.team_size_min, "max": play.team_size_max},
        "teams": {"min": play.teams_min, "max": play.teams_max},
        "duration_minutes": {"min": play.duration_min_minutes, "max": play.duration_max_minutes},
        "roles": [
            {"name": role.name, "responsibilities": role.responsibilities} for role in play.roles.all()
        ],
        "stages": [{name: getattr(stage, name) for name in stage_fields} for stage in play.stages.all()],
        "published": play.is_published,
    }
    return _markdown_file(schemas.ROLEPLAY, values, play.setting_md)


def _review_file(review: Any) -> str:
    values = {
        **{
            name: getattr(review, name)
            for name in ("source", "source_name", "source_url", "about_course", "rating", "would_recommend")
        },
        "points": [
            {"kind": point.kind, "title": point.title, "text": point.text} for point in review.points.all()
        ],
    }
    return _markdown_file(schemas.REVIEW, values, review.text_md)


def _markdown_file(schema: Schema, values: dict[str, Any], body: str) -> str:
    body = markdown_body(body)
    return f"---\n{dump_yaml(compact(schema, values))}---\n{body + chr(10) if body else ''}"


# questions, quizzes, tasks, exams ------------------------------------------------------------


def _category_file(category: QuestionCategory) -> str:
    values = {
        "title": category.title,
        "description": category.description_md,
        "flashcards": category.is_flashcard_deck,
        "questions": [_question(question) for question in category.questions.all()],
    }
    return dump_yaml(compact(schemas.CATEGORY, values))


def _question(question: Question) -> dict[str, Any]:
    kind = question.kind
    choices = list(question.choices.all())
    values: dict[str, Any] = {
        **{
            name: getattr(question, name)
            for name in (
                "key",
                "kind",
                "text_md",
                "answer_md",
                "explanation_md",
                "points",
                "source",
                "corrections",
            )
        },
        "tags": sorted(tag.name for tag in question.tags.all()),
    }
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        values["choices"] = [
            {"key": c.key, "text": c.text, "correct": c.is_correct, "feedback": c.feedback} for c in choices
        ]
    elif kind == Question.Kind.TRUE_FALSE:
        values["answer"] = question.correct_boolean
    elif kind == Question.Kind.NUMERIC:
        values |= {"answer": question.numeric_answer, "tolerance": question.numeric_tolerance}
    elif kind == Question.Kind.SHORT_TEXT:
        values |= {
            "accepted": [c.text for c in choices if c.is_correct],
            "case_sensitive": question.case_sensitive,
        }
    elif kind == Question.Kind.CODE:
        values["task"] = question.task.key if question.task else None
    return values


def _quiz(quiz: Quiz) -> dict[str, Any]:
    slots = []
    for slot in sorted(quiz.slots.all(), key=lambda s: (s.position, s.pk)):
        if slot.question is not None:
            slots.append({"question": slot.question.key, "points": slot.points})
        else:
            slots.append(
                {
                    "draw": slot.draw_category.key if slot.draw_category else None,
                    "tag": slot.draw_tag.name if slot.draw_tag else None,
                    "count": slot.draw_count,
                    "points": slot.points,
                }
            )
    values = {
        **{
            name: getattr(quiz, name)
            for name in (
                "title",
                "description_md",
                "status",
                "time_limit_minutes",
                "attempts_allowed",
                "grading_method",
                "pass_mark",
                "layout",
                "shuffle_questions",
                "shuffle_choices",
            )
        },
        "review": {
            "show_correct": quiz.review_show_correct,
            "show_explanation": quiz.review_show_explanation,
        },
        "opens_at": _iso(quiz.opens_at),
        "closes_at": _iso(quiz.closes_at),
        "slots": slots,
    }
    return compact(schemas.QUIZ, values)


def _task_files(task: PracticalTask) -> dict[str, str]:
    root = f"tasks/{task.key}"
    files = sorted(task.files.all(), key=lambda f: (f.kind != TaskFile.Kind.EDITABLE, f.position, f.path))
    editable = [f for f in files if f.kind == TaskFile.Kind.EDITABLE]
    values = {
        **{
            name: getattr(task, name)
            for name in (
                "title",
                "status",
                "runtime",
                "time_limit_seconds",
                "memory_limit_mb",
                "source",
                "corrections",
            )
        },
        "editable_files": [f.path for f in editable],
        "test_weights": dict(sorted(task.test_weights.items())),
    }
    statement = markdown_body(task.statement_md)
    result = {
        f"{root}/task.yaml": dump_yaml(compact(schemas.TASK, values)),
        f"{root}/statement.md": statement + "\n" if statement else "",
        f"{root}/tests_hidden.py": _text(task.hidden_tests),
    }
    if task.public_tests:
        result[f"{root}/tests_public.py"] = _text(task.public_tests)
    for f in editable:
        result[f"{root}/starter/{f.path}"] = _text(f.starter)
        result[f"{root}/solution/{f.path}"] = _text(f.reference)
    for f in files:
        if f.kind == TaskFile.Kind.DATA:
            result[f"{root}/files/{f.path}"] = _text(f.content)
    return result


def _exam(exam: Exam) -> dict[str, Any]:
    tickets = [
        {
            "number": ticket.number,
            "title": ticket.title,
            "theory": [link.question.key for link in sorted(ticket.ticket_questions.all(), key=_by_position)],
            "task": ticket.task.key if ticket.task else None,
            "cases": [link.case.key for link in sorted(ticket.ticket_cases.all(), key=_by_position)],
        }
        for ticket in sorted(exam.tickets.all(), key=lambda t: t.number)
    ]
    values = {
        **{name: getattr(exam, name) for name in ("title", "description_md", "status", "duration_minutes")},
        "opens_at": _iso(exam.opens_at),
        "closes_at": _iso(exam.closes_at),
        "tickets": tickets,
    }
    return compact(schemas.EXAM, values)


# resources.yaml, announcements.yaml, feedback_tags.yaml -------------------------------------


def _list_files(course: Course) -> dict[str, str]:
    files = {}
    resource_fields = [f.name for f in schemas.RESOURCE.fields]
    resources = [
        {name: getattr(r, name) for name in resource_fields}
        for r in course.resources.order_by("position", "id")
    ]
    if resources:
        files["resources.yaml"] = dump_yaml(compact(schemas.RESOURCES_FILE, {"resources": resources}))
    announced = Course.objects.filter(announced_with=course, status=Course.Status.ANNOUNCED).order_by("id")
    announcements = [{"slug": c.slug, "title": c.title, "summary": c.summary} for c in announced]
    if announcements:
        files["announcements.yaml"] = dump_yaml(
            compact(schemas.ANNOUNCEMENTS_FILE, {"announcements": announcements})
        )
    tags = [{"key": t.key, "label": t.label} for t in course.feedback_tags.order_by("position", "id")]
    if tags:
        files["feedback_tags.yaml"] = dump_yaml(compact(schemas.FEEDBACK_TAGS_FILE, {"tags": tags}))
    return files


# values --------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in the site's time zone, with its offset."""
    return timezone.localtime(moment).isoformat() if moment is not None else None


def _by_position(link: Any) -> tuple[int, int]:
    return (link.position, link.pk)


def _text(content: str) -> str:
    """A text file: ``\\n`` line endings and a final newline (an empty file stays empty)."""
    content = normalize_newlines(content)
    return content if not content or content.endswith("\n") else content + "\n"
