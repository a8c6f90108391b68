"""The tables: every documented rule of the model, as data.

Rule 1: every rule that decides an outcome lives here. Which statuses an
action accepts, where it leads, which checks it runs in which order, what each
failure answers (code, HTTP status, message) and what a success destroys are
all rows below. ``_machine.py`` turns ``TRANSITIONS`` into a
``transitions.Machine`` and compiles that machine into the lookup table the
model runs on; ``_rules.py`` evaluates ``PRECEDENCE``; ``_model.py`` only
moves records between statuses. Nothing outside this module may decide an
outcome. ``specs/`` holds the same facts for human review, and the test suite
proves the two agree field by field.

Theory of operation. A call is decided in two steps:

1. *Facts.* The instance's condition at the call's time is folded into a set
   of boolean ``Fact`` flags (is it security-locked? is its subscription past
   ``ExpiredTime`` on the model's clock? is any disk abnormal? ...). Facts that
   depend on the request (``LOCAL_DISK_RECOVERABLE``) are folded in too.
2. *Precedence.* The action's ``PRECEDENCE`` row is walked in order. Each
   check either passes or yields its documented ``ErrorCode``; the first
   failure wins. The ``STATUS`` check asks the compiled state machine whether
   the action's trigger is valid from the current status.

When several rules fail at once the docs do not say which error wins, so
the order below is *our* documented decision (docs/rules.md, "Precedence"):
parameters, injected faults, dry run, existence, readiness, security lock,
expiry, balance, status, disks. It is explicitly prioritised the same way for
every action, and an action simply omits the checks its table does not list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag, StrEnum
from typing import TYPE_CHECKING, Final

from ._status import Action, DataLossCause, InstanceStatus
from .errors import ErrorCode

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

S = InstanceStatus

# ---------------------------------------------------------------------------
# Sources, cited by every row below.
# ---------------------------------------------------------------------------
SEED_START: Final = "seed StartInstance (shared/seeds/000_dcf881e23a2d316e.txt)"
SEED_REBOOT: Final = "seed RebootInstance (shared/seeds/004_64225c956ad09235.txt)"
_DOCS: Final = "https://www.alibabacloud.com/help/en/ecs/developer-reference/"
DOC_STOP: Final = _DOCS + "api-ecs-2014-05-26-stopinstance"
DOC_REBOOT: Final = _DOCS + "api-ecs-2014-05-26-rebootinstance"
DOC_DESCRIBE: Final = _DOCS + "api-ecs-2014-05-26-describeinstancestatus"
DOC_DESCRIBE_INSTANCES: Final = _DOCS + "api-ecs-2014-05-26-describeinstances"
DOC_DESCRIBE_ATTRIBUTE: Final = _DOCS + "api-ecs-2014-05-26-describeinstanceattribute"
DOC_START_BATCH: Final = _DOCS + "api-ecs-2014-05-26-startinstances"
DOC_STOP_BATCH: Final = _DOCS + "api-ecs-2014-05-26-stopinstances"
DOC_REBOOT_BATCH: Final = _DOCS + "api-ecs-2014-05-26-rebootinstances"
DOC_RUN: Final = _DOCS + "api-ecs-2014-05-26-runinstances"
DOC_CREATE: Final = _DOCS + "api-ecs-2014-05-26-createinstance"
DOC_DELETE: Final = _DOCS + "api-ecs-2014-05-26-deleteinstance"
DOC_DELETE_BATCH: Final = _DOCS + "api-ecs-2014-05-26-deleteinstances"
DOC_RENEW: Final = _DOCS + "api-ecs-2014-05-26-renewinstance"
DOC_REACTIVATE: Final = _DOCS + "api-ecs-2014-05-26-reactivateinstances"
DOC_IDEMPOTENCE: Final = "https://www.alibabacloud.com/help/en/doc-detail/25693.html"
DOC_COMMON: Final = "ECS common error codes (API Error Center, ecs-api-facts.md section 3.6)"

# ---------------------------------------------------------------------------
# Statuses and transitions. The transitions.Machine built from this list is
# the single source of truth for "which status may an action leave from, and
# where does it go". ``auto_transitions`` stays off: no path skips a check.
# ---------------------------------------------------------------------------
#: The guards each action's transition names as ``conditions``, in the order the
#: engine evaluates them. Each is a fact check of ``PRECEDENCE`` (its clauses and
#: its error live there); ``_rules.compile_precedence`` refuses a precedence row
#: whose fact checks are not exactly its transition's guards.
START_GUARDS: Final = ("not_pending", "not_security_locked", "not_expired", "balance", "disks")
REBOOT_GUARDS: Final = ("not_security_locked", "disks")
STOP_GUARDS: Final = ("not_security_locked", "not_expired", "disks")
#: RunInstances and CreateInstance: the account, the price and the stock.
CREATE_GUARDS: Final = ("not_in_arrears", "balance", "in_stock")
#: DeleteInstance (with or without ``Force``); DeleteInstances per instance.
DELETE_GUARDS: Final = ("not_pending", "not_deletion_protected", "charge_type")
RENEW_GUARDS: Final = ("not_security_locked", "charge_type", "balance")
REACTIVATE_GUARDS: Final = ("charge_type", "not_security_locked", "overdue_stopped", "balance")

#: The machine's two states that are not API statuses: before creation and after
#: release. No instance is ever shown in either: an instance in ``Released`` is
#: gone (``InvalidInstanceId.NotFound`` to every action, absent from every list).
NEW: Final = "New"
RELEASED: Final = "Released"
#: The statuses a forced DeleteInstance releases from, and RenewInstance renews in.
_SETTLED_OR_MOVING: Final = (
    S.STARTING.value,
    S.RUNNING.value,
    S.STOPPING.value,
    S.STOPPED.value,
)


def _renew(status: str) -> TransitionConfigDict:
    return {"trigger": "renew", "source": status, "dest": status, "conditions": [*RENEW_GUARDS]}


TRANSITIONS: Final[list[TransitionConfigDict]] = [
    # "A created instance is Pending until its creation completes, then Stopped."
    {"trigger": "finish_creating", "source": S.PENDING.value, "dest": S.STOPPED.value},
    # StartInstance: "You can only run this interface when the instance is in
    # Stopped status. After you run this interface successfully, the specified
    # instance is in Starting status." (seed)
    {
        "trigger": "start",
        "source": S.STOPPED.value,
        "dest": S.STARTING.value,
        "conditions": [*START_GUARDS],
    },
    {"trigger": "finish_starting", "source": S.STARTING.value, "dest": S.RUNNING.value},
    # RebootInstance: "You can only restart an ECS instance that is in the
    # Running status. After an ECS instance is restarted, its intermediate
    # status is Starting." (seed; the current RebootInstances example shows
    # Stopping instead, recorded in specs/lifecycle.toml)
    {
        "trigger": "reboot",
        "source": S.RUNNING.value,
        "dest": S.STARTING.value,
        "conditions": [*REBOOT_GUARDS],
    },
    # StopInstance: "sets the status ... to Stopping. When the status changes
    # to Stopped, the instance is stopped." (current docs)
    {
        "trigger": "stop",
        "source": S.RUNNING.value,
        "dest": S.STOPPING.value,
        "conditions": [*STOP_GUARDS],
    },
    {"trigger": "finish_stopping", "source": S.STOPPING.value, "dest": S.STOPPED.value},
    # RunInstances: "the instances are created and then started ... Pending, then
    # Starting, then Running" (RunInstances; Instance states appendix).
    {"trigger": "run", "source": NEW, "dest": S.PENDING.value, "conditions": [*CREATE_GUARDS]},
    {"trigger": "finish_launching", "source": S.PENDING.value, "dest": S.STARTING.value},
    # CreateInstance: "the instance is in the Stopped state after it is created" (CreateInstance).
    {
        "trigger": "create",
        "source": NEW,
        "dest": S.PENDING.value,
        "conditions": [*CREATE_GUARDS],
    },
    # DeleteInstance: "Force=false: only an instance in the Stopped state can be released;
    # Force=true: an instance in the Running state is forcibly released" (DeleteInstance).
    # The docs name no status during release: the model releases at once (specs/).
    {
        "trigger": "delete",
        "source": S.STOPPED.value,
        "dest": RELEASED,
        "conditions": [*DELETE_GUARDS],
    },
    {
        "trigger": "force_delete",
        "source": [*_SETTLED_OR_MOVING],
        "dest": RELEASED,
        "conditions": [*DELETE_GUARDS],
    },
    # RenewInstance extends the subscription and leaves the status as it is...
    *[_renew(status) for status in _SETTLED_OR_MOVING],
    # ... except that an instance the platform stopped at expiry "can automatically
    # restart after renewal" (billing renewal guide): a platform move, no guards.
    {"trigger": "resume", "source": S.STOPPED.value, "dest": S.STARTING.value},
    # ReActivateInstances: "After the call, the instance enters the Starting state" (2021).
    {
        "trigger": "reactivate",
        "source": S.STOPPED.value,
        "dest": S.STARTING.value,
        "conditions": [*REACTIVATE_GUARDS],
    },
]

INITIAL_STATUS: Final = NEW

#: The trigger each mutating action fires.
ACTION_TRIGGERS: Final[dict[Action, str]] = {
    Action.START_INSTANCE: "start",
    Action.REBOOT_INSTANCE: "reboot",
    Action.STOP_INSTANCE: "stop",
    Action.RUN_INSTANCES: "run",
    Action.CREATE_INSTANCE: "create",
    Action.DELETE_INSTANCE: "delete",
    Action.DELETE_INSTANCES: "delete",
    Action.RENEW_INSTANCE: "renew",
    Action.REACTIVATE_INSTANCES: "reactivate",
}
#: The trigger an action fires instead when the request forces it (DeleteInstance ``Force``).
FORCED_TRIGGERS: Final[dict[Action, str]] = {
    Action.DELETE_INSTANCE: "force_delete",
    Action.DELETE_INSTANCES: "force_delete",
}
#: What a RunInstances instance's Pending settles with (CreateInstance's: ``finish_creating``).
LAUNCH_SETTLE: Final = "finish_launching"
#: What renewing an instance the platform stopped at expiry fires after ``renew``.
RESUME: Final = "resume"

#: The batch actions and the single action that decides each of their instances:
#: "each instance obeys exactly the preconditions and precedence of the single action".
BATCH_OF: Final[dict[Action, Action]] = {
    Action.START_INSTANCES: Action.START_INSTANCE,
    Action.STOP_INSTANCES: Action.STOP_INSTANCE,
    Action.REBOOT_INSTANCES: Action.REBOOT_INSTANCE,
}

#: The trigger the clock fires when an instance's time in a transitory status is up.
SETTLE_TRIGGERS: Final[dict[InstanceStatus, str]] = {
    S.PENDING: "finish_creating",
    S.STARTING: "finish_starting",
    S.STOPPING: "finish_stopping",
}


# ---------------------------------------------------------------------------
# Facts: the condition of an instance at the moment of a call.
# ---------------------------------------------------------------------------
class Fact(IntFlag):
    """One boolean fact about an instance (and its account) at call time."""

    #: Status is Pending: the instance is still being created.
    PENDING = 1 << 0
    #: ``OperationLocks`` holds ``LockReason: security``.
    SECURITY_LOCKED = 1 << 1
    #: A PrePaid instance whose ``ExpiredTime`` is at or before the model's clock.
    PREPAID_EXPIRED = 1 << 2
    #: A PostPaid instance whose account is in arrears (overdue payment).
    POSTPAID_IN_ARREARS = 1 << 3
    #: A PostPaid instance whose account balance is below the account's minimum for starting.
    POSTPAID_BALANCE_LOW = 1 << 4
    #: A cloud disk (system or data) of the instance is in an abnormal status.
    CLOUD_DISK_ABNORMAL = 1 << 5
    #: A local disk of the instance is in an abnormal status.
    LOCAL_DISK_ABNORMAL = 1 << 6
    #: The request sets ``InitLocalDisk=true`` and the instance type family is d1, i1 or i2.
    LOCAL_DISK_RECOVERABLE = 1 << 7
    #: The request sets ``ForceStop=true``.
    FORCE_STOP = 1 << 8
    #: A PrePaid (subscription) instance, expired or not.
    PREPAID = 1 << 9
    #: A PostPaid (pay-as-you-go) instance.
    POSTPAID = 1 << 10
    #: The platform has not suspended the instance: it is not Stopped at expiry or for
    #: overdue payment with nothing done since (``stop_by_platform``).
    IN_SERVICE = 1 << 11
    #: Created with ``DeletionProtection=true``.
    DELETION_PROTECTED = 1 << 12
    #: The request sets ``TerminateSubscription=true`` (DeleteInstance).
    TERMINATE_SUBSCRIPTION = 1 << 13
    #: What the request costs (the PrePaid price of its type and period) exceeds the balance.
    UNAFFORDABLE = 1 << 14
    #: The zone has fewer instances of the requested type in stock than the request needs.
    OUT_OF_STOCK = 1 << 15


NO_FACTS: Final = Fact(0)


@dataclass(frozen=True, slots=True)
class Clause:
    """Fails when every fact in ``all_of`` holds and none in ``none_of`` does."""

    all_of: Fact
    none_of: Fact = NO_FACTS


class Check(StrEnum):
    """The named steps of a precedence row."""

    REQUIRED_PARAMETERS = "required_parameters"
    VALID_PARAMETERS = "valid_parameters"
    INSTANCE_IDS_WELL_FORMED = "instance_ids_well_formed"
    INSTANCE_ID_COUNT = "instance_id_count"
    STATUS_FILTER = "status_filter"
    CHARGE_TYPE_FILTER = "charge_type_filter"
    LOCK_REASON_FILTER = "lock_reason_filter"
    THROTTLED = "throttled"
    INJECTED_FAULT = "injected_fault"
    DRY_RUN = "dry_run"
    CLIENT_TOKEN = "client_token"
    EXISTS = "exists"
    NOT_PENDING = "not_pending"
    NOT_SECURITY_LOCKED = "not_security_locked"
    NOT_EXPIRED = "not_expired"
    NOT_IN_ARREARS = "not_in_arrears"
    NOT_DELETION_PROTECTED = "not_deletion_protected"
    CHARGE_TYPE = "charge_type"
    OVERDUE_STOPPED = "overdue_stopped"
    BALANCE = "balance"
    IN_STOCK = "in_stock"
    STATUS = "status"
    DISKS = "disks"


@dataclass(frozen=True, slots=True)
class Rule:
    """One step of an action's precedence: the check, what it answers, and when it fails.

    ``fails_when`` is only used by fact-based checks; the others (parameters,
    faults, dry run, existence, status) are decided without facts.
    """

    check: Check
    code: ErrorCode
    fails_when: tuple[Clause, ...] = ()


F = Fact
_NOT_PENDING = Rule(
    # "InstanceNotReady ... The specified instance is being created." (seed Start)
    Check.NOT_PENDING,
    ErrorCode.INSTANCE_NOT_READY,
    (Clause(F.PENDING),),
)
_NOT_LOCKED = Rule(
    # "If the specified instance is locked, and the OperationLocks of the instance
    # indicates LockReason: "security", you cannot start the instance." (seeds)
    Check.NOT_SECURITY_LOCKED,
    ErrorCode.INSTANCE_LOCKED_FOR_SECURITY,
    (Clause(F.SECURITY_LOCKED),),
)
_PARAMETER_RULES = (
    Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PARAMETER),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_PARAMETER),
)
_FAULT_RULES = (
    Rule(Check.THROTTLED, ErrorCode.THROTTLING),
    Rule(Check.INJECTED_FAULT, ErrorCode.INTERNAL_ERROR),
)
# "The specified instanceIds is not valid." (DescribeInstanceStatus and the batch tables):
# an empty or repeated id in a batch, a JSON list that is not one.
_WELL_FORMED = Rule(Check.INSTANCE_IDS_WELL_FORMED, ErrorCode.INVALID_INSTANCE_IDS_MALFORMED)
_EXPIRY_CLAUSES = (Clause(F.PREPAID_EXPIRED), Clause(F.POSTPAID_IN_ARREARS))
# ClientToken: "If you use the same client token for requests with different
# parameters, IdempotentParameterMismatch" (How to ensure idempotence); the same
# token with the same parameters answers the first result again.
_SAME_TOKEN = Rule(Check.CLIENT_TOKEN, ErrorCode.IDEMPOTENT_PARAMETER_MISMATCH)
#: RunInstances' and CreateInstance's parameter answers, in the order their fields are read.
_CREATION_PARAMETER_RULES = (
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_PARAMETER),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_INSTANCE_CHARGE_TYPE_NOT_FOUND),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_PERIOD_TYPE),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_PERIOD),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_AUTO_RENEW_PERIOD),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_INSTANCE_TYPE),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_INSTANCE_NAME),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_CLIENT_TOKEN),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_CHARGE_TYPE_FOR_PROTECTION),
    Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_ZONE_ID),
)
#: The account, the price and the stock: the guards of ``run`` and ``create``.
_CREATION_RULES = (
    # "Account.Arrearage ... Your account has been in arrears." (RunInstances)
    Rule(Check.NOT_IN_ARREARS, ErrorCode.ACCOUNT_ARREARAGE, (Clause(F.POSTPAID_IN_ARREARS),)),
    # "InsufficientBalance ... Your account does not have enough balance." (RunInstances)
    Rule(Check.BALANCE, ErrorCode.INSUFFICIENT_BALANCE, (Clause(F.UNAFFORDABLE),)),
    # "OperationDenied.NoStock ... The requested resource is sold out in the specified zone"
    Rule(Check.IN_STOCK, ErrorCode.NO_STOCK, (Clause(F.OUT_OF_STOCK),)),
)
#: DeleteInstance's instance checks (DeleteInstances' per instance): the guards of
#: ``delete`` and ``force_delete``, and the status the non-forced call needs.
_DELETE_RULES = (
    # "IncorrectInstanceStatus.Initializing ... The specified instance status does not
    # support this operation." (DeleteInstance): the instance is still being created.
    Rule(Check.NOT_PENDING, ErrorCode.INCORRECT_INSTANCE_STATUS_INITIALIZING, (Clause(F.PENDING),)),
    # "DeletionProtection ... the instance cannot be released manually" (RunInstances).
    Rule(
        Check.NOT_DELETION_PROTECTED,
        ErrorCode.DELETION_PROTECTION,
        (Clause(F.DELETION_PROTECTED),),
    ),
    # "Releases a pay-as-you-go instance or an expired subscription instance";
    # "TerminateSubscription ... must be true to release an expired subscription instance".
    Rule(
        Check.CHARGE_TYPE,
        ErrorCode.CHARGE_TYPE_VIOLATION,
        (
            Clause(F.PREPAID, none_of=F.PREPAID_EXPIRED),
            Clause(F.PREPAID_EXPIRED, none_of=F.TERMINATE_SUBSCRIPTION),
        ),
    ),
    # "Force=false: only an instance in the Stopped state can be released".
    Rule(Check.STATUS, ErrorCode.INCORRECT_INSTANCE_STATUS),
)
_ANY_DISK_ABNORMAL = (Clause(F.CLOUD_DISK_ABNORMAL), Clause(F.LOCAL_DISK_ABNORMAL))

#: Each action's checks, first failure wins. Actions leave out checks their table lacks.
PRECEDENCE: Final[dict[Action, tuple[Rule, ...]]] = {
    Action.START_INSTANCE: (
        *_PARAMETER_RULES,
        Rule(Check.THROTTLED, ErrorCode.THROTTLING),
        Rule(Check.INJECTED_FAULT, ErrorCode.INTERNAL_ERROR),
        Rule(Check.DRY_RUN, ErrorCode.DRY_RUN_OPERATION),
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND),
        _NOT_PENDING,
        _NOT_LOCKED,
        # "InstanceExpired ... The Subscription instance has expired. The
        # Pay-As-You-Go instance has been in outstanding payment." (seed Start)
        Rule(Check.NOT_EXPIRED, ErrorCode.INSTANCE_EXPIRED, _EXPIRY_CLAUSES),
        # "InsufficientBalance ... The instance cannot be started because the
        # account does not have enough balance." (seed Start)
        Rule(Check.BALANCE, ErrorCode.INSUFFICIENT_BALANCE, (Clause(F.POSTPAID_BALANCE_LOW),)),
        Rule(Check.STATUS, ErrorCode.INCORRECT_INSTANCE_STATUS),
        # "DiskError ... Your disk is in an abnormal status." (seed Start), except
        # that InitLocalDisk=true on d1/i1/i2 "recover[s] the local disk to the
        # previous normal status" (seed parameter table), so the start goes ahead.
        Rule(
            Check.DISKS,
            ErrorCode.DISK_ERROR,
            (
                Clause(F.CLOUD_DISK_ABNORMAL),
                Clause(F.LOCAL_DISK_ABNORMAL, none_of=F.LOCAL_DISK_RECOVERABLE),
            ),
        ),
    ),
    Action.REBOOT_INSTANCE: (
        *_PARAMETER_RULES,
        Rule(Check.THROTTLED, ErrorCode.THROTTLING),
        Rule(Check.INJECTED_FAULT, ErrorCode.INTERNAL_ERROR),
        Rule(Check.DRY_RUN, ErrorCode.DRY_RUN_OPERATION),
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND),
        _NOT_LOCKED,
        # "You can only restart an ECS instance that is in the Running status." (seed)
        Rule(Check.STATUS, ErrorCode.INCORRECT_INSTANCE_STATUS),
        # "DiskError ... Abnormal disk status." (seed Reboot)
        Rule(Check.DISKS, ErrorCode.DISK_ERROR, _ANY_DISK_ABNORMAL),
    ),
    Action.STOP_INSTANCE: (
        *_PARAMETER_RULES,
        Rule(Check.THROTTLED, ErrorCode.THROTTLING),
        Rule(Check.INJECTED_FAULT, ErrorCode.INTERNAL_ERROR),
        Rule(Check.DRY_RUN, ErrorCode.DRY_RUN_OPERATION),
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND),
        # NB: the current security-lock appendix says StopInstance is "Unaffected";
        # the StopInstance page says "You cannot call this operation to stop ...
        # locked for security reasons" and lists the code. The issue picks the
        # StopInstance page; the conflict is recorded in specs/operations/StopInstance.toml.
        _NOT_LOCKED,
        Rule(Check.NOT_EXPIRED, ErrorCode.INSTANCE_EXPIRED_OR_IN_ARREARS, _EXPIRY_CLAUSES),
        Rule(Check.STATUS, ErrorCode.INCORRECT_INSTANCE_STATUS),
        Rule(Check.DISKS, ErrorCode.DISK_ERROR, _ANY_DISK_ABNORMAL),
    ),
    Action.DESCRIBE_INSTANCE_STATUS: (
        *_PARAMETER_RULES,
        # "Abs.InvalidInstanceIds.MalFormed ... The specified instanceIds is not valid."
        # (current docs): an empty InstanceId.N value.
        _WELL_FORMED,
        Rule(Check.INSTANCE_ID_COUNT, ErrorCode.TOO_MANY_INSTANCE_IDS),
        *_FAULT_RULES,
    ),
    Action.DESCRIBE_INSTANCES: (
        *_PARAMETER_RULES,
        _WELL_FORMED,
        Rule(Check.INSTANCE_ID_COUNT, ErrorCode.TOO_MANY_INSTANCE_IDS),
        # The 2021 DescribeInstances page: a filter value it does not know is a 404.
        Rule(Check.STATUS_FILTER, ErrorCode.INVALID_STATUS_NOT_FOUND),
        Rule(Check.CHARGE_TYPE_FILTER, ErrorCode.INVALID_INSTANCE_CHARGE_TYPE_NOT_FOUND),
        Rule(Check.LOCK_REASON_FILTER, ErrorCode.INVALID_LOCK_REASON_NOT_FOUND),
        *_FAULT_RULES,
        Rule(Check.DRY_RUN, ErrorCode.DRY_RUN_OPERATION),
    ),
    Action.DESCRIBE_INSTANCE_ATTRIBUTE: (
        Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PARAMETER),
        *_FAULT_RULES,
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND),
    ),
    # The batch actions' request stage; each instance then follows its single action's row.
    **{
        batch: (
            *_PARAMETER_RULES,
            _WELL_FORMED,
            Rule(Check.INSTANCE_ID_COUNT, ErrorCode.TOO_MANY_INSTANCE_IDS),
            *_FAULT_RULES,
            Rule(Check.DRY_RUN, ErrorCode.DRYRUN_SUCCESS),
        )
        for batch in BATCH_OF
    },
    Action.RUN_INSTANCES: (
        Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PARAMETER),
        # "Period ... required when InstanceChargeType is PrePaid" (RunInstances).
        Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PERIOD),
        *_CREATION_PARAMETER_RULES,
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_AUTO_PAY),
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_MIN_AMOUNT),
        *_FAULT_RULES,
        Rule(Check.DRY_RUN, ErrorCode.DRY_RUN_OPERATION),
        _SAME_TOKEN,
        *_CREATION_RULES,
    ),
    Action.CREATE_INSTANCE: (
        Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PARAMETER),
        Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PERIOD),
        *_CREATION_PARAMETER_RULES,
        *_FAULT_RULES,
        Rule(Check.DRY_RUN, ErrorCode.DRY_RUN_OPERATION),
        _SAME_TOKEN,
        *_CREATION_RULES,
    ),
    Action.DELETE_INSTANCE: (
        *_PARAMETER_RULES,
        *_FAULT_RULES,
        Rule(Check.DRY_RUN, ErrorCode.DRY_RUN_OPERATION),
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND),
        *_DELETE_RULES,
    ),
    Action.DELETE_INSTANCES: (
        *_PARAMETER_RULES,
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_CLIENT_TOKEN),
        _WELL_FORMED,
        Rule(Check.INSTANCE_ID_COUNT, ErrorCode.TOO_MANY_INSTANCE_IDS),
        *_FAULT_RULES,
        Rule(Check.DRY_RUN, ErrorCode.DRYRUN_SUCCESS),
        _SAME_TOKEN,
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_IDS_NOT_FOUND),
        *_DELETE_RULES,
    ),
    Action.RENEW_INSTANCE: (
        # Every malformed field of RenewInstance has a code of its own: no InvalidParameter.
        Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PARAMETER),
        # "The specified period and expectedRenewDay cannot both be empty." and the rest
        # of RenewInstance's table, in the order a request's fields are read.
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_PERIOD_NOT_FOUND),
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_EXPECTED_RENEW_DAY_CONFLICT),
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_PERIOD_UNIT),
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_PERIOD),
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_EXPECTED_RENEW_DAY),
        Rule(Check.VALID_PARAMETERS, ErrorCode.INVALID_CLIENT_TOKEN),
        *_FAULT_RULES,
        Rule(Check.CLIENT_TOKEN, ErrorCode.IDEMPOTENCE_PARAM_NOT_MATCH),
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND),
        _NOT_LOCKED,
        # "ChargeTypeViolation ... only subscription instances can be renewed" (2018 zh table).
        Rule(Check.CHARGE_TYPE, ErrorCode.CHARGE_TYPE_VIOLATION, (Clause(F.POSTPAID),)),
        # A Pending instance is still being created: nothing to renew yet (our decision).
        Rule(Check.STATUS, ErrorCode.INCORRECT_INSTANCE_STATUS),
        Rule(Check.BALANCE, ErrorCode.INSUFFICIENT_BALANCE, (Clause(F.UNAFFORDABLE),)),
    ),
    Action.REACTIVATE_INSTANCES: (
        # Two String parameters: nothing can be malformed, only missing.
        Rule(Check.REQUIRED_PARAMETERS, ErrorCode.MISSING_PARAMETER),
        *_FAULT_RULES,
        Rule(Check.EXISTS, ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND),
        # "InvalidPayType.NotSupport ... The specified pre pay instance not support."
        Rule(Check.CHARGE_TYPE, ErrorCode.INVALID_PAY_TYPE, (Clause(F.PREPAID),)),
        _NOT_LOCKED,
        # "Instance status is not Expired, ImageExpired or EcsAndImageExpired.": the
        # instance must be Stopped, and stopped by the platform for overdue payment.
        Rule(Check.STATUS, ErrorCode.REOPEN_STATUS_NOT_VALID),
        Rule(Check.OVERDUE_STOPPED, ErrorCode.REOPEN_STATUS_NOT_VALID, (Clause(F.IN_SERVICE),)),
        # "Reopen instance must have enough account balance.": out of arrears, and the
        # balance at least the account's minimum for starting.
        Rule(
            Check.BALANCE,
            ErrorCode.REOPEN_NOT_ENOUGH_BALANCE,
            (Clause(F.POSTPAID_IN_ARREARS), Clause(F.POSTPAID_BALANCE_LOW)),
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class Effect:
    """What a *successful* call destroys: when all ``when`` facts hold, ``clears``
    facts are cleared from the instance and a ``loss`` is recorded on it."""

    when: Fact
    loss: DataLossCause
    clears: Fact = NO_FACTS
    #: Statuses from which a success does nothing of this (no memory to lose when Stopped).
    not_from: tuple[InstanceStatus, ...] = ()


_POWER_CUT = Effect(
    # ForceStop: "Forcing an instance to stop is same as a power failure. The
    # temporary data and files in the instance may be lost." (seed Reboot)
    F.FORCE_STOP,
    DataLossCause.FORCE_STOP,
)

_RELEASE_POWER_CUT = Effect(F.FORCE_STOP, DataLossCause.FORCE_STOP, not_from=(S.STOPPED,))

#: Side effects of success, applied after the status change, in order.
EFFECTS: Final[dict[Action, tuple[Effect, ...]]] = {
    Action.START_INSTANCE: (
        # InitLocalDisk=true: "Recover the local disk to the previous normal status.
        # The accumulated data starting from the previous normal status is
        # overwritten." (seed Start). Only an abnormal local disk is recovered.
        Effect(
            F.LOCAL_DISK_ABNORMAL | F.LOCAL_DISK_RECOVERABLE,
            DataLossCause.INIT_LOCAL_DISK,
            clears=F.LOCAL_DISK_ABNORMAL,
        ),
    ),
    Action.REBOOT_INSTANCE: (_POWER_CUT,),
    Action.STOP_INSTANCE: (_POWER_CUT,),
    Action.DESCRIBE_INSTANCE_STATUS: (),
    Action.DESCRIBE_INSTANCES: (),
    Action.DESCRIBE_INSTANCE_ATTRIBUTE: (),
    Action.START_INSTANCES: (),
    # ForceReboot=true is the power cut ForceStop is (RebootInstances folds it into FORCE_STOP).
    Action.STOP_INSTANCES: (_POWER_CUT,),
    Action.REBOOT_INSTANCES: (_POWER_CUT,),
    Action.RUN_INSTANCES: (),
    Action.CREATE_INSTANCE: (),
    # Force=true with ForceStop=true (its default): "the instance is forcibly
    # powered off ... data in the memory and temporary storage is lost" (DeleteInstance).
    # Only an instance that is not Stopped has any.
    Action.DELETE_INSTANCE: (_RELEASE_POWER_CUT,),
    Action.DELETE_INSTANCES: (_RELEASE_POWER_CUT,),
    Action.RENEW_INSTANCE: (),
    Action.REACTIVATE_INSTANCES: (),
}

#: Instance type families on which ``InitLocalDisk`` applies: "Applicable to
#: instance types of D1, I1, and I2 instance type family." (seed Start)
INIT_LOCAL_DISK_FAMILIES: Final = frozenset({"d1", "i1", "i2"})


# ---------------------------------------------------------------------------
# The error catalogue, per action: the same code may carry a different HTTP
# status and message in each action's table, so the key is (action, code).
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """What one action answers for one code."""

    http_status: int
    message: str
    meaning: str
    source: str


_E = ErrorEntry
_MISSING = _E(
    400,
    'The input parameter "{parameter}" that is mandatory for processing this request'
    " is not supplied.",
    "A required parameter is missing or empty.",
    DOC_COMMON,
)
_INVALID = _E(
    400,
    'The specified parameter "{parameter}" is not valid.',
    "A parameter value is malformed (for example a boolean that is not true or false).",
    DOC_COMMON,
)
_DRY_RUN = _E(
    400,
    "Request validation has been passed with DryRun flag set.",
    "DryRun=true and the request passed the parameter checks; nothing was changed.",
    DOC_COMMON + "; DryRun parameter of the current action docs",
)
_NOT_FOUND = _E(
    404,
    "The specified InstanceId does not exist.",
    "The specified InstanceId does not exist.",
    "",
)
_LOCKED = _E(
    403,
    "The specified operation is denied as your instance is locked for security reasons.",
    "Operation is denied because the resource is locked for security reasons.",
    "",
)
_STATUS = _E(
    403,
    "The current status of the resource does not support this operation.",
    "The current state of the instance does not support this operation.",
    "",
)
_INTERNAL = _E(
    500,
    "The request processing has failed due to some unknown error.",
    "Internal error, please try again later. Only when the caller injects it.",
    "",
)
_THROTTLED = _E(
    400,
    "Request was denied due to request throttling.",
    "The caller is sending too many requests. Only when the caller injects a throttle fault.",
    DOC_COMMON,
)
_EXPIRED_OR_ARREARS = _E(
    403,
    "The specified operation is denied as your prepay instance is expired (prepay mode)"
    " or in arrears (afterpay mode).",
    "A PrePaid instance has expired, or the account of a PostPaid instance is in arrears.",
    DOC_STOP,
)


def _cite(entry: ErrorEntry, source: str) -> ErrorEntry:
    return ErrorEntry(entry.http_status, entry.message, entry.meaning, source)


_COMMON: Final[dict[ErrorCode, ErrorEntry]] = {
    ErrorCode.MISSING_PARAMETER: _MISSING,
    ErrorCode.INVALID_PARAMETER: _INVALID,
    ErrorCode.DRY_RUN_OPERATION: _DRY_RUN,
    ErrorCode.THROTTLING: _THROTTLED,
}

ERRORS: Final[dict[Action, dict[ErrorCode, ErrorEntry]]] = {
    Action.START_INSTANCE: {
        **_COMMON,
        # The seed's table, verbatim: 8 codes.
        ErrorCode.DISK_ERROR: _E(
            403, "Incorrect Disk Status", "Your disk is in an abnormal status.", SEED_START
        ),
        ErrorCode.INCORRECT_INSTANCE_STATUS: _cite(_STATUS, SEED_START),
        ErrorCode.INSTANCE_EXPIRED: _E(
            403,
            "PrePaid instances has been expired.",
            "The Subscription instance has expired. The Pay-As-You-Go instance has been in"
            " outstanding payment.",
            SEED_START,
        ),
        ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _cite(_LOCKED, SEED_START),
        ErrorCode.INSUFFICIENT_BALANCE: _E(
            403,
            "Your account does not have enough balance.",
            "The instance cannot be started because the account does not have enough balance.",
            SEED_START,
        ),
        ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _cite(_NOT_FOUND, SEED_START),
        ErrorCode.INSTANCE_NOT_READY: _E(
            500,
            "The specified instance is not ready for use",
            "The specified instance is being created.",
            SEED_START,
        ),
        ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, SEED_START),
    },
    Action.REBOOT_INSTANCE: {
        **_COMMON,
        # The seed's table, verbatim: 4 codes.
        ErrorCode.DISK_ERROR: _E(403, "IncorrectDiskStatus.", "Abnormal disk status.", SEED_REBOOT),
        ErrorCode.INCORRECT_INSTANCE_STATUS: _E(
            403,
            _STATUS.message,
            "You can only restart an ECS instance that is in Running status.",
            SEED_REBOOT,
        ),
        ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _E(
            403,
            _LOCKED.message,
            "Your instance is locked for security reasons.",
            SEED_REBOOT,
        ),
        ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _cite(_NOT_FOUND, SEED_REBOOT),
        # Not in the seed's table; the current RebootInstance docs list it.
        ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_REBOOT),
    },
    Action.STOP_INSTANCE: {
        **_COMMON,
        # The current StopInstance docs, restricted to the conditions this model knows.
        ErrorCode.DISK_ERROR: _E(400, "IncorrectDiskStatus.", "Abnormal disk status.", DOC_STOP),
        ErrorCode.INCORRECT_INSTANCE_STATUS: _cite(_STATUS, DOC_STOP),
        ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _cite(_LOCKED, DOC_STOP),
        ErrorCode.INSTANCE_EXPIRED_OR_IN_ARREARS: _EXPIRED_OR_ARREARS,
        ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _cite(_NOT_FOUND, DOC_STOP),
        ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_STOP),
    },
    Action.DESCRIBE_INSTANCE_STATUS: {
        ErrorCode.MISSING_PARAMETER: _MISSING,
        ErrorCode.INVALID_PARAMETER: _INVALID,
        ErrorCode.TOO_MANY_INSTANCE_IDS: _E(
            403,
            "Instance ids cannot be more than 100.",
            "More than 100 InstanceId.N values.",
            DOC_DESCRIBE,
        ),
        ErrorCode.INVALID_INSTANCE_IDS_MALFORMED: _E(
            403,
            "The specified instanceIds is not valid.",
            "An InstanceId.N value is empty.",
            DOC_DESCRIBE,
        ),
        ErrorCode.THROTTLING: _THROTTLED,
        ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_COMMON),
    },
    Action.DESCRIBE_INSTANCES: {
        ErrorCode.MISSING_PARAMETER: _E(
            400,
            _MISSING.message,
            "RegionId is missing or empty.",
            DOC_COMMON,
        ),
        ErrorCode.INVALID_PARAMETER: _E(
            400,
            'The specified parameter "{parameter}" is not valid.',
            "A parameter value is malformed (a Boolean that is not true or false, an Integer that "
            "is not one, PageNumber < 1, PageSize outside 1-100), or NextToken is not one the "
            "model issued.",
            DOC_COMMON,
        ),
        ErrorCode.INVALID_INSTANCE_IDS_MALFORMED: _E(
            403,
            "The specified instanceIds is not valid.",
            "InstanceIds is not a JSON array of strings. Borrowed from DescribeInstanceStatus: "
            "the DescribeInstances docs list no code for it.",
            DOC_DESCRIBE_INSTANCES,
        ),
        ErrorCode.TOO_MANY_INSTANCE_IDS: _E(
            403,
            "Instance ids cannot be more than 100.",
            "InstanceIds holds more than 100 ids. Borrowed from DescribeInstanceStatus: the "
            "DescribeInstances docs list no code for it.",
            DOC_DESCRIBE_INSTANCES,
        ),
        ErrorCode.INVALID_STATUS_NOT_FOUND: _E(
            404,
            "The specified Status is not found",
            "Status is not one of Pending, Running, Starting, Stopping, Stopped.",
            DOC_DESCRIBE_INSTANCES,
        ),
        ErrorCode.INVALID_INSTANCE_CHARGE_TYPE_NOT_FOUND: _E(
            404,
            "The InstanceChargeType does not exist in our records",
            "InstanceChargeType is not PostPaid or PrePaid.",
            DOC_DESCRIBE_INSTANCES,
        ),
        ErrorCode.INVALID_LOCK_REASON_NOT_FOUND: _E(
            404,
            "The specified LockReason is not found",
            "LockReason is not one of financial, security, recycling, dedicatedhostfinancial, "
            "refunded.",
            DOC_DESCRIBE_INSTANCES,
        ),
        ErrorCode.THROTTLING: _THROTTLED,
        ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_COMMON),
        ErrorCode.DRY_RUN_OPERATION: _E(
            400,
            "Request validation has been passed with DryRun flag set.",
            "DryRun=true and the request passed the parameter checks; nothing is listed.",
            DOC_COMMON,
        ),
    },
    Action.DESCRIBE_INSTANCE_ATTRIBUTE: {
        ErrorCode.MISSING_PARAMETER: _E(
            400,
            _MISSING.message,
            "InstanceId is missing or empty.",
            DOC_COMMON,
        ),
        ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _cite(_NOT_FOUND, DOC_DESCRIBE_ATTRIBUTE),
        ErrorCode.THROTTLING: _THROTTLED,
        ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_COMMON),
    },
}


def _batch_request_errors(doc: str) -> dict[ErrorCode, ErrorEntry]:
    """What a batch action answers before it looks at any instance (all three alike)."""
    return {
        ErrorCode.MISSING_PARAMETER: _E(
            400, _MISSING.message, "RegionId or InstanceId.N is missing or empty.", DOC_COMMON
        ),
        ErrorCode.INVALID_PARAMETER: _E(
            400,
            _INVALID.message,
            "A parameter value is malformed (a Boolean that is not true or false, a value"
            " outside its choices, an InstanceId.N position that is not 1, 2, ...).",
            DOC_COMMON,
        ),
        ErrorCode.INVALID_INSTANCE_IDS_MALFORMED: _E(
            403,
            "The specified instanceIds is not valid.",
            "An InstanceId.N value is empty, or the same id is given twice.",
            doc,
        ),
        ErrorCode.TOO_MANY_INSTANCE_IDS: _E(
            403,
            "Instance ids cannot be more than 100.",
            "More than 100 InstanceId.N values.",
            doc,
        ),
        ErrorCode.THROTTLING: _THROTTLED,
        ErrorCode.INTERNAL_ERROR: _E(
            500,
            _INTERNAL.message,
            "Internal error, please try again later. Only when the caller injects it"
            " (for the whole request).",
            doc,
        ),
        ErrorCode.DRYRUN_SUCCESS: _E(
            400,
            "This request is a dryrun request with successful result.",
            "DryRun=true and the request passed the parameter checks; nothing was changed.",
            doc,
        ),
        ErrorCode.INVALID_INSTANCE_IDS_NOT_FOUND: _E(
            404,
            "The specified InstanceIds does not exist.",
            "AllTogether: an id names no instance.",
            doc,
        ),
        ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _E(
            404,
            "The specified InstanceId does not exist.",
            "SuccessFirst, per instance: the id names no instance.",
            doc,
        ),
    }


ERRORS.update(
    {
        # The batch actions: one request stage, written once; then the instance codes of
        # their single action, at the HTTP status the batch table gives (an AllTogether
        # failure answers it; per instance, the single action's message is used).
        Action.START_INSTANCES: {
            **_batch_request_errors(DOC_START_BATCH),
            ErrorCode.INSTANCE_NOT_READY: _E(
                403,
                "The specified instance is not ready for use.",
                "The instance is Pending (being created). Per instance the seed's message is used"
                " (see [[decisions]] InstanceNotReady).",
                DOC_START_BATCH,
            ),
            ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _cite(_LOCKED, DOC_START_BATCH),
            ErrorCode.INSTANCE_EXPIRED: _cite(
                ERRORS[Action.START_INSTANCE][ErrorCode.INSTANCE_EXPIRED], DOC_START_BATCH
            ),
            ErrorCode.INSUFFICIENT_BALANCE: _cite(
                ERRORS[Action.START_INSTANCE][ErrorCode.INSUFFICIENT_BALANCE], DOC_START_BATCH
            ),
            ErrorCode.INCORRECT_INSTANCE_STATUS: _cite(_STATUS, DOC_START_BATCH),
            # No batch table lists DiskError: the single action's row (the seed's).
            ErrorCode.DISK_ERROR: ERRORS[Action.START_INSTANCE][ErrorCode.DISK_ERROR],
        },
        Action.STOP_INSTANCES: {
            **_batch_request_errors(DOC_STOP_BATCH),
            ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _cite(_LOCKED, DOC_STOP_BATCH),
            ErrorCode.INSTANCE_EXPIRED_OR_IN_ARREARS: _cite(_EXPIRED_OR_ARREARS, DOC_STOP_BATCH),
            ErrorCode.INCORRECT_INSTANCE_STATUS: _cite(_STATUS, DOC_STOP_BATCH),
            ErrorCode.DISK_ERROR: _cite(
                ERRORS[Action.STOP_INSTANCE][ErrorCode.DISK_ERROR], DOC_STOP_BATCH
            ),
        },
        Action.REBOOT_INSTANCES: {
            **_batch_request_errors(DOC_REBOOT_BATCH),
            ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _cite(
                ERRORS[Action.REBOOT_INSTANCE][ErrorCode.INSTANCE_LOCKED_FOR_SECURITY],
                DOC_REBOOT_BATCH,
            ),
            ErrorCode.INCORRECT_INSTANCE_STATUS: _cite(
                ERRORS[Action.REBOOT_INSTANCE][ErrorCode.INCORRECT_INSTANCE_STATUS],
                DOC_REBOOT_BATCH,
            ),
            ErrorCode.DISK_ERROR: ERRORS[Action.REBOOT_INSTANCE][ErrorCode.DISK_ERROR],
        },
    }
)


def _creation_errors(doc: str, arrears: str, renew_period: str) -> dict[ErrorCode, ErrorEntry]:
    """RunInstances' and CreateInstance's table, restricted to what the model decides."""
    return {
        ErrorCode.MISSING_PARAMETER: _E(
            400,
            _MISSING.message,
            "RegionId, ImageId or InstanceType is missing or empty.",
            DOC_COMMON,
        ),
        ErrorCode.MISSING_PERIOD: _E(
            400,
            'The specified parameter "Period" is not null.',
            "InstanceChargeType is PrePaid and Period is not given.",
            doc,
        ),
        ErrorCode.INVALID_PARAMETER: _E(
            400,
            _INVALID.message,
            "A parameter value is malformed (a Boolean that is not true or false, an Integer"
            " that is not one, Amount outside 1-100).",
            DOC_COMMON,
        ),
        ErrorCode.INVALID_INSTANCE_CHARGE_TYPE_NOT_FOUND: _E(
            404,
            "The InstanceChargeType does not exist in our records.",
            "InstanceChargeType is not PrePaid or PostPaid.",
            doc,
        ),
        ErrorCode.INVALID_PERIOD_TYPE: _E(
            400,
            "The specified parameter PeriodType is invalid.",
            "PeriodUnit is not Week or Month.",
            doc,
        ),
        ErrorCode.INVALID_PERIOD: _E(
            400,
            "The specified period is not valid.",
            "Period is not one of its unit's values (Week 1-4; Month 1-9, 12, 24, 36, 48, 60).",
            doc,
        ),
        ErrorCode.INVALID_AUTO_RENEW_PERIOD: _E(
            400,
            renew_period,
            "AutoRenewPeriod is not one of its unit's values (Week 1-3; Month 1, 2, 3, 6, 12,"
            " 24, 36, 48, 60).",
            doc,
        ),
        ErrorCode.INVALID_INSTANCE_TYPE: _E(
            400,
            "The specified InstanceType does not exist or beyond the permitted range.",
            "InstanceType is not ecs.<family>.<size>.",
            doc,
        ),
        ErrorCode.INVALID_INSTANCE_NAME: _E(
            400,
            'The specified parameter "InstanceName" is not valid.',
            "InstanceName is not 2 to 128 characters of letters, digits, ':', '_', '.', '-'"
            " (and '[', ']', ',' for a batch name), or (CreateInstance) does not start with a"
            " letter.",
            doc,
        ),
        ErrorCode.INVALID_CLIENT_TOKEN: _E(
            400,
            "The ClientToken provided is invalid.",
            "ClientToken is longer than 64 characters or not ASCII.",
            doc,
        ),
        ErrorCode.INVALID_CHARGE_TYPE_FOR_PROTECTION: _E(
            403,
            "Deletion protection is only valid for postPaid instance, not for prePaid or spot"
            " instance.",
            "DeletionProtection=true on a PrePaid instance.",
            doc,
        ),
        ErrorCode.INVALID_ZONE_ID: _E(
            404,
            "The ZoneId provided does not exist in our records.",
            "ZoneId is not the model's zone.",
            doc,
        ),
        ErrorCode.THROTTLING: _THROTTLED,
        ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, doc),
        ErrorCode.DRY_RUN_OPERATION: _cite(_DRY_RUN, doc),
        ErrorCode.IDEMPOTENT_PARAMETER_MISMATCH: _E(
            400,
            "Request uses a client token in a previous request but is not identical to that"
            " request.",
            "The ClientToken of an earlier accepted request, with other parameters.",
            DOC_IDEMPOTENCE,
        ),
        ErrorCode.ACCOUNT_ARREARAGE: _E(400, arrears, "The account has an overdue payment.", doc),
        ErrorCode.INSUFFICIENT_BALANCE: _E(
            403,
            "Your account does not have enough balance.",
            "PrePaid: the price of the type and period, times Amount, exceeds the balance.",
            doc,
        ),
        ErrorCode.NO_STOCK: _E(
            403,
            "The requested resource is sold out in the specified zone; try other types of"
            " resources or other regions and zones.",
            "Fewer instances of the type are in stock than Amount (or MinAmount) needs.",
            doc,
        ),
    }


def _delete_errors(doc: str) -> dict[ErrorCode, ErrorEntry]:
    """DeleteInstance's instance codes (DeleteInstances answers them for the whole request)."""
    return {
        ErrorCode.INCORRECT_INSTANCE_STATUS_INITIALIZING: _E(
            403,
            "The specified instance status does not support this operation.",
            "The instance is Pending: it is still being created.",
            doc,
        ),
        ErrorCode.DELETION_PROTECTION: _E(
            403,
            "The operation is not allowed due to deletion protection.",
            "The instance was created with DeletionProtection=true.",
            doc,
        ),
        ErrorCode.CHARGE_TYPE_VIOLATION: _E(
            403,
            "The operation is not permitted due to charge type of the instance.",
            "A PrePaid instance that has not expired, or an expired one without"
            " TerminateSubscription=true.",
            doc,
        ),
        ErrorCode.INCORRECT_INSTANCE_STATUS: _E(
            403,
            _STATUS.message,
            "Force=false and the instance is not Stopped.",
            doc,
        ),
    }


