"""Reading a bundle folder into a ``Bundle``: every file parsed, checked against its schema and
checked on its own (cross-file references are checked in ``validation``).

Nothing here touches the database. Every problem becomes a ``BundleError`` with the file and
line; reading goes on after an error so that one run reports them all.
"""

import re
from pathlib import Path
from typing import Any

from courses.bundles import schemas
from courses.bundles.bundle import BUNDLE_ENTRIES, Bundle, OutlineItem
from courses.bundles.errors import BundleError, Location
from courses.bundles.fields import (
    Invalid,
    Number,
    Record,
    Schema,
    Username,
    check_key,
    clean_record,
)
from courses.bundles.loader import YamlList, YamlMap, load_markdown, load_yaml, markdown_body, read_text
from courses.bundles.practical_tasks import read_task
from lessons.mind_maps import mind_map_tree
from quizzes.models import Question

_MIND_MAP_ITEM = re.compile(r"^\s*[-*+]\s+\S")
_MIND_MAP_LINE = re.compile(r"^line (\d+): (.*)$")

# folder → (file extension, the Bundle attribute that holds its records)
_FOLDERS = {
    "lessons": ".md",
    "questions": ".yaml",
    "quizzes": ".yaml",
    "exams": ".yaml",
    "cases": ".md",
    "roleplays": ".md",
    "reviews": ".md",
}


def bundle_read(path: Path, *, label: str | None = None) -> Bundle:
    """Read and check every file of the bundle at ``path``. Never raises for bad content:
    problems are in ``bundle.errors`` (and non-fatal remarks in ``bundle.warnings``)."""
    bundle = Bundle(root=path, label=label or str(path))
    if not path.is_dir():
        bundle.error(Location(".", 1), f"{path} is not a folder")
        return bundle
    for entry in sorted(path.iterdir()):
        if entry.name.startswith(".") or entry.name in BUNDLE_ENTRIES or entry.name == "README.md":
            continue
        bundle.warnings.append(f"{entry.name}: not part of the bundle format; ignored")
    _read_course(bundle)
    for folder, extension in _FOLDERS.items():
        for key, relative, file in _folder_files(bundle, folder, extension):
            _READERS[folder](bundle, key, relative, file)
    tasks = path / "tasks"
    if tasks.is_dir():
        for entry in sorted(tasks.iterdir()):
            if entry.name.startswith("."):
                continue
            relative = f"tasks/{entry.name}"
            if not entry.is_dir():
                bundle.error(Location(relative), "unexpected file: each task is a folder tasks/<key>/")
            elif _file_key(bundle, entry.name, relative) is not None:
                bundle.tasks[entry.name] = read_task(bundle, entry, relative)
    _read_list_file(bundle, "resources.yaml", schemas.RESOURCES_FILE, "resources", "key")
    _read_list_file(bundle, "announcements.yaml", schemas.ANNOUNCEMENTS_FILE, "announcements", "slug")
    _read_list_file(bundle, "feedback_tags.yaml", schemas.FEEDBACK_TAGS_FILE, "feedback_tags", "key")
    return bundle


def _folder_files(bundle: Bundle, folder: str, extension: str) -> list[tuple[str, str, Path]]:
    directory = bundle.root / folder
    if not directory.is_dir():
        return []
    found = []
    for entry in sorted(directory.iterdir()):
        relative = f"{folder}/{entry.name}"
        if entry.name.startswith("."):
            continue
        if entry.is_dir() or entry.suffix != extension:
            bundle.error(
                Location(relative),
                f"unexpected {'folder' if entry.is_dir() else 'file'}: "
                f"{folder}/ holds <key>{extension} files",
            )
            continue
        key = _file_key(bundle, entry.stem, relative)
        if key is not None:
            found.append((key, relative, entry))
    return found


def _file_key(bundle: Bundle, name: str, relative: str) -> str | None:
    try:
        return check_key(name)
    except Invalid as exc:
        bundle.error(Location(relative), f"file name: {exc}")
        return None


def _load_yaml_file(bundle: Bundle, relative: str, file: Path) -> Any:
    text, errors = read_text(file, relative=relative)
    value = None
    if text is not None:
        value, errors = load_yaml(text, path=relative)
        if value is None and not errors:
            errors = [BundleError(Location(relative), "the file is empty")]
    bundle.errors.extend(errors)
    if value is None:
        bundle.unreadable.add(relative.split("/")[0])
    return value


def _load_markdown_file(
    bundle: Bundle, relative: str, file: Path, schema: Schema
) -> tuple[Record, str, int] | None:
    text, errors = read_text(file, relative=relative)
    document = None
    if text is not None:
        document, errors = load_markdown(text, path=relative)
    bundle.errors.extend(errors)
    if document is None or document.front_matter is None:
        bundle.unreadable.add(relative.split("/")[0])
    if document is None:
        return None
    record = clean_record(document.front_matter, schema, path=relative, errors=bundle.errors, line=2)
    return record, document.body, document.body_line


# course.yaml ---------------------------------------------------------------------------------


