"""From a YAML file (plus ``--set`` overrides) to a validated ``Scenario``, or every problem.

YAML is read with a safe loader that constructs only plain data (mappings, lists, text,
numbers, booleans, dates), refuses duplicate keys and merge keys (``<<``), and refuses documents
whose aliases expand beyond a fixed size (the "billion laughs" attack), refer to themselves or
nest too deeply.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cxsim.scenario.models import Scenario
from cxsim.scenario.problems import (
    Problem,
    ScenarioError,
    problems_from_validation,
    reference_problems,
)

__all__ = ["apply_overrides", "load_scenario", "parse_scenario", "read_yaml"]

MAX_FILE_BYTES = 5_000_000
MAX_EXPANDED_NODES = 1_000_000


class _NotPlainData(yaml.constructor.ConstructorError):
    """A YAML construct the loader refuses; ``problem`` is the whole message for the planner."""


class _StrictSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key written twice in one mapping and merge keys.

    Merge keys (``<<: *defaults``) are refused because PyYAML expands them before any size check
    can run, so a chain of them is a memory bomb.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _NotPlainData(None, None, "merge keys (<<) are not supported (write the "
                                    "fields out, or alias a whole value)", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise _NotPlainData(None, None, f"key '{key}' appears twice in one mapping "
                                    "(write each key once)", key_node.start_mark)
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date or time; text if it looks like one but is not (2027-02-30), for the field to
        report by name."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_StrictSafeLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _StrictSafeLoader.construct_yaml_timestamp
)
# YAML 1.1 reads 1e3 and 1e-05 as text (it wants a dot and a signed exponent); read them as numbers.
_StrictSafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def _yaml_problem(error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "file"
    problem = getattr(error, "problem", None) or str(error)
    if isinstance(error, _NotPlainData):
        return Problem(where, problem)
    if "constructor for the tag" in problem:
        tag = problem.split(" for ")[-1].replace("tag:yaml.org,2002:", "!!")
        return Problem(where, f"{tag} is not plain data "
                              "(mappings, lists, text, numbers, dates; no tags)")
    return Problem(where, f"not valid YAML: {problem} (check indentation, colons and quotes)")


class _SelfReferenceError(Exception):
    pass


def _expanded_size(value: Any, memo: dict[int, int], active: set[int]) -> int:
    """Nodes the document has once every alias is expanded; raises on a self-reference."""
    if not isinstance(value, dict | list):
        return 1
    key = id(value)
    if key in memo:
        return memo[key]
    if key in active:
        raise _SelfReferenceError
    active.add(key)
    children = value.values() if isinstance(value, dict) else value
    size = 1 + sum(_expanded_size(child, memo, active) for child in children)
    active.discard(key)
    memo[key] = min(size, MAX_EXPANDED_NODES + 1)
    return memo[key]


def _parse_yaml(text: str) -> Any:
    """Plain data from YAML text; raises ``ScenarioError``-ready ``Problem`` lists."""
    too_deep = Problem("file", "mappings and lists nest too deeply (a scenario needs only a "
                               "few levels)")
    try:
        data = yaml.load(text, Loader=_StrictSafeLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        raise _ProblemsError([_yaml_problem(error)]) from None
    except RecursionError:
        raise _ProblemsError([too_deep]) from None
    try:
        size = _expanded_size(data, {}, set())
    except _SelfReferenceError:
        raise _ProblemsError([Problem("file", "an alias refers to itself (aliases must not "
                                              "nest inside their own anchor)")]) from None
    except RecursionError:
        raise _ProblemsError([too_deep]) from None
    if size > MAX_EXPANDED_NODES:
        raise _ProblemsError([Problem("file", f"aliases expand to more than "
                                              f"{MAX_EXPANDED_NODES:,} values (write the "
                                              "scenario without alias chains)")])
    return data


class _ProblemsError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a scenario file, checked to be safe plain data.

    Raises:
        ScenarioError: the file is missing, unreadable, not text, not YAML or not a mapping.
    """
    source = str(path)
    file = Path(path)
    try:
        if file.is_dir():
            raise ScenarioError(source, [Problem("file", "is a directory (a .yaml file)")])
        raw = file.read_bytes()
    except FileNotFoundError:
        missing = Problem("file", "not found (a path to a .yaml file)")
        raise ScenarioError(source, [missing]) from None
    except OSError as error:
        unreadable = Problem("file", f"cannot be read: {error.strerror}")
        raise ScenarioError(source, [unreadable]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, [Problem("file", f"is {len(raw):,} bytes "
                                                     f"(at most {MAX_FILE_BYTES:,})")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        not_utf8 = Problem("file", "is not UTF-8 text (a YAML text file)")
        raise ScenarioError(source, [not_utf8]) from None
    if "\x00" in text:
        raise ScenarioError(source, [Problem("file", "is not text (a YAML text file)")])
    try:
        data = _parse_yaml(text)
    except _ProblemsError as found:
        raise ScenarioError(source, found.problems) from None
    if data is None:
        raise ScenarioError(source, [Problem("file", "is empty (a mapping with name, "
                                                     "start_date, horizon_days, regions, ...)")])
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("file", "is not a mapping of fields (a mapping "
                                                     "with name, start_date, horizon_days, ...)")])
    return data


