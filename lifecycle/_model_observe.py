"""``EcsModel``'s reads: statuses, views, the account and the pure ``check`` query.
A mixin over the model's core and lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final

from ._core import Core
from ._machine import STATUSES
from ._params import bool_arg
from ._rules import COMPILED, FORCED, decide
from ._spec import Fact
from ._status import Action, InstanceStatus, resolve_action
from ._views import AccountView, InstanceView
from .errors import ErrorCode, InvalidArgument


class ObservationMixin:
    """Read the model without changing it (part of ``EcsModel``)."""

    _core: Core
    _lock: threading.RLock

    def instance_ids(self) -> list[str]:
        """Every instance id, in creation order."""
        with self._lock:
            instances = self._core.instances
            return [instances.ids[index] for index in instances.positions()]

    def statuses(self, instance_ids: Iterable[str] | None = None) -> list[InstanceStatus]:
        """The status of each given instance (or of every one, in creation order), now.

        Raises:
            InvalidArgument: for an id that is not in the model, or ids that are not a list.
        """
        if instance_ids is not None and (
            isinstance(instance_ids, str) or not isinstance(instance_ids, Iterable)
        ):
            raise InvalidArgument(f"instance_ids={instance_ids!r}: expected a list of str ids")
        with self._lock:
            core = self._core
            core.settle(core.clock.now())
            codes = core.instances.status
            if instance_ids is None:
                return [STATUSES[codes[index]] for index in core.instances.positions()]
            lookup = core.instances.lookup
            return [STATUSES[codes[lookup(i)]] for i in instance_ids]

    def status_counts(self) -> dict[InstanceStatus, int]:
        """How many instances are in each status now (every status, zeros included)."""
        with self._lock:
            core = self._core
            core.settle(core.clock.now())
            counts = core.instances.counts
            return {status: counts[code] for code, status in enumerate(STATUSES)}

    def __len__(self) -> int:
        return self._core.instances.live()

    def __contains__(self, instance_id: object) -> bool:
        return instance_id in self._core.instances.index

    def instance(self, instance_id: str) -> InstanceView:
        """Everything the model knows about one instance, now.

        Raises:
            InvalidArgument: if there is no such instance.
        """
        with self._lock:
            core = self._core
            core.settle(core.clock.now())
            return core.instances.view(core.instances.lookup(instance_id))

    def status(self, instance_id: str) -> InstanceStatus:
        """The instance's status now.

        Raises:
            InvalidArgument: if there is no such instance.
        """
        with self._lock:
            core = self._core
            core.settle(core.clock.now())
            return STATUSES[core.instances.status[core.instances.lookup(instance_id)]]

    @property
    def account(self) -> AccountView:
        """The account's balance, minimum for starting and arrears flag."""
        with self._lock:
            return self._core.billing.view()

    def check(
        self,
        action: Action | str,
        instance_id: str,
        *,
        init_local_disk: bool = False,
        force_stop: bool = False,
        force: bool = False,
        terminate_subscription: bool = False,
    ) -> ErrorCode | None:
        """Would ``action`` on ``instance_id`` succeed now? A pure query.

        Unlike a call, it draws no request id, consumes no injected fault and
        changes nothing. It answers the first failing instance check, or
        ``InvalidInstanceId.NotFound``, or ``None`` when the call would succeed.
        It answers the actions that act on one existing instance and decide from
        it alone: StartInstance, RebootInstance, StopInstance, DeleteInstance
        (``force``, ``terminate_subscription``) and ReActivateInstances.
        """
        resolved = resolve_action(action)
        if instance_id is not None and not isinstance(instance_id, str):
            raise InvalidArgument(f"instance_id={instance_id!r}: expected the instance id as a str")
        if resolved not in _CHECKABLE:
            raise InvalidArgument(
                f"action={action!r}: check() answers {', '.join(a.value for a in _CHECKABLE)}"
            )
        for name, value in (
            ("init_local_disk", init_local_disk),
            ("force_stop", force_stop),
            ("force", force),
            ("terminate_subscription", terminate_subscription),
        ):
            bool_arg(name, value)
        request_facts = (
            (int(Fact.LOCAL_DISK_RECOVERABLE) if init_local_disk else 0)
            | (int(Fact.FORCE_STOP) if force_stop else 0)
            | (int(Fact.TERMINATE_SUBSCRIPTION) if terminate_subscription else 0)
        )
        compiled = FORCED[resolved] if force and resolved in FORCED else COMPILED[resolved]
        with self._lock:
            core = self._core
            now = core.clock.now()
            core.settle(now)
            index = core.instances.index.get(instance_id or "")
            if index is None:
                return ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
            status = core.instances.status[index]
            return decide(compiled, core.facts(index, status, now, request_facts), status)


#: What ``check`` answers: one existing instance, decided from it alone.
_CHECKABLE: Final = (
    Action.START_INSTANCE,
    Action.REBOOT_INSTANCE,
    Action.STOP_INSTANCE,
    Action.DELETE_INSTANCE,
    Action.REACTIVATE_INSTANCES,
)
