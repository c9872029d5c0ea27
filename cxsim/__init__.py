"""cxsim: simulate and plan customer support, stock and delivery for an expanding e-commerce
business.

    >>> import cxsim
    >>> scenario = cxsim.load_scenario("scenarios/one_queue.yaml")   # doctest: +SKIP
    >>> results = cxsim.run(scenario, reps=10, seed=1)                # doctest: +SKIP
    >>> results.summary                                               # doctest: +SKIP
    >>> plan = cxsim.plan_staffing(scenario, reps=4, seed=1)          # doctest: +SKIP
    >>> plan.tables["staffing"]                                       # doctest: +SKIP
"""

from cxsim.plan.staffing import plan_staffing
from cxsim.results import Results
from cxsim.run import run
from cxsim.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = ["Results", "Scenario", "ScenarioError", "__version__", "load_scenario",
           "parse_scenario", "plan_staffing", "run"]

__version__ = "0.1.0"
