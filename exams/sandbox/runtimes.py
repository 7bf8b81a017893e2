"""Runtimes: named Python environments the sandbox runs code in.

A runtime is a venv in ``SANDBOX_RUNTIMES_DIR/<name>`` built by ``make runtime-<name>`` from
``runtimes/<name>/requirements.txt`` on the system interpreter (``/usr/bin/python3.11``): the
sandbox mounts only ``/usr`` and the runtime's directory, read-only, so a venv made from an
interpreter elsewhere (pyenv under /root, say) could not start inside it. The Make target
writes ``.installed`` last, so a half-built runtime is never used.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Mirrors exams.models.PracticalTask.Runtime (a test keeps them equal).
RUNTIMES = {
    "python-basic": "Python 3.11: numpy, pandas, scikit-learn",
    "python-ml": "Python 3.11: python-basic + LightGBM, XGBoost, ONNX, SHAP, PyTorch (CPU), Flask",
}
VISIBLE_PREFIXES = ("/usr/",)  # where a runtime's base interpreter must live to be seen inside


class RuntimeUnavailable(Exception):  # noqa: N818
    """The runtime is unknown or not installed; the message says how to install it."""


@dataclass(frozen=True)
class Runtime:
    name: str
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def base_home(self) -> str:
        """Where the base interpreter lives (``/usr/bin``; ``/usr/local/bin`` in python:* images)."""
        return _base_interpreter_home(self.path) or ""


def runtimes_dir() -> Path:
    return Path(settings.SANDBOX_RUNTIMES_DIR)


def _base_interpreter_home(venv: Path) -> str | None:
    try:
        text = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return value.strip()
    return None


def _readable_by_others(path: Path) -> bool:
    """The path and every directory above it can be reached by an unprivileged user."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if not mode & stat.S_IROTH:
        return False
    for parent in [path, *path.parents] if path.is_dir() else path.parents:
        try:
            if not parent.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def runtime_problem(name: str) -> str | None:
    """Why the runtime cannot be used, or None when it can."""
    if name not in RUNTIMES:
        return f"unknown runtime {name!r}"
    venv = runtimes_dir() / name
    hint = f"run `make runtime-{name}`"
    if not (venv / ".installed").is_file():
        return f"runtime {name!r} is not installed in {venv}: {hint}"
    python = venv / "bin" / "python"
    if not os.access(python, os.X_OK):
        return f"runtime {name!r} has no interpreter at {python}: {hint}"
    home = _base_interpreter_home(venv)
    if home is None or not (home.rstrip("/") + "/").startswith(VISIBLE_PREFIXES):
        return (
            f"runtime {name!r} was built from an interpreter in {home!r}, which the sandbox cannot see: "
            f"rebuild it with RUNTIME_PYTHON=/usr/bin/python3.11 ({hint})"
        )
    if os.geteuid() == 0 and not _readable_by_others(venv):
        return f"runtime {name!r} is not readable by the sandbox user: chmod -R a+rX {venv}"
    return None


def runtime_get(name: str) -> Runtime:
    """The installed runtime. Raises RuntimeUnavailable with the reason."""
    problem = runtime_problem(name)
    if problem:
        raise RuntimeUnavailable(problem)
    return Runtime(name=name, path=runtimes_dir() / name)


def runtime_problems() -> dict[str, str | None]:
    """Every known runtime → None when usable, else why not (for the health page)."""
    return {name: runtime_problem(name) for name in RUNTIMES}
