"""Answers and scores, as pure functions: no queries, no model instances.

``answer_parse`` turns what a client sent (a form value or JSON) into an ``Answer`` for a
question kind; ``score`` turns an ``AnswerKey`` and an ``Answer`` into points;
``aggregate_grade`` turns a student's attempts into the quiz grade by the grading method.

Scoring rules, per question kind (``fraction`` × the slot's points, rounded half-up to 0.01):

- single: 1 when the selected choice is a correct one, else 0.
- multiple (Moodle-style partial credit): with ``k`` correct choices, each selected correct
  choice adds 1/k and each selected wrong choice subtracts 1/k; the sum is floored at 0
  (and cannot exceed 1). Selecting every choice therefore scores
  max(0, (k − wrong)/k), so "tick everything" never pays. Correct only when the selection
  is exactly the correct set. A question without correct choices scores 1 for an empty
  selection and 0 otherwise.
- true_false: 1 when the answer equals the key.
- short_text: 1 when the normalized answer equals one of the normalized accepted answers
  (the question's correct choices). Normalization: Unicode NFKC, surrounding whitespace
  trimmed, inner runs of whitespace collapsed to one space, and unless the question is case
  sensitive: case folded and "ё" read as "е".
- numeric: 1 when |answer − key| ≤ tolerance (inclusive).
- open and code: no automatic score; the response waits for manual grading.

An empty answer scores 0 (never negative) for every kind.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from quizzes.exceptions import InvalidAnswer
from quizzes.models import Question, Quiz

POINTS_QUANTUM = Decimal("0.01")
NUMBER_QUANTUM = Decimal("0.000001")
# Response.numeric_answer is DecimalField(max_digits=20, decimal_places=6).
NUMBER_LIMIT = Decimal("1e14")
SHORT_TEXT_MAX_LENGTH = 500
LONG_TEXT_MAX_LENGTH = 20_000

CHOICE_KINDS = frozenset({Question.Kind.SINGLE, Question.Kind.MULTIPLE})
TEXT_KINDS = frozenset({Question.Kind.SHORT_TEXT, Question.Kind.OPEN, Question.Kind.CODE})
MANUAL_KINDS = frozenset({Question.Kind.OPEN, Question.Kind.CODE})

_WHITESPACE = re.compile(r"\s+")
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f_]")


@dataclass(frozen=True)
class Answer:
    """A student's answer to one question; only the field of the question's kind is used."""

    choice_ids: frozenset[int] = frozenset()
    text: str = ""
    number: Decimal | None = None
    boolean: bool | None = None

    @property
    def is_empty(self) -> bool:
        return not self.choice_ids and not self.text and self.number is None and self.boolean is None


@dataclass(frozen=True)
class AnswerKey:
    """What a question accepts."""

    kind: str
    correct_choice_ids: frozenset[int] = frozenset()
    accepted_texts: tuple[str, ...] = ()
    case_sensitive: bool = False
    correct_boolean: bool | None = None
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal = Decimal("0")


@dataclass(frozen=True)
class Score:
    """``points is None`` means the answer waits for a person to grade it."""

    points: Decimal | None
    is_correct: bool | None

    @property
    def needs_manual_grading(self) -> bool:
        return self.points is None


# ---------------------------------------------------------------------------------------------
# Parsing what the client sent


def answer_parse(*, kind: str, raw: object) -> Answer:
    """The ``Answer`` to a question of ``kind`` from a form value or a JSON value.

    Accepts: a choice id (int or digit string, or a one-item list) for single; a list of ids
    (or one id) for multiple; ``true``/``false`` (bool or string) for true/false; a string for
    short text, open and code; a number or a numeric string (``,`` or ``.`` as the decimal
    separator, spaces ignored) for numeric. ``None`` and ``""`` clear the answer.
    Raises InvalidAnswer with a message for anything else.
    """
    if kind in CHOICE_KINDS:
        ids = _parse_choice_ids(raw)
        if kind == Question.Kind.SINGLE and len(ids) > 1:
            raise InvalidAnswer(_("Choose one option only."))
        return Answer(choice_ids=ids)
    if kind == Question.Kind.TRUE_FALSE:
        return Answer(boolean=_parse_boolean(raw))
    if kind in TEXT_KINDS:
        return Answer(text=_parse_text(raw, kind=kind))
    if kind == Question.Kind.NUMERIC:
        return Answer(number=_parse_number(raw))
    raise InvalidAnswer(_("This question cannot be answered."))


def _parse_choice_id(value: object) -> int:
    if isinstance(value, bool):  # bool is an int subclass: True is not choice 1
        raise InvalidAnswer(_("A choice must be given by its id."))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise InvalidAnswer(_("A choice must be given by its id."))


def _parse_choice_ids(raw: object) -> frozenset[int]:
    if raw is None or raw == "":
        return frozenset()
    values: Iterable[object] = raw if isinstance(raw, list | tuple) else [raw]
    return frozenset(_parse_choice_id(value) for value in values if value != "")


def _parse_boolean(raw: object) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
        return raw.strip().lower() == "true"
    raise InvalidAnswer(_("Answer true or false."))


def _parse_text(raw: object, *, kind: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidAnswer(_("The answer must be text."))
    limit = SHORT_TEXT_MAX_LENGTH if kind == Question.Kind.SHORT_TEXT else LONG_TEXT_MAX_LENGTH
    if len(raw) > limit:
        raise InvalidAnswer(_("The answer is too long (at most %(limit)d characters).") % {"limit": limit})
    return raw.strip() if kind == Question.Kind.SHORT_TEXT else raw


def _parse_number(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InvalidAnswer(_("Enter a number."))
    if isinstance(raw, int | float):
        text = repr(raw)
    elif isinstance(raw, str):
        text = _NUMBER_SPACES.sub("", raw).replace(",", ".")
        if not text:
            return None
    else:
        raise InvalidAnswer(_("Enter a number."))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidAnswer(_("Enter a number.")) from None
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise InvalidAnswer(_("Enter a number smaller than 10¹⁴."))
    return number.quantize(NUMBER_QUANTUM, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Scoring one answer


def normalize_text(text: str, *, case_sensitive: bool = False) -> str:
    """The form short-text answers are compared in (see the module docstring)."""
    normalized = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not case_sensitive:
        normalized = normalized.casefold().replace("ё", "е")
    return normalized


def fraction_single(*, correct: frozenset[int], selected: frozenset[int]) -> Decimal:
    return Decimal(1) if len(selected) == 1 and selected <= correct else Decimal(0)


def fraction_multiple(*, correct: frozenset[int], selected: frozenset[int]) -> Decimal:
    if not correct:
        return Decimal(1) if not selected else Decimal(0)
    right = len(selected & correct)
    wrong = len(selected - correct)
    return max(Decimal(0), Decimal(right - wrong) / Decimal(len(correct)))


def fraction_true_false(*, correct: bool | None, answer: bool | None) -> Decimal:
    return Decimal(1) if answer is not None and answer == correct else Decimal(0)


def fraction_short_text(*, accepted: Sequence[str], answer: str, case_sensitive: bool) -> Decimal:
    given = normalize_text(answer, case_sensitive=case_sensitive)
    if not given:
        return Decimal(0)
    targets = {normalize_text(text, case_sensitive=case_sensitive) for text in accepted}
    return Decimal(1) if given in targets else Decimal(0)


def fraction_numeric(*, expected: Decimal | None, tolerance: Decimal, answer: Decimal | None) -> Decimal:
    if answer is None or expected is None:
        return Decimal(0)
    return Decimal(1) if abs(answer - expected) <= abs(tolerance) else Decimal(0)


def score(*, key: AnswerKey, answer: Answer, max_points: Decimal) -> Score:
    """Points for ``answer`` out of ``max_points``; ``Score(None, None)`` for manual kinds."""
    if key.kind in MANUAL_KINDS:
        return Score(points=None, is_correct=None)
    if key.kind == Question.Kind.SINGLE:
        fraction = fraction_single(correct=key.correct_choice_ids, selected=answer.choice_ids)
    elif key.kind == Question.Kind.MULTIPLE:
        fraction = fraction_multiple(correct=key.correct_choice_ids, selected=answer.choice_ids)
    elif key.kind == Question.Kind.TRUE_FALSE:
        fraction = fraction_true_false(correct=key.correct_boolean, answer=answer.boolean)
    elif key.kind == Question.Kind.SHORT_TEXT:
        fraction = fraction_short_text(
            accepted=key.accepted_texts, answer=answer.text, case_sensitive=key.case_sensitive
        )
    elif key.kind == Question.Kind.NUMERIC:
        fraction = fraction_numeric(
            expected=key.numeric_answer, tolerance=key.numeric_tolerance, answer=answer.number
        )
    else:
        raise ValueError(f"unknown question kind {key.kind!r}")
    points = (fraction * max_points).quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)
    return Score(points=points, is_correct=fraction == 1)


# ---------------------------------------------------------------------------------------------
# Attempts → quiz grade


@dataclass(frozen=True)
class AttemptResult:
    """A finished attempt for aggregation; ``percent is None`` while it is not graded yet."""

    number: int
    percent: Decimal | None


def percent_of(*, score: Decimal, max_score: Decimal) -> Decimal:
    """``score`` as a percentage of ``max_score`` (0.01 precision). A quiz worth no points
    cannot be failed: 100."""
    if max_score <= 0:
        return Decimal(100)
    return (score * 100 / max_score).quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)


def is_passed(*, percent: Decimal, pass_mark: int) -> bool:
    return percent >= pass_mark


def aggregate_grade(*, method: str, results: Sequence[AttemptResult]) -> Decimal | None:
    """The quiz grade, in percent, over a student's finished attempts (Moodle's grading methods).

    - highest: the best graded attempt;
    - average: the mean of the graded attempts (0.01 precision);
    - first / last: the attempt with the lowest / highest number, *even if it is not graded
      yet*: then the grade is not known yet (None), as a later attempt cannot stand in for it.

    None when no attempt counts yet.
    """
    graded = [result.percent for result in results if result.percent is not None]
    if method == Quiz.GradingMethod.HIGHEST:
        return max(graded) if graded else None
    if method == Quiz.GradingMethod.AVERAGE:
        if not graded:
            return None
        return (sum(graded, Decimal(0)) / len(graded)).quantize(POINTS_QUANTUM, rounding=ROUND_HALF_UP)
    if not results:
        return None
    if method == Quiz.GradingMethod.FIRST:
        return min(results, key=lambda result: result.number).percent
    if method == Quiz.GradingMethod.LAST:
        return max(results, key=lambda result: result.number).percent
    raise ValueError(f"unknown grading method {method!r}")
