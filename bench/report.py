"""BENCHMARKS.md: one section per benchmark module, each between its own markers
(``<!-- bench:NAME -->`` … ``<!-- /bench:NAME -->``) and rewritten only by that module, so that
benchmarks written by different people live in one file without overwriting each other."""

import re
from pathlib import Path

DOCUMENT_HEADER = """# Benchmarks

Written by `make bench` (the `bench/` package). Each section below belongs to one benchmark
and is rewritten, between its markers, only by that benchmark; edit the code, not the figures.
"""


def section_markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"


def section_replace(document: str, name: str, body: str) -> str:
    """``document`` with section ``name`` set to ``body``: replaced in place when the section is
    there, appended otherwise. Everything outside the section is kept byte for byte."""
    start, end = section_markers(name)
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _: block, document, count=1)
    if not document.strip():
        return f"{DOCUMENT_HEADER}\n{block}\n"
    return f"{document.rstrip()}\n\n{block}\n"


def section_write(path: Path, name: str, body: str) -> None:
    document = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(section_replace(document, name, body), encoding="utf-8")


def ratio(value: float, floor: float) -> float | None:
    """``value`` as a fraction of ``floor`` (req/s ÷ floor req/s), None without a floor."""
    return value / floor if floor > 0 else None


def markdown_table(header: list[str], rows: list[list[str]], *, right: set[int] | None = None) -> str:
    """A Markdown table; columns in ``right`` are right-aligned."""
    right = right or set()
    align = ["---:" if index in right else "---" for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)
