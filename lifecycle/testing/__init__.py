"""lifecycle.testing: check your own ECS code against the reference model.

Four tools, for code that drives ECS or pretends to be it:

* **Strategies** (Hypothesis): instance and account conditions drawn as whole
  vectors, fleets and worlds buildable into ``EcsModel`` objects, valid and
  invalid requests for every action (``ACTIONS``: the single and batch
  actions, DescribeInstanceStatus, DescribeInstances,
  DescribeInstanceAttribute, and the lifecycle actions ``LIFECYCLE_ACTIONS``),
  and fault plans.
* **DifferentialMachine**: a Hypothesis state machine; subclass it with one
  adapter method and it checks your fake, simulator or endpoint against the
  model, call by call and status by status. The fleet actions
  (``FLEET_ACTIONS``) and the lifecycle actions (``LIFECYCLE_ACTIONS``:
  created ids join the machine's instances, released ones leave) are
  opt-in: ``actions = ACTIONS``; a fake that models
  only part of ECS narrows ``actions``, ``invalid_requests``,
  ``too_many_ids`` and ``fault_kinds``, and the coverage tally says what was
  left out. A failure shows the calls that reproduce it first (one block per
  failure when there are several), then your own code's frames only.
* **Coverage**: ``OutcomeCoverage`` tallies the (action, outcome) pairs a run
  reached; ``assert_documented_outcomes_reached`` fails on any documented pair
  it missed.
* **History checking**: ``check_history`` says whether the model could have
  produced what a client observed (timeouts included, as in Knossos), and if
  not, which call no explanation gets past. ``ModelClient`` records such a
  history while your code runs against the model.

Response shapes: ``EcsModel.call`` returns typed responses and
``ModelClient.call`` returns ``ResponseBody`` dicts (the body as an SDK's JSON);
both have ``to_dict()``, the documented body as a plain dict, so code that
reads bodies with ``.to_dict()`` runs against either.

Hypothesis is an optional extra (``pip install "ecs-lifecycle[testing]"``): the
strategies and the state machine import it when first used, everything else
works without it, and so does ``import lifecycle``. The pytest plugin
(``-p no:lifecycle`` turns it off) adds the fixtures ``lifecycle_model``,
``lifecycle_client`` and ``lifecycle_endpoint`` and the option
``--lifecycle-profile``.
"""

from __future__ import annotations

import importlib
import typing

from ._client import ModelClient, ResponseBody
from ._conditions import AccountCondition, Fleet, InstanceCondition, World
from ._coverage import (
    ACTIONS,
    FLEET_ACTIONS,
    LIFECYCLE_ACTIONS,
    SUCCESS,
    OutcomeCoverage,
    assert_documented_outcomes_reached,
    documented_outcomes,
)
from ._history import Call, HistoryCheck, check_history
from ._outcomes import Outcome, Request, documented_view

if typing.TYPE_CHECKING:
    from ._differential import (
        CLOCK_STEPS,
        PROFILES,
        DifferentialMachine,
        Implementation,
        get_profile,
        harness_settings,
        set_profile,
    )
    from ._strategies import (
        INSTANCE_TYPES,
        UNKNOWN_INSTANCE_ID,
        account_conditions,
        action_params,
        fault_plans,
        fault_rules,
        fleets,
        instance_conditions,
        invalid_requests,
        requests,
        valid_requests,
        worlds,
    )

__all__ = [
    "ACTIONS",
    "CLOCK_STEPS",
    "FLEET_ACTIONS",
    "INSTANCE_TYPES",
    "LIFECYCLE_ACTIONS",
    "PROFILES",
    "SUCCESS",
    "UNKNOWN_INSTANCE_ID",
    "AccountCondition",
    "Call",
    "DifferentialMachine",
    "Fleet",
    "HistoryCheck",
    "Implementation",
    "InstanceCondition",
    "ModelClient",
    "Outcome",
    "OutcomeCoverage",
    "Request",
    "ResponseBody",
    "World",
    "account_conditions",
    "action_params",
    "assert_documented_outcomes_reached",
    "check_history",
    "documented_outcomes",
    "documented_view",
    "fault_plans",
    "fault_rules",
    "fleets",
    "get_profile",
    "harness_settings",
    "instance_conditions",
    "invalid_requests",
    "requests",
    "set_profile",
    "valid_requests",
    "worlds",
]

#: The names that need Hypothesis, and the private module each lives in.
_LAZY = {
    **dict.fromkeys(
        (
            "CLOCK_STEPS",
            "PROFILES",
            "DifferentialMachine",
            "Implementation",
            "get_profile",
            "harness_settings",
            "set_profile",
        ),
        "._differential",
    ),
    **dict.fromkeys(
        (
            "INSTANCE_TYPES",
            "UNKNOWN_INSTANCE_ID",
            "account_conditions",
            "action_params",
            "fault_plans",
            "fault_rules",
            "fleets",
            "instance_conditions",
            "invalid_requests",
            "requests",
            "valid_requests",
            "worlds",
        ),
        "._strategies",
    ),
}


def _present(value: typing.Any) -> typing.Any:
    """Show public classes as ``lifecycle.testing.X`` in reprs and tracebacks."""
    if isinstance(value, type) and value.__module__.startswith(__name__ + "._"):
        value.__module__ = __name__
    return value


def __getattr__(name: str) -> typing.Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = importlib.import_module(module_name, __name__)
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.split(".")[0] == "hypothesis":
            raise ImportError(
                f"lifecycle.testing.{name} needs Hypothesis, an optional extra: "
                'pip install "ecs-lifecycle[testing]"'
            ) from error
        raise  # pragma: no cover - any other missing module is a broken install
    value = _present(getattr(module, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


for _name in __all__:
    if _name not in _LAZY:
        _present(globals()[_name])
del _name
