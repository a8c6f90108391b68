"""Everything the model raises.

The tree::

    LifecycleError                 (never raised itself)
    ├── ApiError          the documented ECS outcome of a rejected call: code,
    │                     message and HTTP status, as the API docs list them
    ├── InvalidArgument   the Python caller misused the library (wrong type, unknown
    │                     parameter name, impossible fault); never an ECS outcome;
    │                     also a TypeError and a ValueError
    ├── SnapshotError     a snapshot is corrupted, truncated or of an unknown
    │                     format; also a ValueError
    └── SpecError         the library's own tables are inconsistent: a bug here

``ApiError`` is what a real ECS endpoint would answer; catch it the way you
would catch the SDK's exception. ``InvalidArgument`` tells you how to fix a
call that no ECS endpoint would ever see. Keeping them apart means a test
harness can never mistake its own mistake for a documented behaviour.
"""

from __future__ import annotations

from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ._status import Action

__all__ = [
    "ApiError",
    "ErrorCode",
    "InvalidArgument",
    "LifecycleError",
    "SnapshotError",
    "SpecError",
]


class ErrorCode(StrEnum):
    """Every ECS error code the model can answer, spelled as the docs spell it.

    The *message* and *HTTP status* are not attributes of the code: the seeds
    give the same code different ones per action (``DiskError`` is 403 "Incorrect
    Disk Status" for StartInstance, 403 "IncorrectDiskStatus." for
    RebootInstance and 400 for StopInstance). They live in the per-action
    catalogue, ``lifecycle.error_table(action)``, and on every ``ApiError``.
    """

    # Common errors: bad input, dry runs, injected failures.
    MISSING_PARAMETER = "MissingParameter"
    INVALID_PARAMETER = "InvalidParameter"
    DRY_RUN_OPERATION = "DryRunOperation"
    INTERNAL_ERROR = "InternalError"
    THROTTLING = "Throttling"
    # Instance and account conditions, from the actions' error tables.
    INVALID_INSTANCE_ID_NOT_FOUND = "InvalidInstanceId.NotFound"
    INSTANCE_NOT_READY = "InstanceNotReady"
    INSTANCE_LOCKED_FOR_SECURITY = "InstanceLockedForSecurity"
    INSTANCE_EXPIRED = "InstanceExpired"
    INSTANCE_EXPIRED_OR_IN_ARREARS = "InstanceExpiredOrInArrears"
    INSUFFICIENT_BALANCE = "InsufficientBalance"
    INCORRECT_INSTANCE_STATUS = "IncorrectInstanceStatus"
    DISK_ERROR = "DiskError"
    TOO_MANY_INSTANCE_IDS = "InvalidParameter.TooManyInstanceIds"
    INVALID_INSTANCE_IDS_MALFORMED = "Abs.InvalidInstanceIds.MalFormed"
    # The batch actions' own answers.
    DRYRUN_SUCCESS = "DRYRUN.SUCCESS"
    INVALID_INSTANCE_IDS_NOT_FOUND = "InvalidInstanceIds.NotFound"
    # DescribeInstances' filter values.
    INVALID_STATUS_NOT_FOUND = "InvalidStatus.NotFound"
    INVALID_INSTANCE_CHARGE_TYPE_NOT_FOUND = "InvalidInstanceChargeType.NotFound"
    INVALID_LOCK_REASON_NOT_FOUND = "InvalidLockReason.NotFound"
    # Creation: RunInstances and CreateInstance.
    MISSING_PERIOD = "MissingParamter"  # sic: the docs' spelling, which the API answers
    INVALID_PERIOD = "InvalidPeriod"
    INVALID_PERIOD_TYPE = "InvalidPeriodType.ValueNotSupported"
    INVALID_AUTO_RENEW_PERIOD = "InvalidAutoRenewPeriod.ValueNotSupported"
    INVALID_AUTO_PAY = "InvalidAutoPay.PostPaidUnsupported"
    INVALID_MIN_AMOUNT = "InvalidMinAmount.Malformed"
    INVALID_INSTANCE_NAME = "InvalidInstanceName.Malformed"
    INVALID_INSTANCE_TYPE = "InvalidInstanceType.ValueNotSupported"
    INVALID_ZONE_ID = "InvalidZoneId.NotFound"
    INVALID_CLIENT_TOKEN = "InvalidClientToken.ValueNotSupported"
    IDEMPOTENT_PARAMETER_MISMATCH = "IdempotentParameterMismatch"
    ACCOUNT_ARREARAGE = "Account.Arrearage"
    NO_STOCK = "OperationDenied.NoStock"
    INVALID_CHARGE_TYPE_FOR_PROTECTION = "InvalidChargeType.ValueNotSupported"
    # Deletion: DeleteInstance and DeleteInstances.
    INCORRECT_INSTANCE_STATUS_INITIALIZING = "IncorrectInstanceStatus.Initializing"
    CHARGE_TYPE_VIOLATION = "ChargeTypeViolation"
    DELETION_PROTECTION = "InvalidOperation.DeletionProtection"
    # RenewInstance.
    INVALID_PERIOD_UNIT = "InvalidPeriodUnit.ValueNotSupported"
    INVALID_PERIOD_NOT_FOUND = "InvalidPeriod.NotFound"
    INVALID_EXPECTED_RENEW_DAY_CONFLICT = "InvalidExpectedRenewDay.Conflict"
    INVALID_EXPECTED_RENEW_DAY = "InvalidExpectedRenewDay.ValueNotSupported"
    IDEMPOTENCE_PARAM_NOT_MATCH = "IdempotenceParamNotMatch"
    # ReActivateInstances.
    INVALID_PAY_TYPE = "InvalidPayType.NotSupport"
    REOPEN_STATUS_NOT_VALID = "ReopenInstance.InstanceStatusNotValid"
    REOPEN_NOT_ENOUGH_BALANCE = "ReopenInstance.InstanceNotEnoughBalance"


