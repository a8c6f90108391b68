"""Fleet simulation over ``EcsModel``: workloads, a seeded engine, summaries and pictures.

A ``Workload`` (groups of instances, call rates, platform events, accounts)
is read from TOML with ``load_workload``/``parse_workload`` or built in
Python. ``Simulation`` runs one account of it for one seed, purely: no wall
clock, no I/O, the trace and progress handed to callbacks. ``simulate`` runs
several seeds and every account, in this process or a process pool, and
combines the results. ``status_svg`` draws the status samples.

The public API is this module's ``__all__``; ``lifecycle.simulation._*`` is private.
"""

from ._engine import Simulation, account_seed
from ._runner import load_workload, simulate
from ._summary import OK, Samples, SimulationResult, Summary
from ._svg import status_svg
from ._workload import Account, Group, Platform, Workload, default_workload, parse_workload

__all__ = [
    "OK",
    "Account",
    "Group",
    "Platform",
    "Samples",
    "Simulation",
    "SimulationResult",
    "Summary",
    "Workload",
    "account_seed",
    "default_workload",
    "load_workload",
    "parse_workload",
    "simulate",
    "status_svg",
]

# Present every public name as lifecycle.simulation.X in reprs and tracebacks.
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("lifecycle.simulation._"):
        _obj.__module__ = "lifecycle.simulation"
del _name, _obj
