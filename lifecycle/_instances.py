"""The instance columns: one account's instances as arrays, not objects.

A status byte, a fault byte and a trait byte per instance, two float arrays
(expiry, settle time), the ids and their index, the types and the recorded
data losses. This keeps a million instances in a few tens of megabytes and a
lookup flat in fleet size. The room holds data only; the model's core decides
what changes and when.
"""

from __future__ import annotations

import math
from array import array
from typing import Final

from ._machine import RELEASED_CODE, STATES, STATUS_CODE, STATUSES
from ._params import bool_arg, enum_arg, model_time
from ._rules import family_of, init_local_disk_applies
from ._spec import Fact
from ._status import ChargeType, InstanceStatus, StoppedMode
from ._views import DataLoss, InstanceView
from .errors import InvalidArgument

NEVER: Final = math.inf

# Per-instance fault bits share their positions with ``Fact`` so they fold in with one OR.
SECURITY: Final = int(Fact.SECURITY_LOCKED)
CLOUD_DISK: Final = int(Fact.CLOUD_DISK_ABNORMAL)
LOCAL_DISK: Final = int(Fact.LOCAL_DISK_ABNORMAL)
RECOVERABLE: Final = int(Fact.LOCAL_DISK_RECOVERABLE)

# Per-instance trait bits: fixed at creation, except the stopped mode.
PREPAID: Final = 1
INIT_FAMILY: Final = 2
HAS_LOCAL_DISK: Final = 4
STOPPED_BY_API: Final = 8
STOP_CHARGING: Final = 16
#: Made by RunInstances: its Pending settles into Starting, not Stopped (cleared then).
LAUNCH: Final = 32
#: Stopped by the platform at expiry or for overdue payment, nothing done since.
SUSPENDED: Final = 64
#: Created with DeletionProtection=true.
DELETION_PROTECTED: Final = 128

#: An instance created in one of these has started (StartTime is its creation time).
_UNDER_WAY: Final = frozenset(
    (STATUS_CODE[InstanceStatus.STARTING], STATUS_CODE[InstanceStatus.RUNNING])
)
STARTING: Final = STATUS_CODE[InstanceStatus.STARTING]

#: A validated condition for new instances: status code, fault bits, trait bits,
#: charge type, the PrePaid expiry (``None``: 30 days from creation) and the type.
Template = tuple[int, int, int, ChargeType, float | None, str]


