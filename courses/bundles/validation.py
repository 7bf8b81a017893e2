"""Checks across the files of a bundle (and against the database where a bundle meets data it
does not own): every key a file names exists, keys are unique where the models need them to be,
the outline lists every item once.

Each check appends ``BundleError``s to ``bundle.errors``; nothing is written.
"""

from typing import Any

from courses.bundles.bundle import Bundle, OutlineItem
from courses.bundles.errors import Location
from courses.models import Course
from quizzes.models import Question


def bundle_validate(bundle: Bundle) -> None:
    """Run every cross-file check on a bundle that has been read (``reader.bundle_read``)."""
    if bundle.course is None:
        return
    _check_modules(bundle)
    _check_outline(bundle)
    _check_lessons(bundle)
    _check_questions(bundle)
    _check_quizzes(bundle)
    _check_exams(bundle)
    _check_announcements(bundle)


def bundles_validate_together(bundles: list[Bundle]) -> None:
    """Checks between bundles imported in one run, and against courses already in the database.

    Two bundles may not share a slug. An announcement whose slug is a real course (in the
    database or among these bundles) is left alone: a warning, not an error, so that the
    announcing bundle can still be re-imported after the announced course launched.
    """
    first_by_slug: dict[str, Bundle] = {}
    for bundle in bundles:
        if bundle.course is None or not bundle.slug:
            continue
        if bundle.slug in first_by_slug:
            other = first_by_slug[bundle.slug].label
            bundle.error(bundle.course.loc("slug"), f"slug '{bundle.slug}' is also the slug of {other}")
        else:
            first_by_slug[bundle.slug] = bundle
    announced = {record["slug"] for bundle in bundles for record in bundle.announcements}
    statuses = dict(Course.objects.filter(slug__in=announced).values_list("slug", "status"))
    for bundle in bundles:
        for record in bundle.announcements:
            slug = record["slug"]
            if slug in first_by_slug:
                record["skip"] = True
                bundle.warnings.append(
                    f"announcements.yaml:{record.at.line}: '{slug}' is imported as a full course "
                    f"from {first_by_slug[slug].label}; its announcement is skipped"
                )
            elif statuses.get(slug, Course.Status.ANNOUNCED) != Course.Status.ANNOUNCED:
                record["skip"] = True
                bundle.warnings.append(
                    f"announcements.yaml:{record.at.line}: course '{slug}' exists and is "
                    f"{statuses[slug]}, not announced; left unchanged"
                )


def _check_modules(bundle: Bundle) -> None:
    modules = bundle.course["modules"] if bundle.course is not None else []
    seen: set[str] = set()
    for module in modules:
        prerequisite = module["prerequisite"]
        if prerequisite is not None and prerequisite not in seen:
            known = prerequisite in {m["key"] for m in modules}
            reason = (
                "comes later; a prerequisite is an earlier module"
                if known
                else "is not a module of this course"
            )
            bundle.error(module.loc("prerequisite"), f"prerequisite '{prerequisite}' {reason}")
        seen.add(module["key"])


def _check_outline(bundle: Bundle) -> None:
    targets: dict[str, dict[str, Any]] = {
        "lesson": bundle.lessons,
        "quiz": bundle.quizzes,
        "case": bundle.cases,
        "roleplay": bundle.roleplays,
        "exam": bundle.exams,
        "flashcards": bundle.categories,
    }
    folders = {
        "lesson": "lessons/",
        "quiz": "quizzes/",
        "case": "cases/",
        "roleplay": "roleplays/",
        "exam": "exams/",
        "flashcards": "questions/",
    }
    first: dict[tuple[str, str], OutlineItem] = {}
    for item in bundle.outline:
        if item.key not in targets[item.kind]:
            if folders[item.kind].rstrip("/") in bundle.unreadable:
                continue
            bundle.error(
                item.at, f"{item.kind} '{item.key}' does not exist (no such file in {folders[item.kind]})"
            )
            continue
        earlier = first.get((item.kind, item.key))
        if earlier is not None:
            bundle.error(
                item.at,
                f"{item.kind} '{item.key}' is already listed in module '{earlier.module}' "
                f"(line {earlier.at.line}); an item belongs to one module",
            )
            continue
        first[(item.kind, item.key)] = item
        if item.kind == "flashcards" and not bundle.categories[item.key]["flashcards"]:
            bundle.error(
                item.at,
                f"question category '{item.key}' is not a flashcard deck "
                f"(set 'flashcards: true' in questions/{item.key}.yaml)",
            )
    for key, lesson in bundle.lessons.items():
        if ("lesson", key) not in first and "course.yaml" not in bundle.unreadable:
            bundle.error(
                lesson.at, f"lesson '{key}' is in no module: list it in a module's items in course.yaml"
            )


