"""Turning a sandbox run into grades: TestResult rows and the score of a submission.

The score is the weighted share of *hidden* tests passed, in percent (0–100, two decimals).
A hidden test's weight comes from ``PracticalTask.test_weights`` by function name (a
parametrized test ``test_x[3]`` takes ``test_x``'s weight); tests not named there weigh 1.
Public tests never count toward the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from exams.models import Submission, TestResult
from exams.sandbox.runner import RunReport, TestReport, test_base_name

HUNDRED = Decimal("100")
CENTS = Decimal("0.01")
MAX_STORED_CHARS = 20_000


def test_weight(*, weights: Mapping[str, object], name: str) -> Decimal:
    """The weight of test ``name`` (1 unless the task says otherwise; never negative)."""
    raw = weights.get(name, weights.get(test_base_name(name), 1))
    try:
        weight = Decimal(str(raw))
    except ArithmeticError:
        return Decimal("1")
    return weight if weight >= 0 else Decimal("0")


def hidden_score(*, tests: Iterable[TestReport], weights: Mapping[str, object]) -> Decimal | None:
    """Weighted share of hidden tests passed, in percent; None when there are no hidden tests
    (or they all weigh 0)."""
    total = Decimal("0")
    passed = Decimal("0")
    for test in tests:
        if test.visibility != TestResult.Visibility.HIDDEN:
            continue
        weight = test_weight(weights=weights, name=test.name)
        total += weight
        if test.passed:
            passed += weight
    if total == 0:
        return None
    return (passed / total * HUNDRED).quantize(CENTS, rounding=ROUND_HALF_UP)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_STORED_CHARS else text[:MAX_STORED_CHARS] + "\n…"


def results_build(
    *, submission: Submission, report: RunReport, weights: Mapping[str, object]
) -> list[TestResult]:
    """Unsaved TestResult rows for every test of the run, in run order."""
    rows = []
    for test in report.tests:
        rows.append(
            TestResult(
                submission=submission,
                name=test.name[:200],
                visibility=test.visibility,
                outcome=test.outcome,
                weight=test_weight(weights=weights, name=test.name),
                message=_clip(test.message),
                stdout=_clip(test.stdout),
                stderr=_clip(test.stderr),
                duration_ms=test.duration_ms,
                memory_kb=test.memory_kb,
            )
        )
    return rows


def report_summary(report: RunReport) -> str:
    """A plain-text log of a run, one line per test and its message: what the reference
    check stores for authors."""
    counts: dict[str, int] = {}
    for test in report.tests:
        counts[test.outcome] = counts.get(test.outcome, 0) + 1
    head = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(counts.items()))
    lines = [
        f"runtime {report.runtime}, {'isolated' if report.isolated else 'NOT ISOLATED (development mode)'}, "
        f"{report.wall_ms} ms, {report.processes} sandbox process(es); {head}"
    ]
    for test in report.tests:
        timing = f"{test.duration_ms} ms" if test.duration_ms is not None else "—"
        if test.cpu_ms is not None:
            timing += f", CPU {test.cpu_ms} ms"
        memory = f"{test.memory_kb // 1024} MB" if test.memory_kb is not None else "—"
        lines.append(f"[{test.outcome}] {test.visibility} {test.name} ({timing}, {memory})")
        if test.message:
            lines.extend("    " + line for line in test.message.splitlines()[:40])
    if report.log:
        lines += ["", "--- sandbox log ---", report.log]
    return "\n".join(lines)
