"""YAML text to plain data (mappings, lists, text, numbers, booleans, dates), safely.

Scalars follow the YAML 1.2 core schema, so that a value means what it looks like: ``true`` and
``false`` are the only booleans (``yes``, ``no``, ``on`` and ``off`` are text), numbers are
decimal (``4:30`` is text, not 270 minutes in base 60; ``0x1E``, ``0o17`` and ``0b1`` are text),
and ``1e3`` is a number. Dates such as ``2027-01-04`` are dates.

Nothing but plain data is ever constructed: a tag that asks for anything else (``!!python/...``,
``!!set``, ``!!binary``, a tag of one's own) is a problem, and so is a core tag whose value does
not fit it (``!!int abc``, ``!!bool maybe``, ``!!map [a]``). Keys written twice in one mapping
and merge keys (``<<``) are refused, and so are documents whose aliases expand beyond a fixed
size, counted in values and in bytes of text (the "billion laughs" attack), refer to themselves
or nest too deeply. Every refusal is a ``Problem`` naming the line and column, or the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable
from typing import Any, cast

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from cxsim.scenario.problems import Problem, cut

__all__ = ["MAX_EXPANDED_BYTES", "MAX_EXPANDED_NODES", "MAX_INT_DIGITS", "YamlProblemsError",
           "dump_yaml", "parse_yaml"]

MAX_EXPANDED_NODES = 1_000_000
# Text the document holds once every alias is expanded, plus a byte per value: twice the largest
# file, so that only aliases can reach it.
MAX_EXPANDED_BYTES = 10_000_000
# Python's own limit on turning text into a whole number (sys.get_int_max_str_digits).
MAX_INT_DIGITS = 4300

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_TIMESTAMP = re.compile(
    r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
    r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
    r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
)
_NOT_PLAIN = "(mappings, lists, text, numbers, dates; no tags)"


class YamlProblemsError(Exception):
    """The text is not plain data that a scenario can be read from; ``problems`` say why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _NotPlainError(ConstructorError):
    """A YAML construct refused while building the data; ``problem`` is the planner's line."""

    def __init__(self, message: str, node: Node) -> None:
        super().__init__(None, None, message, node.start_mark)


class _CoreResolver(BaseResolver):
    """The YAML 1.2 core schema's plain scalars, decimal numbers only, plus dates and ``<<``."""


for _tag, _pattern, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", _INT.pattern, "-+0123456789"),
    ("float", _FLOAT.pattern, "-+0123456789."),
    ("null", _NULL.pattern, ["~", "n", "N", ""]),
    ("timestamp", _TIMESTAMP.pattern, "0123456789"),
    # Recognised only to be refused with a clear line (see _PlainConstructor.construct_mapping).
    ("merge", r"^(?:<<)$", "<"),
]:
    _CoreResolver.add_implicit_resolver(_CORE + _tag, re.compile(_pattern), list(_first))


def _scalar(constructor: SafeConstructor, node: Node, tag: str) -> str:
    if not isinstance(node, ScalarNode):
        kind = "a mapping" if isinstance(node, MappingNode) else "a list"
        raise _NotPlainError(f"!!{tag} tags {kind}, not a single value (write the value "
                             "alone)", node)
    return str(constructor.construct_scalar(node))


