"""The one canonical way bundle YAML is written.

Block style, keys in the order given (never sorted), Unicode as is, no line folding, multi-line
strings as literal blocks (``|``; a string a literal block cannot hold exactly, such as one
with trailing spaces, falls back to a quoted scalar), decimals as plain numbers (``1``, ``1.5``),
date-times unquoted, no anchors/aliases, ``\\n`` line endings, one final newline.
"""

from decimal import Decimal
from typing import Any

import yaml

from courses.bundles.loader import normalize_newlines

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


# Date-times are strings in bundles (the loader does the same), so they need no quotes.
_Dumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def _represent_str(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_decimal(dumper: _Dumper, data: Decimal) -> yaml.ScalarNode:
    text = format(data.normalize(), "f")
    if text in ("-0", "-0.0"):
        text = "0"
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Decimal, _represent_decimal)


def _normalized(value: Any) -> Any:
    if isinstance(value, str):
        return normalize_newlines(value)
    if isinstance(value, dict):
        return {key: _normalized(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalized(item) for item in value]
    return value


def dump_yaml(data: dict[str, Any]) -> str:
    """``data`` as canonical YAML text (see the module docstring)."""
    return yaml.dump(
        _normalized(data),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=10**9,
        default_flow_style=False,
    )
