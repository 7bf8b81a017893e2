"""Reading a practical task folder ``tasks/<key>/`` (see docs/bundle-format.md):
``task.yaml``, ``statement.md``, ``starter/`` and ``solution/`` (one file per editable file),
``files/`` (read-only data), ``tests_public.py`` and ``tests_hidden.py``.
"""

import re
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from courses.bundles import schemas
from courses.bundles.bundle import Bundle, TaskFileSpec
from courses.bundles.errors import Location
from courses.bundles.fields import Record, clean_record
from courses.bundles.loader import YamlList, YamlMap, load_yaml, markdown_body, read_text
from exams.models import TaskFile

TASK_FILE_NAMES = ("task.yaml", "statement.md", "tests_public.py", "tests_hidden.py")
TASK_FOLDERS = ("starter", "solution", "files")
_TEST_FUNCTION = re.compile(r"^def (test_\w+)\s*\(", re.MULTILINE)
_IGNORED = {"__pycache__", ".pytest_cache"}


def read_task(bundle: Bundle, folder: Path, relative: str) -> Record:
    """Read one task folder. The returned record holds the task.yaml fields plus
    ``statement_md``, ``public_tests``, ``hidden_tests`` and ``files`` (``TaskFileSpec`` list:
    editable files in ``editable_files`` order, then data files by path)."""
    yaml_path = f"{relative}/task.yaml"
    value: Any = None
    if (folder / "task.yaml").is_file():
        text = _text(bundle, folder / "task.yaml", yaml_path)
        if text is not None:
            value, errors = load_yaml(text, path=yaml_path)
            bundle.errors.extend(errors)
            if value is None and not errors:
                bundle.error(Location(yaml_path), "task.yaml is empty")
    else:
        bundle.error(Location(yaml_path), "task.yaml is missing: every task folder has one")
    # Without a task.yaml, "title is required" and the like would only repeat the error above.
    task = clean_record(
        value if value is not None else YamlMap(1),
        schemas.TASK,
        path=yaml_path,
        errors=bundle.errors if value is not None else [],
    )
    editable = _editable_files(bundle, task, value)
    task["editable_files"] = [name for name, _ in editable]

    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in _IGNORED:
            continue
        if entry.name not in TASK_FILE_NAMES + TASK_FOLDERS or entry.is_dir() != (entry.name in TASK_FOLDERS):
            expected = ", ".join((*TASK_FILE_NAMES, *(f"{name}/" for name in TASK_FOLDERS)))
            bundle.error(
                Location(f"{relative}/{entry.name}"),
                f"unexpected entry in a task folder; expected {expected}",
            )

    statement = _optional_text(bundle, folder, relative, "statement.md")
    if statement is None:
        bundle.error(Location(f"{relative}/statement.md"), "statement.md is missing: the task's statement")
    elif not statement.strip():
        bundle.error(Location(f"{relative}/statement.md"), "statement.md is empty")
    task["statement_md"] = markdown_body(statement or "")
    task["public_tests"] = _optional_text(bundle, folder, relative, "tests_public.py") or ""
    hidden = _optional_text(bundle, folder, relative, "tests_hidden.py")
    hidden_at = Location(f"{relative}/tests_hidden.py")
    if hidden is None:
        bundle.error(hidden_at, "tests_hidden.py is missing: the tests that score a submission")
    elif not _TEST_FUNCTION.search(hidden):
        bundle.error(hidden_at, "tests_hidden.py defines no test: write 'def test_...():' functions")
    task["hidden_tests"] = hidden or ""
    task["test_weights"] = _test_weights(bundle, task, hidden)
    task["files"] = _task_files(bundle, folder, relative, editable)
    return task


def _text(bundle: Bundle, file: Path, relative: str) -> str | None:
    text, errors = read_text(file, relative=relative)
    bundle.errors.extend(errors)
    return text


def _optional_text(bundle: Bundle, folder: Path, relative: str, name: str) -> str | None:
    file = folder / name
    return _text(bundle, file, f"{relative}/{name}") if file.is_file() else None


