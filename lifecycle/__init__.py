"""lifecycle: an executable reference model of the Alibaba Cloud ECS instance lifecycle.

The public API is this module's ``__all__``; everything in ``lifecycle._*`` is
private and may change without notice. ``lifecycle.errors`` is public too.
"""

from ._clock import Clock, ManualClock
from ._faults import FaultKind, FaultRule, FaultState
from ._machine import mermaid_diagram, reference_transition
from ._mock import MockEcs, UnservedRequest, mock_ecs
from ._model import EcsModel, Response, Subscriber
from ._rules import error_table, ignored_parameters, precedence
from ._spec import Check, ErrorEntry
from ._status import Action, ChargeType, DataLossCause, DiskKind, InstanceStatus, StoppedMode
from ._timing import Duration, Durations, Exponential, Fixed, Uniform
from ._version import __version__
from ._views import (
    AccountView,
    ActionResponse,
    BatchResponse,
    CreateInstanceResponse,
    DataLoss,
    DescribeInstanceAttributeResponse,
    DescribeInstancesResponse,
    DescribeInstanceStatusResponse,
    Event,
    FaultEvent,
    InstanceAttributes,
    InstanceResponse,
    InstanceStatusItem,
    InstanceView,
    RenewInstanceResponse,
    RunInstancesResponse,
    TransitionEvent,
)
from .errors import (
    ApiError,
    ErrorCode,
    InvalidArgument,
    LifecycleError,
    SnapshotError,
    SpecError,
)

__all__ = [
    "AccountView",
    "Action",
    "ActionResponse",
    "ApiError",
    "BatchResponse",
    "ChargeType",
    "Check",
    "Clock",
    "CreateInstanceResponse",
    "DataLoss",
    "DataLossCause",
    "DescribeInstanceAttributeResponse",
    "DescribeInstanceStatusResponse",
    "DescribeInstancesResponse",
    "DiskKind",
    "Duration",
    "Durations",
    "EcsModel",
    "ErrorCode",
    "ErrorEntry",
    "Event",
    "Exponential",
    "FaultEvent",
    "FaultKind",
    "FaultRule",
    "FaultState",
    "Fixed",
    "InstanceAttributes",
    "InstanceResponse",
    "InstanceStatus",
    "InstanceStatusItem",
    "InstanceView",
    "InvalidArgument",
    "LifecycleError",
    "ManualClock",
    "MockEcs",
    "RenewInstanceResponse",
    "Response",
    "RunInstancesResponse",
    "SnapshotError",
    "SpecError",
    "StoppedMode",
    "Subscriber",
    "TransitionEvent",
    "Uniform",
    "UnservedRequest",
    "__version__",
    "error_table",
    "ignored_parameters",
    "mermaid_diagram",
    "mock_ecs",
    "precedence",
    "reference_transition",
]

# Present every public name as lifecycle.X in reprs and tracebacks (as httpx does).
for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith("lifecycle._"):
        _obj.__module__ = "lifecycle"
del _name, _obj
