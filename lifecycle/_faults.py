"""Seeded fault injection: the failures real ECS clients must survive.

A ``FaultRule`` says which calls fail and how: by action, by instance, with a
probability, at most ``count`` times. The model checks its rules at two points
of a well-formed call:

* before the call looks at any instance (right after the parameter checks),
  a ``THROTTLE`` rule answers ``Throttling`` and then an ``ERROR`` rule
  answers ``InternalError``; either way nothing changes;
* after a call has succeeded, a ``DELAY`` rule lengthens the transitory status
  it entered, and a ``LOST_RESPONSE`` rule answers ``InternalError`` although
  the change was made, as when a response is lost on the way back.

Rules are checked in the order they were added; at each point the first that
fires wins. A rule whose ``probability`` is below 1 draws from the model's own
fault stream of its seed, so the same seed and calls give the same faults.
Every fault that fires is reported to subscribers as a ``FaultEvent``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ._status import Action, resolve_action
from .errors import InvalidArgument

__all__ = ["FaultKind", "FaultRule", "FaultState"]


class FaultKind(StrEnum):
    """What an injected fault does to the call it hits."""

    #: Answer ``InternalError`` (500) and change nothing.
    ERROR = "error"
    #: Make the change, then answer ``InternalError``: the response was lost.
    LOST_RESPONSE = "lost_response"
    #: Succeed, but stay in the transitory status ``delay`` seconds longer.
    DELAY = "delay"
    #: Answer ``Throttling`` (400) and change nothing.
    THROTTLE = "throttle"


#: The kinds checked before the call looks at an instance, in precedence order.
BEFORE_KINDS = (FaultKind.THROTTLE, FaultKind.ERROR)
#: The kinds that only apply to a call that changed an instance.
AFTER_KINDS = (FaultKind.DELAY, FaultKind.LOST_RESPONSE)
#: The actions that only read: a fault of an ``AFTER_KINDS`` kind could never fire on them.
READ_ONLY = frozenset(
    {
        Action.DESCRIBE_INSTANCE_STATUS,
        Action.DESCRIBE_INSTANCES,
        Action.DESCRIBE_INSTANCE_ATTRIBUTE,
    }
)


@dataclass(frozen=True, slots=True, init=False)
class FaultRule:
    """Which calls an injected fault hits, and how.

    Args:
        kind: What the fault does (a ``FaultKind`` or its value, such as ``"throttle"``).
        action: Only calls of this action (an ``Action`` or its name); ``None``
            for every action. ``DELAY`` and ``LOST_RESPONSE`` need an action
            that changes instances, or ``None``.
        instance_ids: Only calls naming one of these instances; ``None`` for any.
            A rule with instance ids never hits ``DescribeInstanceStatus``.
        probability: The chance that a call the rule matches is hit (0 < p <= 1).
        count: Hit at most this many calls, then retire; ``None`` for no limit.
        delay: For ``DELAY`` only: the extra seconds in the transitory status (> 0).

    Raises:
        InvalidArgument: for a value of the wrong type or an impossible rule.
    """

    kind: FaultKind
    action: Action | None
    instance_ids: frozenset[str] | None
    probability: float
    count: int | None
    delay: float

    def __init__(
        self,
        *,
        kind: FaultKind | str,
        action: Action | str | None = None,
        instance_ids: Iterable[str] | None = None,
        probability: float = 1.0,
        count: int | None = None,
        delay: float = 0.0,
    ) -> None:
        resolved_kind = _kind(kind)
        resolved_action = None if action is None else resolve_action(action)
        ids: frozenset[str] | None = None
        if instance_ids is not None:
            if isinstance(instance_ids, str) or not isinstance(instance_ids, Iterable):
                raise InvalidArgument(
                    f"instance_ids={instance_ids!r}: expected a collection of instance id strings"
                )
            ids = frozenset(instance_ids)
            if not ids or not all(isinstance(i, str) and i for i in ids):
                raise InvalidArgument(
                    f"instance_ids={instance_ids!r}: expected non-empty instance id strings"
                )
        if not _number(probability) or not 0 < probability <= 1:
            raise InvalidArgument(f"probability={probability!r}: expected a number in (0, 1]")
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise InvalidArgument(f"count={count!r}: expected an int >= 1, or None for no limit")
        if not _number(delay) or not math.isfinite(delay):
            raise InvalidArgument(f"delay={delay!r}: expected a finite number of seconds")
        if resolved_kind is FaultKind.DELAY and delay <= 0:
            raise InvalidArgument(f"delay={delay!r}: a DELAY fault needs delay > 0 seconds")
        if resolved_kind is not FaultKind.DELAY and delay != 0:
            raise InvalidArgument(f"delay={delay!r}: only a DELAY fault takes a delay")
        if resolved_kind in AFTER_KINDS and resolved_action in READ_ONLY:
            raise InvalidArgument(
                f"kind={resolved_kind.value!r}: {resolved_action.value} changes nothing, so it "
                "can be throttled or fail, but not be delayed or lose a change"
            )
        object.__setattr__(self, "kind", resolved_kind)
        object.__setattr__(self, "action", resolved_action)
        object.__setattr__(self, "instance_ids", ids)
        object.__setattr__(self, "probability", float(probability))
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "delay", float(delay))

    def matches(self, action: Action, instance_id: str | None) -> bool:
        """Whether a call of ``action`` on ``instance_id`` is one this rule can hit."""
        if self.action is not None and self.action is not action:
            return False
        if self.instance_ids is None:
            return True
        return instance_id is not None and instance_id in self.instance_ids

    def to_dict(self) -> dict[str, object]:
        """The rule as plain JSON values (for snapshots and wire control surfaces)."""
        return {
            "kind": self.kind.value,
            "action": None if self.action is None else self.action.value,
            "instance_ids": None if self.instance_ids is None else sorted(self.instance_ids),
            "probability": self.probability,
            "count": self.count,
            "delay": self.delay,
        }

    @classmethod
    def from_dict(cls, data: object) -> FaultRule:
        """The inverse of ``to_dict``; unknown keys are refused.

        Raises:
            InvalidArgument: for a value that is not such a mapping, or a bad field.
        """
        if not isinstance(data, dict):
            raise InvalidArgument(f"fault rule {data!r}: expected a mapping")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidArgument(
                f"fault rule: unknown field(s) {', '.join(sorted(unknown))}; "
                f"expected {', '.join(cls.__dataclass_fields__)}"
            )
        if "kind" not in data:
            raise InvalidArgument("fault rule: 'kind' is required")
        return cls(**data)


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultState:
    """An active rule and what it has done so far.

    Attributes:
        fault_id: The id ``EcsModel.add_fault`` returned.
        rule: The rule.
        fired: How many calls it has hit.
        remaining: How many more it may hit (``None``: no limit).
    """

    fault_id: int
    rule: FaultRule
    fired: int
    remaining: int | None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: object) -> FaultKind:
    if isinstance(value, FaultKind):
        return value
    for kind in FaultKind:
        if kind.value == value:
            return kind
    choices = ", ".join(repr(k.value) for k in FaultKind)
    raise InvalidArgument(f"kind={value!r}: expected one of {choices}")
