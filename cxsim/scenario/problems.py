"""Problems found in a scenario, each stated as ``path.to.field: what is wrong (what is allowed)``.

Pydantic reports failures as error records with a location tuple. This module walks the scenario
schema along that location to name the field as the planner wrote it (dropping pydantic's
internal tags), to describe what the field allows, and to suggest the nearest known name when a
key or a reference is misspelt. It also checks every ``Ref`` field (a name that must exist in a
top-level mapping such as ``regions``) on the raw data, so that such mistakes are reported
together with the type errors rather than after them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import types
import typing
from collections.abc import Iterator, Mapping, Sequence, Sized
from typing import Annotated, Any, Literal, NamedTuple

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from cxsim.scenario.base import Ref

__all__ = [
    "MAX_SHOWN_PROBLEMS",
    "Problem",
    "ScenarioError",
    "cut",
    "field_names",
    "number_text",
    "path_part",
    "problems_from_validation",
    "reference_problems",
]

# Problems listed in the message of a ScenarioError (all of them stay in ``problems``): the
# first ones show what is wrong, thousands would bury it.
MAX_SHOWN_PROBLEMS = 50
# Names and values from the file are cut to this many characters in a message.
MAX_SHOWN_CHARS = 60
# A whole problem line is cut to this many characters.
MAX_LINE_CHARS = 400


class Problem(NamedTuple):
    """One thing wrong with a scenario: where (a dotted field path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(ValueError):
    """A scenario that cannot be used, with every problem found in it.

    Each problem is one printable line: characters that are not printable (a line break, a
    terminal escape) are shown escaped, long names and values are cut. The message lists the
    first ``MAX_SHOWN_PROBLEMS`` problems and says how many more there are.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = [Problem(_safe_path(p.path), _safe_message(p.message))
                         for p in problems]
        count = len(self.problems)
        lines = [f"{_safe_message(source)}: {count} {'problem' if count == 1 else 'problems'}"]
        lines += [str(p) for p in self.problems[:MAX_SHOWN_PROBLEMS]]
        if count > MAX_SHOWN_PROBLEMS:
            lines.append(f"... and {count - MAX_SHOWN_PROBLEMS:,} more problems (fix these "
                         "first)")
        super().__init__("\n".join(lines))


def _printable(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped (``\\n``, ``\\x1b``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def cut(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` escaped to printable characters and cut to ``limit`` characters with '...'."""
    text = _printable(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _text(value: object) -> str:
    """``str(value)``, except for a whole number too long to write out in full."""
    if isinstance(value, int) and value.bit_length() > 200:
        return f"a whole number of about {int(value.bit_length() * math.log10(2)):,} digits"
    return str(value)


def path_part(key: object) -> str:
    """A mapping key or list index as a part of a field path: '' shows as ``''``."""
    text = _text(key)
    return cut(text) if text else "''"


def _safe_path(path: str) -> str:
    if len(path) <= MAX_SHOWN_CHARS and path.isprintable():
        return path
    return ".".join(cut(part) for part in path.split("."))


def _safe_message(message: str) -> str:
    """One printable line of at most ``MAX_LINE_CHARS`` (names and values in it are cut where
    the message is made)."""
    return cut(message, MAX_LINE_CHARS)


@dataclasses.dataclass(frozen=True)
class _Node:
    """A point of the schema: its bare type and the constraints gathered on the way."""

    tp: Any
    metadata: tuple[Any, ...] = ()
    discriminator: str | None = None


def _unwrap(tp: Any, metadata: tuple[Any, ...] = ()) -> _Node:
    discriminator = None
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            extra = tp.__metadata__
            for item in extra:
                if isinstance(item, FieldInfo):
                    if isinstance(item.discriminator, str):
                        discriminator = item.discriminator
                    metadata += tuple(item.metadata)
                else:
                    metadata += (item,)
            tp = tp.__origin__
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return _Node(tp, metadata, discriminator)


def _field_node(field: FieldInfo) -> _Node:
    node = _unwrap(field.annotation, tuple(field.metadata))
    if isinstance(field.discriminator, str):
        return dataclasses.replace(node, discriminator=field.discriminator)
    return node


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _union_members(node: _Node) -> dict[str, type[BaseModel]]:
    """Tag value -> model class, for a discriminated union."""
    if node.discriminator is None:
        return {}
    members = {}
    for member in typing.get_args(node.tp):
        member_node = _unwrap(member)
        if _is_model(member_node.tp):
            annotation = member_node.tp.model_fields[node.discriminator].annotation
            for tag in typing.get_args(annotation):
                members[tag] = member_node.tp
    return members


def _child(node: _Node, key: str | int) -> tuple[_Node | None, bool]:
    """The schema node below ``node`` at ``key``, and whether ``key`` shows in the field path."""
    tp = node.tp
    if _is_model(tp):
        field = tp.model_fields.get(key) if isinstance(key, str) else None
        return (_field_node(field) if field else None), True
    members = _union_members(node)
    if members:
        member = members.get(key) if isinstance(key, str) else None
        return (_unwrap(member) if member else None), False
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict:
        return _unwrap(args[1]), True
    if origin in (list, tuple):
        return _unwrap(args[0]), True
    return None, True


def _walk(root: type[BaseModel], loc: Sequence[str | int]) -> tuple[list[str], _Node | None]:
    node: _Node | None = _Node(root)
    parts: list[str] = []
    for index, key in enumerate(loc):
        if key == "[key]":
            continue
        if node is None:
            parts.append(path_part(key))
            continue
        if index + 1 < len(loc) and loc[index + 1] == "[key]":
            # pydantic marks a bad mapping key by the key followed by "[key]".
            parts.append(path_part(key))
            node = _unwrap(typing.get_args(node.tp)[0])
            continue
        node, shown = _child(node, key)
        if shown:
            parts.append(path_part(key))
    return parts, node


def number_text(value: Any) -> str:
    """A bound or value as a planner reads it: 3660, 100,000, 0.01667, 1e+12."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e12:
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    return f"{value:.4g}"


def field_names(root: type[BaseModel], data: Any, keys: Sequence[str]) -> list[str] | None:
    """The fields of the model at ``keys`` (a path as written in the raw data ``data``), or None
    where the schema has no model there (a mapping of names, a list, a single value)."""
    node: _Node | None = _Node(root)
    value = data
    for key in keys:
        if node is None:
            return None
        members = _union_members(node)
        if members:
            # Which model a mapping is depends on its tag (kind, dist, ...) in the data.
            tag = value.get(node.discriminator) if isinstance(value, Mapping) else None
            member = members.get(tag) if isinstance(tag, str) else None
            node = _Node(member) if member is not None else None
            if node is None:
                return None
        node, _ = _child(node, int(key) if key.isdigit() and isinstance(value, list) else key)
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            value = None
    if node is None:
        return None
    members = _union_members(node)
    if members and isinstance(value, Mapping):
        tag = value.get(node.discriminator)
        member = members.get(tag) if isinstance(tag, str) else None
        return list(member.model_fields) if member is not None else None
    return list(node.tp.model_fields) if _is_model(node.tp) else None


def _bounds(metadata: tuple[Any, ...]) -> str:
    low = high = step = ""
    least = most = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low, least = f">= {number_text(item.ge)}", item.ge
        elif isinstance(item, annotated_types.Gt):
            low = f"> {number_text(item.gt)}"
        elif isinstance(item, annotated_types.Le):
            high, most = f"<= {number_text(item.le)}", item.le
        elif isinstance(item, annotated_types.Lt):
            high = f"< {number_text(item.lt)}"
        elif isinstance(item, annotated_types.MultipleOf):
            step = f"in steps of {number_text(item.multiple_of)}"
    if least is not None and most is not None:
        span = f"from {number_text(least)} to {number_text(most)}"
    else:
        span = " and ".join(b for b in (low, high) if b)
    return ", ".join(b for b in (span, step) if b)


def _length(metadata: tuple[Any, ...]) -> tuple[int | None, int | None]:
    low = high = None
    for item in metadata:
        if isinstance(item, annotated_types.MinLen):
            low = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            high = item.max_length
    return low, high


def describe(node: _Node | None) -> str:
    """What a field allows, in the planner's words."""
    if node is None:
        return "see the scenario format in the README"
    tp, meta = node.tp, node.metadata
    if _union_members(node):
        if node.discriminator == "dist":
            return "a distribution such as {dist: exponential, mean: 5}"
        tags = ", ".join(_union_members(node))
        return f"a mapping with {node.discriminator}: one of {tags}"
    if tp is bool:
        return "true or false"
    if tp in (int, float):
        noun = "a whole number" if tp is int else "a number"
        bounds = _bounds(meta)
        return f"{noun} {bounds}" if bounds else noun
    if tp is str:
        for item in meta:
            if isinstance(item, Ref):
                return f"the name of one of the scenario's {item.collection}"
        low, high = _length(meta)
        up_to = f", up to {high} characters" if high is not None else ""
        if any(getattr(m, "pattern", None) for m in meta):
            return f"a name of ASCII letters, digits, _ and -{up_to}"
        return f"{'non-empty text' if low else 'text'}{up_to}"
    if tp is dt.date:
        return "a date such as 2027-01-04"
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(tp))
    if _is_model(tp):
        required = [n for n, f in tp.model_fields.items() if f.is_required()]
        more = ", ..." if len(required) < len(tp.model_fields) else ""
        return "a mapping with " + ", ".join(required or list(tp.model_fields)[:1]) + more
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict:
        low, _ = _length(meta)
        at_least = f"at least {low} {'entry' if low == 1 else 'entries'}: " if low else ""
        keys = _unwrap(args[0])
        refs = [item for item in keys.metadata if isinstance(item, Ref)]
        names = f"{_entry_noun(refs[0].collection)} names" if refs else "names"
        return f"{at_least}a mapping of {names} to {describe(_unwrap(args[1]))}"
    if origin in (list, tuple):
        low, high = _length(meta)
        item = describe(_unwrap(args[0]))
        if low is not None and low == high:
            return f"a list of exactly {low} values, each {item}"
        if high is not None:
            count = f"{low} to" if low else "up to"
            return f"a list of {count} {number_text(high)} values, each {item}"
        if low:
            return f"a list of at least {low}, each {item}"
        return f"a list, each {item}"
    return str(getattr(tp, "__name__", tp))


def show(value: Any) -> str:
    """A short, readable rendering of a value from the scenario file."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return f"'{cut(value, 40)}'"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value.is_integer() else f"{value:g}"
    return cut(_text(value), 40)


def _suggest(name: object, known: Sequence[str]) -> str:
    text = _text(name)
    if len(text) > MAX_SHOWN_CHARS:
        return ""  # no one misspells a name that long
    close = difflib.get_close_matches(text, list(known), n=1, cutoff=0.6)
    return f"did you mean '{cut(close[0])}'? " if close else ""


def _message(error: Mapping[str, Any], node: _Node | None, parent: _Node | None) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    allowed = describe(node)
    if kind == "missing":
        return f"is missing (required: {allowed})"
    if kind in ("extra_forbidden", "invalid_key"):
        known = list(parent.tp.model_fields) if parent and _is_model(parent.tp) else []
        return f"unknown field ({_suggest(error['loc'][-1], known)}allowed: {', '.join(known)})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = list(_union_members(node)) if node else []
        if kind == "union_tag_not_found":
            return f"is missing (one of: {', '.join(tags)})"
        # The tag as written (ctx only has its text form, so a list would show as "['a']").
        tag = value.get(node.discriminator) if isinstance(value, Mapping) and node else None
        if not isinstance(tag, str):
            return f"{show(tag)} is not allowed (one of: {', '.join(tags)})"
        return f"'{tag}' is not known ({_suggest(tag, tags)}one of: {', '.join(tags)})"
    if kind == "finite_number":
        return f"{show(value)} is not a finite number ({allowed})"
    if node is not None and node.tp is dt.date and kind in _RANGE_ERRORS:
        early = kind.startswith("greater")
        first, last = _date_bound(node, annotated_types.Ge), _date_bound(node, annotated_types.Le)
        return (f"{show(value)} is too {'early' if early else 'late'} (a date from {first} to "
                f"{last})")
    if kind in ("greater_than", "greater_than_equal"):
        return f"{show(value)} is too small ({allowed})"
    if kind in ("less_than", "less_than_equal"):
        return f"{show(value)} is too large ({allowed})"
    if kind == "multiple_of":
        return f"{show(value)} is not a multiple of {ctx.get('multiple_of', '?')} ({allowed})"
    if kind in ("too_short", "too_long"):
        count = ctx.get("actual_length", len(value) if isinstance(value, Sized) else "?")
        if isinstance(value, Mapping):
            noun = "entry" if count == 1 else "entries"
        else:
            noun = "value" if count == 1 else "values"
        return f"has {count} {noun} ({allowed})"
    if kind in ("string_too_short", "string_too_long", "string_pattern_mismatch"):
        return f"{show(value)} is not allowed ({allowed})"
    if kind == "literal_error":
        options = [str(a) for a in typing.get_args(node.tp)] if node else []
        return f"{show(value)} is not allowed ({_suggest(value, options)}{allowed})"
    if kind.startswith("date") and isinstance(value, str):
        return f"{show(value)} is not a valid date ({allowed})"
    return f"{show(value)} is not {_noun(node)} ({allowed})"


_RANGE_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def _date_bound(node: _Node, kind: type[annotated_types.Ge] | type[annotated_types.Le]) -> str:
    for item in node.metadata:
        if isinstance(item, annotated_types.Ge) and kind is annotated_types.Ge:
            return str(item.ge)
        if isinstance(item, annotated_types.Le) and kind is annotated_types.Le:
            return str(item.le)
    return "?"


def _noun(node: _Node | None) -> str:
    """The kind of value a field takes, without its bounds."""
    if node is None:
        return "allowed here"
    if node.tp is int:
        return "a whole number"
    if node.tp is float:
        return "a number"
    if node.tp is str:
        return "text"
    if node.tp is dt.date:
        return "a date"
    if _is_model(node.tp) or typing.get_origin(node.tp) is dict or _union_members(node):
        return "a mapping"
    if typing.get_origin(node.tp) in (list, tuple):
        return "a list"
    return describe(node)


def problems_from_validation(root: type[BaseModel], error: ValidationError) -> list[Problem]:
    """One ``Problem`` per pydantic error, with the field path as the planner wrote it."""
    problems = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            parts, node = _walk(root, loc)
            discriminator = node.discriminator if node else None
            path = ".".join([*parts, discriminator or "kind"])
            problems.append(Problem(path, _message(item, node, None)))
            continue
        parts, node = _walk(root, loc)
        _, parent = _walk(root, loc[:-1]) if loc else ([], None)
        problems.append(Problem(".".join(parts), _message(item, node, parent)))
    return problems


def _entry_noun(collection: str) -> str:
    """An entry of a top-level mapping in words: 'sales_channels' -> 'sales channel'."""
    return collection.removesuffix("s").replace("_", " ")


def _references(node: _Node, value: Any, path: list[str]) -> Iterator[tuple[list[str], Ref, Any]]:
    """(path, reference, name) for every ``Ref`` field in the raw data below ``node``."""
    for item in node.metadata:
        if isinstance(item, Ref) and isinstance(value, str) and value not in item.builtin:
            yield path, item, value
    tp = node.tp
    members = _union_members(node)
    if members and isinstance(value, Mapping):
        assert node.discriminator is not None
        tag = value.get(node.discriminator)
        member = members.get(tag) if isinstance(tag, str) else None
        if member is not None:
            yield from _references(_Node(member), value, path)
    elif _is_model(tp) and isinstance(value, Mapping):
        for name, field in tp.model_fields.items():
            if name in value:
                yield from _references(_field_node(field), value[name], [*path, name])
    elif typing.get_origin(tp) is dict and isinstance(value, Mapping):
        key_node = _unwrap(typing.get_args(tp)[0])
        inner = _unwrap(typing.get_args(tp)[1])
        for key, item in value.items():
            # Keys can be references too, as in channel_mix: {phone: 0.5, chat: 0.5}.
            yield from _references(key_node, key, [*path, path_part(key)])
            yield from _references(inner, item, [*path, path_part(key)])
    elif typing.get_origin(tp) in (list, tuple) and isinstance(value, list):
        inner = _unwrap(typing.get_args(tp)[0])
        for index, item in enumerate(value):
            yield from _references(inner, item, [*path, str(index)])


def reference_problems(root: type[BaseModel], data: Mapping[str, Any]) -> list[Problem]:
    """Names that should refer to an entry of a top-level mapping but do not."""
    problems = []
    for path, ref, name in _references(_Node(root), data, []):
        # A collection left out of the file is empty; one of the wrong type is reported already.
        entries = data.get(ref.collection, {})
        if not isinstance(entries, Mapping) or name in entries:
            continue
        # Built-in names (the reason 'general', the sales channel 'web') are allowed too.
        known = [path_part(k) for k in entries] + [b for b in ref.builtin if b not in entries]
        allowed = f"{_suggest(name, known)}one of: {', '.join(known)}" if known else (
            f"the scenario has no {ref.collection}"
        )
        problems.append(Problem(".".join(path), f"unknown {_entry_noun(ref.collection)} "
                                                f"'{cut(name)}' ({allowed})"))
    return problems
