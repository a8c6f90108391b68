"""A seeded tour of every documented rule, as lines of text.

``demo_lines`` drives one ``EcsModel`` through a fixed scenario and returns a
readable trace. It is pure: it prints nothing and reads no clock but the
model's own ``ManualClock``, so the same seed always gives the same lines
(request ids are drawn from the seed). ``lifecycle demo`` prints them.

Layout: a numbered title per step, then one row per call, clock advance and
status change, each ending with the RequestId it carries; notes (messages,
conditions, listings) go on indented lines of their own, so no line is wider
than ``WIDTH``::

    t=+30s   StartInstance   i-web           HTTP 200 OK  81CB9E50-3EDF-A981-F67B-D79194A5D3D6
    t=+30s     event         i-web           Stopped -> Starting   start            81CB9E50-...
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from typing import Final

from ._faults import FaultKind, FaultRule
from ._model import EcsModel
from ._rules import precedence
from ._status import Action, ChargeType, InstanceStatus
from ._timing import Duration, Durations, Fixed
from ._views import (
    ActionResponse,
    BatchResponse,
    Event,
    FaultEvent,
    InstanceView,
    RenewInstanceResponse,
    RunInstancesResponse,
)
from .errors import ApiError

__all__ = ["demo_lines"]

#: No line of the demo is wider than this (a terminal of 120 columns).
WIDTH: Final = 120
_TIME_WIDTH: Final = 7
_ACTION_WIDTH: Final = 14
_SUBJECT_WIDTH: Final = 16
_LEFT_WIDTH: Final = _ACTION_WIDTH + 2 + _SUBJECT_WIDTH
_INDENT: Final = " " * (_TIME_WIDTH + 2)

_START: Final = Action.START_INSTANCE
_REBOOT: Final = Action.REBOOT_INSTANCE
_STOP: Final = Action.STOP_INSTANCE
_DESCRIBE: Final = Action.DESCRIBE_INSTANCE_STATUS
_RUNNING: Final = InstanceStatus.RUNNING
_STOPPED: Final = InstanceStatus.STOPPED
_PREPAID: Final = ChargeType.PREPAID

# The demo's instances. Explicit ids keep the trace short; only request ids vary by seed.
_WEB: Final = "i-web"
_NEW: Final = "i-new"
_LOCKED: Final = "i-locked"
_SUB: Final = "i-sub"
_DISK_A: Final = "i-disk-a"
_DISK_B: Final = "i-disk-b"
_D1: Final = "i-d1"
_TANGLE: Final = "i-tangle"
_UNKNOWN: Final = "i-nosuch"


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _duration(duration: Duration) -> str:
    return f"{_seconds(duration.seconds)}s" if isinstance(duration, Fixed) else repr(duration)


class _Trace:
    """Makes calls on one model and records each call, status change and note as a line."""

    def __init__(self, model: EcsModel) -> None:
        self.model = model
        self.lines: list[str] = []
        self._events: list[Event] = []
        self._steps = 0
        model.subscribe(self._events.append)

    def row(self, time: float, what: str, subject: str, rest: str) -> None:
        stamp = f"t=+{_seconds(time)}s"
        # A long action name spills into the subject column; the outcome column stays put.
        if len(subject) > _SUBJECT_WIDTH and subject.startswith("i-"):
            # A generated id (RunInstances'): its start, in full in the InstanceIdSet note.
            subject = subject[: _SUBJECT_WIDTH - 3] + "..."
        left = f"{what:<{_ACTION_WIDTH}}  {subject}"
        line = f"{stamp:<{_TIME_WIDTH}}  {left:<{_LEFT_WIDTH}}  {rest}"
        self.lines.append(line.rstrip())

    def step(self, title: str) -> None:
        self._steps += 1
        self.lines.append(f"[{self._steps:>2}] {title}")

    def note(self, text: str) -> None:
        """An indented line of its own, wrapped (hanging indent) to ``WIDTH``."""
        lead = len(text) - len(text.lstrip())
        self.lines.extend(
            textwrap.wrap(
                text,
                width=WIDTH,
                initial_indent=_INDENT,
                subsequent_indent=_INDENT + " " * (lead + 2),
                break_on_hyphens=False,
            )
        )

    def _flush(self, description: str = "") -> None:
        for event in self._events:
            if isinstance(event, FaultEvent):
                extra = f" +{_seconds(event.delay)}s" if event.delay else ""
                what = f"{event.kind.value}{extra}"
                rest = f"{what:<20}  fault #{event.fault_id:<8}  {event.request_id}"
                self.row(event.time, "  fault", event.instance_id or "(all)", rest)
                continue
            source = "(new)" if event.source is None else event.source.value
            dest = "(released)" if event.dest is None else event.dest.value
            change = f"{source} -> {dest}"
            rest = f"{change:<20}  {event.cause:<15}  {event.request_id}"
            self.row(event.time, "  event", event.instance_id, rest)
            if event.data_loss:
                self.note(f"  DataLoss({event.data_loss.value})")
            if event.source is None and description:
                self.note(f"  [{description}]")
        self._events.clear()

    def created(self, instance_id: str, description: str) -> str:
        """Record the creation event of ``instance_id``, labelled with its condition."""
        self._flush(description)
        return instance_id

    def advance(self, seconds: float) -> None:
        now = self.model.advance(seconds)
        self.row(now, "clock", f"+{_seconds(seconds)}s", "")
        self._flush()

    def call(
        self,
        action: Action,
        request: str,
        call: Callable[
            [], ActionResponse | BatchResponse | RunInstancesResponse | RenewInstanceResponse
        ],
    ) -> object:
        """Make the call and record it; its response, or ``None`` for a refusal."""
        now = self.model.now
        try:
            response = call()
        except ApiError as error:
            outcome = f"HTTP {error.http_status} {error.code.value}  {error.request_id}"
            self.row(now, action.value, request, outcome)
            self.note(f"  Message: {error.message}")
            self._flush()
            return None
        else:
            self.row(now, action.value, request, f"HTTP 200 OK  {response.request_id}")
            if isinstance(response, BatchResponse):
                for item in response.instance_responses:
                    moved = f"{item.previous_status} -> {item.current_status}"
                    self.note(f"  {item.instance_id:<10}  {item.code:<26}  {moved}")
            elif isinstance(response, RunInstancesResponse):
                self.note(f"  InstanceIdSet: {', '.join(response.instance_ids)}")
            elif isinstance(response, RenewInstanceResponse):
                self.note(f"  OrderId: {response.order_id}")
        self._flush()
        return response

    def poll(self, what: str, **filters: str) -> None:
        """One DescribeInstances call, as a client's wait loop makes it."""
        page = self.model.describe_instances(**filters)
        listed = ", ".join(f"{i.instance_id}={i.status.value}" for i in page.instances)
        rest = f"TotalCount={page.total_count}  {page.request_id}"
        self.row(self.model.now, "DescribeInstances", what, rest)
        self.note(f"  [{listed}]")


