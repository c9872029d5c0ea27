"""Scenario files: typed models, distributions, YAML loading, overrides and problem messages."""

from cxsim.scenario.loading import apply_overrides, load_scenario, parse_scenario, read_yaml
from cxsim.scenario.models import Scenario
from cxsim.scenario.problems import Problem, ScenarioError
from cxsim.scenario.size import RunEstimate, SizeLimits, estimate_run, size_problems

__all__ = [
    "Problem",
    "RunEstimate",
    "Scenario",
    "ScenarioError",
    "SizeLimits",
    "apply_overrides",
    "estimate_run",
    "load_scenario",
    "parse_scenario",
    "read_yaml",
    "size_problems",
]
