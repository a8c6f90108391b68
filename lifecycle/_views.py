"""Frozen value objects the model hands out: responses, views, trace events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ._faults import FaultKind
from ._status import Action, ChargeType, DataLossCause, InstanceStatus, StoppedMode


@dataclass(frozen=True, slots=True, kw_only=True)
class DataLoss:
    """One loss of data on an instance: when, why, and which call caused it."""

    time: float
    cause: DataLossCause
    request_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TransitionEvent:
    """One status change, as reported to subscribers.

    Attributes:
        instance_id: The instance that changed.
        source: The status before, or ``None`` when the instance was created.
        dest: The status after, or ``None`` when the instance was released (deleted).
        cause: The machine trigger that fired (``start``, ``finish_starting``,
            ``run``, ``delete``, ...), or ``create`` for a new instance.
        time: The model time at which the change happened. A clock-driven change
            is stamped with the time it fell due, even if noticed later.
        request_id: The RequestId of the call that caused it; a clock-driven
            change carries the id of the call that began the transitory status.
        data_loss: Set when this change destroyed data (ForceStop, InitLocalDisk).
    """

    instance_id: str
    source: InstanceStatus | None
    dest: InstanceStatus | None
    cause: str
    time: float
    request_id: str
    data_loss: DataLossCause | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultEvent:
    """One injected fault that hit a call, as reported to subscribers.

    Attributes:
        time: The model time of the call.
        action: The action that was called.
        kind: What the fault did (a ``FaultKind`` value).
        fault_id: The id of the rule that fired.
        request_id: The RequestId of the call it hit. For a lost response, the
            transition the call made carries the same id.
        instance_id: The instance the call named (``None`` for DescribeInstanceStatus).
        delay: For a delay, the extra seconds added to the transitory status.
    """

    time: float
    action: Action
    kind: FaultKind
    fault_id: int
    request_id: str
    instance_id: str | None
    delay: float = 0.0


#: What a subscriber hears: every status change and every injected fault.
Event = TransitionEvent | FaultEvent


def format_request_id(number: int) -> str:
    """A 128-bit number as a RequestId: ``8-4-4-4-12`` upper-case hex, like the seeds'."""
    digits = number.to_bytes(16).hex().upper()  # a third cheaper than f"{number:032X}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


class ActionResponse:
    """A successful StartInstance, RebootInstance or StopInstance: only a RequestId.

    Immutable. The model creates it from the request's 128-bit number and
    formats the id only when it is read: formatting is a third of a call's
    cost, and a simulator making millions of calls rarely reads it.
    """

    __slots__ = ("_id",)
    _id: str | int

    def __init__(self, *, request_id: str) -> None:
        _SET_ID(self, request_id)

    @classmethod
    def _from_number(cls, number: int) -> ActionResponse:
        response = _NEW(cls)
        _SET_ID(response, number)
        return response

    @property
    def request_id(self) -> str:
        """The call's ``RequestId``."""
        value = self._id
        return value if isinstance(value, str) else format_request_id(value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ActionResponse is immutable; cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ActionResponse):
            return NotImplemented
        return self.request_id == other.request_id

    def __hash__(self) -> int:
        return hash(self.request_id)

    def __repr__(self) -> str:
        return f"ActionResponse(request_id={self.request_id!r})"

    def to_dict(self) -> dict[str, object]:
        """The documented response body: ``{"RequestId": ...}``."""
        return {"RequestId": self.request_id}


# Direct slot access for the constructors above: the class forbids __setattr__.
_SET_ID: Callable[[ActionResponse, str | int], None] = ActionResponse.__dict__["_id"].__set__
_NEW = object.__new__


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceStatusItem:
    """One ``InstanceStatuses.InstanceStatus`` entry."""

    instance_id: str
    status: InstanceStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribeInstanceStatusResponse:
    """A page of DescribeInstanceStatus."""

    request_id: str
    page_number: int
    page_size: int
    total_count: int
    instance_statuses: tuple[InstanceStatusItem, ...]

    def to_dict(self) -> dict[str, object]:
        """The documented response body, lists wrapped twice as the API wraps them."""
        return {
            "RequestId": self.request_id,
            "PageNumber": self.page_number,
            "PageSize": self.page_size,
            "TotalCount": self.total_count,
            "InstanceStatuses": {
                "InstanceStatus": [
                    {"InstanceId": item.instance_id, "Status": item.status.value}
                    for item in self.instance_statuses
                ]
            },
        }


