"""Field types of the bundle format and the schema machinery.

One ``Schema`` per kind of mapping (course, question, quiz slot, ...) lists its fields in the
canonical order. The reader uses it to check and clean what an author wrote (every problem
becomes a located error); the exporter uses the same schema to write fields in that order and
to leave out optional fields that hold their default. So a field the importer does not read can
never be exported, and defaults cannot drift between the two directions.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from difflib import get_close_matches
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from courses.bundles.errors import BundleError, Location
from courses.bundles.loader import YamlList, YamlMap
from courses.models import KEY_MAX_LENGTH

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
TAG_PATTERN = re.compile(r"[-\w]+")
KEY_RULE = "lowercase latin letters, digits and dashes, starting with a letter or digit"


class Invalid(Exception):
    """A value does not fit its field; the message says what was expected."""


def check_key(value: Any, *, max_length: int = KEY_MAX_LENGTH) -> str:
    """Return ``value`` if it is a valid key, else raise ``Invalid``."""
    if not isinstance(value, str):
        raise Invalid(f"expected a key ({KEY_RULE}), got {_describe(value)}")
    if not KEY_PATTERN.fullmatch(value):
        raise Invalid(f"invalid key '{value}': use {KEY_RULE}")
    if len(value) > max_length:
        raise Invalid(f"key '{value}' is longer than {max_length} characters")
    return value


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | Decimal):
        return f"a number ({value})"
    if isinstance(value, YamlMap | dict):
        return "a mapping"
    if isinstance(value, YamlList | list):
        return "a list"
    return f"'{value}'"


@dataclass
class Context:
    """Where a value sits, for types that report errors inside nested mappings and lists."""

    path: str
    line: int
    errors: list[BundleError]

    def error(self, line: int, message: str) -> None:
        self.errors.append(BundleError(Location(self.path, line), message))


class FieldType:
    """Cleans one YAML value. ``clean`` returns the cleaned value or raises ``Invalid``;
    types holding nested mappings report errors inside them through ``ctx`` themselves."""

    default: Any = None
    nullable = True

    def clean(self, value: Any, ctx: Context) -> Any:
        raise NotImplementedError


class Text(FieldType):
    """A string. ``null`` reads as empty for optional text."""

    default = ""

    def __init__(self, max_length: int | None = None) -> None:
        self.max_length = max_length

    def clean(self, value: Any, ctx: Context) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise Invalid(f"expected text, got {_describe(value)} (put it in quotes)")
        if self.max_length is not None and len(value) > self.max_length:
            raise Invalid(f"longer than {self.max_length} characters ({len(value)})")
        return value


class Url(Text):
    def clean(self, value: Any, ctx: Context) -> str:
        text = super().clean(value, ctx)
        if text:
            try:
                URLValidator()(text)
            except ValidationError as exc:
                raise Invalid(f"'{text}' is not a valid URL") from exc
        return text


class Key(FieldType):
    """A key of another object (or of this one); optional keys may be ``null``."""

    def __init__(self, max_length: int = KEY_MAX_LENGTH) -> None:
        self.max_length = max_length

    def clean(self, value: Any, ctx: Context) -> str | None:
        return None if value is None else check_key(value, max_length=self.max_length)


def check_tag(value: Any) -> str:
    """Return ``value`` if it is a valid question tag name, else raise ``Invalid``."""
    if not isinstance(value, str) or not TAG_PATTERN.fullmatch(value) or len(value) > 64:
        raise Invalid(f"invalid tag {_describe(value)}: use letters, digits, '-' and '_' (at most 64)")
    return value


class TagName(FieldType):
    def clean(self, value: Any, ctx: Context) -> str | None:
        return None if value is None else check_tag(value)


class Username(FieldType):
    def clean(self, value: Any, ctx: Context) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > 150:
            raise Invalid(f"expected a username, got {_describe(value)}")
        try:
            UnicodeUsernameValidator()(value)
        except ValidationError as exc:
            raise Invalid(f"invalid username '{value}': letters, digits and @/./+/-/_ only") from exc
        return value


class Integer(FieldType):
    def __init__(self, *, min: int | None = None, max: int | None = None, nullable: bool = False) -> None:
        self.min, self.max, self.nullable = min, max, nullable

    def clean(self, value: Any, ctx: Context) -> int | None:
        if value is None and self.nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {_describe(value)}")
        if self.min is not None and value < self.min:
            raise Invalid(f"must be at least {self.min}, got {value}")
        if self.max is not None and value > self.max:
            raise Invalid(f"must be at most {self.max}, got {value}")
        return value


class Number(FieldType):
    """A decimal number, kept exact. ``decimal_places``/``max_digits`` mirror the model field."""

    def __init__(
        self, *, min: int | None = None, decimal_places: int = 2, max_digits: int = 6, nullable: bool = False
    ) -> None:
        self.min, self.decimal_places, self.max_digits = min, decimal_places, max_digits
        self.nullable = nullable

    def clean(self, value: Any, ctx: Context) -> Decimal | None:
        if value is None and self.nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise Invalid(f"expected a number, got {_describe(value)}")
        number = Decimal(value)
        if self.min is not None and number < self.min:
            raise Invalid(f"must be at least {self.min}, got {value}")
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimal_places:
            raise Invalid(f"at most {self.decimal_places} digits after the point, got {value}")
        if abs(number) >= Decimal(10) ** (self.max_digits - self.decimal_places):
            raise Invalid(f"too large: {value}")
        return number


class Boolean(FieldType):
    nullable = False

    def __init__(self, default: bool = False) -> None:
        self.default = default

    def clean(self, value: Any, ctx: Context) -> bool:
        if not isinstance(value, bool):
            raise Invalid(f"expected true or false, got {_describe(value)}")
        return value


class Choice(FieldType):
    nullable = False

    def __init__(self, choices: Iterable[str], default: str | None = None) -> None:
        self.choices = [str(choice) for choice in choices]
        self.default = default

    def clean(self, value: Any, ctx: Context) -> str:
        if value not in self.choices:
            raise Invalid(f"must be one of: {', '.join(self.choices)}; got {_describe(value)}")
        return value


class DateTime(FieldType):
    """An ISO 8601 date-time with a time zone offset, or ``null``."""

    def clean(self, value: Any, ctx: Context) -> datetime | None:
        if value is None:
            return None
        example = "2026-09-01T10:00:00+03:00"
        if not isinstance(value, str):
            raise Invalid(f"expected a date-time like {example}, got {_describe(value)}")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise Invalid(f"'{value}' is not a date-time like {example}") from exc
        if moment.tzinfo is None or len(value) <= 10:
            raise Invalid(f"'{value}' needs a time and a time zone offset, like {example}")
        return moment


class TextList(FieldType):
    """A list of non-empty strings."""

    default: list = []  # noqa: RUF012 - compared, never mutated

    def clean(self, value: Any, ctx: Context) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {_describe(value)}")
        cleaned = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item:
                ctx.error(
                    _item_line(value, index, ctx), f"item {index + 1}: expected text, got {_describe(item)}"
                )
                continue
            cleaned.append(item)
        return cleaned


class KeyList(FieldType):
    """A list of distinct keys (of questions, cases, files, tags ...)."""

    default: list = []  # noqa: RUF012

    def __init__(self, item: Callable[[Any], str] = check_key, noun: str = "key") -> None:
        self.item, self.noun = item, noun

    def clean(self, value: Any, ctx: Context) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {_describe(value)}")
        cleaned: list[str] = []
        for index, item in enumerate(value):
            line = _item_line(value, index, ctx)
            try:
                item = self.item(item)
            except Invalid as exc:
                ctx.error(line, str(exc))
                continue
            if item in cleaned:
                ctx.error(line, f"{self.noun} '{item}' is listed twice")
                continue
            cleaned.append(item)
        return cleaned


class Range(FieldType):
    """``{min: .., max: ..}`` whole numbers; both are written when the field is written."""

    def __init__(self, default: tuple[int | None, int | None], *, nullable: bool) -> None:
        self.default = {"min": default[0], "max": default[1]}
        self.nullable = nullable

    def clean(self, value: Any, ctx: Context) -> dict[str, int | None]:
        if not isinstance(value, dict):
            raise Invalid(f"expected a mapping {{min: .., max: ..}}, got {_describe(value)}")
        unknown = sorted(set(value) - {"min", "max"})
        if unknown:
            raise Invalid(f"unknown field '{unknown[0]}': a range has only min and max")
        number = Integer(min=1, nullable=self.nullable)
        cleaned = {}
        for bound in ("min", "max"):
            if bound not in value and not self.nullable:
                raise Invalid(f"{bound} is required")
            try:
                cleaned[bound] = number.clean(value.get(bound), ctx)
            except Invalid as exc:
                raise Invalid(f"{bound}: {exc}") from exc
        if None not in cleaned.values() and cleaned["min"] > cleaned["max"]:
            raise Invalid(f"min ({cleaned['min']}) is greater than max ({cleaned['max']})")
        return cleaned


class Anything(FieldType):
    """Passed through as read; the reader checks it (it depends on other fields)."""

    def clean(self, value: Any, ctx: Context) -> Any:
        return value


class Nested(FieldType):
    """A mapping with its own schema."""

    def __init__(self, schema: "Schema") -> None:
        self.schema = schema

    @property
    def default(self) -> dict:  # type: ignore[override]
        return self.schema.defaults()

    def clean(self, value: Any, ctx: Context) -> "Record":
        return clean_record(value, self.schema, path=ctx.path, errors=ctx.errors, line=ctx.line)


class Records(FieldType):
    """A list of mappings with their own schema."""

    default: list = []  # noqa: RUF012

    def __init__(self, schema: "Schema") -> None:
        self.schema = schema

    def clean(self, value: Any, ctx: Context) -> list["Record"]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {_describe(value)}")
        records = []
        for index, item in enumerate(value):
            line = _item_line(value, index, ctx)
            records.append(clean_record(item, self.schema, path=ctx.path, errors=ctx.errors, line=line))
        return records


def _item_line(value: list, index: int, ctx: Context) -> int:
    return value.line_of(index) if isinstance(value, YamlList) else ctx.line


_REQUIRED = object()


@dataclass(frozen=True)
class Field:
    """A field of a mapping. ``default`` overrides the type's default (the value of an absent
    optional field, and the value the exporter leaves out)."""

    name: str
    type: FieldType
    required: bool = False
    default: Any = _REQUIRED

    def default_value(self) -> Any:
        value = self.type.default if self.default is _REQUIRED else self.default
        return list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value

    def is_default(self, value: Any) -> bool:
        return value == self.default_value()


@dataclass(frozen=True)
class Schema:
    """The fields of one kind of mapping, in canonical (documented, exported) order."""

    fields: tuple[Field, ...]
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default_value() for f in self.fields}


class Record(dict):
    """A cleaned mapping: every schema field present (defaults filled in), plus where it came from.

    ``present`` holds the fields the author wrote; ``lines`` their lines.
    """

    def __init__(self, at: Location, lines: dict[str, int], present: set[str]) -> None:
        super().__init__()
        self.at = at
        self.lines = lines
        self.present = present

    def loc(self, name: str | None = None) -> Location:
        """The location of field ``name`` (of the mapping itself when absent or not given)."""
        if name is None or name not in self.lines:
            return self.at
        return Location(self.at.path, self.lines[name])


def clean_record(
    value: Any, schema: Schema, *, path: str, errors: list[BundleError], line: int = 1
) -> Record:
    """Check ``value`` against ``schema``. Always returns a complete ``Record`` (fields that are
    missing or invalid hold their default) and appends an error for each unknown field, missing
    required field and invalid value, at the line where it is."""
    if isinstance(value, YamlMap):
        line = value.line
    record = Record(Location(path, line), dict(getattr(value, "key_lines", {})), set())
    if not isinstance(value, dict):
        errors.append(BundleError(record.at, f"expected a mapping of fields, got {_describe(value)}"))
        record.update(schema.defaults())
        return record
    for name in value:
        if name not in schema.by_name:
            hint = get_close_matches(name, list(schema.by_name), n=1)
            suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
            errors.append(BundleError(record.loc(name), f"unknown field '{name}'{suffix}"))
    for spec in schema.fields:
        raw = value.get(spec.name)
        if spec.name not in value or (raw is None and spec.required):
            if spec.required:
                errors.append(BundleError(record.loc(spec.name), f"'{spec.name}' is required"))
            if isinstance(spec.type, Nested):  # a located record even when absent
                record[spec.name] = clean_record(
                    {}, spec.type.schema, path=path, errors=errors, line=record.at.line
                )
            else:
                record[spec.name] = spec.default_value()
            continue
        record.present.add(spec.name)
        ctx = Context(path, record.loc(spec.name).line, errors)
        try:
            record[spec.name] = spec.type.clean(raw, ctx)
        except Invalid as exc:
            errors.append(BundleError(record.loc(spec.name), f"{spec.name}: {exc}"))
            record[spec.name] = spec.default_value()
            continue
        if spec.required and record[spec.name] in ("", []):
            errors.append(BundleError(record.loc(spec.name), f"'{spec.name}' must not be empty"))
    return record


def compact(schema: Schema, values: dict[str, Any]) -> dict[str, Any]:
    """The exported form of ``values``: schema order, optional fields at their default left out,
    nested mappings compacted the same way."""
    result: dict[str, Any] = {}
    for spec in schema.fields:
        value = values.get(spec.name, spec.default_value())
        if isinstance(spec.type, Nested):
            value = compact(spec.type.schema, value)
            if not value and not spec.required:
                continue
        elif isinstance(spec.type, Records):
            value = [compact(spec.type.schema, item) for item in value]
        if not spec.required and spec.is_default(value):
            continue
        result[spec.name] = value
    return result