ERRORS.update(
    {
        Action.RUN_INSTANCES: {
            **_creation_errors(
                DOC_RUN,
                "Your account has been in arrears.",
                "The specified autoRenewPeriod is invalid.",
            ),
            ErrorCode.INVALID_AUTO_PAY: _E(
                400,
                "The specified parameter AutoPay must be set as true for postpaid instance.",
                "AutoPay=false for a PostPaid instance.",
                DOC_RUN,
            ),
            ErrorCode.INVALID_MIN_AMOUNT: _E(
                400,
                "The specified parameter MinAmount is not valid.",
                "MinAmount is outside 1-100 or greater than Amount.",
                DOC_RUN,
            ),
        },
        Action.CREATE_INSTANCE: _creation_errors(
            DOC_CREATE,
            "Your account has an outstanding payment.",
            "The specified autoRenewPeriod is not valid.",
        ),
        Action.DELETE_INSTANCE: {
            **_COMMON,
            ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _cite(_NOT_FOUND, DOC_DELETE),
            ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_DELETE),
            **_delete_errors(DOC_DELETE),
        },
        Action.DELETE_INSTANCES: {
            **{
                code: entry
                for code, entry in _batch_request_errors(DOC_DELETE_BATCH).items()
                # No SuccessFirst mode: an unknown id is InvalidInstanceIds.NotFound.
                if code is not ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
            },
            ErrorCode.INVALID_CLIENT_TOKEN: _E(
                400,
                "The ClientToken provided is invalid.",
                "ClientToken is longer than 64 characters or not ASCII.",
                DOC_DELETE_BATCH,
            ),
            ErrorCode.IDEMPOTENT_PARAMETER_MISMATCH: _E(
                400,
                "Request uses a client token in a previous request but is not identical to"
                " that request.",
                "The ClientToken of an earlier accepted request, with other parameters.",
                DOC_IDEMPOTENCE,
            ),
            **_delete_errors(DOC_DELETE_BATCH),
        },
        Action.RENEW_INSTANCE: {
            ErrorCode.MISSING_PARAMETER: _E(
                400, _MISSING.message, "InstanceId is missing or empty.", DOC_COMMON
            ),
            ErrorCode.INVALID_PERIOD_NOT_FOUND: _E(
                400,
                "The specified period and expectedRenewDay cannot both be empty.",
                "Neither Period nor ExpectedRenewDay is given.",
                DOC_RENEW,
            ),
            ErrorCode.INVALID_EXPECTED_RENEW_DAY_CONFLICT: _E(
                400,
                "The specified expectedRenewDay is in conflict with period.",
                "Both Period and ExpectedRenewDay are given.",
                DOC_RENEW,
            ),
            ErrorCode.INVALID_PERIOD_UNIT: _E(
                400,
                "The specified parameter PeriodUnit is not valid.",
                "PeriodUnit is not Week or Month.",
                DOC_RENEW,
            ),
            ErrorCode.INVALID_PERIOD: _E(
                400,
                "The specified period is not valid.",
                "Period is not one of its unit's values (Week 1-4; Month 1-9, 12, 24, 36, 48, 60).",
                DOC_RENEW,
            ),
            ErrorCode.INVALID_EXPECTED_RENEW_DAY: _E(
                400,
                "The specified parameter ExpectedRenewDay is not valid.",
                "ExpectedRenewDay must equal the account's unified expiration day; the model"
                " has none, so any value is refused.",
                DOC_RENEW,
            ),
            ErrorCode.INVALID_CLIENT_TOKEN: _E(
                400,
                "The ClientToken provided is invalid.",
                "ClientToken is longer than 64 characters or not ASCII.",
                DOC_RENEW,
            ),
            ErrorCode.THROTTLING: _THROTTLED,
            ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_RENEW),
            ErrorCode.IDEMPOTENCE_PARAM_NOT_MATCH: _E(
                400,
                "Request uses a client token in a previous request but is not identical to"
                " that request.",
                "The ClientToken of an earlier accepted renewal, with other parameters.",
                DOC_RENEW,
            ),
            ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _cite(_NOT_FOUND, DOC_RENEW),
            ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _cite(_LOCKED, DOC_RENEW),
            ErrorCode.CHARGE_TYPE_VIOLATION: _E(
                403,
                "The operation is not permitted due to charge type of the instance.",
                "The instance is PostPaid: only subscription instances are renewed.",
                DOC_RENEW,
            ),
            ErrorCode.INCORRECT_INSTANCE_STATUS: _E(
                403,
                _STATUS.message,
                "The instance is Pending (still being created).",
                DOC_RENEW,
            ),
            ErrorCode.INSUFFICIENT_BALANCE: _E(
                403,
                "Your account does not have enough balance.",
                "The price of the type and period exceeds the balance.",
                DOC_RENEW,
            ),
        },
        Action.REACTIVATE_INSTANCES: {
            ErrorCode.MISSING_PARAMETER: _E(
                400, _MISSING.message, "InstanceId is missing or empty.", DOC_COMMON
            ),
            ErrorCode.THROTTLING: _THROTTLED,
            ErrorCode.INTERNAL_ERROR: _cite(_INTERNAL, DOC_REACTIVATE),
            ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND: _cite(_NOT_FOUND, DOC_REACTIVATE),
            ErrorCode.INVALID_PAY_TYPE: _E(
                404,
                "The specified pre pay instance not support.",
                "The instance is PrePaid: renew it instead.",
                DOC_REACTIVATE,
            ),
            ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: _cite(_LOCKED, DOC_REACTIVATE),
            ErrorCode.REOPEN_STATUS_NOT_VALID: _E(
                400,
                "Instance status is not Expired, ImageExpired or EcsAndImageExpired.",
                "The instance is not Stopped by the platform for overdue payment.",
                DOC_REACTIVATE,
            ),
            ErrorCode.REOPEN_NOT_ENOUGH_BALANCE: _E(
                400,
                "Reopen instance must have enough account balance.",
                "The account is still in arrears, or its balance is below the minimum for"
                " starting.",
                DOC_REACTIVATE,
            ),
        },
    }
)


