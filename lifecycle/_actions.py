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

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from ._core import Core, Plan, plan_of
from ._instances import PREPAID, RECOVERABLE, SECURITY, STOP_CHARGING, STOPPED_BY_API
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
    RenewInstanceResponse,
    RunInstancesResponse,
    format_request_id,
    instance_attributes,
    instance_response,
    status_item,
    status_page,
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
        batch_id_problems(ids, problems)
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
                        instance_response(instance_id, code.value, entry.message, current, current)
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


def batch_id_problems(ids: list[str], problems: list[Problem]) -> None:
    """A well-read ``InstanceId.N`` list's own problems: an empty or repeated id, too many."""
    if not problems:
        if not all(ids) or len(set(ids)) != len(ids):
            problems.append((_MALFORMED, "InstanceId"))
        if len(ids) > MAX_BATCH_IDS:
            problems.append((_TOO_MANY, None))


def _moved(instance_id: str, before: int, after: int) -> InstanceResponse:
    return instance_response(instance_id, "200", "success", STATUSES[before], STATUSES[after])


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
        status_item(instances.ids[i], STATUSES[status[i]]) for i in matched[first : first + size]
    )
    return status_page(format_request_id(request), number, size, len(matched), items)


def describe_status_of(
    core: Core, instance_id: str, number: int, size: int
) -> DescribeInstanceStatusResponse:
    """``_describe_status`` of one well-formed id, valid pages and no fault rules.

    The model's fast path: the same answer, without the parameter table, the
    checks that cannot fail and the sorting a single id does not need.
    """
    core.now()
    request = core.request_rng.getrandbits(128)
    instances = core.instances
    index = instances.index.get(instance_id)
    if index is None:
        return status_page(format_request_id(request), number, size, 0, ())
    # One match: on the first page, or on none.
    items = (status_item(instance_id, STATUSES[instances.status[index]]),) if number == 1 else ()
    return status_page(format_request_id(request), number, size, 1, items)


_STATUS_PARAMS: Final = {
    param.python_name: param for param in PARAMETERS[Action.DESCRIBE_INSTANCE_STATUS]
}
_MAX_STATUS_IDS: Final = _STATUS_PARAMS["instance_ids"].max_items or 0
#: The page sizes DescribeInstanceStatus takes (1 to 50).
MIN_STATUS_PAGE: Final = _STATUS_PARAMS["page_size"].minimum or 1
MAX_STATUS_PAGE: Final = _STATUS_PARAMS["page_size"].maximum or 0


def _faults_before(
    core: Core, action: Action, now: float, request: int, instance_id: str | None = None
) -> None:
    """Answer the injected fault (error, throttle) that hits this request, if one does."""
    if core.faults.rules:
        fault_code = core.faults.before(action, instance_id, now, request)
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
    family = _FAMILIES.get(instance_type)
    if family is None:
        family = _FAMILIES[instance_type] = "ecs." + family_of(instance_type)
    return family


#: Each instance type's family, worked out once (a model has few types).
_FAMILIES: dict[str, str] = {}
#: ``OperationLocks`` by (security-locked) + 2 * (PostPaid in arrears).
_LOCKS: Final = ((), ("security",), ("financial",), ("security", "financial"))


def _lock_reasons(core: Core, index: int) -> tuple[str, ...]:
    """``OperationLocks``: ``security``, and ``financial`` for a PostPaid instance in arrears."""
    instances = core.instances
    locked = 1 if instances.faults[index] & SECURITY else 0
    if not instances.traits[index] & PREPAID and core.billing.in_arrears:
        return _LOCKS[locked + 2]
    return _LOCKS[locked]


def format_time(seconds: float) -> str:
    """Model time as the API shows times: ``yyyy-MM-ddTHH:mmZ`` (UTC, to the minute)."""
    minute = math.floor(seconds / 60)
    text = _MINUTES.get(minute)
    if text is None:
        # A fleet's instances share few distinct minutes: format each once.
        if len(_MINUTES) >= _MINUTES_KEPT:
            _MINUTES.clear()
        text = _MINUTES[minute] = datetime.fromtimestamp(EPOCH + minute * 60, UTC).strftime(
            TIME_FORMAT
        )
    return text


_MINUTES: dict[int, str] = {}
_MINUTES_KEPT: Final = 4096
#: ``StoppedMode`` as DescribeInstances shows it, by the trait bits Instances.stopped_mode reads.
_MODE_TEXT: Final = {
    traits: StoppedMode.NOT_APPLICABLE.value
    if not traits & STOPPED_BY_API
    else (StoppedMode.STOP_CHARGING if traits & STOP_CHARGING else StoppedMode.KEEP_CHARGING).value
    for traits in (0, STOPPED_BY_API, STOP_CHARGING, STOPPED_BY_API | STOP_CHARGING)
}
_MODE_BITS: Final = STOPPED_BY_API | STOP_CHARGING
_CHARGE: Final = (ChargeType.POSTPAID, ChargeType.PREPAID)


def attributes(core: Core, index: int, now: float) -> InstanceAttributes:
    """The documented fields the model knows about the instance at ``index``."""
    instances = core.instances
    traits = instances.traits[index]
    instance_id = instances.ids[index]
    instance_type = instances.types[index]
    prepaid = traits & PREPAID
    expiry = instances.expired[index]
    started = instances.started[index]
    # _lock_reasons and _family, inlined (a call costs more than their work).
    locks = 1 if instances.faults[index] & SECURITY else 0
    if not prepaid and core.billing.in_arrears:
        locks += 2
    family = _FAMILIES.get(instance_type) or _family(instance_type)
    return instance_attributes(
        instance_id,
        instances.names[index] or instance_id,
        STATUSES[instances.status[index]],
        _CHARGE[1 if prepaid else 0],
        instance_type,
        family,
        format_time(expiry) if prepaid and _showable(expiry) else POSTPAID_EXPIRED_TIME,
        _MODE_TEXT[traits & _MODE_BITS],
        _LOCKS[locks],
        format_time(instances.created[index]),
        None if started != started else format_time(started),  # noqa: PLR0124 (NaN: never started)
        REGION_ID,
        ZONE_ID,
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
    _faults_before(core, action, now, request, instance_id)
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