def _check_lessons(bundle: Bundle) -> None:
    staff = {member["username"] for member in bundle.course["staff"]}  # type: ignore[index]
    for lesson in bundle.lessons.values():
        author = lesson["author"]
        if author is not None and author not in staff:
            bundle.error(lesson.loc("author"), f"author '{author}' is not in the course staff (course.yaml)")


def _check_questions(bundle: Bundle) -> None:
    first: dict[str, Location] = {}
    for _, question in bundle.questions():
        key = question["key"]
        if not key:
            continue
        if key in first:
            bundle.error(question.loc("key"), f"duplicate question key '{key}' (first in {first[key]})")
        else:
            first[key] = question.loc("key")
        task = question["task"]
        if question["kind"] == Question.Kind.CODE and task is not None and task not in bundle.tasks:
            bundle.error(question.loc("task"), f"task '{task}' does not exist (no folder tasks/{task}/)")


def _check_quizzes(bundle: Bundle) -> None:
    questions = {question["key"] for _, question in bundle.questions()}
    for quiz in bundle.quizzes.values():
        fixed: dict[str, int] = {}
        for slot in quiz["slots"]:
            question, draw, tag = slot["question"], slot["draw"], slot["tag"]
            if question is not None:
                if question not in questions:
                    if "questions" in bundle.unreadable:
                        continue
                    bundle.error(slot.loc("question"), f"question '{question}' does not exist in questions/")
                elif question in fixed:
                    bundle.error(
                        slot.loc("question"), f"question '{question}' is already in slot {fixed[question]}"
                    )
                else:
                    fixed[question] = quiz["slots"].index(slot) + 1
            elif draw is not None:
                _check_draw(bundle, slot, draw, tag)


def _check_draw(bundle: Bundle, slot: Any, draw: str, tag: str | None) -> None:
    category = bundle.categories.get(draw)
    if category is None:
        if "questions" in bundle.unreadable:
            return
        bundle.error(
            slot.loc("draw"), f"question category '{draw}' does not exist (no questions/{draw}.yaml)"
        )
        return
    pool = [q for q in category["questions"] if tag is None or tag in q["tags"]]
    if tag is not None and not pool:
        bundle.error(slot.loc("tag"), f"no question in category '{draw}' has the tag '{tag}'")
    elif len(pool) < slot["count"]:
        bundle.error(
            slot.loc("count"),
            f"count: draws {slot['count']} questions but category '{draw}' "
            f"has {len(pool)}{f' tagged {tag}' if tag else ''}",
        )


def _check_exams(bundle: Bundle) -> None:
    questions = {question["key"] for _, question in bundle.questions()}
    for exam in bundle.exams.values():
        for ticket in exam["tickets"]:
            for key in ticket["theory"]:
                if key not in questions and "questions" not in bundle.unreadable:
                    bundle.error(ticket.loc("theory"), f"question '{key}' does not exist in questions/")
            if ticket["task"] is not None and ticket["task"] not in bundle.tasks:
                bundle.error(
                    ticket.loc("task"),
                    f"task '{ticket['task']}' does not exist (no folder tasks/{ticket['task']}/)",
                )
            for key in ticket["cases"]:
                if key not in bundle.cases and "cases" not in bundle.unreadable:
                    bundle.error(ticket.loc("cases"), f"case '{key}' does not exist (no cases/{key}.md)")


def _check_announcements(bundle: Bundle) -> None:
    for record in bundle.announcements:
        if record["slug"] == bundle.slug:
            bundle.error(record.loc("slug"), "a course cannot announce itself")
