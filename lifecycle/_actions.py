"""Every action the model answers, declared once.

An action is its parameter table (``_spec.PARAMETERS``, read by
``_params.read``) and a ``run`` function: given the core, the typed
parameters and the first parameter problem (if any), it answers as the docs
say. What a single-instance action's success does beyond the machine's move
is a small function of its own (``_start``, ``_reboot``, ``_stop``): the
request facts it adds and the stopped mode it records. The public typed
methods of ``EcsModel`` and ``EcsModel.call`` both end here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ._core import Core, Plan, plan_of
from ._instances import RECOVERABLE
from ._machine import STATUSES
from ._rules import api_error
from ._spec import PARAMETERS, Fact, Param
from ._status import Action, StoppedMode
from ._views import (
    ActionResponse,
    DescribeInstanceStatusResponse,
    InstanceStatusItem,
    format_request_id,
)
from .errors import ApiError, ErrorCode

Response = ActionResponse | DescribeInstanceStatusResponse
#: ``run(core, typed parameters, problem code, problem parameter)``.
Run = Callable[[Core, dict[str, object], ErrorCode | None, str | None], Response]
#: What a single action adds to a call: request facts and the stopped mode to record.
Shape = Callable[[dict[str, object]], tuple[int, StoppedMode | None]]

_FORCE_STOP: Final = int(Fact.FORCE_STOP)
_response = ActionResponse._from_number


@dataclass(frozen=True, slots=True)
class Declaration:
    """One action: its documented parameters and what answering it does."""

    action: Action
    params: tuple[Param, ...]
    run: Run
    #: Python name of each documented parameter name (for ``EcsModel.call``).
    python_names: dict[str, Param]


def reject(action: Action, code: ErrorCode, request: int, parameter: str | None) -> ApiError:
    return api_error(action, code, format_request_id(request), parameter)


# --------------------------------------------------------------- single actions
def _start(typed: dict[str, object]) -> tuple[int, StoppedMode | None]:
    # InitLocalDisk=true: recover an abnormal local disk (d1, i1, i2; see Core.facts).
    return (RECOVERABLE if typed["init_local_disk"] else 0), None


def _reboot(typed: dict[str, object]) -> tuple[int, StoppedMode | None]:
    return (_FORCE_STOP if typed["force_stop"] else 0), None


def _stop(typed: dict[str, object]) -> tuple[int, StoppedMode | None]:
    # StoppedMode is recorded on the instance; KeepCharging when not given.
    mode = typed["stopped_mode"]
    recorded = StoppedMode.KEEP_CHARGING if mode is None else StoppedMode(str(mode))
    return (_FORCE_STOP if typed["force_stop"] else 0), recorded


SINGLE_SHAPES: Final[dict[Action, Shape]] = {
    Action.START_INSTANCE: _start,
    Action.REBOOT_INSTANCE: _reboot,
    Action.STOP_INSTANCE: _stop,
}
PLANS: Final[dict[Action, Plan]] = {action: plan_of(action) for action in SINGLE_SHAPES}


def _single(plan: Plan, shape: Shape) -> Run:
    def run(
        core: Core, typed: dict[str, object], problem: ErrorCode | None, parameter: str | None
    ) -> ActionResponse:
        request_facts, mode = shape(typed) if problem is None else (0, None)
        request, code, named = core.attempt(
            plan,
            typed["instance_id"],  # type: ignore[arg-type]
            problem,
            parameter,
            bool(typed.get("dry_run")),
            request_facts,
            mode,
        )
        if code is not None:
            raise reject(plan.action, code, request, named)
        return _response(request)

    return run


# ------------------------------------------------------- DescribeInstanceStatus
def _describe_status(
    core: Core, typed: dict[str, object], problem: ErrorCode | None, parameter: str | None
) -> DescribeInstanceStatusResponse:
    action = Action.DESCRIBE_INSTANCE_STATUS
    now = core.now()
    request = core.request_rng.getrandbits(128)
    if problem is not None:
        raise reject(action, problem, request, parameter)
    ids: Sequence[str] = typed["instance_ids"] or ()  # type: ignore[assignment]
    if len(ids) > PARAMETERS[action][1].max_items:  # type: ignore[operator]
        raise reject(action, ErrorCode.TOO_MANY_INSTANCE_IDS, request, None)
    if core.faults.rules:
        fault_code = core.faults.before(action, None, now, request)
        if fault_code is not None:
            raise reject(action, fault_code, request, None)
    instances = core.instances
    if not ids:
        matched: Sequence[int] = range(len(instances.ids))
    else:
        index = instances.index
        matched = sorted({index[i] for i in ids if i in index})
    number: int = typed["page_number"]  # type: ignore[assignment]
    size: int = typed["page_size"]  # type: ignore[assignment]
    first = (number - 1) * size
    status = instances.status
    items = tuple(
        InstanceStatusItem(instance_id=instances.ids[i], status=STATUSES[status[i]])
        for i in matched[first : first + size]
    )
    return DescribeInstanceStatusResponse(
        request_id=format_request_id(request),
        page_number=number,
        page_size=size,
        total_count=len(matched),
        instance_statuses=items,
    )


def _declare(action: Action, run: Run) -> Declaration:
    params = PARAMETERS[action]
    return Declaration(action, params, run, {param.name: param for param in params})


DECLARATIONS: Final[dict[Action, Declaration]] = {
    **{
        action: _declare(action, _single(PLANS[action], shape))
        for action, shape in SINGLE_SHAPES.items()
    },
    Action.DESCRIBE_INSTANCE_STATUS: _declare(Action.DESCRIBE_INSTANCE_STATUS, _describe_status),
}