# ---------------------------------------------------------------------------
# The steps, in order. Each takes the trace and leaves the model for the next.
# ---------------------------------------------------------------------------
def _creation(trace: _Trace) -> None:
    trace.step("A new instance is Pending, then Stopped once its creation completes")
    trace.created(trace.model.create_instance(_WEB), "ecs.g7.large, PostPaid")
    trace.advance(30)


def _start(trace: _Trace) -> None:
    start = trace.model.start_instance
    trace.step("StartInstance: Stopped -> Starting -> Running")
    trace.call(_START, _WEB, lambda: start(_WEB))
    trace.advance(30)
    trace.step("StartInstance on a Running instance -> IncorrectInstanceStatus")
    trace.call(_START, _WEB, lambda: start(_WEB))


def _not_ready(trace: _Trace) -> None:
    trace.step("StartInstance while the instance is still being created -> InstanceNotReady")
    trace.created(trace.model.create_instance(_NEW), "ecs.g7.large, PostPaid")
    trace.call(_START, _NEW, lambda: trace.model.start_instance(_NEW))
    trace.advance(30)


def _request_checks(trace: _Trace) -> None:
    start = trace.model.start_instance
    trace.step("Unknown InstanceId -> InvalidInstanceId.NotFound")
    trace.call(_START, _UNKNOWN, lambda: start(_UNKNOWN))
    trace.step("Missing or empty InstanceId -> MissingParameter")
    trace.call(_START, 'InstanceId=""', lambda: start(""))
    trace.step("A Boolean that is neither true nor false -> InvalidParameter")
    trace.call(_START, f"{_NEW} DryRun=yes", lambda: start(_NEW, dry_run="yes"))
    trace.step("DryRun=true checks the request and changes nothing -> DryRunOperation")
    trace.call(_START, f"{_NEW} DryRun=true", lambda: start(_NEW, dry_run=True))


