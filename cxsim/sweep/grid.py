"""Grids of scenario changes: the points a sweep runs, each checked before anything runs.

A grid file (YAML) lists what the sweep varies, one entry per dimension, with scenario fields
named as ``--set`` names them::

    params:
      - path: sales_channels.amazon.promise_days      # one field and its values
        values: [2, 3]
        name: amazon_promise                          # its column in the tables (default: path)
      - zip:                                          # fields whose values move together
          - {path: teams.de_support.hires.0.agents, values: [7, 9, 12]}
          - {path: teams.de_support.hires.1.agents, values: [2, 3, 4]}
      - name: shipping                                # named alternatives, each setting fields
        alternatives:
          weekdays: {}
          saturday: {nodes.eu_3pl.working_days: [mon, tue, wed, thu, fri, sat]}

The points are every combination of one value (or alternative) per entry, in file order with
the last entry varying fastest. Each point is the scenario with its fields changed; the caller's
scenario is never changed. A grid with problems is refused whole, one line per problem, each
naming where in the grid it is (``grid.params.0.values.2: -3 is too small (...)``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxsim.scenario import Problem, Scenario, ScenarioError, apply_overrides, parse_scenario
from cxsim.scenario.loading import read_yaml

__all__ = [
    "MAX_POINTS",
    "RESERVED_COLUMNS",
    "Grid",
    "Point",
    "grid_fingerprint",
    "load_grid",
    "parse_grid",
    "point_scenarios",
]

# A sweep of more points than this is a mistake in the grid more often than a plan.
MAX_POINTS = 10_000
# Columns of the sweep's tables that a parameter's name may not take.
RESERVED_COLUMNS = frozenset({"point", "rep", "scope", "region", "channel", "kpi", "mean",
                              "ci_low", "ci_high", "reps", "value", "pareto"})
_ENTRY_KINDS = "path and values, zip, or alternatives"


@dataclass(frozen=True)
class _Level:
    """One value of a grid entry: what its columns show and which fields it sets."""

    columns: dict[str, Any]
    changes: dict[str, Any]
    # scenario path -> where its value is in the grid, for problem lines
    origins: dict[str, str]


@dataclass(frozen=True)
class _Entry:
    """One dimension of the grid."""

    location: str
    columns: tuple[str, ...]
    # scenario path -> where the path is named in the grid
    paths: dict[str, str]
    levels: tuple[_Level, ...]


@dataclass(frozen=True)
class Point:
    """One combination of the grid's values.

    Attributes:
        index: position in the sweep (0 first).
        id: its name in tables and directories (``p000``).
        params: table column -> the value shown (numbers as numbers, lists and mappings as
            JSON text, alternatives by their label).
        changes: scenario path -> value, as ``--set`` would set it.
        origins: scenario path -> where in the grid its value comes from.
    """

    index: int
    id: str
    params: dict[str, Any]
    changes: dict[str, Any]
    origins: dict[str, str] = field(repr=False)


@dataclass(frozen=True)
class Grid:
    """A validated grid: its entries and the points they make (``points``).

    Attributes:
        data: the grid as read (plain data), for the record (``grid.yaml``).
        columns: the parameter columns of the sweep's tables, in grid order.
        points: every combination, in sweep order.
    """

    data: dict[str, Any]
    columns: tuple[str, ...]
    points: tuple[Point, ...]


def _shown(value: Any) -> Any:
    """A grid value as its table column shows it: numbers, text and booleans as they are, dates
    as ISO text, lists and mappings as JSON text."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, default=str, sort_keys=True)