# Builders for the value objects a hot path makes: a frozen dataclass's __init__ sets
# each field through object.__setattr__ (its frozen guard); these set the slots
# directly, two to three times faster, and give equal objects.
def _slot(cls: type, name: str) -> Callable[[object, object], None]:
    setter: Callable[[object, object], None] = cls.__dict__[name].__set__
    return setter


_ITEM_ID = _slot(InstanceStatusItem, "instance_id")
_ITEM_STATUS = _slot(InstanceStatusItem, "status")


def status_item(instance_id: str, status: InstanceStatus) -> InstanceStatusItem:
    """``InstanceStatusItem(instance_id=..., status=...)``, built directly."""
    item: InstanceStatusItem = _NEW(InstanceStatusItem)
    _ITEM_ID(item, instance_id)
    _ITEM_STATUS(item, status)
    return item


_EVENT = tuple(
    _slot(TransitionEvent, name)
    for name in ("instance_id", "source", "dest", "cause", "time", "request_id", "data_loss")
)


def transition_event(
    instance_id: str,
    source: InstanceStatus | None,
    dest: InstanceStatus | None,
    cause: str,
    time: float,
    request_id: str,
    data_loss: DataLossCause | None,
) -> TransitionEvent:
    """``TransitionEvent(...)`` with the fields in order, built directly: every
    subscribed call makes one or two (a served call, for the trace)."""
    event: TransitionEvent = _NEW(TransitionEvent)
    set_id, set_source, set_dest, set_cause, set_time, set_request, set_loss = _EVENT
    set_id(event, instance_id)
    set_source(event, source)
    set_dest(event, dest)
    set_cause(event, cause)
    set_time(event, time)
    set_request(event, request_id)
    set_loss(event, data_loss)
    return event


_STATUS_PAGE = tuple(
    _slot(DescribeInstanceStatusResponse, name)
    for name in ("request_id", "page_number", "page_size", "total_count", "instance_statuses")
)


