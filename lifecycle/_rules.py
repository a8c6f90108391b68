"""Pure functions over the tables in ``_spec``: facts in, decision out.

Nothing here holds state, reads a clock or draws a random number. The model
folds an instance's condition into ``Fact`` flags (each defined in ``_spec``),
asks ``decide`` for the first failing check, and acts on the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from ._machine import GUARDS, NO_TRANSITION, TABLE
from ._spec import (
    ACTION_TRIGGERS,
    ERRORS,
    FORCED_TRIGGERS,
    IGNORED_PARAMETERS,
    INIT_LOCAL_DISK_FAMILIES,
    PRECEDENCE,
    Check,
    ErrorEntry,
)
from ._status import Action, resolve_action
from .errors import ApiError, ErrorCode, SpecError

#: The checks the model performs before it looks at an instance, in the order
#: ``_model.py`` performs them. NB: this order is code, not data, so
#: ``compile_precedence`` refuses a ``PRECEDENCE`` row that disagrees with it.
REQUEST_STAGE: Final[tuple[Check, ...]] = (
    Check.REQUIRED_PARAMETERS,
    Check.VALID_PARAMETERS,
    Check.INSTANCE_IDS_WELL_FORMED,
    Check.INSTANCE_ID_COUNT,
    Check.STATUS_FILTER,
    Check.CHARGE_TYPE_FILTER,
    Check.LOCK_REASON_FILTER,
    Check.THROTTLED,
    Check.INJECTED_FAULT,
    Check.DRY_RUN,
    Check.CLIENT_TOKEN,
    Check.EXISTS,
)

#: The request-stage checks only a malformed request fails: no instance, fault or dry run.
PARAMETER_CHECKS: Final = frozenset(REQUEST_STAGE[: REQUEST_STAGE.index(Check.THROTTLED)])

#: The ``required`` value that marks the status check.
STATUS_STEP: Final = -1


#: One compiled clause, ``(required, forbidden, code)``: fail with ``code`` when every
#: ``required`` fact holds and no ``forbidden`` one does. ``required == STATUS_STEP``
#: means "fail when the action's trigger is not valid from the instance's status".
Step = tuple[int, int, ErrorCode]


@dataclass(frozen=True, slots=True)
class CompiledPrecedence:
    """An action's precedence split into what is checked per request and per instance."""

    request_stage: tuple[Check, ...]
    instance_steps: tuple[Step, ...]
    trigger_row: bytes | None
    #: Every fact some clause requires. When none holds, no fact rule can fail
    #: and only the status check is left: the common, fast case.
    relevant: int
    #: The status check's code, when the action has one.
    status_code: ErrorCode | None


def compile_precedence(action: Action, trigger: str | None = None) -> CompiledPrecedence:
    """Compile ``PRECEDENCE[action]`` for the hot path.

    The transition's guards (``_machine.GUARDS``) say which fact checks must
    hold; the precedence row says which error each answers and in what order
    around the status check. The compiled row is derived from both. ``trigger``
    is the one the action fires (``ACTION_TRIGGERS``' by default; a forced
    DeleteInstance fires ``FORCED_TRIGGERS``').

    Raises:
        SpecError: if a request-stage check follows an instance check, if the
            request-stage checks are out of the model's order, if a fact rule has
            no clause, if a code has no entry in the action's error table, or if
            the row's fact checks are not the transition's guards, in order.
    """
    rules = PRECEDENCE[action]
    request: list[Check] = []
    steps: list[Step] = []
    for rule in rules:
        if rule.code not in ERRORS[action]:
            raise SpecError(f"{action.value}: {rule.code.value} is not in its error table")
        if rule.check in REQUEST_STAGE:
            if steps:
                raise SpecError(f"{action.value}: {rule.check.value} follows an instance check")
            request.append(rule.check)
        elif rule.check is Check.STATUS:
            steps.append((STATUS_STEP, 0, rule.code))
        elif not rule.fails_when:
            raise SpecError(f"{action.value}: {rule.check.value} has no fails_when clause")
        elif not all(clause.all_of for clause in rule.fails_when):
            raise SpecError(f"{action.value}: {rule.check.value} has a clause requiring no fact")
        else:
            steps.extend(
                (int(clause.all_of), int(clause.none_of), rule.code) for clause in rule.fails_when
            )
    if sorted(request, key=REQUEST_STAGE.index) != request:
        raise SpecError(f"{action.value}: request-stage checks out of order: {request}")
    if trigger is None:
        trigger = ACTION_TRIGGERS.get(action)
    # The machine names the guards; this row orders their errors around the status check.
    guarded = tuple(
        rule.check.value
        for rule in rules
        if rule.check not in REQUEST_STAGE and rule.check is not Check.STATUS
    )
    guards = GUARDS[trigger] if trigger is not None else ()
    if guarded != guards:
        raise SpecError(
            f"{action.value}: its fact checks {list(guarded)} are not its transition's "
            f"guards {list(guards)}"
        )
    relevant = 0
    for required, _, _ in steps:
        if required != STATUS_STEP:
            relevant |= required
    return CompiledPrecedence(
        request_stage=tuple(request),
        instance_steps=tuple(steps),
        trigger_row=TABLE[trigger] if trigger is not None else None,
        relevant=relevant,
        status_code=next((code for required, _, code in steps if required == STATUS_STEP), None),
    )


