"""A misused call is refused with a message that names the argument and the fix.

House rule: an ``InvalidArgument`` says ``name=value`` and what would be
accepted, so a caller can fix the call without reading the source. Each case
below is one misuse of the public API, with the start (and, where the fix is
spelled out, the end) of the message it must get.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import lifecycle
from lifecycle import (
    EcsModel,
    FaultRule,
    InvalidArgument,
    LifecycleError,
)
from tests.reference import load, operation

#: The documented actions, in the order the model lists them.
ACTIONS = (
    "StartInstance, RebootInstance, StopInstance, DescribeInstanceStatus, DescribeInstances, "
    "DescribeInstanceAttribute, StartInstances, StopInstances, RebootInstances, RunInstances, "
    "CreateInstance, DeleteInstance, DeleteInstances, RenewInstance, ReActivateInstances"
)
#: The documented statuses, as a refusal lists them.
LISTED_STATUSES = ", ".join(repr(status) for status in load("lifecycle.toml")["statuses"])
FLAG = "expected a bool or the string 'true' or 'false'"


class NowOnly:
    """A caller's clock that is not a ``ManualClock``."""

    def now(self) -> float:
        return 0.0


def ecs() -> Any:
    """A model with one Running PostPaid instance, typed loosely so that it can be misused."""
    model = EcsModel()
    model.create_instance("i-1", status="Running")
    return model


#: The package, typed loosely so that its constructors can be misused.
loose: Any = lifecycle
Misuse = Callable[[], object]