class LifecycleError(Exception):
    """The root of every exception this library raises on purpose."""

    def __init__(self, *args: object) -> None:
        if type(self) is LifecycleError:
            raise TypeError("LifecycleError is abstract; raise one of its subclasses")
        super().__init__(*args)


class ApiError(LifecycleError):
    """A call the ECS API rejects, carrying exactly what the API would answer.

    Attributes:
        action: The action that was called.
        code: The documented error code.
        http_status: The documented HTTP status for this code *in this action*.
        message: The documented message for this code in this action.
        request_id: The ``RequestId`` of the rejected call (seeded, reproducible).
    """

    action: Action
    code: ErrorCode
    http_status: int
    message: str
    request_id: str

    def __init__(
        self,
        *,
        action: Action,
        code: ErrorCode,
        http_status: int,
        message: str,
        request_id: str,
    ) -> None:
        super().__init__(f"{http_status} {code.value}: {message} (RequestId: {request_id})")
        self.action = action
        self.code = code
        self.http_status = http_status
        self.message = message
        self.request_id = request_id

    @classmethod
    def deferred(
        cls, action: Action, code: ErrorCode, request: int, parameter: str | None
    ) -> ApiError:
        """The error for ``code`` in ``action``, its fields worked out on first read.

        The model rejects millions of calls in a simulation and most errors are
        caught and dropped unread; formatting the RequestId and the text was most
        of a rejection's cost. Every field, ``str()``, ``repr()``, ``args`` and
        pickling give exactly what the eager error would.
        """
        # BaseException's own __new__, which only fills the args slot: until the first
        # read, the slot holds the raw answer behind a private marker (no __dict__ is
        # made, which halves what raising it costs). _raw reads that layout back.
        return _NEW(cls, _DEFERRED, action, code, request, parameter)

    if TYPE_CHECKING:  # mypy sees the declared fields, not a catch-all
        pass
    else:

        def __getattr__(self, name: str) -> object:
            # Only called when normal lookup fails: a deferred error's unread field.
            if name in _FIELDS and _raw(self) is not None:
                self._resolve()
                return self.__dict__[name]
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
            )

    def _resolve(self) -> None:
        """Work out a deferred error's fields and text (idempotent, so thread-safe)."""
        raw = _raw(self)  # read once: another thread may resolve it meanwhile
        if raw is None:
            return
        # Imported here: both modules import this one.
        from ._rules import api_error  # noqa: PLC0415
        from ._views import format_request_id  # noqa: PLC0415

        _, action, code, request, parameter = raw
        eager = api_error(action, code, format_request_id(request), parameter)
        for name in _FIELDS:
            self.__dict__[name] = eager.__dict__[name]
        _ARGS.__set__(self, _ARGS.__get__(eager))  # last: the fields are there before it

    @property
    def args(self) -> tuple[object, ...]:
        """As for any exception: here ``(str(self),)``."""
        self._resolve()
        return _ARGS.__get__(self)  # type: ignore[no-any-return]

    @args.setter
    def args(self, value: tuple[object, ...]) -> None:
        self._resolve()  # so a later read does not overwrite the caller's value
        _ARGS.__set__(self, value)

    def __str__(self) -> str:
        args = self.args  # BaseException.__str__ reads the slot, not the property
        if not args:
            return ""
        return str(args[0]) if len(args) == 1 else str(args)

    def __reduce__(self) -> tuple[object, ...]:
        # The default reduction would call __init__ with args positionally, which it refuses.
        return (_rebuild, (self.action, self.code, self.http_status, self.message, self.request_id))

    def __repr__(self) -> str:
        return (
            f"ApiError(action={self.action.value!r}, code={self.code.value!r}, "
            f"http_status={self.http_status}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )

    def to_dict(self) -> dict[str, str]:
        """The documented error body fields (``RequestId``, ``Code``, ``Message``)."""
        return {"RequestId": self.request_id, "Code": self.code.value, "Message": self.message}


_NEW = BaseException.__new__
#: BaseException's own ``args`` slot, under ApiError's property.
_ARGS = BaseException.__dict__["args"]
_FIELDS = ("action", "code", "http_status", "message", "request_id")


class _Deferred:
    """The marker that opens a deferred error's args slot (never seen once read)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<deferred ApiError>"


_DEFERRED: Final = _Deferred()


#: ``ApiError.deferred(action, code, request, parameter)`` without the method call, for
#: the model's hottest refusals (a C-level partial: about 25 ns less than the method).
_deferred_error: Final = partial(_NEW, ApiError, _DEFERRED)


def _raw(error: BaseException) -> tuple[_Deferred, Action, ErrorCode, int, str | None] | None:
    """A deferred error's raw answer (marker, action, code, request number, the
    parameter a message names); None once its fields are worked out."""
    args = _ARGS.__get__(error)
    return args if args and args[0] is _DEFERRED else None


def _rebuild(
    action: Action, code: ErrorCode, http_status: int, message: str, request_id: str
) -> ApiError:
    return ApiError(
        action=action, code=code, http_status=http_status, message=message, request_id=request_id
    )


class InvalidArgument(LifecycleError, TypeError, ValueError):
    """The library was called in a way no ECS request could express.

    Raised for wrong Python types, unknown parameter names, unknown instance ids
    in fault-injection methods, and impossible configurations. The message names
    the argument and says what would be accepted.
    """


class SnapshotError(LifecycleError, ValueError):
    """Bytes that ``EcsModel.restore`` refuses: not a snapshot, an unknown format
    version, truncated, or corrupted. The message says which; no model is made."""


class SpecError(LifecycleError):
    """The model's own tables disagree with each other: a bug in this library."""