# ---------------------------------------------------------------------------
# Parameters, per action, as the docs name them. ``Action`` itself and the
# RPC common parameters belong to the wire layer, not to the model.
# ---------------------------------------------------------------------------
class ParamType(StrEnum):
    """The documented parameter types the model accepts."""

    STRING = "String"
    BOOLEAN = "Boolean"
    INTEGER = "Integer"
    #: ``Name.N`` on the wire (``InstanceId.1``, ``InstanceId.2``, ...); a list in Python.
    STRING_LIST = "RepeatList"
    #: A JSON array string on the wire (DescribeInstances' ``InstanceIds``); a list in Python.
    JSON_LIST = "JsonList"


@dataclass(frozen=True, slots=True)
class Param:
    """One documented request parameter.

    ``default`` is what an absent value reads as; ``max_items`` bounds a list
    (the action's own check answers it); ``misuse`` says what a Python caller
    should pass instead of a value no request could carry.
    """

    name: str
    python_name: str
    type: ParamType
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: object = None
    max_items: int | None = None
    misuse: str = ""
    #: What a value outside ``choices`` answers, when not ``InvalidParameter``.
    invalid_code: ErrorCode = ErrorCode.INVALID_PARAMETER
    #: A filter: an empty value is as if not sent ("empty filters are ignored").
    filter: bool = False