CASES = [
    # Flags and ids of the three actions.
    pytest.param(
        lambda: ecs().start_instance("i-1", init_local_disk=3),
        f"^init_local_disk=3: {FLAG}$",
        id="start-init",
    ),
    pytest.param(
        lambda: ecs().start_instance("i-1", dry_run=3), f"^dry_run=3: {FLAG}$", id="start-dry"
    ),
    pytest.param(
        lambda: ecs().start_instance(5),
        r"^instance_id=5: expected the instance id as a str$",
        id="start-id",
    ),
    pytest.param(
        lambda: ecs().reboot_instance("i-1", force_stop=3),
        f"^force_stop=3: {FLAG}$",
        id="reboot-force",
    ),
    pytest.param(
        lambda: ecs().reboot_instance("i-1", dry_run=3), f"^dry_run=3: {FLAG}$", id="reboot-dry"
    ),
    pytest.param(
        lambda: ecs().stop_instance("i-1", force_stop=3), f"^force_stop=3: {FLAG}$", id="stop-force"
    ),
    pytest.param(
        lambda: ecs().stop_instance("i-1", confirm_stop=3),
        f"^confirm_stop=3: {FLAG}$",
        id="stop-confirm",
    ),
    pytest.param(
        lambda: ecs().stop_instance("i-1", dry_run=3), f"^dry_run=3: {FLAG}$", id="stop-dry"
    ),
    pytest.param(
        lambda: ecs().stop_instance("i-1", stopped_mode=3),
        r"^stopped_mode=3: expected 'KeepCharging', 'StopCharging' or 'Not-applicable'$",
        id="stop-mode",
    ),
    # DescribeInstanceStatus.
    pytest.param(
        lambda: ecs().describe_instance_status(page_number=True),
        r"^page_number=True: expected an int$",
        id="describe-number",
    ),
    pytest.param(
        lambda: ecs().describe_instance_status(page_size=1.5),
        r"^page_size=1\.5: expected an int$",
        id="describe-size",
    ),
    pytest.param(
        lambda: ecs().describe_instance_status("i-1"),
        r"^instance_ids='i-1': expected a list of str ids$",
        id="describe-ids-str",
    ),
    pytest.param(
        lambda: ecs().describe_instance_status([1]),
        r"^instance_ids=\[1\]: expected a list of str ids$",
        id="describe-ids-int",
    ),
    pytest.param(
        lambda: ecs().describe_instance_status(region_id=5),
        r"^region_id=5: expected a str$",
        id="describe-region",
    ),
    # call() by documented names.
    pytest.param(
        lambda: ecs().call("Explode"),
        rf"^action='Explode': unknown; the model answers {ACTIONS}$",
        id="call-action",
    ),
    pytest.param(
        lambda: ecs().call(["StartInstance"]),
        r"^action=\['StartInstance'\]: unknown",
        id="call-unhashable",
    ),
    pytest.param(
        lambda: ecs().call(5),
        r"^action=5: unknown",
        id="call-int",
    ),
    pytest.param(
        lambda: ecs().check("DescribeInstanceStatus", "i-1"),
        r"^action='DescribeInstanceStatus': check\(\) answers StartInstance, RebootInstance,"
        r" StopInstance, DeleteInstance, ReActivateInstances$",
        id="query-action",
    ),
    pytest.param(
        lambda: loose.error_table("Explode"),
        rf"^action='Explode': unknown; the model answers {ACTIONS}$",
        id="table-action",
    ),
    pytest.param(
        lambda: loose.precedence(["StartInstance"]),
        r"^action=\['StartInstance'\]: unknown",
        id="table-unhashable",
    ),
    # Set-up, conditions and faults.
    pytest.param(
        lambda: EcsModel(clock=NowOnly()).advance(1),
        r"^advance\(\) needs a ManualClock; advance your own clock and call settle\(\)$",
        id="advance",
    ),
    pytest.param(lambda: ecs().subscribe(5), r"^callback=5: expected a callable$", id="subscribe"),
    pytest.param(
        lambda: ecs().status(["i-1"]),
        r"^instance_id=\['i-1'\]: no such instance in this model$",
        id="lookup-unhashable",
    ),
    pytest.param(
        lambda: ecs().set_balance(None), r"^balance=None: expected an amount", id="balance"
    ),
    pytest.param(
        lambda: ecs().set_minimum_start_balance(None),
        r"^minimum_start_balance=None: expected an amount",
        id="minimum",
    ),
    pytest.param(
        lambda: ecs().set_in_arrears("yes"),
        r"^in_arrears='yes': expected True or False$",
        id="arrears",
    ),
    pytest.param(
        lambda: ecs().set_disk_abnormal("i-1", "cloud", "yes"),
        r"^abnormal='yes': expected True or False$",
        id="abnormal",
    ),
    pytest.param(
        lambda: ecs().set_disk_abnormal("i-1", "local"),
        r"^kind='local': 'i-1' has no local disk \(create it with has_local_disk=True\)$",
        id="local-disk",
    ),
    pytest.param(
        lambda: ecs().set_expired_time("i-1", 5.0),
        r"^'i-1' is PostPaid: .*; use set_in_arrears\(\) for a PostPaid account$",
        id="expiry-postpaid",
    ),
    pytest.param(
        lambda: ecs().inject_internal_error("StartInstance", 1.5),
        r"^count=1\.5: expected an int >= 0$",
        id="inject-count",
    ),
    pytest.param(
        lambda: ecs().stop_by_platform("i-1", "meteor"),
        r"^cause='meteor': expected one of 'expiry', 'overdue'$",
        id="platform-cause",
    ),
    pytest.param(
        lambda: ecs().stop_by_platform("i-1", "expiry"),
        r"^'i-1' is PostPaid: .*; a PostPaid instance is stopped for cause='overdue'$",
        id="platform-postpaid",
    ),
    # Bulk calls.
    pytest.param(
        lambda: ecs().bulk("StartInstance", ["i-1"], init_local_disk="yes"),
        r"^init_local_disk='yes': expected True or False$",
        id="bulk-init",
    ),
    pytest.param(
        lambda: ecs().bulk("RebootInstance", ["i-1"], init_local_disk=True),
        r"^init_local_disk applies to StartInstance only$",
        id="bulk-init-reboot",
    ),
    pytest.param(
        lambda: ecs().bulk("StartInstance", ["i-1"], force_stop=True),
        r"^force_stop applies to RebootInstance and StopInstance only$",
        id="bulk-force-start",
    ),
    pytest.param(
        lambda: ecs().bulk("RebootInstance", ["i-1"], stopped_mode="StopCharging"),
        r"^stopped_mode applies to StopInstance only$",
        id="bulk-mode-reboot",
    ),
    # Durations and clocks.
    pytest.param(
        lambda: loose.ManualClock().advance(-1),
        r"^seconds=-1\.0: a clock only moves forward; pass >= 0$",
        id="clock-back",
    ),
    pytest.param(
        lambda: loose.ManualClock().advance("x"),
        r"^seconds='x': expected a number of seconds$",
        id="clock-nan",
    ),
    pytest.param(
        lambda: loose.Fixed(True),
        r"^seconds=True: expected a finite number of seconds$",
        id="fixed-bool",
    ),
    pytest.param(
        lambda: loose.Fixed("3"),
        r"^seconds='3': expected a finite number of seconds$",
        id="fixed-str",
    ),
    pytest.param(
        lambda: loose.Fixed(-1), r"^seconds=-1: durations cannot be negative$", id="fixed-negative"
    ),
    pytest.param(
        lambda: loose.Uniform(-1, 2), r"^low=-1: durations cannot be negative$", id="uniform-low"
    ),
    pytest.param(
        lambda: loose.Uniform(1, "x"),
        r"^high='x': expected a finite number of seconds$",
        id="uniform-high",
    ),
    pytest.param(
        lambda: loose.Uniform(5, 2),
        r"^Uniform\(low=5\.0, high=2\.0\): high must be >= low$",
        id="uniform-order",
    ),
    pytest.param(
        lambda: loose.Exponential(0),
        r"^Exponential\(mean=0\): use Fixed\(0\) for no wait$",
        id="exponential-zero",
    ),
    pytest.param(
        lambda: loose.Exponential(-1),
        r"^mean=-1: durations cannot be negative$",
        id="exponential-negative",
    ),
    pytest.param(
        lambda: loose.Durations(starting=30),
        r"^starting=30: expected a Duration such as Fixed\(30\) or Uniform\(20, 40\)$",
        id="durations",
    ),
    # The model's own arguments and new instances' conditions.
    pytest.param(lambda: loose.EcsModel(seed="x"), r"^seed='x': expected an int$", id="seed"),
    pytest.param(
        lambda: loose.EcsModel(clock=5),
        r"^clock=5: expected an object with a now\(\) method$",
        id="clock",
    ),
    pytest.param(
        lambda: loose.EcsModel(durations=5),
        r"^durations=5: expected a lifecycle\.Durations$",
        id="model-durations",
    ),
    pytest.param(
        lambda: loose.EcsModel(balance="abc"), r"^balance='abc': not a number$", id="model-balance"
    ),
    pytest.param(
        lambda: loose.EcsModel(minimum_start_balance="NaN"),
        r"^minimum_start_balance='NaN': expected a finite amount$",
        id="model-minimum",
    ),
    pytest.param(
        lambda: loose.ManualClock("noon"),
        r"^start='noon': expected a number of seconds$",
        id="clock-start",
    ),
    pytest.param(
        lambda: loose.ManualClock(float("inf")),
        r"^start=inf: expected a finite number of seconds$",
        id="clock-start-inf",
    ),
    pytest.param(
        lambda: ecs().create_instance(status="Exploded"),
        rf"^status='Exploded': expected one of {re.escape(LISTED_STATUSES)}$",
        id="create-status",
    ),
    pytest.param(
        lambda: ecs().create_instance(has_local_disk="yes"),
        r"^has_local_disk='yes': expected True or False$",
        id="create-local",
    ),
    pytest.param(
        lambda: ecs().create_instance(cloud_disk_abnormal="yes"),
        r"^cloud_disk_abnormal='yes': expected True or False$",
        id="create-cloud-abnormal",
    ),
    pytest.param(
        lambda: ecs().create_instance(local_disk_abnormal="yes"),
        r"^local_disk_abnormal='yes': expected True or False$",
        id="create-local-abnormal",
    ),
    pytest.param(
        lambda: ecs().create_instance(local_disk_abnormal=True),
        r"^local_disk_abnormal=True: the instance has no local disk; pass has_local_disk=True$",
        id="create-no-local-disk",
    ),
    pytest.param(
        lambda: ecs().create_instance(expired_time=5.0),
        r"^expired_time is only for PrePaid instances; pass charge_type='PrePaid'$",
        id="create-expiry-postpaid",
    ),
    # Fault rules.
    pytest.param(
        lambda: loose.FaultRule(kind="meteor"),
        r"^kind='meteor': expected one of 'error', 'lost_response', 'delay', 'throttle'$",
        id="fault-kind",
    ),
    pytest.param(
        lambda: loose.FaultRule(kind="delay", action="DescribeInstanceStatus", delay=1),
        r"^kind='delay': DescribeInstanceStatus changes nothing, so it can be throttled or fail, "
        r"but not be delayed or lose a change$",
        id="fault-describe-delay",
    ),
    pytest.param(
        lambda: FaultRule.from_dict({"kind": "error", "colour": 1, "size": 2}),
        r"^fault rule: unknown field\(s\) colour, size; "
        r"expected kind, action, instance_ids, probability, count, delay$",
        id="fault-unknown-fields",
    ),
    pytest.param(
        lambda: FaultRule.from_dict({}), r"^fault rule: 'kind' is required$", id="fault-no-kind"
    ),
]


@pytest.mark.parametrize(("misuse", "message"), CASES)
def test_a_misused_call_is_refused_by_name_with_the_fix(misuse: Misuse, message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        misuse()
    assert re.search(message, str(refused.value)), str(refused.value)


def test_an_unknown_parameter_is_refused_with_the_documented_parameter_names() -> None:
    names = ", ".join(p["name"] for p in operation("StartInstance")["parameters"])
    with pytest.raises(InvalidArgument) as refused:
        ecs().call("StartInstance", {"Force": "true"})
    assert str(refused.value).endswith(f"; it takes {names}")


def test_the_root_exception_says_it_is_abstract_and_what_to_raise() -> None:
    with pytest.raises(
        TypeError, match=r"^LifecycleError is abstract; raise one of its subclasses$"
    ):
        LifecycleError("boom")
