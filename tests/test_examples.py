"""The examples, checked with ``lifecycle.testing``: a client that must survive faults, and fakes.

``examples/ensure_running.py``: the correct routine survives every fault plan
within its retry budget; the harness finds the broken twin's bug and shrinks it
to one lost response. ``examples/fake_ecs.py``: the fake without bugs agrees
with the model; each deliberate bug is caught and shrunk to a step or two.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from examples.ensure_running import (
    GaveUp,
    RefusedError,
    ensure_all_running,
    ensure_all_running_broken,
    ensure_running,
    ensure_running_broken,
)
from examples.fake_ecs import BUGS, FakeEcs, FakeEcsError
from lifecycle import (
    Action,
    ApiError,
    Durations,
    ErrorCode,
    FaultKind,
    FaultRule,
    InstanceStatus,
    ManualClock,
    Uniform,
)
from lifecycle.testing import (
    ACTIONS,
    LIFECYCLE_ACTIONS,
    DifferentialMachine,
    Fleet,
    Implementation,
    InstanceCondition,
    ModelClient,
    check_history,
    fault_plans,
    fleets,
    harness_settings,
    instance_conditions,
)

Routine = Callable[..., None]
#: What examples/fake_ecs.py answers: every action but the lifecycle ones.
NINE_ACTIONS = tuple(a for a in ACTIONS if a not in LIFECYCLE_ACTIONS)
ATTEMPTS = 5
RUNNING = InstanceStatus.RUNNING.value
DAY = 86_400.0

# One instance whose subscription does not end while the routine works (its
# result then depends on the instance's condition alone), most often in a
# status the routine has to start it from.
ONE_INSTANCE = fleets(
    max_instances=1,
    conditions=instance_conditions(
        statuses=("Stopped", "Stopped", "Pending", "Stopping", "Starting", "Running")
    ).filter(lambda c: c.expired_time is None or c.expired_time <= 0 or c.expired_time >= DAY),
)


def plans(min_rules: int = 0) -> st.SearchStrategy[list[FaultRule]]:
    """Faults on the calls the routine makes: at most 2 rules of at most 2 hits, 4 < ATTEMPTS."""
    return fault_plans(
        min_rules=min_rules,
        max_rules=2,
        max_count=2,
        deterministic=True,
        actions=("StartInstance", "DescribeInstanceStatus", None),
    )


SURVIVABLE = plans()


def outcome(routine: Routine, fleet: Fleet, plan: list[FaultRule]) -> tuple[str, ModelClient]:
    """Run ``routine`` on ``i-0`` against the model with ``plan``: what did it end with?"""
    model = fleet.build()
    for rule in plan:
        model.add_fault(rule)
    client = ModelClient(model)
    try:
        routine(client, "i-0", sleep=client.sleep, attempts=ATTEMPTS)
    except GaveUp:
        return "gave up", client
    except ApiError as error:
        return error.code.value, client
    # The routine's claim is checked against the model, at the moment it made it.
    assert model.status("i-0") is InstanceStatus.RUNNING
    return RUNNING, client


def expected(fleet: Fleet) -> str:
    """What ensuring i-0 runs must end with, by the model's rules: Running or the refusal."""
    model = fleet.build()
    model.advance(3_600)  # past any transitory status, inside every subscription
    if model.status("i-0") is InstanceStatus.RUNNING:
        return RUNNING
    code = model.check("StartInstance", "i-0")
    return RUNNING if code is None else code.value


def violation(routine: Routine, fleet: Fleet, plan: list[FaultRule]) -> str | None:
    """Why ``routine`` broke its contract under ``plan``, or ``None`` if it kept it."""
    result, client = outcome(routine, fleet, plan)
    want = expected(fleet)
    if result != want:
        return f"ended with {result!r}, the documents say {want!r}"
    verdict = check_history(client.history, fleet)
    assert verdict, verdict.explain(client.history)  # what the client saw, the model can produce
    return None


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(fleet=ONE_INSTANCE, plan=SURVIVABLE)
def test_ensure_running_survives_every_fault_plan_within_its_retry_budget(
    fleet: Fleet, plan: list[FaultRule]
) -> None:
    assert violation(ensure_running, fleet, plan) is None