class _PlainConstructor(SafeConstructor):
    """Builds plain data only; a core tag whose value does not fit it is refused by name."""

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            raise _NotPlainError("!!map tags a list or a single value, not a mapping (write "
                                 "the mapping alone)", node)
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == _CORE + "merge":
                raise _NotPlainError("merge keys (<<) are not supported (write the fields out, "
                                     "or alias a whole value)", key_node)
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise _NotPlainError(f"key {_quoted(key)} appears twice in one mapping (write "
                                     "each key once)", key_node)
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_sequence(self, node: Node, deep: bool = False) -> list[Any]:
        if not isinstance(node, SequenceNode):
            raise _NotPlainError("!!seq tags a mapping or a single value, not a list (write "
                                 "the list alone)", node)
        return super().construct_sequence(node, deep=deep)

    def construct_plain_null(self, node: Node) -> None:
        text = _scalar(self, node, "null")
        if not _NULL.match(text):
            raise _NotPlainError(f"!!null {_quoted(text)} is not null (null, ~ or nothing)", node)

    def construct_plain_bool(self, node: Node) -> bool:
        text = _scalar(self, node, "bool")
        if text not in _BOOL:
            raise _NotPlainError(f"!!bool {_quoted(text)} is not true or false (true or "
                                 "false)", node)
        return _BOOL[text]

    def construct_plain_int(self, node: Node) -> int:
        text = _scalar(self, node, "int")
        if not _INT.match(text):
            raise _NotPlainError(f"!!int {_quoted(text)} is not a whole number (decimal "
                                 "digits, such as 42)", node)
        digits = len(text.lstrip("+-"))
        if digits > MAX_INT_DIGITS:
            raise _NotPlainError(f"a whole number of {digits:,} digits is too long (at most "
                                 f"{MAX_INT_DIGITS:,} digits)", node)
        return int(text)

    def construct_plain_float(self, node: Node) -> float:
        text = _scalar(self, node, "float")
        if not _FLOAT.match(text):
            raise _NotPlainError(f"!!float {_quoted(text)} is not a number (such as 2.5, 1e3, "
                                 ".inf or .nan)", node)
        lowered = text.lower()
        if lowered.endswith(".nan"):
            return float("nan")
        if lowered.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        return float(text)

    def construct_plain_timestamp(self, node: Node) -> dt.date | str:
        """A date or time; text if it looks like one but is not (2027-02-30), for the field to
        report by name."""
        text = _scalar(self, node, "timestamp")
        if not _TIMESTAMP.match(text):
            raise _NotPlainError(f"!!timestamp {_quoted(text)} is not a date (a date such "
                                 "as 2027-01-04)", node)
        try:
            assert isinstance(node, ScalarNode)
            value: dt.date = super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return text
        return value

    def construct_plain_str(self, node: Node) -> str:
        return _scalar(self, node, "str")

    def refuse(self, node: Node) -> None:
        tag = _quoted(node.tag.replace(_CORE, "!!"))
        raise _NotPlainError(f"the tag {tag} is not plain data {_NOT_PLAIN}", node)


# Only these tags construct anything; every other one, core (!!set, !!binary, !!omap, !!pairs)
# or not, is refused (the None entry).
_PlainConstructor.yaml_constructors = {
    _CORE + "null": _PlainConstructor.construct_plain_null,
    _CORE + "bool": _PlainConstructor.construct_plain_bool,
    _CORE + "int": _PlainConstructor.construct_plain_int,
    _CORE + "float": _PlainConstructor.construct_plain_float,
    _CORE + "timestamp": _PlainConstructor.construct_plain_timestamp,
    _CORE + "str": _PlainConstructor.construct_plain_str,
    _CORE + "seq": SafeConstructor.construct_yaml_seq,
    _CORE + "map": SafeConstructor.construct_yaml_map,
    None: _PlainConstructor.refuse,
}
_PlainConstructor.yaml_multi_constructors = {}


class _PlainLoader(Reader, Scanner, Parser, Composer, _PlainConstructor, _CoreResolver):
    """PyYAML's own parser: slow (a few microseconds a character), but its words for a syntax
    error show the character at fault."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _PlainConstructor.__init__(self)
        _CoreResolver.__init__(self)


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastPlainLoader(CParser, _PlainConstructor, _CoreResolver):
        """libyaml's parser with the same rules: a large file reads in a second or so."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _PlainConstructor.__init__(self)
            _CoreResolver.__init__(self)

    _FAST_LOADER: type[Any] | None = _FastPlainLoader
else:  # PyYAML built without libyaml: the same data, more slowly
    _FAST_LOADER = None

# A syntax error found by libyaml is read again by PyYAML's parser for its clearer words, in a
# text short enough to take no more than a second or two.
_REREAD_CHARS = 256_000


def _load(loader_class: type[Any], text: str) -> Any:
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _plain_data(text: str) -> Any:
    if _FAST_LOADER is not None:
        try:
            return _load(_FAST_LOADER, text)
        except _NotPlainError:
            raise
        except yaml.YAMLError:
            if len(text) > _REREAD_CHARS:
                raise
    return _load(_PlainLoader, text)


def _quoted(value: object) -> str:
    return f"'{cut(str(value))}'"