#: "InstanceId.N ... 1-100 ids" (DescribeInstanceStatus, current docs).
MAX_DESCRIBE_IDS: Final = 100
DEFAULT_PAGE_SIZE: Final = 10
#: "InstanceId.N ... 1 to 100" (the batch actions); "InstanceIds ... up to 100" (DescribeInstances).
MAX_BATCH_IDS: Final = 100
#: DescribeInstances' MaxResults: "unset or less than 10 is 10; more than 100 is 100" (clamped).
MAX_RESULTS_FLOOR: Final = 10
MAX_RESULTS_CEILING: Final = 100

_INSTANCE_ID = Param(
    "InstanceId",
    "instance_id",
    ParamType.STRING,
    required=True,
    misuse="expected the instance id as a str",
)
_DRY_RUN_PARAM = Param("DryRun", "dry_run", ParamType.BOOLEAN, default=False)
_REGION = Param("RegionId", "region_id", ParamType.STRING, required=True)
# "Not-applicable" is what DescribeInstances shows; Terraform sends it back. It asks for
# no mode in particular (KeepCharging), recorded in specs/operations/StopInstance.toml.
_STOPPED_MODES: Final = ("StopCharging", "KeepCharging", "Not-applicable")
_STOPPED_MODE_HINT: Final = "expected 'KeepCharging', 'StopCharging' or 'Not-applicable'"
_BATCH_IDS = Param(
    "InstanceId", "instance_ids", ParamType.STRING_LIST, required=True, max_items=MAX_BATCH_IDS
)
_BATCH_OPTIMIZATION = Param(
    "BatchOptimization",
    "batch_optimization",
    ParamType.STRING,
    choices=("AllTogether", "SuccessFirst"),
    default="AllTogether",
)
_FORCE_STOP = Param("ForceStop", "force_stop", ParamType.BOOLEAN, default=False)