def _editable_files(bundle: Bundle, task: Record, raw: Any) -> list[tuple[str, Location]]:
    """The editable file names with the line listing each; errors for bad or repeated names."""
    listed = raw.get("editable_files") if isinstance(raw, YamlMap) else None
    if listed is None:
        return []
    if not isinstance(listed, YamlList) or not listed:
        bundle.error(task.loc("editable_files"), "editable_files: expected a non-empty list of file names")
        return []
    names: list[tuple[str, Location]] = []
    for index, name in enumerate(listed):
        at = Location(task.at.path, listed.line_of(index))
        problem = task_path_problem(name)
        if problem:
            bundle.error(at, f"editable_files: {problem}")
        elif name in (known for known, _ in names):
            bundle.error(at, f"editable_files: '{name}' is listed twice")
        else:
            names.append((name, at))
    return names


def task_path_problem(name: Any) -> str | None:
    """Why ``name`` cannot be a task file path (relative, ``/``-separated, no ``..``), or None."""
    if not isinstance(name, str) or not name:
        return f"expected a file name, got {name!r}"
    parts = PurePosixPath(name).parts
    if name.startswith("/") or "\\" in name or ".." in parts or any(part.startswith(".") for part in parts):
        return f"'{name}' must be a relative path inside the task (no '..', no hidden files)"
    if len(name) > 200:
        return f"'{name}' is longer than 200 characters"
    return None


def _test_weights(bundle: Bundle, task: Record, hidden: str | None) -> dict[str, int | float]:
    raw = task["test_weights"]
    if not raw:
        return {}
    at = task.loc("test_weights")
    if not isinstance(raw, dict):
        bundle.error(at, "test_weights: expected a mapping {test name: weight}")
        return {}
    tests = set(_TEST_FUNCTION.findall(hidden or ""))
    weights: dict[str, int | float] = {}
    for name, weight in raw.items():
        line = Location(at.path, raw.line_of(name)) if isinstance(raw, YamlMap) else at
        if isinstance(weight, bool) or not isinstance(weight, int | Decimal) or weight < 0:
            bundle.error(line, f"test_weights: the weight of {name} must be a number ≥ 0")
        elif hidden is not None and name not in tests:
            bundle.error(line, f"test_weights: tests_hidden.py has no test function '{name}'")
        else:
            weights[name] = int(weight) if weight == int(weight) else float(weight)
    return weights


def _task_files(
    bundle: Bundle, folder: Path, relative: str, editable: list[tuple[str, Location]]
) -> list[TaskFileSpec]:
    found: dict[str, dict[str, str]] = {name: {} for name in TASK_FOLDERS}
    for sub in TASK_FOLDERS:
        root = folder / sub
        if not root.is_dir():
            continue
        for file in sorted(root.rglob("*")):
            inner = file.relative_to(root).as_posix()
            if file.is_dir() or any(
                part.startswith(".") or part in _IGNORED for part in PurePosixPath(inner).parts
            ):
                continue
            text = _text(bundle, file, f"{relative}/{sub}/{inner}")
            if text is not None:
                found[sub][inner] = text

    files: list[TaskFileSpec] = []
    editable_names = [name for name, _ in editable]
    for name, at in editable:
        for sub in ("starter", "solution"):
            if name not in found[sub]:
                bundle.error(at, f"{sub}/{name} is missing (one per editable file)")
        files.append(
            TaskFileSpec(
                path=name,
                kind=TaskFile.Kind.EDITABLE,
                at=at,
                starter=found["starter"].get(name, ""),
                reference=found["solution"].get(name, ""),
            )
        )
    for sub in ("starter", "solution"):
        for name in found[sub]:
            if name not in editable_names:
                bundle.error(
                    Location(f"{relative}/{sub}/{name}"), f"'{name}' is not listed in editable_files"
                )
    for name, content in found["files"].items():
        at = Location(f"{relative}/files/{name}")
        problem = task_path_problem(name)
        if problem:
            bundle.error(at, problem)
        elif name in editable_names:
            bundle.error(at, f"'{name}' is both an editable file and a data file")
        else:
            files.append(TaskFileSpec(path=name, kind=TaskFile.Kind.DATA, at=at, content=content))
    return files
