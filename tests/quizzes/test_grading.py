"""Pure scoring and aggregation (quizzes/grading.py): every kind and every grading method, with
hand-computed expectations. No database."""

from decimal import Decimal

import pytest

from quizzes import grading
from quizzes.exceptions import InvalidAnswer
from quizzes.grading import Answer, AnswerKey, AttemptResult

D = Decimal


def _score(key: AnswerKey, answer: Answer, max_points: str = "1") -> grading.Score:
    return grading.score(key=key, answer=answer, max_points=D(max_points))


# --- single ---------------------------------------------------------------------------------

SINGLE = AnswerKey(kind="single", correct_choice_ids=frozenset({1}))


@pytest.mark.parametrize(
    ("selected", "points", "correct"),
    [({1}, "2.00", True), ({2}, "0.00", False), (set(), "0.00", False), ({1, 2}, "0.00", False)],
)
def test_single_choice_scores_all_or_nothing(selected, points, correct):
    # when
    result = _score(SINGLE, Answer(choice_ids=frozenset(selected)), max_points="2")

    # then
    assert result == grading.Score(points=D(points), is_correct=correct)


# --- multiple: +1/k per correct choice, −1/k per wrong one, floored at 0 ----------------------

MULTIPLE = AnswerKey(kind="multiple", correct_choice_ids=frozenset({1, 2}))  # wrong ones: 3, 4


@pytest.mark.parametrize(
    ("selected", "points", "correct"),
    [
        ({1, 2}, "3.00", True),  # 2/2
        ({1}, "1.50", False),  # 1/2
        ({1, 2, 3}, "1.50", False),  # (2 − 1)/2
        ({1, 3}, "0.00", False),  # (1 − 1)/2
        ({1, 2, 3, 4}, "0.00", False),  # (2 − 2)/2: ticking everything earns nothing
        ({3}, "0.00", False),  # −1/2 floored at 0
        ({3, 4}, "0.00", False),  # −2/2 floored at 0
        (set(), "0.00", False),
    ],
)
def test_multiple_choice_partial_credit(selected, points, correct):
    # when
    result = _score(MULTIPLE, Answer(choice_ids=frozenset(selected)), max_points="3")

    # then
    assert result == grading.Score(points=D(points), is_correct=correct)


def test_multiple_choice_thirds_are_rounded_half_up_to_cents():
    # given: three correct choices
    key = AnswerKey(kind="multiple", correct_choice_ids=frozenset({1, 2, 3}))

    # when / then: 1/3 and 2/3 of a point
    assert _score(key, Answer(choice_ids=frozenset({1}))).points == D("0.33")
    assert _score(key, Answer(choice_ids=frozenset({1, 2}))).points == D("0.67")


def test_multiple_choice_without_correct_choices_rewards_leaving_it_empty():
    key = AnswerKey(kind="multiple", correct_choice_ids=frozenset())

    assert _score(key, Answer()).points == D("1.00")
    assert _score(key, Answer(choice_ids=frozenset({5}))).points == D("0.00")


# --- true / false -----------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "points"), [(True, "1.00"), (False, "0.00"), (None, "0.00")])
def test_true_false(given, points):
    result = _score(AnswerKey(kind="true_false", correct_boolean=True), Answer(boolean=given))

    assert result.points == D(points)
    assert result.is_correct is (given is True)


# --- short text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "given", "case_sensitive", "points"),
    [
        (("Paris",), "  paris ", False, "1.00"),  # trimmed, case folded
        (("Paris",), "Paris", True, "1.00"),
        (("Paris",), "paris", True, "0.00"),  # case sensitive
        (("New York",), "new    york", False, "1.00"),  # inner whitespace collapsed
        (("ёлка",), "Елка", False, "1.00"),  # ё read as е
        (("Moscow", "Москва"), "москва", False, "1.00"),  # any alternative
        (("Paris",), "ｐａｒｉｓ", False, "1.00"),  # NFKC: full-width letters
        (("Paris",), "Pariss", False, "0.00"),
        (("Paris",), "", False, "0.00"),
    ],
)
def test_short_text_normalized_match(accepted, given, case_sensitive, points):
    key = AnswerKey(kind="short_text", accepted_texts=accepted, case_sensitive=case_sensitive)

    assert _score(key, Answer(text=given)).points == D(points)


# --- numeric ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "points"),
    [
        ("3.14", "1.00"),
        ("3.15", "1.00"),
        ("3.13", "1.00"),
        ("3.151", "0.00"),
        ("3.129", "0.00"),
        (None, "0.00"),
    ],
)
def test_numeric_within_inclusive_tolerance(given, points):
    key = AnswerKey(kind="numeric", numeric_answer=D("3.14"), numeric_tolerance=D("0.01"))

    result = _score(key, Answer(number=None if given is None else D(given)))

    assert result.points == D(points)