COMPILED: Final[dict[Action, CompiledPrecedence]] = {
    action: compile_precedence(action) for action in Action
}
#: The precedence of the actions a request may force (DeleteInstance ``Force=true``).
FORCED: Final[dict[Action, CompiledPrecedence]] = {
    action: compile_precedence(action, trigger) for action, trigger in FORCED_TRIGGERS.items()
}


def family_of(instance_type: str) -> str:
    """The instance type family: ``ecs.d1.2xlarge`` -> ``d1``; a bare family is itself."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) >= 3 and parts[0] == "ecs" else instance_type


def init_local_disk_applies(family: str) -> bool:
    """Whether ``InitLocalDisk`` does anything for this family (d1, i1, i2)."""
    return family in INIT_LOCAL_DISK_FAMILIES


def first_failure(action: Action, facts: int, status_code: int) -> ErrorCode | None:
    """The first instance-stage rule of ``action`` that fails, or ``None`` if all pass."""
    return decide(COMPILED[action], facts, status_code)


def decide(compiled: CompiledPrecedence, facts: int, status_code: int) -> ErrorCode | None:
    """``first_failure`` for an already looked-up action (the model's hot path)."""
    row = compiled.trigger_row
    if not facts & compiled.relevant:
        if compiled.status_code is not None and (row is None or row[status_code] == NO_TRANSITION):
            return compiled.status_code
        return None
    for required, forbidden, code in compiled.instance_steps:
        if required == STATUS_STEP:
            if row is None or row[status_code] == NO_TRANSITION:
                return code
        elif facts & required == required and not facts & forbidden:
            return code
    return None


def api_error(
    action: Action, code: ErrorCode, request_id: str, parameter: str | None = None
) -> ApiError:
    """Build the documented ``ApiError`` for ``code`` in ``action``."""
    entry = ERRORS[action][code]
    message = entry.message.format(parameter=parameter) if parameter else entry.message
    return ApiError(
        action=action,
        code=code,
        http_status=entry.http_status,
        message=message,
        request_id=request_id,
    )


def error_table(action: Action | str) -> Mapping[ErrorCode, ErrorEntry]:
    """The documented error catalogue of ``action``: code -> HTTP status, message, source.

    Messages of ``MissingParameter`` and ``InvalidParameter`` are templates with
    a ``{parameter}`` field.
    """
    return MappingProxyType(ERRORS[resolve_action(action)])


def ignored_parameters(action: Action | str) -> frozenset[str]:
    """The documented parameters ``action`` accepts and does not model (RunInstances'
    ``SecurityGroupId``, ``DataDisk.N.Size``, ...); ``N`` stands for a position."""
    return IGNORED_PARAMETERS.get(resolve_action(action), frozenset())


def precedence(action: Action | str) -> tuple[tuple[Check, ErrorCode], ...]:
    """The checks of ``action`` in the order they are decided, each with its error code."""
    return tuple((rule.check, rule.code) for rule in PRECEDENCE[resolve_action(action)])