# Top-level mappings whose keys are names the planner chose.
_NAMED_ENTRIES = frozenset({"regions", "channels", "teams", "reasons", "segments", "products",
                            "sales_channels", "nodes"})


def _set_one(data: dict[str, Any], assignment: str) -> Problem | None:
    where = f"--set {assignment}"
    path, sep, text = assignment.partition("=")
    if not sep or not path.strip():
        return Problem(where, "is not path=value (for example teams.us_agents.agents=34)")
    try:
        value = _parse_yaml(text)
    except _ProblemsError as found:
        return Problem(where, f"value: {found.problems[0].message}")
    keys = path.strip().split(".")
    node: Any = data
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        here = ".".join(keys[:depth]) or "the scenario"
        if isinstance(node, dict):
            if last:
                node[key] = value
                return None
            if key not in node:
                known = [str(k) for k in node]
                close = difflib.get_close_matches(key, known, n=1)
                # A named entry (a team, a channel, ...) must exist; an optional part of one,
                # such as a channel's target, is created so that validation can judge it.
                if depth == 0 or (depth == 1 and keys[0] in _NAMED_ENTRIES) or close:
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    return Problem(
                        where, f"{here} has no '{key}' ({hint}one of: {', '.join(known)})"
                    )
                node[key] = {}
            node = node[key]
        elif isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                allowed = f"0 to {len(node) - 1}" if node else "the list is empty"
                return Problem(where, f"{here} has no item {key} ({allowed})")
            if last:
                node[int(key)] = value
                return None
            node = node[int(key)]
        else:
            return Problem(where, f"{here} is a single value, it has no field '{key}'")
    return None


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of the raw scenario with each ``path=value`` applied; the input is untouched.

    Values are read as YAML, so ``34`` is a number, ``true`` a boolean and ``[1, 2]`` a list.

    Raises:
        ScenarioError: an assignment names a field that does not exist.
    """
    result = copy.deepcopy(dict(data))
    problems = [p for p in (_set_one(result, a) for a in overrides) if p is not None]
    if problems:
        raise ScenarioError("overrides", problems)
    return result


def parse_scenario(data: Mapping[str, Any], source: str = "scenario") -> Scenario:
    """Validate raw scenario data (as read from YAML) into a ``Scenario``.

    Raises:
        ScenarioError: with every problem found, one per field.
    """
    problems = reference_problems(Scenario, data)
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems = problems_from_validation(Scenario, error) + problems
    # Checks across fields run only on an otherwise sound scenario: with a misspelt region or
    # channel they would add a second, misleading line about the same mistake.
    if scenario is not None and not problems:
        problems = [Problem(path, message) for path, message in scenario.consistency_problems()]
    if problems:
        raise ScenarioError(source, list(dict.fromkeys(problems)))
    assert scenario is not None
    return scenario


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: a YAML scenario file.
        overrides: ``path=value`` assignments, as ``cxsim run --set`` takes them.

    Raises:
        ScenarioError: with every problem found, one per field.
    """
    data = read_yaml(path)
    try:
        data = apply_overrides(data, overrides)
    except ScenarioError as error:
        raise ScenarioError(str(path), error.problems) from None
    return parse_scenario(data, source=str(path))