def _yaml_problem(error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "file"
    problem = getattr(error, "problem", None) or str(error)
    if isinstance(error, _NotPlainError):
        return Problem(where, problem)
    return Problem(where, f"not valid YAML: {problem} (check indentation, colons and quotes)")


class _SelfReferenceError(Exception):
    pass


def _expanded_size(value: Any, memo: dict[int, tuple[int, int]], active: set[int],
                   ) -> tuple[int, int]:
    """(values, bytes) the document holds once every alias is expanded: a value counts one,
    text its length in characters plus one. Raises on a self-reference; capped just past the
    limits, so that a bomb is measured no further than it takes to refuse it."""
    if isinstance(value, str):
        return 1, len(value) + 1
    if not isinstance(value, dict | list):
        return 1, 1
    key = id(value)
    if key in memo:
        return memo[key]
    if key in active:
        raise _SelfReferenceError
    active.add(key)
    children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    nodes = size = 1
    for child in children:
        child_nodes, child_size = _expanded_size(child, memo, active)
        nodes, size = nodes + child_nodes, size + child_size
        if nodes > MAX_EXPANDED_NODES or size > MAX_EXPANDED_BYTES:
            break
    active.discard(key)
    memo[key] = (min(nodes, MAX_EXPANDED_NODES + 1), min(size, MAX_EXPANDED_BYTES + 1))
    return memo[key]


def parse_yaml(text: str) -> Any:
    """Plain data from YAML text (None for an empty document).

    Raises:
        YamlProblemsError: the text is not YAML, holds a tag or value the rules above refuse, or
            expands beyond the limits.
    """
    too_deep = Problem("file", "mappings and lists nest too deeply (a scenario needs only a "
                               "few levels)")
    try:
        data = _plain_data(text)
    except yaml.YAMLError as error:
        raise YamlProblemsError([_yaml_problem(error)]) from None
    except RecursionError:
        raise YamlProblemsError([too_deep]) from None
    try:
        nodes, size = _expanded_size(data, {}, set())
    except _SelfReferenceError:
        raise YamlProblemsError([Problem("file", "an alias refers to itself (aliases must not nest "
                                            "inside their own anchor)")]) from None
    except RecursionError:
        raise YamlProblemsError([too_deep]) from None
    if nodes > MAX_EXPANDED_NODES:
        raise YamlProblemsError([Problem("file", f"aliases expand to more than "
                                            f"{MAX_EXPANDED_NODES:,} values (write the scenario "
                                            "without alias chains)")])
    if size > MAX_EXPANDED_BYTES:
        raise YamlProblemsError([Problem("file", f"aliases expand to more than "
                                            f"{MAX_EXPANDED_BYTES:,} bytes of text (write the "
                                            "scenario without aliases of long values)")])
    return data


class _PlainDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting every text that a reader of either YAML 1.1 or the 1.2
    core rules would take for something else (``1e3``, ``yes``, ``4:30``)."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> Any:
        tag = cast(Callable[..., Any], super().resolve)(kind, value, implicit)
        if kind is ScalarNode and implicit[0] and tag == _CORE + "str":
            for core, pattern in _CoreResolver.yaml_implicit_resolvers.get(value[:1], []):
                if pattern.match(value):
                    return core
        return tag


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # Text that is not all printable (a line break, a control character, U+0085) is written
    # in double quotes, where every character is escaped and reads back as itself.
    return dumper.represent_scalar(_CORE + "str", text, style=None if text.isprintable() else '"')


_PlainDumper.add_representer(str, _represent_text)


class _CompactDumper(_PlainDumper):
    """Writes lists of plain values, and small mappings of plain values, on one line each, as
    scenario files are written by hand (``days: [mon, tue]``, ``{start_hour: 8, ...}``)."""


def _flat(value: Any) -> bool:
    return not isinstance(value, dict | list) or (
        isinstance(value, list) and all(not isinstance(v, dict | list) for v in value))


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(v, dict | list) for v in data)
    return dumper.represent_sequence(_CORE + "seq", data, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = all(_flat(v) for v in data.values()) and len(data) <= 6
    return dumper.represent_mapping(_CORE + "map", data.items(), flow_style=flow)


_CompactDumper.add_representer(list, _represent_list)
_CompactDumper.add_representer(dict, _represent_dict)


def dump_yaml(data: Any, compact: bool = False) -> str:
    """YAML text of plain data that ``parse_yaml`` (and any YAML 1.1 reader) reads back as the
    same data; keys in their order, unicode as it is. ``compact`` writes lists of plain values
    and small plain mappings on one line, as people write scenario files."""
    if compact:
        return yaml.dump(data, Dumper=_CompactDumper, sort_keys=False, allow_unicode=True,
                         width=100)
    return yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)