def _security_lock(trace: _Trace) -> None:
    model = trace.model
    trace.step("OperationLocks holds LockReason=security -> InstanceLockedForSecurity")
    locked = model.create_instance(_LOCKED, status=_RUNNING, security_locked=True)
    trace.created(locked, "security-locked")
    trace.call(_START, locked, lambda: model.start_instance(locked))
    trace.call(_REBOOT, locked, lambda: model.reboot_instance(locked))
    trace.call(_STOP, locked, lambda: model.stop_instance(locked))


def _billing(trace: _Trace) -> None:
    model = trace.model
    trace.step("PrePaid past ExpiredTime -> InstanceExpired (Start), ...OrInArrears (Stop)")
    expires = model.now + 60
    sub = model.create_instance(_SUB, status=_STOPPED, charge_type=_PREPAID, expired_time=expires)
    trace.created(sub, f"PrePaid, ExpiredTime t=+{_seconds(expires)}s")
    trace.advance(60)
    trace.call(_START, sub, lambda: model.start_instance(sub))
    trace.call(_STOP, sub, lambda: model.stop_instance(sub))

    trace.step("PostPaid instance, account in arrears -> InstanceExpired")
    model.set_in_arrears(True)
    trace.note(f"account: in_arrears={model.account.in_arrears}")
    trace.call(_START, _NEW, lambda: model.start_instance(_NEW))
    model.set_in_arrears(False)

    trace.step("PostPaid instance, balance below the minimum for starting -> InsufficientBalance")
    model.set_minimum_start_balance(150)
    account = model.account
    trace.note(
        f"account: balance={account.balance}, minimum_start_balance={account.minimum_start_balance}"
    )
    trace.call(_START, _NEW, lambda: model.start_instance(_NEW))
    model.set_minimum_start_balance(0)


def _disks(trace: _Trace) -> None:
    model = trace.model
    trace.step("Abnormal cloud disk -> DiskError, with each action's own HTTP status and message")
    disk_a = model.create_instance(_DISK_A, status=_STOPPED, cloud_disk_abnormal=True)
    trace.created(disk_a, "cloud disk abnormal")
    disk_b = model.create_instance(_DISK_B, status=_RUNNING, cloud_disk_abnormal=True)
    trace.created(disk_b, "cloud disk abnormal")
    trace.call(_START, disk_a, lambda: model.start_instance(disk_a))
    trace.call(_REBOOT, disk_b, lambda: model.reboot_instance(disk_b))
    trace.call(_STOP, disk_b, lambda: model.stop_instance(disk_b))

    trace.step("d1 instance, abnormal local disk: InitLocalDisk=true recovers it, losing data")
    d1 = model.create_instance(
        _D1, instance_type="ecs.d1.2xlarge", status=_STOPPED, local_disk_abnormal=True
    )
    trace.created(d1, "ecs.d1.2xlarge, local disk abnormal")
    trace.call(
        _START, f"{d1} InitLocalDisk=false", lambda: model.start_instance(d1, init_local_disk=False)
    )
    trace.call(
        _START, f"{d1} InitLocalDisk=true", lambda: model.start_instance(d1, init_local_disk=True)
    )
    trace.advance(30)
    view = model.instance(d1)
    trace.note(f"{d1}: local_disk_abnormal={view.local_disk_abnormal}, data_losses={_losses(view)}")


def _losses(view: InstanceView) -> str:
    causes = (f"{loss.cause.value} at t=+{_seconds(loss.time)}s" for loss in view.data_losses)
    return "[" + ", ".join(causes) + "]"


def _reboot_and_stop(trace: _Trace) -> None:
    model = trace.model
    trace.step("RebootInstance: Running -> Starting -> Running; ForceStop=true loses data")
    trace.call(_REBOOT, _WEB, lambda: model.reboot_instance(_WEB))
    trace.advance(30)
    trace.call(
        _REBOOT, f"{_WEB} ForceStop=true", lambda: model.reboot_instance(_WEB, force_stop=True)
    )
    trace.advance(30)

    trace.step("StopInstance: Running -> Stopping -> Stopped")
    trace.call(_STOP, _WEB, lambda: model.stop_instance(_WEB))
    trace.advance(15)
    view = model.instance(_WEB)
    trace.note(f"{_WEB}: stopped_mode={view.stopped_mode}, data_losses={_losses(view)}")