class Instances:
    """The columns, indexed by position in creation order."""

    __slots__ = (
        "auto_renew",
        "counts",
        "created",
        "expired",
        "faults",
        "ids",
        "index",
        "losses",
        "names",
        "retired",
        "settles_at",
        "started",
        "status",
        "traits",
        "types",
    )

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.status = bytearray()
        #: How many instances are in each state code (``Released`` included): kept with
        #: every move, so "how many are Running" costs the same at a million as at ten.
        self.counts = [0] * len(STATES)
        self.faults = bytearray()
        self.traits = bytearray()
        self.expired = array("d")
        self.settles_at = array("d")
        self.types: list[str] = []
        self.losses: dict[int, list[DataLoss]] = {}
        # DescribeInstances' CreationTime and StartTime (the last entry into Starting;
        # NaN while the instance has never started), in model time.
        self.created = array("d")
        self.started = array("d")
        # InstanceName where one was given (None: the name is the id), and the
        # AutoRenewPeriod and unit of instances created with AutoRenew=true.
        self.names: list[str | None] = []
        self.auto_renew: dict[int, tuple[int, str]] = {}
        # The ids of released instances: never NotFound-confused, never handed out again.
        # Their columns stay (status Released), so positions and creation order hold.
        self.retired: set[str] = set()

    def append(self, template: Template, ids: list[str], now: float) -> range:
        """Add instances named ``ids`` made from ``template``; their positions."""
        count = len(ids)
        first = len(self.ids)
        status, faults, traits, charge, expired_time, instance_type = template
        if charge is ChargeType.PREPAID:
            expiry = now + 30 * 86400.0 if expired_time is None else expired_time
        else:
            expiry = NEVER
        self.ids.extend(ids)
        self.index.update(zip(ids, range(first, first + count), strict=True))
        self.status.extend(bytes((status,)) * count)
        self.counts[status] += count
        self.faults.extend(bytes((faults,)) * count)
        self.traits.extend(bytes((traits,)) * count)
        self.expired.extend(array("d", (expiry,)) * count)
        self.settles_at.extend(array("d", (NEVER,)) * count)
        self.types.extend([instance_type] * count)
        self.created.extend(array("d", (now,)) * count)
        started = now if status in _UNDER_WAY else math.nan
        self.started.extend(array("d", (started,)) * count)
        self.names.extend([None] * count)
        return range(first, first + count)

    def release(self, index: int, source: int) -> None:
        """Release the instance at ``index`` (now in ``source``): it is gone for good."""
        self.move(index, source, RELEASED_CODE)
        self.settles_at[index] = NEVER
        instance_id = self.ids[index]
        del self.index[instance_id]
        self.retired.add(instance_id)
        self.auto_renew.pop(index, None)

    def live(self) -> int:
        """How many instances exist (released ones are gone)."""
        return len(self.ids) - self.counts[RELEASED_CODE]

    def positions(self) -> range | list[int]:
        """The positions of every instance that exists, in creation order."""
        if not self.counts[RELEASED_CODE]:
            return range(len(self.ids))
        status = self.status
        return [i for i in range(len(self.ids)) if status[i] != RELEASED_CODE]

    def move(self, index: int, source: int, dest: int) -> None:
        """Put the instance at ``index`` (now in ``source``) in ``dest``."""
        self.status[index] = dest
        counts = self.counts
        counts[source] -= 1
        counts[dest] += 1

    def recount(self) -> None:
        """Count the states afresh (after the columns were replaced whole)."""
        self.counts = [self.status.count(code) for code in range(len(STATES))]

    def lookup(self, instance_id: object) -> int:
        """The position of ``instance_id``, or ``InvalidArgument`` naming it."""
        index = self.index.get(instance_id) if isinstance(instance_id, str) else None
        if index is None:
            if isinstance(instance_id, str) and instance_id in self.retired:
                raise InvalidArgument(f"instance_id={instance_id!r}: it was deleted")
            raise InvalidArgument(f"instance_id={instance_id!r}: no such instance in this model")
        return index

    def stopped_mode(self, index: int) -> StoppedMode | None:
        """The ``StoppedMode`` StopInstance recorded, or ``None``."""
        traits = self.traits[index]
        if not traits & STOPPED_BY_API:
            return None
        return StoppedMode.STOP_CHARGING if traits & STOP_CHARGING else StoppedMode.KEEP_CHARGING

    def record_stop_mode(self, index: int, mode: StoppedMode | None) -> None:
        """Record the mode of a stop by the API, or clear it (``None``) on any other move.

        Any move the API makes also ends a suspension by the platform.
        """
        traits = self.traits[index] & ~(STOPPED_BY_API | STOP_CHARGING | SUSPENDED)
        if mode is not None:
            traits |= STOPPED_BY_API
            if mode is StoppedMode.STOP_CHARGING:
                traits |= STOP_CHARGING
        self.traits[index] = traits

    def view(self, index: int) -> InstanceView:
        """Everything the columns say about the instance at ``index``."""
        traits = self.traits[index]
        faults = self.faults[index]
        settles_at = self.settles_at[index]
        instance_type = self.types[index]
        return InstanceView(
            instance_id=self.ids[index],
            status=STATUSES[self.status[index]],
            instance_type=instance_type,
            family=family_of(instance_type),
            charge_type=ChargeType.PREPAID if traits & PREPAID else ChargeType.POSTPAID,
            expired_time=self.expired[index] if traits & PREPAID else None,
            lock_reasons=("security",) if faults & SECURITY else (),
            has_local_disk=bool(traits & HAS_LOCAL_DISK),
            cloud_disk_abnormal=bool(faults & CLOUD_DISK),
            local_disk_abnormal=bool(faults & LOCAL_DISK),
            stopped_mode=self.stopped_mode(index),
            settles_at=None if settles_at == NEVER else settles_at,
            data_losses=tuple(self.losses.get(index, ())),
            auto_renew=self.auto_renew.get(index),
        )

    def set_fault(self, instance_id: str, bit: int, on: bool) -> None:
        """Set or clear one fault bit of an instance."""
        index = self.lookup(instance_id)
        if bit == LOCAL_DISK and not self.traits[index] & HAS_LOCAL_DISK:
            raise InvalidArgument(
                f"kind='local': {instance_id!r} has no local disk "
                "(create it with has_local_disk=True)"
            )
        if on:
            self.faults[index] |= bit
        else:
            self.faults[index] &= ~bit & 0xFF


def template(
    instance_type: object,
    status: object,
    charge_type: object,
    expired_time: object,
    security_locked: object,
    has_local_disk: object,
    cloud_disk_abnormal: object,
    local_disk_abnormal: object,
) -> Template:
    """Validate a condition for new instances (``create_instance``'s arguments)."""
    if not isinstance(instance_type, str) or not instance_type:
        raise InvalidArgument(
            f"instance_type={instance_type!r}: expected a str such as 'ecs.g7.large'"
        )
    resolved_status = enum_arg(InstanceStatus, "status", status)
    charge = enum_arg(ChargeType, "charge_type", charge_type)
    family = family_of(instance_type)
    if has_local_disk is None:
        has_local_disk = init_local_disk_applies(family)
    locked = bool_arg("security_locked", security_locked)
    local = bool_arg("has_local_disk", has_local_disk)
    cloud_abnormal = bool_arg("cloud_disk_abnormal", cloud_disk_abnormal)
    local_abnormal = bool_arg("local_disk_abnormal", local_disk_abnormal)
    if local_abnormal and not local:
        raise InvalidArgument(
            "local_disk_abnormal=True: the instance has no local disk; pass has_local_disk=True"
        )
    expiry: float | None = None
    if expired_time is not None:
        if charge is not ChargeType.PREPAID:
            raise InvalidArgument(
                "expired_time is only for PrePaid instances; pass charge_type='PrePaid'"
            )
        expiry = model_time("expired_time", expired_time)
    faults = (
        (SECURITY if locked else 0)
        | (CLOUD_DISK if cloud_abnormal else 0)
        | (LOCAL_DISK if local_abnormal else 0)
    )
    traits = (
        (PREPAID if charge is ChargeType.PREPAID else 0)
        | (INIT_FAMILY if init_local_disk_applies(family) else 0)
        | (HAS_LOCAL_DISK if local else 0)
    )
    return STATUS_CODE[resolved_status], faults, traits, charge, expiry, instance_type
