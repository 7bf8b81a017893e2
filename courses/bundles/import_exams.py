"""Importing practical tasks (with their files), case studies, role plays and exams (with
tickets). Tasks, cases, role plays and exams are never deleted; a ticket is deleted only when no
sitting or feedback refers to it."""

from typing import Any

from courses.bundles.fields import Record
from courses.bundles.persistence import (
    ImportContext,
    delete_unless_in_use,
    save_checked,
    sync_by_position,
    upsert,
)
from exams.models import (
    CaseProblem,
    CaseStudy,
    Exam,
    ExamTicket,
    PracticalTask,
    RolePlay,
    RolePlayRole,
    RolePlayStage,
    TaskFile,
    TicketCase,
    TicketQuestion,
)
from exams.services import task_fingerprint, task_request_reference_check

_TASK_FIELDS = (
    "title",
    "statement_md",
    "runtime",
    "time_limit_seconds",
    "memory_limit_mb",
    "public_tests",
    "hidden_tests",
    "test_weights",
    "status",
    "source",
    "corrections",
)


def import_tasks(ctx: ImportContext) -> None:
    """Tasks and their files. A new task, or one whose tests, files, runtime or limits changed,
    has its reference check reset and a new one queued on the sandbox queue when the import
    commits (``exams.services.task_request_reference_check``; none in a dry run); an unchanged
    task keeps its check. Tasks gone from the bundle become drafts."""
    current = {task.key: task for task in ctx.course.practical_tasks.prefetch_related("files")}
    for key, data in ctx.bundle.tasks.items():
        existing = current.get(key)
        old_files = {f.path: f for f in existing.files.all()} if existing else {}
        before = task_fingerprint(existing) if existing is not None else None
        values = {name: data[name] for name in _TASK_FIELDS}
        task = upsert(
            PracticalTask,
            existing,
            values,
            at=data.at,
            report=ctx.report,
            kind="tasks",
            course=ctx.course,
            key=key,
        )
        ctx.remember("task", key, task)
        positions: dict[str, int] = {}
        for spec in data["files"]:
            positions[spec.kind] = positions.get(spec.kind, 0) + 1
            file_values = {
                "kind": spec.kind,
                "starter": spec.starter,
                "reference": spec.reference,
                "content": spec.content,
                "position": positions[spec.kind],
            }
            upsert(
                TaskFile,
                old_files.get(spec.path),
                file_values,
                at=spec.at,
                report=ctx.report,
                kind="task files",
                task=task,
                path=spec.path,
            )
        files = {spec.path for spec in data["files"]}
        for path, old in old_files.items():
            if path not in files:
                delete_unless_in_use(
                    old,
                    pure_content={TaskFile},
                    report=ctx.report,
                    kind="task files",
                    label=f"file {path} of task {key}",
                )
        if before is None or task_fingerprint(task) != before:
            task_request_reference_check(task=task)
            ctx.report.notes.append(f"task {key}: reference check queued (new or changed)")
    for key, task in current.items():
        if key not in ctx.bundle.tasks and task.status != PracticalTask.Status.DRAFT:
            task.status = PracticalTask.Status.DRAFT
            task.save(update_fields=["status", "updated_at"])
            ctx.report.note("tasks", "unpublished", f"task {key}: not in the bundle; set to draft")


def import_cases(ctx: ImportContext) -> None:
    """Case studies and their problems. Cases gone from the bundle are unpublished and leave the
    outline; their feedback and ticket links stay."""
    current = {case.key: case for case in ctx.course.case_studies.prefetch_related("problems")}
    fields = (
        "title",
        "situation_md",
        "available_data",
        "observations_md",
        "task_md",
        "conclusions",
        "discussion_questions",
        "source",
        "corrections",
    )
    for key, data in ctx.bundle.cases.items():
        existing = current.get(key)
        values = {
            **{name: data[name] for name in fields},
            "is_published": data["published"],
            **ctx.place("case", key),
        }
        case = upsert(
            CaseStudy,
            existing,
            values,
            at=data.at,
            report=ctx.report,
            kind="cases",
            course=ctx.course,
            key=key,
        )
        ctx.remember("case", key, case)
        problems = [
            ({name: problem[name] for name in ("title", "symptom", "cause", "solution")}, problem.at)
            for problem in data["problems"]
        ]
        sync_by_position(
            CaseProblem,
            list(existing.problems.all()) if existing else [],
            problems,
            parent={"case": case},
            report=ctx.report,
            kind="case problems",
        )
    for key, case in current.items():
        if key not in ctx.bundle.cases:
            _unpublish(ctx, case, "cases", f"case {key}")