PARAMETERS: Final[dict[Action, tuple[Param, ...]]] = {
    Action.START_INSTANCE: (
        _INSTANCE_ID,
        Param("InitLocalDisk", "init_local_disk", ParamType.BOOLEAN, default=False),
        _DRY_RUN_PARAM,
    ),
    Action.REBOOT_INSTANCE: (_INSTANCE_ID, _FORCE_STOP, _DRY_RUN_PARAM),
    Action.STOP_INSTANCE: (
        _INSTANCE_ID,
        _FORCE_STOP,
        Param(
            "StoppedMode",
            "stopped_mode",
            ParamType.STRING,
            choices=_STOPPED_MODES,
            misuse=_STOPPED_MODE_HINT,
        ),
        # "will be removed in the future and is retained only to ensure compatibility"
        Param("ConfirmStop", "confirm_stop", ParamType.BOOLEAN, default=False),
        _DRY_RUN_PARAM,
    ),
    Action.DESCRIBE_INSTANCE_STATUS: (
        # NB: documented as required; the model is a single region and does not
        # read it, so it is accepted and ignored here (the wire layer may enforce it).
        Param("RegionId", "region_id", ParamType.STRING),
        Param("InstanceId", "instance_ids", ParamType.STRING_LIST, max_items=MAX_DESCRIBE_IDS),
        Param("PageNumber", "page_number", ParamType.INTEGER, minimum=1, default=1),
        Param(
            "PageSize",
            "page_size",
            ParamType.INTEGER,
            minimum=1,
            maximum=50,
            default=DEFAULT_PAGE_SIZE,
        ),
    ),
    Action.DESCRIBE_INSTANCES: (
        _REGION,
        Param(
            "InstanceIds",
            "instance_ids",
            ParamType.JSON_LIST,
            max_items=MAX_BATCH_IDS,
            filter=True,
        ),
        Param(
            "Status",
            "status",
            ParamType.STRING,
            choices=("Pending", "Running", "Starting", "Stopping", "Stopped"),
            invalid_code=ErrorCode.INVALID_STATUS_NOT_FOUND,
            filter=True,
        ),
        Param(
            "InstanceChargeType",
            "instance_charge_type",
            ParamType.STRING,
            choices=("PostPaid", "PrePaid"),
            invalid_code=ErrorCode.INVALID_INSTANCE_CHARGE_TYPE_NOT_FOUND,
            filter=True,
        ),
        Param(
            "LockReason",
            "lock_reason",
            ParamType.STRING,
            choices=("financial", "security", "recycling", "dedicatedhostfinancial", "refunded"),
            invalid_code=ErrorCode.INVALID_LOCK_REASON_NOT_FOUND,
            filter=True,
        ),
        Param("InstanceType", "instance_type", ParamType.STRING, filter=True),
        Param("InstanceTypeFamily", "instance_type_family", ParamType.STRING, filter=True),
        Param("ZoneId", "zone_id", ParamType.STRING, filter=True),
        Param("InstanceName", "instance_name", ParamType.STRING, filter=True),
        Param("PageNumber", "page_number", ParamType.INTEGER, minimum=1, default=1),
        Param(
            "PageSize",
            "page_size",
            ParamType.INTEGER,
            minimum=1,
            maximum=MAX_BATCH_IDS,
            default=DEFAULT_PAGE_SIZE,
        ),
        Param("MaxResults", "max_results", ParamType.INTEGER),
        Param("NextToken", "next_token", ParamType.STRING, filter=True),
        _DRY_RUN_PARAM,
    ),
    Action.DESCRIBE_INSTANCE_ATTRIBUTE: (_INSTANCE_ID,),
    Action.START_INSTANCES: (_REGION, _BATCH_IDS, _BATCH_OPTIMIZATION, _DRY_RUN_PARAM),
    Action.STOP_INSTANCES: (
        _REGION,
        _BATCH_IDS,
        _BATCH_OPTIMIZATION,
        _FORCE_STOP,
        Param(
            "StoppedMode",
            "stopped_mode",
            ParamType.STRING,
            choices=_STOPPED_MODES,
            misuse=_STOPPED_MODE_HINT,
        ),
        _DRY_RUN_PARAM,
    ),
    Action.REBOOT_INSTANCES: (
        _REGION,
        _BATCH_IDS,
        _BATCH_OPTIMIZATION,
        Param("ForceReboot", "force_reboot", ParamType.BOOLEAN, default=False),
        _DRY_RUN_PARAM,
    ),
}

