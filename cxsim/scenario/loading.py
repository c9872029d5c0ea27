"""From a YAML file (plus ``--set`` overrides) to a validated ``Scenario``, or every problem.

The file must be a regular file (not a pipe or a device, which could block or never end) of at
most ``MAX_FILE_BYTES``; no more than that is ever read. Its text is read as plain data by
``cxsim.scenario.plain_yaml`` (YAML 1.2 core rules, safe tags, bounded aliases), and so is the
value of every ``--set path=value``.
"""

from __future__ import annotations

import copy
import difflib
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cxsim.scenario.models import Scenario
from cxsim.scenario.plain_yaml import YamlProblemsError, parse_yaml
from cxsim.scenario.problems import (
    Problem,
    ScenarioError,
    cut,
    field_names,
    path_part,
    problems_from_validation,
    reference_problems,
)

__all__ = ["MAX_FILE_BYTES", "apply_overrides", "load_scenario", "parse_scenario", "read_yaml"]

MAX_FILE_BYTES = 5_000_000


def _read_bytes(path: str | Path) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a regular file.

    The file is opened without blocking (a named pipe would wait for a writer forever) and
    checked on the open descriptor, so that what is read is what was checked.

    Raises:
        ScenarioError: missing, unreadable, not a regular file, or too large.
    """
    source = str(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ScenarioError(source, [Problem("file", "not found (a path to a .yaml file)")]
                            ) from None
    except IsADirectoryError:
        raise ScenarioError(source, [Problem("file", "is a directory (a .yaml file)")]) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioError(source, [Problem("file", f"cannot be read: {reason}")]) from None
    status = os.fstat(descriptor)
    problem = None
    if stat.S_ISDIR(status.st_mode):
        problem = Problem("file", "is a directory (a .yaml file)")
    elif not stat.S_ISREG(status.st_mode):
        problem = Problem("file", "is not a regular file (a .yaml file, not a pipe or a device)")
    elif status.st_size > MAX_FILE_BYTES:
        problem = _too_large(status.st_size)
    if problem is not None:
        os.close(descriptor)
        raise ScenarioError(source, [problem])
    with os.fdopen(descriptor, "rb") as file:
        try:
            raw = file.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            unreadable = Problem("file", f"cannot be read: {error.strerror}")
            raise ScenarioError(source, [unreadable]) from None
    # A file that grew since it was checked.
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, [_too_large(len(raw))])
    return raw


def _too_large(size: int) -> Problem:
    return Problem("file", f"is {size:,} bytes or more (at most {MAX_FILE_BYTES:,})")


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a scenario file, checked to be safe plain data.

    Raises:
        ScenarioError: the file is missing, unreadable, not a regular file, too large, not
            text, not YAML or not a mapping.
    """
    source = str(path)
    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        not_utf8 = Problem("file", "is not UTF-8 text (a YAML text file)")
        raise ScenarioError(source, [not_utf8]) from None
    if "\x00" in text:
        raise ScenarioError(source, [Problem("file", "is not text (a YAML text file)")])
    try:
        data = parse_yaml(text)
    except YamlProblemsError as found:
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
    where = f"--set {cut(assignment)}"
    path, sep, text = assignment.partition("=")
    if not sep or not path.strip():
        return Problem(where, "is not path=value (for example teams.us_agents.agents=34)")
    try:
        value = parse_yaml(text)
    except YamlProblemsError as found:
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
                problem = _missing_part(data, keys, depth, node)
                if problem is not None:
                    return Problem(where, problem)
                node[key] = {}
            node = node[key]
        elif isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                allowed = f"0 to {len(node) - 1}" if node else "the list is empty"
                return Problem(where, f"{here} has no item {cut(key)} ({allowed})")
            if last:
                node[int(key)] = value
                return None
            node = node[int(key)]
        else:
            return Problem(where, f"{here} is a single value, it has no field '{cut(key)}'")
    return None


def _missing_part(data: dict[str, Any], keys: list[str], depth: int,
                  node: dict[Any, Any]) -> str | None:
    """Why ``keys[depth]``, missing from ``node``, cannot be created; None when it can.

    Within a part of the scenario that has fields (a channel, a region), the key is created so
    that validation can judge it: a field left out of the file (a channel's target, a region's
    promise_days_by_channel), or a misspelt one, which validation names with the nearest field.
    A named entry (a team, a channel, ...) must exist, and so must a name close to an existing
    one (a misspelling).
    """
    key, here = keys[depth], ".".join(keys[:depth]) or "the scenario"
    if depth > 0 and field_names(Scenario, data, keys[:depth]) is not None:
        return None
    known = [path_part(k) for k in node]
    close = difflib.get_close_matches(key, known, n=1) if len(key) <= 100 else []
    if depth == 0 or (depth == 1 and keys[0] in _NAMED_ENTRIES) or close:
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"{here} has no '{cut(key)}' ({hint}one of: {', '.join(known)})"
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
