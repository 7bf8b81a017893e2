"""Reading bundle files: text files (UTF-8 only), YAML that remembers line numbers, and
Markdown files with a YAML front matter block.

Values come back as plain Python objects, except that mappings are ``YamlMap`` and sequences
``YamlList`` (``dict``/``list`` subclasses that know the line of each entry), numbers with a
fraction are ``Decimal`` (exact, never a binary float) and date-times stay strings (the schema
parses them, so that a bad date is reported like any other bad value).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from courses.bundles.errors import BundleError, Location

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type: ISO dates are read as strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class YamlMap(dict):
    """A YAML mapping that knows its own line and the line of each key (1-based, in the file)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YamlList(list):
    """A YAML sequence that knows its own line and the line of each item (1-based, in the file)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Converter:
    """Turns a composed YAML node graph into values, collecting errors instead of raising."""

    def __init__(self, path: str, first_line: int, errors: list[BundleError]) -> None:
        self.path = path
        self.offset = first_line - 1
        self.errors = errors
        self.constructor = SafeConstructor()

    def line(self, node: Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def error(self, node: Node, message: str) -> None:
        self.errors.append(BundleError(Location(self.path, self.line(node)), message))

    def value(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            return self.mapping(node)
        if isinstance(node, SequenceNode):
            result = YamlList(self.line(node))
            for item in node.value:
                result.append(self.value(item))
                result.item_lines.append(self.line(item))
            return result
        return self.scalar(node)

    def mapping(self, node: MappingNode) -> YamlMap:
        result = YamlMap(self.line(node))
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.error(key_node, "merge keys (<<) are not supported; write the fields out")
                continue
            key = self.value(key_node)
            if not isinstance(key, str):
                self.error(key_node, f"keys must be text, not {key!r}")
                continue
            if key in result:
                self.error(key_node, f"duplicate key '{key}' (first at line {result.key_lines[key]})")
                continue
            result[key] = self.value(value_node)
            result.key_lines[key] = self.line(key_node)
        return result

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == _FLOAT:
            try:
                number = Decimal(node.value.replace("_", ""))
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                self.error(node, f"'{node.value}' is not a finite decimal number")
                return None
            return number
        try:
            return self.constructor.construct_object(node)
        except yaml.YAMLError as exc:
            self.error(node, f"cannot read value: {getattr(exc, 'problem', None) or exc}")
            return None


def load_yaml(text: str, *, path: str, first_line: int = 1) -> tuple[Any, list[BundleError]]:
    """Parse one YAML document. Line numbers are counted from ``first_line`` (for front matter
    that starts further down a file). Returns the value (``None`` for an empty document or a
    syntax error) and every error found: syntax errors, duplicate keys, unsupported values."""
    errors: list[BundleError] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark is not None else first_line
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return None, [BundleError(Location(path, line), f"YAML syntax error: {problem}{context}")]
    except yaml.YAMLError as exc:
        return None, [BundleError(Location(path, first_line), f"YAML syntax error: {exc}")]
    if node is None:
        return None, errors
    return _Converter(path, first_line, errors).value(node), errors


@dataclass
class MarkdownFile:
    """A Markdown file split into its front matter (parsed) and its body."""

    front_matter: Any
    body: str
    body_line: int  # the file line where the body starts


def load_markdown(text: str, *, path: str) -> tuple[MarkdownFile | None, list[BundleError]]:
    """Split ``---`` front matter from the body and parse the front matter with line numbers
    that count from the top of the file. The body is returned as written (see ``markdown_body``
    for the stored form). Returns ``None`` and an error when the front matter is missing or not
    closed."""
    lines = text.split("\n")
    if lines[0].rstrip("\r") != "---":
        message = "a Markdown file must start with front matter: a '---' line, YAML fields, a '---' line"
        return None, [BundleError(Location(path, 1), message)]
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r") == "---":
            break
    else:
        return None, [BundleError(Location(path, 1), "front matter is not closed: add a '---' line after it")]
    front_text = "\n".join(lines[1:index]) + "\n"
    front_matter, errors = load_yaml(front_text, path=path, first_line=2)
    body = "\n".join(lines[index + 1 :])
    return MarkdownFile(front_matter=front_matter, body=body, body_line=index + 2), errors


def markdown_body(body: str) -> str:
    """The stored form of a Markdown body: ``\\n`` line endings, no blank lines before it, no
    trailing whitespace after it. The exporter writes it back followed by one newline."""
    return normalize_newlines(body).lstrip("\n").rstrip()


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, *, relative: str) -> tuple[str | None, list[BundleError]]:
    """Read a UTF-8 text file. A file with NUL bytes or invalid UTF-8 is reported as binary
    (bundles hold text only), with the line where the first bad byte is."""
    data = path.read_bytes()
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        return None, [
            BundleError(Location(relative, line), "binary file: bundles hold UTF-8 text files only")
        ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = "not UTF-8 text (binary files are not supported; save it as UTF-8)"
        return None, [BundleError(Location(relative, line), message)]
