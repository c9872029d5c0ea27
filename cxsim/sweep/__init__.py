"""Sweeps: every point of a grid of scenario changes, run with the same seed.

``cxsim.sweep.grid`` reads and checks grids, ``cxsim.sweep.directory`` writes sweep directories
point by point and resumes them, ``cxsim.sweep.runner`` runs the points on an executor; the
tables are ``cxsim.results.sweeps.SweepResults``.
"""

from cxsim.results.sweeps import SweepResults
from cxsim.sweep.grid import Grid, Point, load_grid, parse_grid, point_scenarios
from cxsim.sweep.runner import Sweep, sweep

__all__ = ["Grid", "Point", "Sweep", "SweepResults", "load_grid", "parse_grid",
           "point_scenarios", "sweep"]
