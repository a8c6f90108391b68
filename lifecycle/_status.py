"""The vocabulary: instance statuses, actions, charge types and disk kinds."""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidArgument


class InstanceStatus(StrEnum):
    """The five values DescribeInstanceStatus documents for ``Status``.

    Expiry, arrears and locks are not statuses: the docs express them as
    ``OperationLocks`` and billing fields beside a ``Stopped`` or ``Running``
    status, and so does this model.
    """

    PENDING = "Pending"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


class Action(StrEnum):
    """The ECS API actions the model answers, by their documented names."""

    START_INSTANCE = "StartInstance"
    REBOOT_INSTANCE = "RebootInstance"
    STOP_INSTANCE = "StopInstance"
    DESCRIBE_INSTANCE_STATUS = "DescribeInstanceStatus"
    DESCRIBE_INSTANCES = "DescribeInstances"
    DESCRIBE_INSTANCE_ATTRIBUTE = "DescribeInstanceAttribute"
    START_INSTANCES = "StartInstances"
    STOP_INSTANCES = "StopInstances"
    REBOOT_INSTANCES = "RebootInstances"
    RUN_INSTANCES = "RunInstances"
    CREATE_INSTANCE = "CreateInstance"
    DELETE_INSTANCE = "DeleteInstance"
    DELETE_INSTANCES = "DeleteInstances"
    RENEW_INSTANCE = "RenewInstance"
    REACTIVATE_INSTANCES = "ReActivateInstances"


def resolve_action(value: object) -> Action:
    """``value`` as an ``Action``, or ``InvalidArgument`` naming the actions there are."""
    if isinstance(value, Action):
        return value
    found = _ACTIONS_BY_NAME.get(value) if isinstance(value, str) else None
    if found is not None:
        return found
    known = ", ".join(action.value for action in Action)
    raise InvalidArgument(f"action={value!r}: unknown; the model answers {known}")


_ACTIONS_BY_NAME = {action.value: action for action in Action}


class ChargeType(StrEnum):
    """``InstanceChargeType``: subscription (PrePaid) or pay-as-you-go (PostPaid)."""

    PREPAID = "PrePaid"
    POSTPAID = "PostPaid"


class DiskKind(StrEnum):
    """Which disks of an instance a fault applies to.

    ``InitLocalDisk`` can only recover *local* disks, so the model keeps the
    two kinds apart; every other rule only asks "is any disk abnormal?".
    """

    CLOUD = "cloud"
    LOCAL = "local"


class StoppedMode(StrEnum):
    """StopInstance's ``StoppedMode`` values.

    ``Not-applicable`` is what DescribeInstances shows for an instance no
    StopInstance stopped; a client that sends it back (Terraform does) asks
    for no mode in particular, which is ``KeepCharging``.
    """

    KEEP_CHARGING = "KeepCharging"
    STOP_CHARGING = "StopCharging"
    NOT_APPLICABLE = "Not-applicable"


class DataLossCause(StrEnum):
    """Why data on an instance was lost."""

    #: ``ForceStop=true``: "equivalent to a power-off operation. Cache data that is
    #: not written to storage devices on the instance is lost."
    FORCE_STOP = "ForceStop"
    #: ``InitLocalDisk=true`` recovered an abnormal local disk to its previous
    #: normal status: "The accumulated data starting from the previous normal
    #: status is overwritten."
    INIT_LOCAL_DISK = "InitLocalDisk"