def _key(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def _text(value: Any) -> str:
    text = _key(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


class _Reader:
    """Reads grid data into entries, gathering every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def known_keys(self, data: Mapping[str, Any], where: str, allowed: Sequence[str]) -> None:
        for key in data:
            if key not in allowed:
                self.problem(f"{where}.{key}", f"unknown field (allowed: {', '.join(allowed)})")

    def path(self, data: Mapping[str, Any], where: str) -> str | None:
        path = data.get("path")
        if path is None:
            self.problem(where, "needs a path (a scenario field as --set names it, e.g. "
                                "teams.de_support.agents)")
            return None
        if not isinstance(path, str) or not path.strip() or any(
                not part for part in path.strip().split(".")):
            self.problem(f"{where}.path", f"'{_text(path)}' is not a field path (dotted names "
                                          "as --set takes them, e.g. teams.de_support.agents)")
            return None
        return path.strip()

    def values(self, data: Mapping[str, Any], where: str, distinct: bool = True
               ) -> list[Any] | None:
        values = data.get("values")
        if values is None:
            self.problem(where, "needs values (a list of one or more values)")
            return None
        if not isinstance(values, list):
            self.problem(f"{where}.values", f"'{_text(values)}' is not a list (a list of one "
                                            "or more values, e.g. [2, 3])")
            return None
        if not values:
            self.problem(f"{where}.values", "is empty (a list of one or more values)")
            return None
        seen: dict[str, int] = {}
        for number, value in enumerate(values):
            if isinstance(value, float) and not math.isfinite(value):
                self.problem(f"{where}.values.{number}", f"{value} is not a number a scenario "
                                                         "takes (a finite number)")
            earlier = seen.setdefault(_key(value), number)
            if distinct and earlier != number:
                self.problem(f"{where}.values.{number}", f"{_text(value)} is already value "
                                                         f"{earlier} (each value once)")
        return values

    def name(self, data: Mapping[str, Any], where: str, default: str) -> str:
        name = data.get("name", default)
        if not isinstance(name, str) or not name.strip():
            self.problem(f"{where}.name", f"'{_text(name)}' is not a column name (a short text)")
            return default
        return name.strip()

    def field_entry(self, data: Any, where: str, distinct: bool = True
                    ) -> tuple[str, str, list[Any]] | None:
        """(column, path, values) of ``{path, values, name}``; ``distinct``: each value once."""
        if not isinstance(data, dict):
            self.problem(where, f"'{_text(data)}' is not a mapping (path: and values:)")
            return None
        self.known_keys(data, where, ("path", "values", "name"))
        path, values = self.path(data, where), self.values(data, where, distinct)
        if path is None or values is None:
            return None
        return self.name(data, where, path), path, values

    def entry(self, data: Any, where: str) -> _Entry | None:
        if not isinstance(data, dict):
            self.problem(where, f"'{_text(data)}' is not a mapping ({_ENTRY_KINDS})")
            return None
        if "zip" in data:
            return self.zip_entry(data, where)
        if "alternatives" in data:
            return self.alternatives_entry(data, where)
        if "path" in data or "values" in data:
            read = self.field_entry(data, where)
            if read is None:
                return None
            column, path, values = read
            levels = tuple(_Level({column: _shown(v)}, {path: v}, {path: f"{where}.values.{n}"})
                           for n, v in enumerate(values))
            return _Entry(where, (column,), {path: f"{where}.path"}, levels)
        self.problem(where, f"an entry needs {_ENTRY_KINDS} (found: "
                            f"{', '.join(map(str, data)) or 'nothing'})")
        return None

    def zip_entry(self, data: dict[str, Any], where: str) -> _Entry | None:
        self.known_keys(data, where, ("zip",))
        members = data["zip"]
        if not isinstance(members, list) or not members:
            self.problem(f"{where}.zip", "is not a list of fields (a list of {path, values} "
                                         "moving together)")
            return None
        # A field of a zip may repeat a value; the combinations may not repeat.
        read = [self.field_entry(m, f"{where}.zip.{n}", distinct=False)
                for n, m in enumerate(members)]
        if any(r is None for r in read):
            return None
        fields = [r for r in read if r is not None]
        count = len(fields[0][2])
        for number, (_, _, values) in enumerate(fields[1:], start=1):
            if len(values) != count:
                self.problem(f"{where}.zip.{number}.values", f"has {len(values)} values, zip.0 "
                             f"has {count} (the same number in every field of a zip)")
        if self.problems:
            return None
        seen: dict[str, int] = {}
        for number in range(count):
            earlier = seen.setdefault(_key([values[number] for _, _, values in fields]), number)
            if earlier != number:
                self.problem(f"{where}.zip", f"values {number} are the same as values {earlier} "
                                             "in every field (each combination once)")
        if self.problems:
            return None
        levels = tuple(
            _Level({column: _shown(values[n]) for column, _, values in fields},
                   {path: values[n] for _, path, values in fields},
                   {path: f"{where}.zip.{m}.values.{n}" for m, (_, path, _) in enumerate(fields)})
            for n in range(count))
        paths = {path: f"{where}.zip.{m}.path" for m, (_, path, _) in enumerate(fields)}
        return _Entry(where, tuple(column for column, _, _ in fields), paths, levels)

    def alternatives_entry(self, data: dict[str, Any], where: str) -> _Entry | None:
        self.known_keys(data, where, ("name", "alternatives"))
        column = self.name(data, where, "alternative")
        alternatives = data["alternatives"]
        if not isinstance(alternatives, dict):
            self.problem(f"{where}.alternatives", f"'{_text(alternatives)}' is not a mapping "
                                                  "(label: {path: value, ...} per alternative)")
            return None
        if not alternatives:
            self.problem(f"{where}.alternatives", "is empty (one or more labelled alternatives)")
            return None
        levels = []
        paths: dict[str, str] = {}
        for label, changes in alternatives.items():
            here = f"{where}.alternatives.{label}"
            if changes is None:
                changes = {}
            if not isinstance(changes, dict):
                self.problem(here, f"'{_text(changes)}' is not a mapping of path: value "
                                   "({} keeps the scenario as it is)")
                continue
            bad = [p for p in changes if not isinstance(p, str) or not p.strip()
                   or any(not part for part in p.strip().split("."))]
            for path in bad:
                self.problem(f"{here}.{path}", "is not a field path (dotted names as --set "
                                               "takes them)")
            if bad:
                continue
            for path in changes:
                paths.setdefault(path, f"{here}.{path}")
            levels.append(_Level({column: str(label)}, dict(changes),
                                 {path: f"{here}.{path}" for path in changes}))
        if len(levels) < len(alternatives):
            return None
        return _Entry(where, (column,), paths, tuple(levels))


def _overlaps(first: str, second: str) -> bool:
    return first == second or second.startswith(first + ".") or first.startswith(second + ".")


def _check_entries(entries: Sequence[_Entry], reader: _Reader) -> None:
    """Each field varied by one entry, each column named once, and not too many points."""
    for number, entry in enumerate(entries):
        for earlier in entries[:number]:
            for path, where in entry.paths.items():
                clash = next((p for p in earlier.paths if _overlaps(p, path)), None)
                if clash is not None:
                    reader.problem(where, f"'{path}' is also varied by {earlier.location} "
                                          f"('{clash}'; each field in one entry)")
    columns: dict[str, str] = {}
    for entry in entries:
        for column in entry.columns:
            if column in RESERVED_COLUMNS:
                reader.problem(f"{entry.location}.name", f"'{column}' is a column of the "
                               "sweep's tables already (another name)")
            elif column in columns:
                reader.problem(f"{entry.location}.name", f"'{column}' is also the name of "
                               f"{columns[column]} (a name of its own)")
            columns.setdefault(column, entry.location)
    count = math.prod(len(entry.levels) for entry in entries)
    if count > MAX_POINTS:
        sizes = " x ".join(str(len(entry.levels)) for entry in entries)
        reader.problem("grid.params", f"makes {count:,} points ({sizes}; at most "
                                      f"{MAX_POINTS:,})")


def parse_grid(data: Any, source: str = "grid") -> Grid:
    """A ``Grid`` from plain data (as read from a grid file).

    Raises:
        ScenarioError: with every problem of the grid, one per line.
    """
    reader = _Reader()
    entries: list[_Entry] = []
    if not isinstance(data, dict):
        reader.problem("grid", "is not a mapping (params: a list of entries)")
    else:
        reader.known_keys(data, "grid", ("params",))
        params = data.get("params")
        if params is None:
            reader.problem("grid", "needs params (a list of entries, each "
                                   f"{_ENTRY_KINDS})")
        elif not isinstance(params, list) or not params:
            reader.problem("grid.params", "is not a list of entries (one or more entries, each "
                                          f"{_ENTRY_KINDS})")
        else:
            for number, item in enumerate(params):
                entry = reader.entry(item, f"grid.params.{number}")
                if entry is not None:
                    entries.append(entry)
    if not reader.problems:
        _check_entries(entries, reader)
    if reader.problems:
        raise ScenarioError(source, list(dict.fromkeys(reader.problems)))
    columns = tuple(column for entry in entries for column in entry.columns)
    count = math.prod(len(entry.levels) for entry in entries)
    width = max(3, len(str(count - 1)))
    points = []
    for index in range(count):
        levels, rest = [], index
        for entry in reversed(entries):
            rest, position = divmod(rest, len(entry.levels))
            levels.append(entry.levels[position])
        levels.reverse()
        points.append(Point(
            index=index, id=f"p{index:0{width}d}",
            params={column: value for level in levels for column, value in level.columns.items()},
            changes={path: value for level in levels for path, value in level.changes.items()},
            origins={path: where for level in levels for path, where in level.origins.items()},
        ))
    return Grid(data=dict(data), columns=columns, points=tuple(points))


def load_grid(path: str | Path) -> Grid:
    """Read and validate a grid file.

    Raises:
        ScenarioError: the file cannot be read, or the grid has problems (one per line).
    """
    try:
        data = read_yaml(path)
    except ScenarioError as error:
        # The reader describes what a scenario holds; a grid holds params.
        problems = [Problem(p.path, p.message.split(" (a mapping with")[0] + " (a mapping with "
                            "params: a list of entries)") if "(a mapping with" in p.message
                    else p for p in error.problems]
        raise ScenarioError(str(path), problems) from None
    return parse_grid(data, str(path))


def grid_fingerprint(grid: Grid) -> str:
    """A hash of what the grid varies (its points' changes and columns), for ``--resume``."""
    text = json.dumps([[point.params, point.changes] for point in grid.points], default=str,
                      sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _path_origin(origin: str) -> str:
    """Where a value's field is named in the grid (``grid.params.0.values.2`` ->
    ``grid.params.0.path``; an alternative names it beside its value)."""
    head, found, _ = origin.rpartition(".values.")
    return head + ".path" if found else origin


def _where(problem: Problem, point: Point) -> Problem:
    """A problem of a point's scenario, named by the grid value that caused it when one did."""
    for path, origin in point.origins.items():
        if problem.path == path or problem.path.startswith(path + "."):
            return Problem(origin + problem.path[len(path):], problem.message)
        if path.startswith(problem.path + "."):
            # The change made a part the field lives in (a list written as a mapping).
            return Problem(_path_origin(origin), str(problem))
    shown = ", ".join(f"{column}={_text(value)}" for column, value in point.params.items())
    return Problem(f"grid point {point.id} ({shown})", str(problem))


def point_scenarios(scenario: Scenario, grid: Grid) -> list[Scenario]:
    """The scenario of every point of ``grid``, validated; ``scenario`` is left as it is.

    A point that changes nothing is ``scenario`` itself.

    Raises:
        ScenarioError: with every problem of every point, each named by where in the grid it
            comes from (a value the schema rejects, a path the scenario does not have).
    """
    base = scenario.model_dump(mode="json", exclude_unset=True)
    problems: list[Problem] = []
    scenarios: list[Scenario] = []
    for point in grid.points:
        if not point.changes:
            scenarios.append(scenario)
            continue
        data: dict[str, Any] = base
        for path, value in point.changes.items():
            # JSON is YAML: each value goes through the same path=value reading as --set.
            try:
                data = apply_overrides(data, [f"{path}={_key(value)}"])
            except ScenarioError as error:
                # A field the scenario does not have; the point's other values are still
                # checked, so that every problem is found at once.
                where = _path_origin(point.origins[path])
                problems += [Problem(where, p.message) for p in error.problems]
        try:
            scenarios.append(parse_scenario(data, f"grid point {point.id}"))
        except ScenarioError as error:
            problems += [_where(p, point) for p in error.problems]
    if problems:
        raise ScenarioError("grid", list(dict.fromkeys(problems)))
    return scenarios