def import_roleplays(ctx: ImportContext) -> None:
    """Role plays with their roles and stages; gone from the bundle → unpublished."""
    current = {play.key: play for play in ctx.course.role_plays.prefetch_related("roles", "stages")}
    fields = (
        "title",
        "goal_md",
        "format_md",
        "setting_md",
        "learning_effects",
        "challenges",
        "reflection_intro",
        "reflection_questions",
        "source",
        "corrections",
    )
    for key, data in ctx.bundle.roleplays.items():
        existing = current.get(key)
        values = {
            **{name: data[name] for name in fields},
            "team_size_min": data["team_size"]["min"],
            "team_size_max": data["team_size"]["max"],
            "teams_min": data["teams"]["min"],
            "teams_max": data["teams"]["max"],
            "duration_min_minutes": data["duration_minutes"]["min"],
            "duration_max_minutes": data["duration_minutes"]["max"],
            "is_published": data["published"],
            **ctx.place("roleplay", key),
        }
        play = upsert(
            RolePlay,
            existing,
            values,
            at=data.at,
            report=ctx.report,
            kind="role plays",
            course=ctx.course,
            key=key,
        )
        roles = [
            ({"name": role["name"], "responsibilities": role["responsibilities"]}, role.at)
            for role in data["roles"]
        ]
        sync_by_position(
            RolePlayRole,
            list(existing.roles.all()) if existing else [],
            roles,
            parent={"role_play": play},
            report=ctx.report,
            kind="roles",
        )
        stage_fields = (
            "title",
            "brief_md",
            "inputs",
            "questions",
            "decisions",
            "complications",
            "deliverables",
        )
        stages = [({name: stage[name] for name in stage_fields}, stage.at) for stage in data["stages"]]
        sync_by_position(
            RolePlayStage,
            list(existing.stages.all()) if existing else [],
            stages,
            parent={"role_play": play},
            report=ctx.report,
            kind="stages",
        )
    for key, play in current.items():
        if key not in ctx.bundle.roleplays:
            _unpublish(ctx, play, "role plays", f"role play {key}")


def _unpublish(ctx: ImportContext, obj: CaseStudy | RolePlay, kind: str, label: str) -> None:
    if obj.is_published or obj.module_id is not None:
        obj.is_published, obj.module = False, None
        obj.save(update_fields=["is_published", "module", "updated_at"])
        ctx.report.note(kind, "unpublished", f"{label}: not in the bundle; unpublished")


def import_exams(ctx: ImportContext) -> None:
    """Exams and their tickets (by number). Needs questions, tasks and cases imported. Exams
    gone from the bundle become drafts outside the outline; their sittings stay."""
    current = {exam.key: exam for exam in ctx.course.exams.prefetch_related("tickets")}
    for key, data in ctx.bundle.exams.items():
        existing = current.get(key)
        values = {
            **{
                name: data[name]
                for name in ("title", "description_md", "status", "duration_minutes", "opens_at", "closes_at")
            },
            **ctx.place("exam", key),
        }
        exam = upsert(
            Exam, existing, values, at=data.at, report=ctx.report, kind="exams", course=ctx.course, key=key
        )
        tickets = {ticket.number: ticket for ticket in existing.tickets.all()} if existing else {}
        for ticket_data in data["tickets"]:
            _import_ticket(ctx, exam, tickets.get(ticket_data["number"]), ticket_data)
        listed = {ticket_data["number"] for ticket_data in data["tickets"]}
        for number, ticket in tickets.items():
            if number not in listed:
                delete_unless_in_use(
                    ticket,
                    pure_content={ExamTicket, TicketQuestion, TicketCase},
                    report=ctx.report,
                    kind="tickets",
                    label=f"ticket {number} of exam {key}",
                )
    for key, exam in current.items():
        if key not in ctx.bundle.exams and (exam.status != Exam.Status.DRAFT or exam.module_id is not None):
            exam.status, exam.module = Exam.Status.DRAFT, None
            exam.save(update_fields=["status", "module", "updated_at"])
            ctx.report.note("exams", "unpublished", f"exam {key}: not in the bundle; set to draft")


def _import_ticket(ctx: ImportContext, exam: Exam, existing: ExamTicket | None, data: Record) -> None:
    task_id = ctx.get("task", data["task"]).pk if data["task"] else None
    ticket = upsert(
        ExamTicket,
        existing,
        {"title": data["title"], "task_id": task_id},
        at=data.at,
        report=ctx.report,
        kind="tickets",
        exam=exam,
        number=data["number"],
    )
    questions = [ctx.get("question", key).pk for key in data["theory"]]
    cases = [ctx.get("case", key).pk for key in data["cases"]]
    _sync_links(
        ctx,
        TicketQuestion,
        list(ticket.ticket_questions.all()) if existing else [],
        questions,
        "question_id",
        {"ticket": ticket},
        data.loc("theory"),
    )
    _sync_links(
        ctx,
        TicketCase,
        list(ticket.ticket_cases.all()) if existing else [],
        cases,
        "case_id",
        {"ticket": ticket},
        data.loc("cases"),
    )


def _sync_links(
    ctx: ImportContext,
    model: type[TicketQuestion] | type[TicketCase],
    existing: list[Any],
    wanted_ids: list[int],
    attribute: str,
    parent: dict[str, Any],
    at: Any,
) -> None:
    """Make a ticket's ordered links match ``wanted_ids``: rows at the right position stay, the
    rest are deleted first and created again (the pair is unique)."""
    wanted = {target: position for position, target in enumerate(wanted_ids, start=1)}
    kept = set()
    for row in existing:
        target = getattr(row, attribute)
        if wanted.get(target) == row.position and target not in kept:
            kept.add(target)
        else:
            row.delete()
    for target, position in wanted.items():
        if target not in kept:
            save_checked(model(position=position, **{attribute: target}, **parent), at=at)
