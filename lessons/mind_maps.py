"""Mind maps are authored as a nested Markdown list; this turns that list into a tree."""

import re

_ITEM = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?P<text>.+?)\s*$")


def mind_map_tree(text: str) -> dict | None:
    """Parse a nested Markdown list into ``{"title": str, "children": [...]}``.

    The first top-level item is the central node. Indentation (any consistent width) sets the
    depth. Returns ``None`` when the text holds no list item. Raises ``ValueError`` when an
    item is indented deeper than one level below its parent or a second root appears.
    """
    root: dict | None = None
    stack: list[tuple[int, dict]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _ITEM.match(line)
        if match is None:
            continue
        indent = len(match["indent"].expandtabs(4))
        node = {"title": match["text"], "children": []}
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            if root is not None:
                raise ValueError(f"line {number}: a mind map has one central node; found a second one")
            root = node
        else:
            stack[-1][1]["children"].append(node)
        stack.append((indent, node))
    return root