def test_numeric_without_tolerance_needs_the_exact_value():
    key = AnswerKey(kind="numeric", numeric_answer=D("2"), numeric_tolerance=D("0"))

    assert _score(key, Answer(number=D("2.000000"))).points == D("1.00")
    assert _score(key, Answer(number=D("2.000001"))).points == D("0.00")


# --- manual kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["open", "code"])
def test_open_and_code_answers_wait_for_manual_grading(kind):
    result = _score(AnswerKey(kind=kind), Answer(text="My essay"))

    assert result.needs_manual_grading
    assert result == grading.Score(points=None, is_correct=None)


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("single", 12, Answer(choice_ids=frozenset({12}))),
        ("single", "12", Answer(choice_ids=frozenset({12}))),
        ("single", [12], Answer(choice_ids=frozenset({12}))),
        ("single", None, Answer()),
        ("single", "", Answer()),
        ("multiple", ["1", 2], Answer(choice_ids=frozenset({1, 2}))),
        ("multiple", [], Answer()),
        ("true_false", True, Answer(boolean=True)),
        ("true_false", "false", Answer(boolean=False)),
        ("true_false", "TRUE", Answer(boolean=True)),
        ("short_text", "  Paris ", Answer(text="Paris")),
        ("open", "  keeps\nits layout ", Answer(text="  keeps\nits layout ")),
        ("numeric", "3,5", Answer(number=D("3.5"))),
        ("numeric", " 1 000,25", Answer(number=D("1000.25"))),
        ("numeric", 2, Answer(number=D("2"))),
        ("numeric", 0.1, Answer(number=D("0.1"))),
        ("numeric", "1e3", Answer(number=D("1000"))),
        ("numeric", None, Answer()),
    ],
)
def test_answer_parse_accepts_form_and_json_values(kind, raw, expected):
    assert grading.answer_parse(kind=kind, raw=raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("single", True),  # a bool is not choice 1
        ("single", [1, 2]),
        ("single", "abc"),
        ("single", {"id": 1}),
        ("multiple", ["x"]),
        ("multiple", 1.5),
        ("true_false", 1),
        ("true_false", "yes"),
        ("short_text", 42),
        ("short_text", "x" * 501),
        ("open", ["text"]),
        ("numeric", "three"),
        ("numeric", "nan"),
        ("numeric", "Infinity"),
        ("numeric", 1e20),
        ("numeric", True),
        ("numeric", [1]),
    ],
)
def test_answer_parse_rejects_wrong_types_with_a_message(kind, raw):
    with pytest.raises(InvalidAnswer) as caught:
        grading.answer_parse(kind=kind, raw=raw)

    assert caught.value.message


# --- attempts → grade -------------------------------------------------------------------------


def test_percent_of_rounds_half_up():
    assert grading.percent_of(score=D("2.5"), max_score=D("4")) == D("62.50")
    assert grading.percent_of(score=D("1"), max_score=D("3")) == D("33.33")
    assert grading.percent_of(score=D("0"), max_score=D("0")) == D("100")


def test_pass_mark_is_inclusive():
    assert grading.is_passed(percent=D("60"), pass_mark=60)
    assert not grading.is_passed(percent=D("59.99"), pass_mark=60)


RESULTS = [AttemptResult(1, D("40")), AttemptResult(3, D("60")), AttemptResult(2, D("80"))]


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", D("80")), ("average", D("60.00")), ("first", D("40")), ("last", D("60"))],
)
def test_grading_methods(method, expected):
    assert grading.aggregate_grade(method=method, results=RESULTS) == expected


def test_average_is_rounded_to_cents():
    results = [AttemptResult(1, D("33.33")), AttemptResult(2, D("66.67")), AttemptResult(3, D("100"))]

    assert grading.aggregate_grade(method="average", results=results) == D("66.67")


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", D("80")), ("average", D("80.00")), ("first", None), ("last", D("80"))],
)
def test_an_ungraded_first_attempt_keeps_the_first_attempt_grade_unknown(method, expected):
    results = [AttemptResult(1, None), AttemptResult(2, D("80"))]

    assert grading.aggregate_grade(method=method, results=results) == expected


@pytest.mark.parametrize("method", ["highest", "average", "first", "last"])
def test_no_finished_attempt_means_no_grade(method):
    assert grading.aggregate_grade(method=method, results=[]) is None