def _read_course(bundle: Bundle) -> None:
    relative = "course.yaml"
    file = bundle.root / relative
    if not file.is_file():
        bundle.error(Location(relative), "course.yaml is missing: every bundle has one")
        return
    value = _load_yaml_file(bundle, relative, file)
    if value is None:
        return
    course = clean_record(value, schemas.COURSE, path=relative, errors=bundle.errors)
    bundle.course = course
    _unique(bundle, course["staff"], "username", "staff member")
    for member in course["staff"]:
        _check(bundle, member, "username", lambda value: Username().clean(value, None))
    _unique(bundle, course["modules"], "key", "module")
    for module in course["modules"]:
        module["items"] = _outline_items(bundle, module, module["items"])


def _outline_items(bundle: Bundle, module: Record, raw: Any) -> list[OutlineItem]:
    if raw is None or raw == []:
        return []
    if not isinstance(raw, YamlList):
        bundle.error(module.loc("items"), "items: expected a list like '- lesson: <key>'")
        return []
    items = []
    for index, entry in enumerate(raw):
        at = Location(module.at.path, raw.line_of(index))
        if not isinstance(entry, YamlMap) or len(entry) != 1:
            bundle.error(
                at, f"an item is one '<kind>: <key>' pair; kinds: {', '.join(schemas.OUTLINE_KINDS)}"
            )
            continue
        ((kind, key),) = entry.items()
        if kind not in schemas.OUTLINE_KINDS:
            bundle.error(at, f"unknown item kind '{kind}'; kinds: {', '.join(schemas.OUTLINE_KINDS)}")
            continue
        try:
            check_key(key)
        except Invalid as exc:
            bundle.error(at, f"{kind}: {exc}")
            continue
        item = OutlineItem(module=module["key"], kind=kind, key=key, position=len(items) + 1, at=at)
        items.append(item)
        bundle.outline.append(item)
    return items


# lessons, cases, roleplays, reviews ----------------------------------------------------------


def _read_lesson(bundle: Bundle, key: str, relative: str, file: Path) -> None:
    loaded = _load_markdown_file(bundle, relative, file, schemas.LESSON)
    if loaded is None:
        return
    lesson, body, body_line = loaded
    _check(bundle, lesson, "author", lambda value: Username().clean(value, None))
    if lesson["kind"] == "mind_map":
        _check_mind_map(bundle, relative, body, body_line)
    lesson["body_md"] = markdown_body(body)
    bundle.lessons[key] = lesson


def _check_mind_map(bundle: Bundle, relative: str, body: str, body_line: int) -> None:
    lines = body.split("\n")
    bad = [number for number, line in enumerate(lines) if line.strip() and not _MIND_MAP_ITEM.match(line)]
    for number in bad:
        bundle.error(
            Location(relative, body_line + number), "a mind map is a nested list: every line is '- text'"
        )
    if bad:
        return
    try:
        tree = mind_map_tree(body)
    except ValueError as exc:
        match = _MIND_MAP_LINE.match(str(exc))
        line = body_line + int(match[1]) - 1 if match else body_line
        bundle.error(Location(relative, line), match[2] if match else str(exc))
        return
    if tree is None:
        bundle.error(
            Location(relative, body_line), "a mind map needs a body: a nested list under one central item"
        )
    elif not tree["children"]:
        bundle.error(
            Location(relative, body_line), "a mind map needs branches: indent items under the central one"
        )


def _read_case(bundle: Bundle, key: str, relative: str, file: Path) -> None:
    loaded = _load_markdown_file(bundle, relative, file, schemas.CASE)
    if loaded is None:
        return
    case, body, body_line = loaded
    case["situation_md"] = markdown_body(body)
    if not case["situation_md"]:
        bundle.error(Location(relative, body_line), "the body (the situation) is empty")
    bundle.cases[key] = case


def _read_roleplay(bundle: Bundle, key: str, relative: str, file: Path) -> None:
    loaded = _load_markdown_file(bundle, relative, file, schemas.ROLEPLAY)
    if loaded is None:
        return
    roleplay, body, body_line = loaded
    roleplay["setting_md"] = markdown_body(body)
    if not roleplay["setting_md"]:
        bundle.error(Location(relative, body_line), "the body (the setting) is empty")
    bundle.roleplays[key] = roleplay


def _read_review(bundle: Bundle, key: str, relative: str, file: Path) -> None:
    loaded = _load_markdown_file(bundle, relative, file, schemas.REVIEW)
    if loaded is None:
        return
    review, body, _ = loaded
    review["text_md"] = markdown_body(body)
    bundle.reviews[key] = review


# questions, quizzes, exams -------------------------------------------------------------------


def _read_category(bundle: Bundle, key: str, relative: str, file: Path) -> None:
    value = _load_yaml_file(bundle, relative, file)
    if value is None:
        return
    category = clean_record(value, schemas.CATEGORY, path=relative, errors=bundle.errors)
    for question in category["questions"]:
        _check_question(bundle, question)
    bundle.categories[key] = category