def test_the_harness_finds_the_broken_routine_and_shrinks_it_to_one_lost_response() -> None:
    fleet, plan = find(
        st.tuples(ONE_INSTANCE, plans(min_rules=1)),
        lambda case: violation(ensure_running_broken, *case) is not None,
        settings=settings(max_examples=500, database=None, derandomize=True),
    )
    (rule,) = plan
    assert rule.kind is FaultKind.LOST_RESPONSE
    assert rule.action in (None, "StartInstance")
    assert len(fleet) == 1
    assert fleet.condition("i-0") == InstanceCondition()  # a plain Stopped instance
    assert violation(ensure_running, fleet, plan) is None  # the correct one survives it
    assert "gave up" in str(violation(ensure_running_broken, fleet, plan))


def test_ensure_running_gives_up_after_its_bound_when_faults_never_stop() -> None:
    fleet = Fleet(instances={"i-0": InstanceCondition()})
    forever = [FaultRule(kind="error", action="StartInstance")]
    result, client = outcome(ensure_running, fleet, forever)
    assert result == "gave up"
    starts = [c for c in client.history if c.request.action == "StartInstance"]
    assert len(starts) == ATTEMPTS
    assert {c.outcome.code for c in starts} == {ErrorCode.INTERNAL_ERROR}


def test_ensure_running_refuses_an_instance_that_will_not_start() -> None:
    fleet = Fleet(instances={"i-0": InstanceCondition(security_locked=True)})
    result, _ = outcome(ensure_running, fleet, [])
    assert result == ErrorCode.INSTANCE_LOCKED_FOR_SECURITY.value == expected(fleet)


def test_ensure_running_gives_up_waiting_and_names_an_unknown_instance() -> None:
    fleet = Fleet(instances={"i-0": InstanceCondition(status="Starting")})
    delayed = [FaultRule(kind="delay", delay=10_000)]
    model = fleet.build()
    model.create_instance("i-1", status="Stopped")
    for rule in delayed:
        model.add_fault(rule)
    client = ModelClient(model)
    client.call("StartInstance", {"InstanceId": "i-1"})  # delayed: Starting for hours
    with pytest.raises(GaveUp, match="not Running after"):
        ensure_running(client, "i-1", sleep=client.sleep, max_wait=60)
    with pytest.raises(LookupError, match="i-9 does not exist"):
        ensure_running(client, "i-9", sleep=client.sleep)


# -- the fleet routine: StartInstances and DescribeInstances ---------------------

#: Up to four instances, none expiring while the routine works (as ONE_INSTANCE).
FEW = fleets(
    max_instances=4,
    conditions=instance_conditions(
        statuses=("Stopped", "Stopped", "Pending", "Stopping", "Starting", "Running")
    ).filter(lambda c: c.expired_time is None or c.expired_time <= 0 or c.expired_time >= DAY),
)
FLEET_PLANS = fault_plans(
    max_rules=2,
    max_count=2,
    deterministic=True,
    actions=("StartInstances", "DescribeInstances", None),
)


def refusals(fleet: Fleet) -> dict[str, str]:
    """The instances the documents say will never run, and why (StartInstance's code)."""
    model = fleet.build()
    model.advance(3_600)  # past any transitory status, inside every subscription
    found = {}
    for instance_id in fleet.instance_ids:
        code = model.check("StartInstance", instance_id)
        if model.status(instance_id) is not InstanceStatus.RUNNING and code is not None:
            found[instance_id] = code.value
    return found