def _faults(trace: _Trace) -> None:
    model = trace.model
    trace.step("Injected faults: InternalError and Throttling change nothing")
    model.inject_internal_error(_START)
    trace.call(_START, _WEB, lambda: model.start_instance(_WEB))
    model.add_fault(FaultRule(kind=FaultKind.THROTTLE, action=_START, count=1))
    trace.call(_START, _WEB, lambda: model.start_instance(_WEB))
    trace.note(f"{_WEB} is still {model.status(_WEB)}; active faults left: {len(model.faults())}")

    trace.step("A lost response: the start happens, but the caller sees HTTP 500")
    model.add_fault(FaultRule(kind=FaultKind.LOST_RESPONSE, action=_START, count=1))
    trace.call(_START, _WEB, lambda: model.start_instance(_WEB))
    trace.note(f"{_WEB} is {model.status(_WEB)}: a client that does not look again retries blind")
    trace.advance(30)

    trace.step("A delayed transition: the reboot stays in Starting 60s longer")
    model.add_fault(FaultRule(kind=FaultKind.DELAY, action=_REBOOT, delay=60, count=1))
    trace.call(_REBOOT, _WEB, lambda: model.reboot_instance(_WEB))
    trace.advance(30)
    trace.note(f"{_WEB} is still {model.status(_WEB)} after the usual 30s")
    trace.advance(60)


def _precedence(trace: _Trace) -> None:
    model = trace.model
    trace.step("Several rules fail at once: the first in precedence order wins")
    tangle = model.create_instance(
        _TANGLE,
        status=_RUNNING,
        charge_type=_PREPAID,
        expired_time=model.now,
        security_locked=True,
        cloud_disk_abnormal=True,
    )
    trace.created(tangle, "locked, PrePaid expired, cloud disk abnormal")
    order = " > ".join(check.value for check, _ in precedence(_START))
    trace.note(f'lifecycle.precedence("{_START.value}"): {order}')
    trace.call(_START, tangle, lambda: model.start_instance(tangle))
    model.unlock(tangle)
    trace.note(f"after unlock({tangle!r}) the next failing check answers:")
    trace.call(_START, tangle, lambda: model.start_instance(tangle))


def _fleet(trace: _Trace) -> None:
    model = trace.model
    trace.step("Batch actions: AllTogether is all or nothing; SuccessFirst answers each instance")
    apps = model.create_instances(2, id_prefix="i-app-", status="Running")
    trace.created(apps[0], "one of a fleet of two")
    batch = [*apps, _LOCKED]
    subject = f"{len(batch)} instances"
    trace.note(f"InstanceId.N = {', '.join(batch)}; BatchOptimization=AllTogether (the default)")
    trace.call(Action.STOP_INSTANCES, subject, lambda: model.stop_instances(batch))
    trace.note("the same ids; BatchOptimization=SuccessFirst")
    trace.call(
        Action.STOP_INSTANCES,
        subject,
        lambda: model.stop_instances(batch, batch_optimization="SuccessFirst"),
    )
    trace.step("DescribeInstances: the wait loop real clients run, by the Status filter")
    trace.poll("Status=Stopped", status="Stopped", instance_ids=json.dumps(apps))
    trace.advance(15)
    trace.poll("Status=Stopped", status="Stopped", instance_ids=json.dumps(apps))
    trace.call(
        Action.START_INSTANCES, f"{len(apps)} instances", lambda: model.start_instances(apps)
    )
    trace.advance(30)
    trace.poll("Status=Running", status="Running", instance_ids=json.dumps(apps))


