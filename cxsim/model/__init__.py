"""The simpy world: arrivals, the contact centre, and what each replication records.

The model knows nothing of files, the command line or reports: it takes a validated
``Scenario`` and returns plain records.
"""

from cxsim.model.metrics import ReplicationRecord
from cxsim.model.world import simulate

__all__ = ["ReplicationRecord", "simulate"]