def fleet_violation(routine: Routine, fleet: Fleet, plan: list[FaultRule]) -> str | None:
    """Why ``routine`` broke its contract on every instance of ``fleet``, or ``None``."""
    model = fleet.build()
    for rule in plan:
        model.add_fault(rule)
    client = ModelClient(model)
    want = refusals(fleet)
    try:
        routine(client, list(fleet.instance_ids), sleep=client.sleep, attempts=ATTEMPTS)
    except RefusedError as refused:
        # Refused at once: the ones it names, each for its documented reason.
        if not refused.refused or refused.refused.items() - want.items():
            return f"refused {refused.refused}, the documents say {want}"
    except (GaveUp, LookupError) as error:
        return f"{type(error).__name__}: {error}"
    else:
        if want:
            return f"claimed all Running, the documents say {want} never will"
        assert set(model.statuses()) == {InstanceStatus.RUNNING}
    verdict = check_history(client.history, fleet)
    assert verdict, verdict.explain(client.history)  # the model can produce what it saw
    return None


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(fleet=FEW, plan=FLEET_PLANS)
def test_ensure_all_running_starts_a_fleet_through_every_fault_plan(
    fleet: Fleet, plan: list[FaultRule]
) -> None:
    assert fleet_violation(ensure_all_running, fleet, plan) is None


def test_the_broken_fleet_routine_is_found_and_shrunk_to_eleven_instances() -> None:
    fleet = find(
        fleets(min_instances=1, max_instances=12, conditions=st.just(InstanceCondition())),
        lambda f: fleet_violation(ensure_all_running_broken, f, []) is not None,
        settings=settings(max_examples=200, database=None, derandomize=True),
    )
    assert len(fleet) == 11  # one more than the first page holds
    assert "LookupError: i-10 do not exist" in str(
        fleet_violation(ensure_all_running_broken, fleet, [])
    )
    assert fleet_violation(ensure_all_running, fleet, []) is None


def test_the_fleet_routine_names_what_will_not_start_and_what_does_not_exist() -> None:
    locked = Fleet(
        instances={"i-0": InstanceCondition(), "i-1": InstanceCondition(security_locked=True)}
    )
    assert refusals(locked) == {"i-1": ErrorCode.INSTANCE_LOCKED_FOR_SECURITY.value}
    assert fleet_violation(ensure_all_running, locked, []) is None
    client = ModelClient(locked.build())
    with pytest.raises(LookupError, match="i-9 do not exist"):
        ensure_all_running(client, ["i-0", "i-9"], sleep=client.sleep)
    forever = [FaultRule(kind="throttle", action="DescribeInstances")]
    assert "GaveUp: 5 failures" in str(fleet_violation(ensure_all_running, locked, forever))
    starting = Fleet(instances={"i-0": InstanceCondition(status="Starting")})
    model = starting.build()
    model.add_fault(FaultRule(kind="delay", delay=10_000))
    model.create_instance("i-1", status="Stopped")
    client = ModelClient(model)
    with pytest.raises(GaveUp, match="not all Running after"):
        ensure_all_running(client, ["i-1"], sleep=client.sleep, max_wait=60)
    stranger = [FaultRule(kind="error", action="StartInstances", count=1)]
    assert fleet_violation(ensure_all_running, locked, stranger) is None  # retried


# -- the fake ---------------------------------------------------------------------


def fake_machine(
    bugs: frozenset[str], actions: tuple[Action, ...] | None = None
) -> type[DifferentialMachine]:
    """A harness for the fake with ``bugs``, sending ``actions`` (default: the machine's)."""

    def make_implementation(
        self: DifferentialMachine, fleet: Fleet, clock: ManualClock
    ) -> Implementation:
        return FakeEcs.from_fleet(fleet, clock, self.durations, bugs=bugs)

    namespace: dict[str, object] = {"make_implementation": make_implementation}
    if actions is not None:
        namespace["actions"] = actions
    return type(f"CheckTheFake{sorted(bugs)}", (DifferentialMachine,), namespace)


