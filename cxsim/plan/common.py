"""What every planner shares: the plan it returns, the scenario with the plan applied, the
verification run with fresh seeds, and the plan directory.

A planner answers "what should the plan be" with the simulation as the judge. It expresses its
answer as changes to scenario fields (the same dotted paths as ``--set``), so the planned
scenario is the planner's input with those fields changed and nothing else; ``planned.yaml``
holds it and validates and runs as it is. The plan is then simulated with seeds the search never
used (``verification_seed``), and every target is judged on that run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim.executors import Executor, executor_for
from cxsim.results import Results
from cxsim.results.output import MARKER, save_result
from cxsim.run import run
from cxsim.scenario import Scenario, parse_scenario
from cxsim.scenario.loading import apply_overrides
from cxsim.scenario.plain_yaml import dump_yaml

__all__ = ["Plan", "Progress", "apply_plan", "commerce_only", "kpi_interval", "plan_executor",
           "planned_yaml", "stage_progress", "verification_seed", "verify"]

# (what is running, replications done, replications in all)
Progress = Callable[[str, int, int], None]

# What makes contacts: the forecast volumes, the agents who answer them, and the contacts that
# orders bring.
_SUPPORT_FIELDS = ("contact_volume", "teams", "order_contacts")


@contextmanager
def plan_executor(executor: Executor | None, workers: int) -> Iterator[Executor]:
    """The caller's executor, or one for ``workers`` kept up for the whole plan."""
    if executor is not None:
        yield executor
        return
    with executor_for(workers) as own:
        yield own


def stage_progress(progress: Progress | None,
                   stage: str) -> Callable[[int, int], None] | None:
    """A run's progress callback that reports as ``stage`` of a plan (None without one)."""
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def kpi_interval(results: Results, scope: str, region: str, channel: str,
                 kpi: str) -> tuple[float, float, float]:
    """A KPI's mean and 95% interval across replications (NaNs where the run has none)."""
    summary = results.summary
    found = summary[(summary["scope"] == scope) & (summary["kpi"] == kpi)
                    & (summary["region"] == region) & (summary["channel"] == channel)]
    if found.empty:
        return math.nan, math.nan, math.nan
    row = found.iloc[0]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


def verification_seed(seed: int) -> int:
    """The root seed a plan found with ``seed`` is verified with: the streams of seed + 1 share
    no random number with those of seed, whatever the replications."""
    return seed + 1


def apply_plan(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """``scenario`` with the fields at ``changes``' paths set to their values, validated.

    Only the fields the scenario's author set (and the changed ones) are carried, so that the
    planned scenario reads like its input.
    """
    data = scenario.model_dump(mode="json", exclude_unset=True)
    # JSON is YAML: each value goes through the same path=value reading as --set.
    assignments = [f"{path}={json.dumps(value, default=str)}" for path, value in changes.items()]
    return parse_scenario(apply_overrides(data, assignments), "planned scenario")


def commerce_only(scenario: Scenario) -> Scenario:
    """``scenario`` without its support operation (contact volumes, teams, contacts from
    orders): orders, stock and delivery as they are, at a fraction of the cost.

    Contacts follow orders and never the reverse, and every part of the model draws from
    streams of its own, so a run of this scenario has the same orders, stock and delivery
    tables as a run of the whole scenario with the same seed. Planners whose judge is commerce
    alone (promises, stock) search on it and verify the whole scenario. The channels stay, so
    that marketplaces' rules keep their meaning.
    """
    data = scenario.model_dump(mode="json", exclude_unset=True)
    if not any(field in data for field in _SUPPORT_FIELDS):
        return scenario
    for field_name in _SUPPORT_FIELDS:
        data.pop(field_name, None)
    return parse_scenario(data, f"{scenario.name} (commerce only)")


def planned_yaml(scenario: Scenario) -> str:
    """The YAML text of a planned scenario: the fields its author set, in their order."""
    data = scenario.model_dump(mode="json", exclude_unset=True)
    header = f"# {scenario.name}: planned by cxsim; validates and runs as it is.\n"
    return header + dump_yaml(data, compact=True)


def verify(
    planned: Scenario, reps: int, seed: int, executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """The planned scenario simulated with fresh seeds (``verification_seed(seed)``)."""
    return run(planned, reps=reps, seed=verification_seed(seed), executor=executor,
               progress=progress)


@dataclass
class Plan:
    """A planner's answer.

    Attributes:
        kind: ``staffing``, ``promise`` or ``inventory``.
        scenario: the scenario planned for (overrides applied).
        changes: scenario path -> planned value (as ``--set`` would write them).
        planned: ``scenario`` with the changes applied.
        tables: the recommendation, table name -> DataFrame (written as ``<name>.csv``).
        verification: the planned scenario run with fresh seeds.
        findings: what a planner must know, a sentence each: targets no plan can meet and
            why, solver limits reached.
        meta: how the plan was made (seed, replications, iterations, timings).
    """

    kind: str
    scenario: Scenario
    changes: dict[str, Any]
    planned: Scenario
    tables: dict[str, pd.DataFrame]
    verification: Results
    findings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: Path) -> list[str]:
        """Write the plan into the existing directory ``folder``: the verification run's tables,
        the plan's tables, and ``planned.yaml``; returns the file names."""
        files = self.verification.write(folder)
        for name, table in self.tables.items():
            table.to_csv(folder / f"{name}.csv", index=False)
            files.append(f"{name}.csv")
        (folder / "planned.yaml").write_text(planned_yaml(self.planned), encoding="utf-8")
        files.append("planned.yaml")
        marker = folder / MARKER
        meta = json.loads(marker.read_text(encoding="utf-8"))
        meta.update({
            "kind": "plan", "plan": self.kind, "files": sorted(files),
            "changes": self.changes, "findings": self.findings, "plan_meta": self.meta,
        })
        marker.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        return files

    def save(self, directory: str | Path, protect: Sequence[str | Path] = ()) -> Path:
        """Write the plan into ``directory`` atomically (as ``Results.save`` does)."""
        return save_result(directory, self.write, protect)
