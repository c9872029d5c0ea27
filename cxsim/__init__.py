"""cxsim: simulate and plan customer support, stock and delivery for an expanding e-commerce
business.

    >>> import cxsim
    >>> scenario = cxsim.load_scenario("scenarios/one_queue.yaml")   # doctest: +SKIP
    >>> results = cxsim.run(scenario, reps=10, seed=1)                # doctest: +SKIP
    >>> results.summary                                               # doctest: +SKIP
    >>> plan = cxsim.plan_staffing(scenario, reps=4, seed=1)          # doctest: +SKIP
    >>> plan.tables["staffing"]                                       # doctest: +SKIP
    >>> cxsim.plan_promise(scenario, reps=4, on_time=0.95).tables["promise_plan"]  # doctest: +SKIP
    >>> cxsim.plan_inventory(scenario, fill_rate=0.98).tables["inventory_plan"]  # doctest: +SKIP
    >>> grid = {"params": [{"path": "teams.us_agents.agents", "values": [28, 30, 32]}]}
    >>> sweep = cxsim.sweep(scenario, grid, reps=10, seed=1)           # doctest: +SKIP
    >>> sweep.front()                                                 # doctest: +SKIP
    >>> cxsim.compare(sweep.point("p000"), sweep.point("p002"))       # doctest: +SKIP
"""

from cxsim.plan.inventory import plan_inventory
from cxsim.plan.promise import plan_promise
from cxsim.plan.staffing import plan_staffing
from cxsim.results import Results
from cxsim.results.compare import compare
from cxsim.results.sweeps import SweepResults
from cxsim.run import run
from cxsim.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from cxsim.sweep import sweep

__all__ = ["Results", "Scenario", "ScenarioError", "SweepResults", "__version__", "compare",
           "load_scenario", "parse_scenario", "plan_inventory", "plan_promise", "plan_staffing",
           "run", "sweep"]

__version__ = "0.1.0"