@harness_settings(max_examples=60, stateful_step_count=30, database=None, derandomize=True)
class CheckTheCorrectFake(DifferentialMachine):
    """How a user checks a fake: subclass, adapt, and let pytest collect ``TestCase``.

    The fake answers the nine actions before the lifecycle ones, so it opts in to
    the fleet actions too (``LIFECYCLE_ACTIONS`` it does not answer).
    """

    actions = NINE_ACTIONS

    def make_implementation(self, fleet: Fleet, clock: ManualClock) -> Implementation:
        return FakeEcs.from_fleet(fleet, clock, self.durations)


TestTheCorrectFake = CheckTheCorrectFake.TestCase


def shrunk_failure(
    bugs: frozenset[str], actions: tuple[Action, ...] | None = None, max_examples: int = 60
) -> tuple[str, list[str]]:
    """Run the fake with ``bugs``; return the failure message and the reproduction's steps."""
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(
            fake_machine(bugs, actions),
            settings=harness_settings(
                max_examples=max_examples,
                stateful_step_count=20,
                database=None,
                derandomize=True,
            ),
        )
    notes: list[str] = getattr(failure.value, "__notes__", [])
    steps = [n for n in notes if n.startswith("state.") and not n.endswith("()")]
    creation = [n for n in notes if "state.create_fleet(" in n]
    return str(failure.value) + "\n".join(creation), steps


def test_the_swapped_precedence_is_caught_in_one_start_an_earlier_check_refuses() -> None:
    """The bug checks the status too early: the shrunk start is one of the documents'
    earlier checks (a lock, an expiry, a low balance; which one the shrinker settles on
    depends on the run) losing to ``IncorrectInstanceStatus``."""
    message, steps = shrunk_failure(frozenset({"precedence"}))
    assert [step.split("(")[0] for step in steps] == ["state.start_instance"]
    assert f"implementation 403 {ErrorCode.INCORRECT_INSTANCE_STATUS.value}" in message
    earlier = {  # each code, and how the shrunk fleet shows its condition
        ErrorCode.INSTANCE_LOCKED_FOR_SECURITY: ("security_locked=True",),
        ErrorCode.INSTANCE_EXPIRED: ("in_arrears=True", "PrePaid"),
        ErrorCode.INSUFFICIENT_BALANCE: ("AccountCondition(balance=",),
    }
    (code,) = [code for code in earlier if f"model 403 {code.value}," in message]
    assert any(shown in message for shown in earlier[code])


def test_a_reboot_accepted_on_stopped_is_caught_in_one_reboot() -> None:
    message, steps = shrunk_failure(frozenset({"reboot_stopped"}))
    assert [step.split("(")[0] for step in steps] == ["state.reboot_instance"]
    assert (
        f"model 403 {ErrorCode.INCORRECT_INSTANCE_STATUS.value}, implementation Success" in message
    )
    assert "InstanceCondition()" in message  # a plain Stopped instance


def test_an_all_together_batch_that_moves_some_is_caught_in_one_batch() -> None:
    message, steps = shrunk_failure(frozenset({"partial_batch"}), NINE_ACTIONS, 200)
    (step,) = steps
    assert step.split("(")[0] in {
        "state.start_instances",
        "state.stop_instances",
        "state.reboot_instances",
    }
    assert "implementation" in message


def test_the_fake_names_its_bugs_and_supports_fixed_durations_only() -> None:
    assert frozenset({"precedence", "reboot_stopped", "partial_batch"}) == BUGS
    with pytest.raises(TypeError, match="Fixed durations only"):
        FakeEcs.from_fleet(Fleet(), ManualClock(), Durations(starting=Uniform(1, 2)))


def test_the_fake_answers_like_an_sdk_with_the_documented_status() -> None:
    fleet = Fleet(instances={"i-0": InstanceCondition(status="Running")})
    fake = FakeEcs.from_fleet(fleet, ManualClock(), Durations())
    with pytest.raises(FakeEcsError) as refused:
        fake.call("StartInstance", {"InstanceId": "i-0"})
    with pytest.raises(ApiError) as documented:
        fleet.build().start_instance("i-0")
    assert (refused.value.code, refused.value.http_status) == (
        documented.value.code,
        documented.value.http_status,
    )
