"""The sweep directory: where a sweep may write, each point written atomically as it finishes,
and resuming an interrupted sweep.

A sweep directory holds the grid, the base scenario, ``points.csv``, one run directory per
finished point (``points/<id>/``) and, once every point has run, the combined tables. Its
``run.json`` marks it as cxsim's (listing what cxsim wrote) and records the sweep's fingerprint:
a hash of the scenario, the grid, the seed, the replications and the cxsim version.

Where it goes follows the rules of every result directory (``cxsim.results.output``), and:

- a new or empty directory is written in place, point by point, so that an interrupted sweep
  keeps every finished point and ``--resume`` runs only the missing ones;
- ``--resume`` continues only a sweep with the same fingerprint, and says what differs;
- an unfinished sweep of the same grid is never started afresh by mistake (``--resume``, or
  another directory);
- any other earlier cxsim result (a run, a plan, a finished or different sweep) is replaced as
  a run replaces one: the new sweep is written beside it and takes its place in one step once
  complete, so an interrupt leaves the earlier result as it was.

Nothing below the directory is removed unless cxsim wrote it: every entry of ``points/`` must
be a point cxsim wrote (or the remains of one being written when the sweep was stopped).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim.results import Results
from cxsim.results.output import LEFTOVER, MARKER, OutputError, ResultDir, check_output_dir
from cxsim.results.sweeps import POINT_TABLES, POINTS_FOLDER, SweepResults, point_tables
from cxsim.scenario import Scenario
from cxsim.scenario.plain_yaml import dump_yaml
from cxsim.sweep.grid import Grid, Point, grid_fingerprint

__all__ = ["SWEEP_FILES", "SweepDir", "sweep_fingerprint"]

# What cxsim writes at the top of a sweep directory.
SWEEP_FILES = ("front.csv", "grid.yaml", MARKER, POINTS_FOLDER, "points.csv", "runs.parquet",
               "scenario.yaml", "summary.csv")
# What a stopped sweep may leave half-written: the staging directory of a point, or a table
# being replaced (``.NAME.tmp-`` and eight random characters, as ``tempfile`` makes them).
_POINT = re.compile(r"^p[0-9]{3,}$")


def sweep_fingerprint(scenario: Scenario, grid: Grid, seed: int, reps: int) -> dict[str, Any]:
    """What makes two sweeps the same: resuming one into the other is safe only if all agree."""
    from cxsim import __version__

    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return {"scenario": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "grid": grid_fingerprint(grid), "seed": seed, "reps": reps, "cxsim": __version__}


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary file beside it, then put it in place in one step."""
    temporary = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _differences(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    words = {"scenario": "another scenario", "grid": "another grid", "cxsim": "another cxsim"}
    differences = []
    for key in ("scenario", "grid", "seed", "reps", "cxsim"):
        if found.get(key) != wanted[key]:
            differences.append(words.get(key, f"{key} {found.get(key)}, not {wanted[key]}"))
    return differences


class SweepDir:
    """A sweep directory, checked before anything runs (``__init__``), made when the sweep
    starts (``start``), written point by point (``write_point``), and finished (``finish``).

    Args:
        directory: where the sweep goes.
        fingerprint: ``sweep_fingerprint`` of the sweep.
        resume: continue the unfinished sweep of the same fingerprint in ``directory``.
        protect: files whose folders must never be replaced (the scenario, the grid).

    Raises:
        OutputError: cxsim must not write there, or cannot resume what is there.
    """

    def __init__(
        self, directory: str | Path, fingerprint: Mapping[str, Any], resume: bool = False,
        protect: Iterable[str | Path] = (),
    ) -> None:
        self.fingerprint = dict(fingerprint)
        self._protect = list(protect)
        self.target = self.folder = check_output_dir(directory, self._protect)
        shown = os.fspath(directory)
        earlier = _read_marker(self.target) if self.target.is_dir() else None
        same = (earlier is not None and earlier.get("kind") == "sweep"
                and earlier.get("sweep") == self.fingerprint)
        if earlier is not None and earlier.get("kind") == "sweep":
            self._check_points_folder(shown)
        if resume and earlier is not None and not same:
            kind = earlier.get("kind", "result")
            if kind == "sweep":
                what = ", ".join(_differences(earlier.get("sweep") or {}, self.fingerprint))
                raise OutputError(f"'{shown}' is a sweep of {what}: it cannot be resumed with "
                                  "these (the same scenario, --set, grid, --seed and --reps; or "
                                  "leave out --resume to replace it)")
            raise OutputError(f"'{shown}' holds a {kind}, not a sweep to resume (leave out "
                              "--resume to replace it, or choose another directory)")
        if same and not resume and earlier is not None and not earlier.get("complete"):
            done = len(self._finished_ids())
            raise OutputError(f"'{shown}' holds an unfinished sweep of this grid ({done} of "
                              f"{earlier.get('points', '?')} points done; --resume finishes it, "
                              "or choose another directory)")
        # In place: a new or empty directory, or the sweep being resumed. Otherwise the new
        # sweep is staged beside the earlier result and replaces it when complete.
        self.in_place = earlier is None or (same and resume)
        self._staged: ResultDir | None = None

    def _check_points_folder(self, shown: str) -> None:
        """Refuse a sweep directory whose ``points/`` holds anything cxsim did not write."""
        points = self.target / POINTS_FOLDER
        if not points.is_dir():
            return
        for entry in sorted(points.iterdir()):
            if LEFTOVER.match(entry.name):
                continue
            if not _POINT.match(entry.name) or not entry.is_dir() or entry.is_symlink():
                raise OutputError(f"'{shown}' is an earlier sweep whose {POINTS_FOLDER}/ also "
                                  f"holds '{entry.name}', which cxsim did not write (move it, "
                                  "or choose another directory)")
            try:
                check_output_dir(entry, self._protect)
            except OutputError as error:
                raise OutputError(f"'{shown}' is an earlier sweep whose point {entry.name} "
                                  f"cannot be replaced: {error}") from None

    def _finished_ids(self) -> list[str]:
        """The points finished in the directory by this same sweep."""
        points = self.folder / POINTS_FOLDER
        if not points.is_dir():
            return []
        finished = []
        for entry in sorted(points.iterdir()):
            meta = _read_marker(entry) if _POINT.match(entry.name) else None
            if meta is not None and meta.get("sweep") == self.fingerprint and \
                    meta.get("point") == entry.name and all(
                        (entry / name).is_file() for name in POINT_TABLES):
                finished.append(entry.name)
        return finished

    def start(self, meta: Mapping[str, Any], grid: Grid, scenario: Scenario,
              points: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
        """Make the directory (or its staging twin) and record the sweep; returns the tables
        (summary, runs) of the points already finished, by point id."""
        if self.in_place:
            self.target.mkdir(parents=True, exist_ok=True)
            self._remove_leftovers()
        else:
            self._staged = ResultDir(self.target, self._protect)
            self.folder = self._staged.stage()
        (self.folder / POINTS_FOLDER).mkdir(exist_ok=True)
        # Files cxsim wrote here before (a report of the sweep being resumed) stay listed.
        earlier = _read_marker(self.folder) or {}
        kept = {name for name in earlier.get("files", [])
                if isinstance(name, str) and (self.folder / name).is_file()}
        self._meta = {**meta, "kind": "sweep", "files": sorted(set(SWEEP_FILES) | kept),
                      "sweep": self.fingerprint, "points": len(grid.points), "complete": False}
        self._write_marker()
        _write_atomic(self.folder / "grid.yaml", lambda p: p.write_text(
            dump_yaml(grid.data), encoding="utf-8"))
        _write_atomic(self.folder / "scenario.yaml", lambda p: p.write_text(
            dump_yaml(scenario.model_dump(mode="json")), encoding="utf-8"))
        _write_atomic(self.folder / "points.csv", lambda p: points.to_csv(p, index=False))
        finished = {}
        for point in self._finished_ids():
            try:
                tables = point_tables(self.folder / POINTS_FOLDER / point)
            except (OSError, ValueError):  # damaged since it was written (pyarrow's errors too)
                continue  # run again, and its folder replaced
            if tables is not None:
                finished[point] = tables
        return finished

    def _remove_leftovers(self) -> None:
        """Remove what a stopped sweep left half-written (its own staging names only)."""
        for folder in (self.target, self.target / POINTS_FOLDER):
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if not LEFTOVER.match(entry.name):
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    def _write_marker(self) -> None:
        from cxsim import __version__

        meta = {**self._meta, "cxsim": __version__,
                "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        _write_atomic(self.folder / MARKER, lambda p: p.write_text(
            json.dumps(meta, indent=2, default=str), encoding="utf-8"))

    def write_point(self, point: Point, results: Results) -> Path:
        """Write one finished point as a run directory of its own, atomically."""
        results.meta["sweep"] = self.fingerprint
        return results.save(self.folder / POINTS_FOLDER / point.id)

    def finish(self, results: SweepResults) -> Path:
        """Write the combined tables, mark the sweep complete, and put a staged sweep in
        place; returns the directory."""
        for name, write in results.files().items():
            _write_atomic(self.folder / name, write)
        self._meta["complete"] = True
        self._write_marker()
        if self._staged is not None:
            self._staged.commit()
            self._staged = None
            self.folder = self.target
        return self.target

    def abandon(self) -> None:
        """After an interrupt or error: a staged sweep is removed (the earlier result stays);
        a sweep in place keeps every finished point for ``--resume``."""
        if self._staged is not None:
            self._staged.discard()
            self._staged = None

    def finished(self) -> list[str]:
        """The points finished so far (none if the sweep was staged and abandoned)."""
        return self._finished_ids() if self.in_place else []