def _birth_and_death(trace: _Trace) -> None:
    model = trace.model
    trace.step("RunInstances: created and started; the same ClientToken creates nothing more")

    def order() -> RunInstancesResponse:
        return model.run_instances(
            instance_type="ecs.g7.large",
            image_id="aliyun_3_x64",
            amount=2,
            instance_name="api[1,2]",
            client_token="deploy-1",
        )

    trace.note("Amount=2, InstanceName=api[1,2], ClientToken=deploy-1")
    launched = trace.call(Action.RUN_INSTANCES, "2 instances", order)
    assert isinstance(launched, RunInstancesResponse)
    first, second = launched.instance_ids
    trace.note("the same request again (a client's retry)")
    trace.call(Action.RUN_INSTANCES, "2 instances", order)
    trace.advance(30)
    trace.advance(30)

    trace.step("DeleteInstance: Stopped only, unless Force; a released instance is gone")
    trace.call(Action.DELETE_INSTANCE, first, lambda: model.delete_instance(first))
    trace.call(Action.DELETE_INSTANCE, first, lambda: model.delete_instance(first, force=True))
    trace.call(_START, first, lambda: model.start_instance(first))
    trace.poll("InstanceName=api*", instance_name="api*")
    trace.call(Action.DELETE_INSTANCE, _SUB, lambda: model.delete_instance(_SUB))
    trace.note("the subscription has expired: TerminateSubscription=true releases it")
    trace.step("RenewInstance: a PrePaid instance runs again once renewed")
    trace.call(Action.RENEW_INSTANCE, _SUB, lambda: model.renew_instance(_SUB, period=1))
    trace.call(_START, _SUB, lambda: model.start_instance(_SUB))
    trace.call(Action.RENEW_INSTANCE, second, lambda: model.renew_instance(second, period=1))
    trace.advance(30)


def _describe(trace: _Trace) -> None:
    model = trace.model
    trace.step("DescribeInstanceStatus: every instance; unknown ids are simply absent")
    every = model.describe_instance_status(page_size=50)
    rest = f"TotalCount={every.total_count}  {every.request_id}"
    trace.row(model.now, _DESCRIBE.value, "(all)", rest)
    for item in every.instance_statuses:
        trace.note(f"{item.instance_id:<10}  {item.status.value}")
    some = model.describe_instance_status([_WEB, _UNKNOWN])
    found = ", ".join(f"{item.instance_id}={item.status.value}" for item in some.instance_statuses)
    rest = f"TotalCount={some.total_count} [{found}]  {some.request_id}"
    trace.row(model.now, _DESCRIBE.value, f"{_WEB},{_UNKNOWN}", rest)


_STEPS: Final[tuple[Callable[[_Trace], None], ...]] = (
    _creation,
    _start,
    _not_ready,
    _request_checks,
    _security_lock,
    _billing,
    _disks,
    _reboot_and_stop,
    _faults,
    _precedence,
    _fleet,
    _birth_and_death,
    _describe,
)


def demo_lines(seed: int = 42) -> list[str]:
    """Run the seeded demo scenario and return its trace.

    The scenario walks one ``EcsModel`` through every documented rule: the
    Pending -> Stopped creation; each action's success path through its
    transitory status, as ``TransitionEvent`` rows; each documented rejection
    (parameters, dry run, existence, readiness, security lock, expiry, arrears,
    balance, status, disks, injected faults: an ``InternalError``, ``Throttling``,
    a lost response and a delayed transition); the data lost to
    ``InitLocalDisk`` and ``ForceStop``; a call where several rules fail at
    once; the batch actions in both modes and the DescribeInstances wait loop;
    RunInstances with a ClientToken retry, DeleteInstance and RenewInstance;
    and a final DescribeInstanceStatus. Time is the model's
    ``ManualClock``, advanced by the scenario and shown as ``t=+NNs``.

    Args:
        seed: The model's seed. It decides every request id, so the same seed
            gives byte-identical lines.

    Returns:
        The trace: a header, then per step a numbered title followed by its
        rows (calls, clock advances, status changes and notes), without
        trailing newlines.
    """
    durations = Durations()
    model = EcsModel(seed=seed, durations=durations)
    trace = _Trace(model)
    trace.lines.append(
        f"lifecycle demo, seed={seed}: model clock from t=+0s; Pending lasts "
        f"{_duration(durations.pending)}, Starting {_duration(durations.starting)}, "
        f"Stopping {_duration(durations.stopping)}"
    )
    trace.lines.append(
        "each row: time, action (or event, clock, fault), instance, outcome, RequestId"
    )
    for step in _STEPS:
        step(trace)
    return trace.lines