def _check_question(bundle: Bundle, question: Record) -> None:
    kind = question["kind"]
    if kind in schemas.QUESTION_KIND_FIELDS:
        allowed = schemas.QUESTION_KIND_FIELDS[kind]
        for name in schemas.KIND_SPECIFIC_FIELDS:
            if name in question.present and name not in allowed:
                bundle.error(question.loc(name), f"'{name}' does not apply to {kind} questions")
            elif allowed.get(name) and name not in question.present:
                bundle.error(question.at, f"a {kind} question needs '{name}'")
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and "choices" in question.present:
        choices = question["choices"]
        _unique(bundle, choices, "key", "choice")
        correct = sum(1 for choice in choices if choice["correct"])
        if len(choices) < 2:
            bundle.error(question.loc("choices"), f"a {kind} question needs at least two choices")
        if kind == Question.Kind.SINGLE and correct != 1:
            bundle.error(
                question.loc("choices"),
                f"a single-choice question needs exactly one correct choice, found {correct}",
            )
        if kind == Question.Kind.MULTIPLE and correct == 0:
            bundle.error(
                question.loc("choices"), "a multiple-choice question needs at least one correct choice"
            )
    elif kind == Question.Kind.TRUE_FALSE and "answer" in question.present:
        if not isinstance(question["answer"], bool):
            bundle.error(question.loc("answer"), "answer: a true_false question's answer is true or false")
            question["answer"] = None
    elif kind == Question.Kind.NUMERIC and "answer" in question.present:
        _check(
            bundle,
            question,
            "answer",
            lambda value: Number(decimal_places=6, max_digits=20).clean(value, None),
        )
    elif kind == Question.Kind.SHORT_TEXT and "accepted" in question.present:
        if len(set(question["accepted"])) != len(question["accepted"]):
            bundle.error(question.loc("accepted"), "accepted: an answer is listed twice")


def _read_quiz(bundle: Bundle, key: str, relative: str, file: Path) -> None:
    value = _load_yaml_file(bundle, relative, file)
    if value is None:
        return
    quiz = clean_record(value, schemas.QUIZ, path=relative, errors=bundle.errors)
    _check_window(bundle, quiz)
    for slot in quiz["slots"]:
        if (slot["question"] is None) == (slot["draw"] is None):
            bundle.error(slot.at, "a slot is either 'question: <key>' or 'draw: <category>'")
        elif slot["question"] is not None:
            for name in ("tag", "count"):
                if name in slot.present:
                    bundle.error(slot.loc(name), f"'{name}' applies to draw slots only")
    bundle.quizzes[key] = quiz


def _read_exam(bundle: Bundle, key: str, relative: str, file: Path) -> None:
    value = _load_yaml_file(bundle, relative, file)
    if value is None:
        return
    exam = clean_record(value, schemas.EXAM, path=relative, errors=bundle.errors)
    _check_window(bundle, exam)
    _unique(bundle, exam["tickets"], "number", "ticket number")
    for ticket in exam["tickets"]:
        if not (ticket["theory"] or ticket["task"] or ticket["cases"]):
            bundle.error(ticket.at, "a ticket needs theory questions, a task or cases")
    bundle.exams[key] = exam


def _check_window(bundle: Bundle, record: Record) -> None:
    opens, closes = record["opens_at"], record["closes_at"]
    if opens is not None and closes is not None and closes <= opens:
        bundle.error(record.loc("closes_at"), "closes_at must be later than opens_at")


# resources.yaml, announcements.yaml, feedback_tags.yaml --------------------------------------


def _read_list_file(bundle: Bundle, relative: str, schema: Schema, attribute: str, key: str) -> None:
    file = bundle.root / relative
    if not file.is_file():
        return
    value = _load_yaml_file(bundle, relative, file)
    if value is None:
        return
    record = clean_record(value, schema, path=relative, errors=bundle.errors)
    items = record[schema.fields[0].name]
    _unique(bundle, items, key, key)
    setattr(bundle, attribute, items)


# shared checks -------------------------------------------------------------------------------


def _unique(bundle: Bundle, records: list[Record], name: str, noun: str) -> None:
    """Report every record whose ``name`` repeats an earlier one's."""
    seen: dict[Any, Location] = {}
    for record in records:
        value = record[name]
        if value is None or value == "":
            continue
        if value in seen:
            bundle.error(record.loc(name), f"duplicate {noun} '{value}' (first at line {seen[value].line})")
        else:
            seen[value] = record.loc(name)


def _check(bundle: Bundle, record: Record, name: str, check: Any) -> None:
    """Clean ``record[name]`` with ``check`` when it is present, reporting ``Invalid`` at its line."""
    if name not in record.present:
        return
    try:
        record[name] = check(record[name])
    except Invalid as exc:
        bundle.error(record.loc(name), f"{name}: {exc}")
        record[name] = None


_READERS = {
    "lessons": _read_lesson,
    "questions": _read_category,
    "quizzes": _read_quiz,
    "exams": _read_exam,
    "cases": _read_case,
    "roleplays": _read_roleplay,
    "reviews": _read_review,
}