#: Period values per PeriodUnit (the China site's sets: the model's region is
#: cn-hangzhou): RunInstances, CreateInstance and RenewInstance.
PERIODS: Final[dict[str, frozenset[int]]] = {
    "Week": frozenset(range(1, 5)),
    "Month": frozenset((*range(1, 10), 12, 24, 36, 48, 60)),
}
#: AutoRenewPeriod values per PeriodUnit (RunInstances, CreateInstance).
AUTO_RENEW_PERIODS: Final[dict[str, frozenset[int]]] = {
    "Week": frozenset(range(1, 4)),
    "Month": frozenset((1, 2, 3, 6, 12, 24, 36, 48, 60)),
}
#: "Amount ... Valid values: 1 to 100" (RunInstances); MinAmount likewise.
MAX_AMOUNT: Final = 100
#: "ClientToken ... can contain only ASCII characters and cannot exceed 64 characters".
MAX_CLIENT_TOKEN: Final = 64
#: InstanceName: "2 to 128 characters ... letters, digits, colons (:), underscores (_),
#: periods (.), and hyphens (-)"; CreateInstance's must start with a letter (the action checks).
INSTANCE_NAME_LENGTH: Final = (2, 128)
INSTANCE_NAME_CHARACTERS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-"
)
#: RunInstances' batch form, ``prefix[begin,bits]suffix``, adds these.
BATCH_NAME_CHARACTERS: Final = frozenset("[],")