def status_page(
    request_id: str,
    page_number: int,
    page_size: int,
    total_count: int,
    instance_statuses: tuple[InstanceStatusItem, ...],
) -> DescribeInstanceStatusResponse:
    """``DescribeInstanceStatusResponse(...)`` with the fields in order, built directly."""
    page: DescribeInstanceStatusResponse = _NEW(DescribeInstanceStatusResponse)
    request, number, size, total, items = _STATUS_PAGE
    request(page, request_id)
    number(page, page_number)
    size(page, page_size)
    total(page, total_count)
    items(page, instance_statuses)
    return page


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceView:
    """Everything the model knows about one instance, at one moment.

    Attributes:
        instance_id: The instance id.
        status: One of the five documented statuses.
        instance_type: For example ``ecs.d1.2xlarge``.
        family: The instance type family, for example ``d1``.
        charge_type: PrePaid (subscription) or PostPaid (pay-as-you-go).
        expired_time: A PrePaid instance's subscription end on the model's clock;
            ``None`` for PostPaid.
        lock_reasons: ``OperationLocks.LockReason`` values, e.g. ``("security",)``.
        has_local_disk: Whether the instance has local disks.
        cloud_disk_abnormal: Whether a cloud disk is in an abnormal status.
        local_disk_abnormal: Whether a local disk is in an abnormal status.
        stopped_mode: ``KeepCharging``/``StopCharging`` once stopped by StopInstance,
            ``None`` otherwise.
        settles_at: When the current transitory status ends, or ``None`` if stable.
        data_losses: Every loss of data so far, oldest first.
        auto_renew: ``(AutoRenewPeriod, PeriodUnit)`` when created with AutoRenew=true.
    """

    instance_id: str
    status: InstanceStatus
    instance_type: str
    family: str
    charge_type: ChargeType
    expired_time: float | None
    lock_reasons: tuple[str, ...]
    has_local_disk: bool
    cloud_disk_abnormal: bool
    local_disk_abnormal: bool
    stopped_mode: StoppedMode | None
    settles_at: float | None
    data_losses: tuple[DataLoss, ...]
    #: ``(AutoRenewPeriod, PeriodUnit)`` of a PrePaid instance created with
    #: AutoRenew=true, else ``None``. The model records it; the platform's renewal is
    #: a RenewInstance your simulator makes (``lifecycle.simulation`` does).
    auto_renew: tuple[int, str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountView:
    """The account's billing state, as the rules read it.

    Attributes:
        balance: The account balance.
        minimum_start_balance: A PostPaid instance cannot start while the balance
            is below this (``InsufficientBalance``).
        in_arrears: Overdue payment: PostPaid instances answer ``InstanceExpired``
            (Start) or ``InstanceExpiredOrInArrears`` (Stop).
    """

    balance: Decimal
    minimum_start_balance: Decimal
    in_arrears: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceAttributes:
    """One instance as DescribeInstances and DescribeInstanceAttribute show it.

    Only the documented fields the model knows; times are ``yyyy-MM-ddTHH:mmZ``
    in UTC on the model's epoch (model time 0 is 2026-01-01T00:00Z).

    Attributes:
        instance_name: ``InstanceName``: the name it was created with, else its id.
        start_time: The last time it entered Starting; ``None`` if it never started.
        lock_reasons: ``OperationLocks.LockReason[].LockReason`` values.
    """

    instance_id: str
    instance_name: str
    status: InstanceStatus
    instance_charge_type: ChargeType
    instance_type: str
    instance_type_family: str
    expired_time: str
    stopped_mode: str
    lock_reasons: tuple[str, ...]
    creation_time: str
    start_time: str | None
    region_id: str
    zone_id: str

    def to_dict(self, *, start_time: bool = True, family: bool = True) -> dict[str, object]:
        """The documented fields, as the API spells them."""
        body: dict[str, object] = {
            "InstanceId": self.instance_id,
            "InstanceName": self.instance_name,
            "Status": self.status.value,
            "InstanceChargeType": self.instance_charge_type.value,
            "InstanceType": self.instance_type,
        }
        if family:
            body["InstanceTypeFamily"] = self.instance_type_family
        body["ExpiredTime"] = self.expired_time
        body["StoppedMode"] = self.stopped_mode
        body["OperationLocks"] = {
            "LockReason": [{"LockReason": reason} for reason in self.lock_reasons]
        }
        body["CreationTime"] = self.creation_time
        if start_time and self.start_time is not None:
            body["StartTime"] = self.start_time
        body["RegionId"] = self.region_id
        body["ZoneId"] = self.zone_id
        return body


(
    _A_ID,
    _A_NAME,
    _A_STATUS,
    _A_CHARGE,
    _A_TYPE,
    _A_FAMILY,
    _A_EXPIRED,
    _A_MODE,
    _A_LOCKS,
    _A_CREATED,
    _A_STARTED,
    _A_REGION,
    _A_ZONE,
) = (_slot(InstanceAttributes, name) for name in InstanceAttributes.__slots__)


def instance_attributes(
    instance_id: str,
    instance_name: str,
    status: InstanceStatus,
    instance_charge_type: ChargeType,
    instance_type: str,
    instance_type_family: str,
    expired_time: str,
    stopped_mode: str,
    lock_reasons: tuple[str, ...],
    creation_time: str,
    start_time: str | None,
    region_id: str,
    zone_id: str,
) -> InstanceAttributes:
    """``InstanceAttributes(...)`` with the fields in declaration order, built directly."""
    item: InstanceAttributes = _NEW(InstanceAttributes)
    _A_ID(item, instance_id)
    _A_NAME(item, instance_name)
    _A_STATUS(item, status)
    _A_CHARGE(item, instance_charge_type)
    _A_TYPE(item, instance_type)
    _A_FAMILY(item, instance_type_family)
    _A_EXPIRED(item, expired_time)
    _A_MODE(item, stopped_mode)
    _A_LOCKS(item, lock_reasons)
    _A_CREATED(item, creation_time)
    _A_STARTED(item, start_time)
    _A_REGION(item, region_id)
    _A_ZONE(item, zone_id)
    return item


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribeInstancesResponse:
    """A page of DescribeInstances.

    ``page_number`` is ``None`` in token mode (``MaxResults``/``NextToken``);
    ``next_token`` is ``""`` on the last page.
    """

    request_id: str
    total_count: int
    page_number: int | None
    page_size: int
    next_token: str
    instances: tuple[InstanceAttributes, ...]

    def to_dict(self) -> dict[str, object]:
        """The documented response body."""
        body: dict[str, object] = {"RequestId": self.request_id, "TotalCount": self.total_count}
        if self.page_number is not None:
            body["PageNumber"] = self.page_number
        body["PageSize"] = self.page_size
        body["NextToken"] = self.next_token
        body["Instances"] = {"Instance": [item.to_dict() for item in self.instances]}
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribeInstanceAttributeResponse:
    """DescribeInstanceAttribute: one instance's attributes, flat beside the RequestId."""

    request_id: str
    instance: InstanceAttributes

    def to_dict(self) -> dict[str, object]:
        """The documented response body (no StartTime or InstanceTypeFamily: not documented)."""
        return {
            "RequestId": self.request_id,
            **self.instance.to_dict(start_time=False, family=False),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceResponse:
    """One ``InstanceResponses.InstanceResponse`` entry of a batch action.

    ``code`` is ``"200"`` and ``message`` ``"success"`` for an instance that
    moved; otherwise the single action's error code and message. The statuses
    are ``None`` for an id that names no instance.
    """

    instance_id: str
    code: str
    message: str
    previous_status: InstanceStatus | None
    current_status: InstanceStatus | None

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "Code": self.code,
            "Message": self.message,
            "InstanceId": self.instance_id,
        }
        if self.previous_status is not None:
            body["PreviousStatus"] = self.previous_status.value
            body["CurrentStatus"] = str(self.current_status)
        return body


_RESPONSE_ID, _RESPONSE_CODE, _RESPONSE_MESSAGE, _RESPONSE_BEFORE, _RESPONSE_AFTER = (
    _slot(InstanceResponse, name)
    for name in ("instance_id", "code", "message", "previous_status", "current_status")
)


def instance_response(
    instance_id: str,
    code: str,
    message: str,
    previous_status: InstanceStatus | None,
    current_status: InstanceStatus | None,
) -> InstanceResponse:
    """``InstanceResponse(...)`` with the fields in order, built directly."""
    response: InstanceResponse = _NEW(InstanceResponse)
    _RESPONSE_ID(response, instance_id)
    _RESPONSE_CODE(response, code)
    _RESPONSE_MESSAGE(response, message)
    _RESPONSE_BEFORE(response, previous_status)
    _RESPONSE_AFTER(response, current_status)
    return response


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchResponse:
    """StartInstances, StopInstances or RebootInstances: one entry per instance, in order."""

    request_id: str
    instance_responses: tuple[InstanceResponse, ...]

    def to_dict(self) -> dict[str, object]:
        """The documented response body."""
        return {
            "RequestId": self.request_id,
            "InstanceResponses": {
                "InstanceResponse": [item.to_dict() for item in self.instance_responses]
            },
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInstancesResponse:
    """RunInstances: the new instances' ids, in order, and (PrePaid) the order.

    ``trade_price`` is what the subscriptions cost (``0.0`` for PostPaid);
    ``order_id`` is ``None`` for PostPaid, as the docs say.
    """

    request_id: str
    instance_ids: tuple[str, ...]
    order_id: str | None
    trade_price: float

    def to_dict(self) -> dict[str, object]:
        """The documented response body (``InstanceIdSets.InstanceIdSet``, a flat list)."""
        body: dict[str, object] = {
            "RequestId": self.request_id,
            "InstanceIdSets": {"InstanceIdSet": list(self.instance_ids)},
        }
        if self.order_id is not None:
            body["OrderId"] = self.order_id
        body["TradePrice"] = self.trade_price
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateInstanceResponse:
    """CreateInstance: the new instance's id and (PrePaid) the order."""

    request_id: str
    instance_id: str
    order_id: str | None
    trade_price: float

    def to_dict(self) -> dict[str, object]:
        """The documented response body."""
        body: dict[str, object] = {"RequestId": self.request_id, "InstanceId": self.instance_id}
        if self.order_id is not None:
            body["OrderId"] = self.order_id
        body["TradePrice"] = self.trade_price
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewInstanceResponse:
    """RenewInstance: the renewal's order."""

    request_id: str
    order_id: str

    def to_dict(self) -> dict[str, object]:
        """The documented response body."""
        return {"RequestId": self.request_id, "OrderId": self.order_id}
