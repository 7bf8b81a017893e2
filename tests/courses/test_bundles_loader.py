"""The line-aware YAML loader and the canonical YAML dumper of course bundles."""

from decimal import Decimal

import pytest

from courses.bundles.dumper import dump_yaml
from courses.bundles.loader import load_markdown, load_yaml, markdown_body


def test_mapping_entries_and_list_items_know_their_lines():
    # when
    value, errors = load_yaml("title: T\nitems:\n- a\n- key: b\n  text: c\n", path="x.yaml")

    # then
    assert errors == []
    assert value.line_of("items") == 2
    assert value["items"].item_lines == [3, 4]
    assert value["items"][1].line_of("text") == 5


def test_duplicate_keys_merge_keys_and_infinite_numbers_are_errors():
    # when
    _, errors = load_yaml("a: 1\nb: .inf\na: 2\n<<: {c: 1}\n", path="x.yaml")

    # then
    assert [str(error) for error in errors] == [
        "x.yaml:2: '.inf' is not a finite decimal number",
        "x.yaml:3: duplicate key 'a' (first at line 1)",
        "x.yaml:4: merge keys (<<) are not supported; write the fields out",
    ]


def test_numbers_are_exact_decimals_and_dates_stay_text():
    # when
    value, _ = load_yaml("points: 0.1\ncount: 3\nopens_at: 2026-09-01T10:00:00+03:00\n", path="x.yaml")

    # then
    assert value == {"points": Decimal("0.1"), "count": 3, "opens_at": "2026-09-01T10:00:00+03:00"}


def test_front_matter_lines_count_from_the_top_of_the_markdown_file():
    # when
    document, errors = load_markdown("---\ntitle: T\nkind: [\n---\nBody\n", path="lessons/x.md")

    # then
    assert document is not None and document.body_line == 5
    assert len(errors) == 1 and str(errors[0]).startswith("lessons/x.md:4: YAML syntax error")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: T\n", "must start with front matter"),
        ("---\ntitle: T\n", "front matter is not closed"),
    ],
)
def test_markdown_without_closed_front_matter_is_an_error(text, message):
    # when
    document, errors = load_markdown(text, path="lessons/x.md")

    # then
    assert document is None
    assert message in str(errors[0]) and str(errors[0]).startswith("lessons/x.md:1: ")


def test_stored_markdown_body_has_no_surrounding_blank_lines_or_crlf():
    assert markdown_body("\r\n\r\n# Title\r\n\r\ntext  \r\n\r\n") == "# Title\n\ntext"


def test_dumper_writes_literal_blocks_plain_decimals_and_falls_back_to_quotes():
    # when
    text = dump_yaml(
        {
            "answer_md": "Line one\nline two\n",
            "no_final_newline": "a\nb",
            "trailing_spaces": "a  \nb\n",
            "points": Decimal("1.00"),
            "tolerance": Decimal("0.005000"),
            "looks_like_bool": "yes",
            "date": "2026-09-01T10:00:00+03:00",
            "unicode": "Теория",
        }
    )

    # then
    assert text == (
        "answer_md: |\n  Line one\n  line two\n"
        "no_final_newline: |-\n  a\n  b\n"
        'trailing_spaces: "a  \\nb\\n"\n'
        "points: 1\n"
        "tolerance: 0.005\n"
        "looks_like_bool: 'yes'\n"
        "date: 2026-09-01T10:00:00+03:00\n"
        "unicode: Теория\n"
    )


def test_dumped_yaml_loads_back_to_the_same_values():
    # given
    data = {
        "a": "  indented\nx\n",
        "b": "x\n\n",
        "c": "tab\there\n",
        "d": "'quoted'",
        "e": "#hash",
        "f": "3:30",
    }

    # when
    value, errors = load_yaml(dump_yaml(data), path="x.yaml")

    # then
    assert errors == [] and value == data