_PERIOD_UNIT_CHOICES: Final = ("Week", "Month")
_CLIENT_TOKEN = Param("ClientToken", "client_token", ParamType.STRING)
_CHARGE_TYPE_PARAM = Param(
    "InstanceChargeType",
    "instance_charge_type",
    ParamType.STRING,
    choices=("PrePaid", "PostPaid"),
    default="PostPaid",
    invalid_code=ErrorCode.INVALID_INSTANCE_CHARGE_TYPE_NOT_FOUND,
)
#: What RunInstances and CreateInstance share, in the order the model reads them.
_CREATION_PARAMS: Final = (
    _REGION,
    # Required unless a launch template or ImageFamily supplies them (checked by the action).
    Param("ImageId", "image_id", ParamType.STRING),
    Param("InstanceType", "instance_type", ParamType.STRING),
    _CHARGE_TYPE_PARAM,
    Param("Period", "period", ParamType.INTEGER, invalid_code=ErrorCode.INVALID_PERIOD),
    Param(
        "PeriodUnit",
        "period_unit",
        ParamType.STRING,
        choices=_PERIOD_UNIT_CHOICES,
        default="Month",
        invalid_code=ErrorCode.INVALID_PERIOD_TYPE,
    ),
    Param("AutoRenew", "auto_renew", ParamType.BOOLEAN, default=False),
    Param(
        "AutoRenewPeriod",
        "auto_renew_period",
        ParamType.INTEGER,
        invalid_code=ErrorCode.INVALID_AUTO_RENEW_PERIOD,
    ),
    Param("InstanceName", "instance_name", ParamType.STRING),
    _CLIENT_TOKEN,
    Param("DeletionProtection", "deletion_protection", ParamType.BOOLEAN, default=False),
    Param("ZoneId", "zone_id", ParamType.STRING),
    Param("ImageFamily", "image_family", ParamType.STRING),
    _DRY_RUN_PARAM,
)

