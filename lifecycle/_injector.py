"""The faults a model holds: rules in the order they were added, with their counters.

``_faults`` defines what a rule is; this room decides, per call, which rule
fires (see ``_faults`` for when each kind is checked), counts it, retires a
rule whose ``count`` is used up, and reports each firing to the subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random
from typing import Final

from ._faults import FaultKind, FaultRule, FaultState
from ._status import Action
from ._views import Event, FaultEvent, format_request_id
from .errors import ErrorCode

_THROTTLE: Final = FaultKind.THROTTLE
_ERROR: Final = FaultKind.ERROR
#: The kinds checked before a call looks at an instance, each with its answer.
_BEFORE: Final = ((_THROTTLE, ErrorCode.THROTTLING), (_ERROR, ErrorCode.INTERNAL_ERROR))


class ActiveFault:
    """A rule the model holds, with its counters (mutable, under the model's lock)."""

    __slots__ = ("fault_id", "fired", "remaining", "rule")

    def __init__(self, fault_id: int, rule: FaultRule, fired: int, remaining: int | None) -> None:
        self.fault_id = fault_id
        self.rule = rule
        self.fired = fired
        self.remaining = remaining

    def state(self) -> FaultState:
        return FaultState(
            fault_id=self.fault_id, rule=self.rule, fired=self.fired, remaining=self.remaining
        )

    def is_injected_error(self, action: Action) -> bool:
        """Whether this is of the ``inject_internal_error(action, count)`` shape."""
        rule = self.rule
        return (
            rule.kind is _ERROR
            and rule.action is action
            and rule.instance_ids is None
            and rule.probability == 1.0
            and rule.count is not None
        )


class FaultInjector:
    """The active rules, the next fault id and the seeded stream probabilities draw from."""

    __slots__ = ("_subscribers", "next_id", "rng", "rules")

    def __init__(self, rng: Random, subscribers: list[Callable[[Event], object]]) -> None:
        self.rng = rng
        self.rules: list[ActiveFault] = []
        self.next_id = 1
        self._subscribers = subscribers

    def add(self, rule: FaultRule) -> int:
        fault_id = self.next_id
        self.next_id += 1
        self.rules.append(ActiveFault(fault_id, rule, 0, rule.count))
        return fault_id

    def before(
        self, action: Action, instance_id: str | None, now: float, request: int
    ) -> ErrorCode | None:
        """The code of the first throttle, then error, fault that hits this call."""
        for kind, code in _BEFORE:
            for fault in self.rules:
                if fault.rule.kind is kind and self._hits(fault, action, instance_id):
                    self._fired(fault, action, instance_id, now, request)
                    return code
        return None

    def after(
        self, kind: FaultKind, action: Action, instance_id: str | None, now: float, request: int
    ) -> ActiveFault | None:
        """The first fault of ``kind`` (delay or lost response) that hits a successful call."""
        for fault in self.rules:
            if fault.rule.kind is kind and self._hits(fault, action, instance_id):
                self._fired(fault, action, instance_id, now, request)
                return fault
        return None

    def _hits(self, fault: ActiveFault, action: Action, instance_id: str | None) -> bool:
        rule = fault.rule
        if not rule.matches(action, instance_id):
            return False
        return rule.probability == 1.0 or self.rng.random() < rule.probability

    def _fired(
        self,
        fault: ActiveFault,
        action: Action,
        instance_id: str | None,
        now: float,
        request: int,
    ) -> None:
        fault.fired += 1
        if fault.remaining is not None:
            fault.remaining -= 1
            if not fault.remaining:
                self.rules.remove(fault)
        if self._subscribers:
            event = FaultEvent(
                time=now,
                action=action,
                kind=fault.rule.kind,
                fault_id=fault.fault_id,
                request_id=format_request_id(request),
                instance_id=instance_id,
                delay=fault.rule.delay,
            )
            for callback in tuple(self._subscribers):
                callback(event)
