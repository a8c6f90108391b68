"""Every action the model answers, declared once.

An action is its parameter table (``_spec.PARAMETERS``, read by
``_params.read``) and a ``run`` function: given the core, the typed
parameters and every parameter problem found, it answers as the docs say,
the first problem by its precedence. What a single-instance action's success
does beyond the machine's move is a small function of its own (``_start``,
``_reboot``, ``_stop``): the request facts it adds and the stopped mode it
records. The batch actions decide each instance with the single action's
plan. The public typed methods of ``EcsModel`` and ``EcsModel.call`` both end
here.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from ._core import Core, Plan, plan_of
from ._instances import PREPAID, RECOVERABLE, SECURITY
from ._machine import STATUS_CODE, STATUSES
from ._params import Problem, first_problem
from ._rules import family_of
from ._spec import (
    BATCH_OF,
    EPOCH,
    ERRORS,
    MAX_BATCH_IDS,
    MAX_RESULTS_CEILING,
    MAX_RESULTS_FLOOR,
    PARAMETERS,
    POSTPAID_EXPIRED_TIME,
    PRECEDENCE,
    REGION_ID,
    TIME_FORMAT,
    ZONE_ID,
    Fact,
    Param,
)
from ._status import Action, ChargeType, InstanceStatus, StoppedMode
from ._views import (
    ActionResponse,
    BatchResponse,
    CreateInstanceResponse,
    DescribeInstanceAttributeResponse,
    DescribeInstancesResponse,
    DescribeInstanceStatusResponse,
    InstanceAttributes,
    InstanceResponse,
    InstanceStatusItem,
    RenewInstanceResponse,
    RunInstancesResponse,
    format_request_id,
)
from .errors import ApiError, ErrorCode

Response = (
    ActionResponse
    | DescribeInstanceStatusResponse
    | DescribeInstancesResponse
    | DescribeInstanceAttributeResponse
    | BatchResponse
    | RunInstancesResponse
    | CreateInstanceResponse
    | RenewInstanceResponse
)
#: ``run(core, typed parameters, problems)``.
Run = Callable[[Core, dict[str, object], list[Problem]], Response]
#: What a single action adds to a call: request facts and the stopped mode to record.
Shape = Callable[[dict[str, object]], tuple[int, StoppedMode | None]]

_FORCE_STOP: Final = int(Fact.FORCE_STOP)
_NOT_FOUND: Final = ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
_MALFORMED: Final = ErrorCode.INVALID_INSTANCE_IDS_MALFORMED
_TOO_MANY: Final = ErrorCode.TOO_MANY_INSTANCE_IDS
_response = ActionResponse._from_number
#: Each action's codes in precedence order: which parameter problem is answered first.
_ORDER: Final[dict[Action, dict[ErrorCode, int]]] = {
    action: {rule.code: n for n, rule in reversed(list(enumerate(rules)))}
    for action, rules in PRECEDENCE.items()
}


@dataclass(frozen=True, slots=True)
class Declaration:
    """One action: its documented parameters and what answering it does."""

    action: Action
    params: tuple[Param, ...]
    run: Run
    #: Each documented parameter by its documented name (for ``EcsModel.call``).
    by_name: dict[str, Param]
    #: The other documented parameters: accepted and not modelled (``N``: a position).
    ignored: frozenset[str] = frozenset()


def reject(action: Action, code: ErrorCode, request: int, parameter: str | None) -> ApiError:
    # Deferred: most rejections are caught unread (its fields are worked out on first read).
    return ApiError.deferred(action, code, request, parameter)


def _refuse(action: Action, problems: list[Problem], request: int) -> ApiError:
    code, parameter = first_problem(_ORDER[action], problems)
    return reject(action, code, request, parameter)


# --------------------------------------------------------------- single actions
def _start(typed: dict[str, object]) -> tuple[int, StoppedMode | None]:
    # InitLocalDisk=true: recover an abnormal local disk (d1, i1, i2; see Core.facts).
    return (RECOVERABLE if typed.get("init_local_disk") else 0), None


def _reboot(typed: dict[str, object]) -> tuple[int, StoppedMode | None]:
    # RebootInstances calls it ForceReboot: the same power cut.
    force = typed.get("force_stop") or typed.get("force_reboot")
    return (_FORCE_STOP if force else 0), None


def _stop(typed: dict[str, object]) -> tuple[int, StoppedMode | None]:
    # StoppedMode is recorded on the instance; KeepCharging when not given (or Not-applicable).
    mode = typed["stopped_mode"]
    recorded = (
        StoppedMode.STOP_CHARGING
        if mode == StoppedMode.STOP_CHARGING.value
        else StoppedMode.KEEP_CHARGING
    )
    return (_FORCE_STOP if typed["force_stop"] else 0), recorded


SINGLE_SHAPES: Final[dict[Action, Shape]] = {
    Action.START_INSTANCE: _start,
    Action.REBOOT_INSTANCE: _reboot,
    Action.STOP_INSTANCE: _stop,
}
PLANS: Final[dict[Action, Plan]] = {action: plan_of(action) for action in SINGLE_SHAPES}


def _single(plan: Plan, shape: Shape) -> Run:
    def run(core: Core, typed: dict[str, object], problems: list[Problem]) -> ActionResponse:
        code, parameter = first_problem(_ORDER[plan.action], problems) if problems else (None, None)
        request_facts, mode = shape(typed) if code is None else (0, None)
        request, answer, named = core.attempt(
            plan,
            typed["instance_id"],  # type: ignore[arg-type]
            code,
            parameter,
            bool(typed["dry_run"]),
            request_facts,
            mode,
        )
        if answer is not None:
            raise reject(plan.action, answer, request, named)
        return _response(request)

    return run


# ---------------------------------------------------------------- batch actions
def _batch(action: Action) -> Run:
    single = BATCH_OF[action]
    one = PLANS[single]
    # The single action's move and effects; faults match the batch action itself.
    plan = Plan(action, one.trigger, one.row, one.compiled, one.effects)
    shape = SINGLE_SHAPES[single]
    single_errors = ERRORS[single]

    def run(core: Core, typed: dict[str, object], problems: list[Problem]) -> BatchResponse:
        now = core.now()
        request = core.request_rng.getrandbits(128)
        ids: list[str] = typed["instance_ids"]  # type: ignore[assignment]
        if not problems:
            if not all(ids) or len(set(ids)) != len(ids):
                problems.append((_MALFORMED, "InstanceId"))
            if len(ids) > MAX_BATCH_IDS:
                problems.append((_TOO_MANY, None))
        if problems:
            raise _refuse(action, problems, request)
        _faults_before(core, action, now, request)
        if typed["dry_run"]:
            raise reject(action, ErrorCode.DRYRUN_SUCCESS, request, None)
        request_facts, mode = shape(typed)
        status = core.instances.status
        items: list[InstanceResponse] = []
        lost = False
        if typed["batch_optimization"] == "SuccessFirst":
            for instance_id in ids:
                index, code, facts = core.check(plan, instance_id, now, request_facts)
                if code is None:
                    before = status[index]
                    lost = core.apply(plan, index, facts, now, request, mode) or lost
                    items.append(_moved(instance_id, before, status[index]))
                else:
                    current = None if index < 0 else STATUSES[status[index]]
                    entry = single_errors[code]
                    items.append(
                        InstanceResponse(
                            instance_id=instance_id,
                            code=code.value,
                            message=entry.message,
                            previous_status=current,
                            current_status=current,
                        )
                    )
        else:
            decided = [core.check(plan, instance_id, now, request_facts) for instance_id in ids]
            for index, code, _ in decided:
                if code is not None:
                    answer = ErrorCode.INVALID_INSTANCE_IDS_NOT_FOUND if index < 0 else code
                    raise reject(action, answer, request, None)
            for instance_id, (index, _, facts) in zip(ids, decided, strict=True):
                before = status[index]
                lost = core.apply(plan, index, facts, now, request, mode) or lost
                items.append(_moved(instance_id, before, status[index]))
        if lost:
            raise reject(action, ErrorCode.INTERNAL_ERROR, request, None)
        return BatchResponse(request_id=format_request_id(request), instance_responses=tuple(items))

    return run


def _moved(instance_id: str, before: int, after: int) -> InstanceResponse:
    return InstanceResponse(
        instance_id=instance_id,
        code="200",
        message="success",
        previous_status=STATUSES[before],
        current_status=STATUSES[after],
    )


# ------------------------------------------------------- DescribeInstanceStatus
def _describe_status(
    core: Core, typed: dict[str, object], problems: list[Problem]
) -> DescribeInstanceStatusResponse:
    action = Action.DESCRIBE_INSTANCE_STATUS
    now = core.now()
    request = core.request_rng.getrandbits(128)
    ids: Sequence[str] = typed["instance_ids"] or ()  # type: ignore[assignment]
    if not all(ids):
        problems.append((_MALFORMED, "InstanceId"))
    if len(ids) > _MAX_STATUS_IDS:
        problems.append((_TOO_MANY, None))
    if problems:
        raise _refuse(action, problems, request)
    _faults_before(core, action, now, request)
    instances = core.instances
    if not ids:
        matched: Sequence[int] = instances.positions()
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


_MAX_STATUS_IDS: Final = PARAMETERS[Action.DESCRIBE_INSTANCE_STATUS][1].max_items or 0


def _faults_before(core: Core, action: Action, now: float, request: int) -> None:
    if core.faults.rules:
        fault_code = core.faults.before(action, None, now, request)
        if fault_code is not None:
            raise reject(action, fault_code, request, None)


# ------------------------------------------------------------- DescribeInstances
def _describe_instances(
    core: Core, typed: dict[str, object], problems: list[Problem]
) -> DescribeInstancesResponse:
    action = Action.DESCRIBE_INSTANCES
    now = core.now()
    request = core.request_rng.getrandbits(128)
    ids: list[str] | None = typed["instance_ids"]  # type: ignore[assignment]
    if ids is not None and len(ids) > MAX_BATCH_IDS:
        problems.append((_TOO_MANY, None))
    token: str | None = typed["next_token"] or None  # type: ignore[assignment]
    after = 0
    if token is not None:
        after = _token_position(token, len(core.instances.ids))
        if after < 0:
            problems.append((ErrorCode.INVALID_PARAMETER, "NextToken"))
    if problems:
        raise _refuse(action, problems, request)
    _faults_before(core, action, now, request)
    if typed["dry_run"]:
        raise reject(action, ErrorCode.DRY_RUN_OPERATION, request, None)
    max_results: int | None = typed["max_results"]  # type: ignore[assignment]
    page_number: int | None = None
    if max_results is None and token is None:
        page_number = typed["page_number"]  # type: ignore[assignment]
        size: int = typed["page_size"]  # type: ignore[assignment]
        skip = (page_number - 1) * size  # type: ignore[operator]
    else:
        size = min(max(max_results or MAX_RESULTS_FLOOR, MAX_RESULTS_FLOOR), MAX_RESULTS_CEILING)
        skip = 0
    wanted = typed["status"]
    if ids is None and wanted is not None and not _other_filters(typed):
        # The common poll, "every Running instance": counted and found in the status
        # bytes at C speed, so a page costs about the same at 1M instances as at 1k.
        code = STATUS_CODE[InstanceStatus(str(wanted))]
        total = core.instances.counts[code]
        page, more = _status_page(core.instances.status, code, skip, after, size)
    else:
        matched = _matches(core, typed, ids)
        total = len(matched)
        start = skip + _first_at_or_after(matched, after)
        page = list(matched[start : start + size])
        more = start + size < total
    next_token = f"{page[-1] + 1:016x}" if more and page_number is None else ""
    return DescribeInstancesResponse(
        request_id=format_request_id(request),
        total_count=total,
        page_number=page_number,
        page_size=size,
        next_token=next_token,
        instances=tuple(attributes(core, index, now) for index in page),
    )


def _token_position(token: str, count: int) -> int:
    """The position a token this model issued marks; -1 for any other string."""
    if len(token) != 16 or not all(c in "0123456789abcdef" for c in token):
        return -1
    position = int(token, 16)
    return position if position <= count else -1


def _first_at_or_after(matched: Sequence[int], position: int) -> int:
    low, high = 0, len(matched)
    while low < high:
        middle = (low + high) // 2
        if matched[middle] < position:
            low = middle + 1
        else:
            high = middle
    return low


def _matches(core: Core, typed: dict[str, object], ids: list[str] | None) -> Sequence[int]:
    """Positions of the instances every given filter matches, in creation order."""
    instances = core.instances
    candidates: Sequence[int]
    if ids is not None:
        index = instances.index
        candidates = sorted({index[i] for i in ids if i in index})
    else:
        candidates = instances.positions()
    tests = _filters(core, typed)
    if not tests:
        return candidates
    return [i for i in candidates if all(test(i) for test in tests)]


def _status_page(
    column: bytearray, code: int, skip: int, after: int, size: int
) -> tuple[list[int], bool]:
    """One page of the instances in one status: their positions, and whether more follow."""
    wanted = bytes((code,))
    position = column.find(wanted, after)
    for _ in range(skip):
        if position < 0:
            break
        position = column.find(wanted, position + 1)
    page: list[int] = []
    while position >= 0 and len(page) < size:
        page.append(position)
        position = column.find(wanted, position + 1)
    return page, position >= 0


def _other_filters(typed: dict[str, object]) -> bool:
    return any(
        typed[name] is not None
        for name in (
            "instance_charge_type",
            "lock_reason",
            "instance_type",
            "instance_type_family",
            "zone_id",
            "instance_name",
        )
    )


def _filters(core: Core, typed: dict[str, object]) -> list[Callable[[int], bool]]:
    instances = core.instances
    tests: list[Callable[[int], bool]] = []
    status = typed["status"]
    if status is not None:
        code = STATUS_CODE[InstanceStatus(str(status))]
        tests.append(lambda i: instances.status[i] == code)
    charge = typed["instance_charge_type"]
    if charge is not None:
        prepaid = PREPAID if charge == ChargeType.PREPAID.value else 0
        tests.append(lambda i: instances.traits[i] & PREPAID == prepaid)
    reason = typed["lock_reason"]
    if reason is not None:
        tests.append(lambda i: reason in _lock_reasons(core, i))
    instance_type = typed["instance_type"]
    if instance_type is not None:
        tests.append(lambda i: instances.types[i] == instance_type)
    family = typed["instance_type_family"]
    if family is not None:
        tests.append(lambda i: _family(instances.types[i]) == family)
    zone = typed["zone_id"]
    if zone is not None:
        tests.append(lambda i: zone == ZONE_ID)
    name = typed["instance_name"]
    if name is not None:
        # "InstanceName ... supports the * wildcard for fuzzy search."
        pattern = re.compile(".*".join(re.escape(part) for part in str(name).split("*")))
        tests.append(
            lambda i: pattern.fullmatch(instances.names[i] or instances.ids[i]) is not None
        )
    return tests


def _family(instance_type: str) -> str:
    """``InstanceTypeFamily`` as the API shows it: ``ecs.g7`` for ``ecs.g7.large``."""
    return "ecs." + family_of(instance_type)


def _lock_reasons(core: Core, index: int) -> tuple[str, ...]:
    """``OperationLocks``: ``security``, and ``financial`` for a PostPaid instance in arrears."""
    reasons: list[str] = []
    if core.instances.faults[index] & SECURITY:
        reasons.append("security")
    if not core.instances.traits[index] & PREPAID and core.billing.in_arrears:
        reasons.append("financial")
    return tuple(reasons)


def format_time(seconds: float) -> str:
    """Model time as the API shows times: ``yyyy-MM-ddTHH:mmZ`` (UTC, to the minute)."""
    return _minute(math.floor(seconds / 60))


@functools.lru_cache(maxsize=4096)
def _minute(minutes: int) -> str:
    # A fleet's instances share few distinct minutes: format each once.
    return datetime.fromtimestamp(EPOCH + minutes * 60, UTC).strftime(TIME_FORMAT)


def attributes(core: Core, index: int, now: float) -> InstanceAttributes:
    """The documented fields the model knows about the instance at ``index``."""
    instances = core.instances
    traits = instances.traits[index]
    prepaid = bool(traits & PREPAID)
    expiry = instances.expired[index]
    mode = instances.stopped_mode(index)
    started = instances.started[index]
    return InstanceAttributes(
        instance_id=instances.ids[index],
        instance_name=instances.names[index] or instances.ids[index],
        status=STATUSES[instances.status[index]],
        instance_charge_type=ChargeType.PREPAID if prepaid else ChargeType.POSTPAID,
        instance_type=instances.types[index],
        instance_type_family=_family(instances.types[index]),
        expired_time=format_time(expiry)
        if prepaid and _showable(expiry)
        else POSTPAID_EXPIRED_TIME,
        stopped_mode=mode.value if mode is not None else StoppedMode.NOT_APPLICABLE.value,
        lock_reasons=_lock_reasons(core, index),
        creation_time=format_time(instances.created[index]),
        start_time=None if math.isnan(started) else format_time(started),
        region_id=REGION_ID,
        zone_id=ZONE_ID,
    )


def _showable(seconds: float) -> bool:
    """Whether a model time falls in the years a timestamp can show (1970 to 9999)."""
    return -EPOCH <= seconds < 253_402_300_800 - EPOCH


# ------------------------------------------------------ DescribeInstanceAttribute
def _describe_attribute(
    core: Core, typed: dict[str, object], problems: list[Problem]
) -> DescribeInstanceAttributeResponse:
    action = Action.DESCRIBE_INSTANCE_ATTRIBUTE
    now = core.now()
    request = core.request_rng.getrandbits(128)
    if problems:
        raise _refuse(action, problems, request)
    instance_id: str = typed["instance_id"]  # type: ignore[assignment]
    if core.faults.rules:
        fault_code = core.faults.before(action, instance_id, now, request)
        if fault_code is not None:
            raise reject(action, fault_code, request, None)
    index = core.instances.index.get(instance_id)
    if index is None:
        raise reject(action, _NOT_FOUND, request, None)
    return DescribeInstanceAttributeResponse(
        request_id=format_request_id(request), instance=attributes(core, index, now)
    )


def _declare(action: Action, run: Run) -> Declaration:
    params = PARAMETERS[action]
    return Declaration(action, params, run, {param.name: param for param in params})


DECLARATIONS: Final[dict[Action, Declaration]] = {
    **{
        action: _declare(action, _single(PLANS[action], shape))
        for action, shape in SINGLE_SHAPES.items()
    },
    **{batch: _declare(batch, _batch(batch)) for batch in BATCH_OF},
    Action.DESCRIBE_INSTANCE_STATUS: _declare(Action.DESCRIBE_INSTANCE_STATUS, _describe_status),
    Action.DESCRIBE_INSTANCES: _declare(Action.DESCRIBE_INSTANCES, _describe_instances),
    Action.DESCRIBE_INSTANCE_ATTRIBUTE: _declare(
        Action.DESCRIBE_INSTANCE_ATTRIBUTE, _describe_attribute
    ),
}