PARAMETERS.update(
    {
        Action.RUN_INSTANCES: (
            *_CREATION_PARAMS,
            Param(
                "Amount",
                "amount",
                ParamType.INTEGER,
                minimum=1,
                maximum=MAX_AMOUNT,
                default=1,
            ),
            Param(
                "MinAmount",
                "min_amount",
                ParamType.INTEGER,
                minimum=1,
                maximum=MAX_AMOUNT,
                invalid_code=ErrorCode.INVALID_MIN_AMOUNT,
            ),
            Param("AutoPay", "auto_pay", ParamType.BOOLEAN, default=True),
            Param("UniqueSuffix", "unique_suffix", ParamType.BOOLEAN, default=False),
            Param("LaunchTemplateId", "launch_template_id", ParamType.STRING),
            Param("LaunchTemplateName", "launch_template_name", ParamType.STRING),
        ),
        Action.CREATE_INSTANCE: _CREATION_PARAMS,
        Action.DELETE_INSTANCE: (
            _INSTANCE_ID,
            Param("Force", "force", ParamType.BOOLEAN, default=False),
            # "ForceStop ... Default value: true" (DeleteInstance), unlike StopInstance's.
            Param("ForceStop", "force_stop", ParamType.BOOLEAN, default=True),
            Param(
                "TerminateSubscription", "terminate_subscription", ParamType.BOOLEAN, default=False
            ),
            _DRY_RUN_PARAM,
            # Not in the API metadata; the old SDK sends it. Accepted and not compared.
            Param("RegionId", "region_id", ParamType.STRING),
        ),
        Action.DELETE_INSTANCES: (
            _REGION,
            _BATCH_IDS,
            Param("Force", "force", ParamType.BOOLEAN, default=False),
            Param("ForceStop", "force_stop", ParamType.BOOLEAN, default=True),
            Param(
                "TerminateSubscription", "terminate_subscription", ParamType.BOOLEAN, default=False
            ),
            _CLIENT_TOKEN,
            _DRY_RUN_PARAM,
        ),
        Action.RENEW_INSTANCE: (
            _INSTANCE_ID,
            Param("Period", "period", ParamType.INTEGER, invalid_code=ErrorCode.INVALID_PERIOD),
            Param(
                "PeriodUnit",
                "period_unit",
                ParamType.STRING,
                choices=_PERIOD_UNIT_CHOICES,
                default="Month",
                invalid_code=ErrorCode.INVALID_PERIOD_UNIT,
            ),
            Param(
                "ExpectedRenewDay",
                "expected_renew_day",
                ParamType.INTEGER,
                invalid_code=ErrorCode.INVALID_EXPECTED_RENEW_DAY,
            ),
            _CLIENT_TOKEN,
        ),
        Action.REACTIVATE_INSTANCES: (
            _INSTANCE_ID,
            Param("RegionId", "region_id", ParamType.STRING),
        ),
    }
)

#: The other documented parameters of the creation actions: accepted and not
#: modelled (``N`` stands for a position: ``DataDisk.1.Size``). RunInstances' and
#: CreateInstance's names from the API metadata and both official SDKs.
_CREATION_IGNORED: Final = (
    "Affinity",
    "Arn.N.AssumeRoleFor",
    "Arn.N.RoleType",
    "Arn.N.Rolearn",
    "CreditSpecification",
    "DataDisk.N.AutoSnapshotPolicyId",
    "DataDisk.N.BurstingEnabled",
    "DataDisk.N.Category",
    "DataDisk.N.DeleteWithInstance",
    "DataDisk.N.Description",
    "DataDisk.N.Device",
    "DataDisk.N.DiskName",
    "DataDisk.N.EncryptAlgorithm",
    "DataDisk.N.Encrypted",
    "DataDisk.N.KMSKeyId",
    "DataDisk.N.PerformanceLevel",
    "DataDisk.N.ProvisionedIops",
    "DataDisk.N.Size",
    "DataDisk.N.SnapshotId",
    "DataDisk.N.StorageClusterId",
    "DedicatedHostId",
    "DeploymentSetGroupNo",
    "DeploymentSetId",
    "Description",
    "HibernationOptions.Configured",
    "HostName",
    "HpcClusterId",
    "HttpEndpoint",
    "HttpPutResponseHopLimit",
    "HttpTokens",
    "InternetChargeType",
    "InternetMaxBandwidthIn",
    "InternetMaxBandwidthOut",
    "IoOptimized",
    "KeyPairName",
    "ManagedHostId",
    "Password",
    "PasswordInherit",
    "PrivateIpAddress",
    "PrivatePoolOptions.Id",
    "PrivatePoolOptions.MatchCriteria",
    "RamRoleName",
    "ResourceGroupId",
    "SecurityEnhancementStrategy",
    "SecurityGroupId",
    "SpotDuration",
    "SpotInterruptionBehavior",
    "SpotPriceLimit",
    "SpotStrategy",
    "StorageSetId",
    "StorageSetPartitionNumber",
    "SystemDisk.AutoSnapshotPolicyId",
    "SystemDisk.BurstingEnabled",
    "SystemDisk.Category",
    "SystemDisk.Description",
    "SystemDisk.DiskName",
    "SystemDisk.EncryptAlgorithm",
    "SystemDisk.Encrypted",
    "SystemDisk.KMSKeyId",
    "SystemDisk.PerformanceLevel",
    "SystemDisk.ProvisionedIops",
    "SystemDisk.Size",
    "SystemDisk.StorageClusterId",
    "Tag.N.Key",
    "Tag.N.Value",
    "Tenancy",
    "UserData",
    "VSwitchId",
)
IGNORED_PARAMETERS: Final[dict[Action, frozenset[str]]] = {
    Action.RUN_INSTANCES: frozenset(
        (
            *_CREATION_IGNORED,
            "AutoReleaseTime",
            "ClockOptions.PtpStatus",
            "CpuOptions.Core",
            "CpuOptions.EnableVISST",
            "CpuOptions.EnableVRDT",
            "CpuOptions.NestedVirtualization",
            "CpuOptions.Numa",
            "CpuOptions.ThreadsPerCore",
            "CpuOptions.TopologyType",
            "CpuOptions.TurboMode",
            "HostNames.N",
            "ImageOptions.LoginAsNonRoot",
            "Ipv6Address.N",
            "Ipv6AddressCount",
            "Isp",
            "LaunchTemplateVersion",
            "NetworkInterface.N.DeleteOnRelease",
            "NetworkInterface.N.Description",
            "NetworkInterface.N.InstanceType",
            "NetworkInterface.N.Ipv6Address.N",
            "NetworkInterface.N.Ipv6AddressCount",
            "NetworkInterface.N.NetworkCardIndex",
            "NetworkInterface.N.NetworkInterfaceId",
            "NetworkInterface.N.NetworkInterfaceName",
            "NetworkInterface.N.NetworkInterfaceTrafficMode",
            "NetworkInterface.N.PrimaryIpAddress",
            "NetworkInterface.N.QueueNumber",
            "NetworkInterface.N.QueuePairNumber",
            "NetworkInterface.N.RxQueueSize",
            "NetworkInterface.N.SecondaryPrivateIpAddressCount",
            "NetworkInterface.N.SecurityGroupId",
            "NetworkInterface.N.SecurityGroupIds.N",
            "NetworkInterface.N.SourceDestCheck",
            "NetworkInterface.N.TxQueueSize",
            "NetworkInterface.N.VSwitchId",
            "NetworkInterfaceQueueNumber",
            "NetworkOptions.BandwidthWeighting",
            "NetworkOptions.EnableJumboFrame",
            "NetworkOptions.EnableNetworkEncryption",
            "PrivateDnsNameOptions.EnableInstanceIdDnsAAAARecord",
            "PrivateDnsNameOptions.EnableInstanceIdDnsARecord",
            "PrivateDnsNameOptions.EnableIpDnsARecord",
            "PrivateDnsNameOptions.EnableIpDnsPtrRecord",
            "PrivateDnsNameOptions.HostnameType",
            "SchedulerOptions.DedicatedHostClusterId",
            "SecurityGroupIds.N",
            "SecurityOptions.ConfidentialComputingMode",
            "SecurityOptions.EnableSecureBoot",
            "SecurityOptions.TrustedSystemMode",
        )
    ),
    Action.CREATE_INSTANCE: frozenset(
        (
            *_CREATION_IGNORED,
            "ClusterId",
            "InnerIpAddress",
            "NodeControllerId",
            "Tag.N.key",
            "Tag.N.value",
            "UseAdditionalService",
            "VlanId",
        )
    ),
}


# ---------------------------------------------------------------------------
# What DescribeInstances and DescribeInstanceAttribute show (specs/operations/
# DescribeInstances.toml, "response").
# ---------------------------------------------------------------------------
#: Model time 0 on the UNIX clock: 2026-01-01T00:00:00Z. Times are shown on it.
EPOCH: Final = 1_767_225_600
#: ``yyyy-MM-ddTHH:mmZ``: "CreationTime ... in UTC ... yyyy-MM-ddTHH:mmZ" (SDK docstrings).
TIME_FORMAT: Final = "%Y-%m-%dT%H:%MZ"
#: A PostPaid instance's ExpiredTime, as a real DescribeInstances dump shows it.
POSTPAID_EXPIRED_TIME: Final = "2099-12-31T15:59Z"
#: The model is one region and one zone.
REGION_ID: Final = "cn-hangzhou"
ZONE_ID: Final = "cn-hangzhou-i"
