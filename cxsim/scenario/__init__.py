"""Scenario files: typed models, distributions, YAML loading, overrides and problem messages."""

from cxsim.scenario.loading import apply_overrides, load_scenario, parse_scenario, read_yaml
from cxsim.scenario.models import Scenario
from cxsim.scenario.problems import Problem, ScenarioError

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "parse_scenario",
    "read_yaml",
]
