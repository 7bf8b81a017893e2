"""Code walkthroughs: a program built up in small steps, each step a highlighted snippet with
its explanation (the answer to "half a lecture of pictures, then a wall of finished code").

Syntax (documented for authors in docs/bundle-format.md, "Code walkthroughs")::

    ::: walkthrough Average of a list
    Optional introduction (Markdown).

    ::: step The function and an empty total
    ```python
    def mean(values):
        total = 0
    ```
    Explanation (Markdown), before or after the code.

    ::: step Add up the values
    ```python
        for value in values:
            total += value
    ```
    :::

A step's code block is appended to the code so far; a block whose info string says
``replace`` (```` ```python replace ````) is the whole program from now on, for edits in the
middle. Every step shows the whole program so far with the lines this step added or changed
highlighted (Pygments' ``hll``, as codehilite's ``hl_lines``). The HTML is a plain ordered list,
readable without JavaScript; static/js/lesson.js turns it into a one-step-at-a-time player.

The block is rendered here and stashed, so the rest of the pipeline (nh3 sanitizing included)
sees finished HTML. Malformed input never raises: an unclosed walkthrough ends with the
document, a step without code keeps the code unchanged.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import markdown
from markdown.extensions import Extension
from markdown.extensions.codehilite import CodeHilite
from markdown.preprocessors import Preprocessor

_OPEN = re.compile(r"^:::\s*walkthrough\b[ \t]*(?P<title>.*?)\s*$")
_STEP = re.compile(r"^:::\s*step\b[ \t]*(?P<title>.*?)\s*$")
_CLOSE = re.compile(r"^:::\s*(end)?\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)\s*$")

# Runs after normalize_whitespace (30) and before fenced_code (25), so it sees the raw fences.
PRIORITY = 27


@dataclass
class _Block:
    kind: str  # "text" | "code"
    lines: list[str] = field(default_factory=list)
    language: str = ""
    replace: bool = False


@dataclass
class _Step:
    title: str
    lines: list[str] = field(default_factory=list)


def _closing_fence(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _split_blocks(lines: Sequence[str]) -> list[_Block]:
    """Text and fenced code blocks of one step (or of the introduction), in order."""
    blocks: list[_Block] = []
    text = _Block("text")
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            text.lines.append(lines[index])
            index += 1
            continue
        words = match["info"].lstrip(".{").rstrip("}").split()
        code = _Block("code", language=words[0] if words else "", replace="replace" in words[1:])
        index += 1
        while index < len(lines) and not _closing_fence(lines[index], match["fence"]):
            code.lines.append(lines[index])
            index += 1
        index += 1  # the closing fence (or the end of the step)
        blocks.extend([text, code])
        text = _Block("text")
    blocks.append(text)
    return [block for block in blocks if block.kind == "code" or any(line.strip() for line in block.lines)]


def _changed_lines(before: list[str], after: list[str]) -> list[int]:
    """1-based numbers of the lines of ``after`` that are new or changed relative to ``before``."""
    changed: list[int] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            changed.extend(range(j1 + 1, j2 + 1))
    return changed


class WalkthroughPreprocessor(Preprocessor):
    def __init__(self, md: markdown.Markdown, text_extensions: list, text_extension_configs: dict) -> None:
        super().__init__(md)
        self._text_extensions = text_extensions
        self._text_extension_configs = text_extension_configs
        self._text_md: markdown.Markdown | None = None

    def run(self, lines: list[str]) -> list[str]:
        output: list[str] = []
        index = 0
        fence: str | None = None  # inside an ordinary fenced block: leave everything alone
        while index < len(lines):
            line = lines[index]
            if fence is not None:
                if _closing_fence(line, fence):
                    fence = None
                output.append(line)
                index += 1
                continue
            if (match := _FENCE.match(line)) is not None:
                fence = match["fence"]
                output.append(line)
                index += 1
                continue
            if (opening := _OPEN.match(line)) is None:
                output.append(line)
                index += 1
                continue
            end = self._find_close(lines, index + 1)
            section = self._render(opening["title"], lines[index + 1 : end])
            output.extend(["", self.md.htmlStash.store(section), ""])
            index = end + 1
        return output

    @staticmethod
    def _find_close(lines: list[str], start: int) -> int:
        """Index of the closing ``:::`` line (fences inside the walkthrough skipped), or the end."""
        fence: str | None = None
        for index in range(start, len(lines)):
            line = lines[index]
            if fence is not None:
                if _closing_fence(line, fence):
                    fence = None
            elif (match := _FENCE.match(line)) is not None:
                fence = match["fence"]
            elif _CLOSE.match(line):
                return index
        return len(lines)

    def _render(self, title: str, lines: list[str]) -> str:
        intro: list[str] = []
        steps: list[_Step] = []
        fence: str | None = None
        for line in lines:
            step_match = _STEP.match(line) if fence is None else None
            if step_match is not None:
                steps.append(_Step(title=step_match["title"]))
                continue
            if fence is not None:
                if _closing_fence(line, fence):
                    fence = None
            elif (match := _FENCE.match(line)) is not None:
                fence = match["fence"]
            (steps[-1].lines if steps else intro).append(line)

        parts = ['<section class="walkthrough">']
        if title:
            parts.append(f'<p class="walkthrough-title">{html.escape(title)}</p>')
        parts.extend(self._text(block.lines) for block in _split_blocks(intro) if block.kind == "text")
        parts.append('<ol class="walkthrough-steps">')
        code: list[str] = []
        language = ""
        for step in steps:
            parts.append('<li class="walkthrough-step">')
            if step.title:
                parts.append(f'<p class="walkthrough-step-title">{html.escape(step.title)}</p>')
            for block in _split_blocks(step.lines):
                if block.kind == "text":
                    parts.append(self._text(block.lines))
                    continue
                language = block.language or language
                if block.replace:
                    highlighted = _changed_lines(code, block.lines)
                    code = list(block.lines)
                else:
                    highlighted = list(range(len(code) + 1, len(code) + len(block.lines) + 1))
                    code = code + block.lines
                parts.append(self._code(code, language, highlighted))
            parts.append("</li>")
        parts.append("</ol></section>")
        return "\n".join(parts)

    def _text(self, lines: list[str]) -> str:
        if self._text_md is None:
            self._text_md = markdown.Markdown(
                extensions=self._text_extensions, extension_configs=self._text_extension_configs
            )
        self._text_md.reset()
        rendered = self._text_md.convert("\n".join(lines))
        return f'<div class="walkthrough-text">{rendered}</div>' if rendered else ""

    def _code(self, code: list[str], language: str, highlighted: list[int]) -> str:
        hilite = CodeHilite(
            "\n".join(code),
            lang=language or None,
            guess_lang=False,
            css_class="highlight",
            hl_lines=highlighted,
        ).hilite()
        return f'<div class="walkthrough-code">{hilite}</div>'


class WalkthroughExtension(Extension):
    """``text_extensions``: the extensions (and configs) used for the steps' explanations."""

    def __init__(self, **kwargs) -> None:
        self.config = {
            "text_extensions": [[], "Extensions for the explanations of the steps"],
            "text_extension_configs": [{}, "Their configs"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (python-markdown's API)
        md.preprocessors.register(
            WalkthroughPreprocessor(
                md, self.getConfig("text_extensions"), self.getConfig("text_extension_configs")
            ),
            "walkthrough",
            PRIORITY,
        )


def makeExtension(**kwargs) -> WalkthroughExtension:  # noqa: N802 (python-markdown's API)
    return WalkthroughExtension(**kwargs)
