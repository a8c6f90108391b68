"""Fuzzing the public API's arguments (issue 10, "Proof"): any value in any argument of
any ``EcsModel`` method, of the clocks and of the wire's configuration either works or is
refused with a typed ``LifecycleError`` (``InvalidArgument`` naming the argument, or a
documented ``ApiError``), never a bare ``TypeError``, ``OverflowError`` or assertion; and a
refused call changes nothing.
"""

from __future__ import annotations

import contextlib
import inspect
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lifecycle import (
    EcsModel,
    FaultRule,
    InvalidArgument,
    LifecycleError,
    ManualClock,
)
from lifecycle.wire import Credential, ServerClock, WireConfig
from lifecycle.wire._accounts import jsonable

#: Every public method that takes arguments, except the ones that take callables.
METHODS = sorted(
    name
    for name, member in inspect.getmembers(EcsModel, inspect.isfunction)
    if not name.startswith("_")
    and "__mutmut" not in name  # mutmut's copies of each method, in a mutation run
    and name not in {"subscribe"}
    and len(inspect.signature(member).parameters) > 1
)

ANYTHING = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.just(10**400),
        st.just(-(10**400)),
        st.floats(),
        st.decimals(allow_nan=True),
        st.text(max_size=10),
        st.binary(max_size=6),
        st.sampled_from(
            [
                "i-0",
                "i-1",
                "Running",
                "Stopped",
                "StartInstance",
                "security",
                "cloud",
                "True",
                "",
                "KeepCharging",
                Decimal("NaN"),
                Decimal("Infinity"),
            ]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
        st.frozensets(st.integers(), max_size=2),
    ),
    max_leaves=6,
)


def model() -> EcsModel:
    made = EcsModel(seed=1, clock=ManualClock())
    made.create_instance("i-0", status="Stopped")
    made.create_instance("i-1", status="Running", instance_type="ecs.d1.2xlarge")
    made.add_fault(FaultRule(kind="throttle", action="StopInstance", count=1))
    return made


def state(made: EcsModel) -> tuple[object, ...]:
    """What a refused call must leave alone (a refusal still draws its RequestId)."""
    return (
        made._core.clock.now(),
        [jsonable(made.instance(i)) for i in made.instance_ids()],
        jsonable(made.account),
        [(f.fault_id, f.rule.to_dict(), f.fired, f.remaining) for f in made.faults()],
    )


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(name=st.sampled_from(METHODS), data=st.data())
def test_any_argument_to_any_method_works_or_is_a_typed_refusal_that_changes_nothing(
    name: str, data: st.DataObject
) -> None:
    made = model()
    before = state(made)
    method = getattr(made, name)
    kwargs: dict[str, Any] = {}
    for parameter in inspect.signature(method).parameters.values():
        required = parameter.default is inspect.Parameter.empty
        if required or data.draw(st.booleans(), label=f"give {parameter.name}"):
            kwargs[parameter.name] = data.draw(ANYTHING, label=parameter.name)
    try:
        method(**kwargs)
    except LifecycleError as error:
        event(f"refused: {type(error).__name__}")
        after = state(made)
        if isinstance(error, InvalidArgument):
            assert after == before
        else:  # an ApiError: an injected fault may count itself, nothing else moves
            assert after[:3] == before[:3]
    else:
        event("worked")
    # Whatever happened, the model still works and snapshots.
    made.advance(60)
    EcsModel.restore(made.snapshot())


@given(start=ANYTHING, seconds=ANYTHING)
def test_a_clock_takes_finite_seconds_or_refuses_by_name(start: Any, seconds: Any) -> None:
    try:
        clock = ManualClock(start)
    except InvalidArgument as error:
        assert "start=" in str(error)
        return
    try:
        clock.advance(seconds)
    except InvalidArgument as error:
        assert "seconds=" in str(error)
    assert clock.now() == clock.now()
    assert abs(clock.now()) < float("inf")


@given(scale=ANYTHING, seconds=ANYTHING, to=ANYTHING)
def test_a_server_clock_takes_finite_seconds_or_refuses_by_name(
    scale: Any, seconds: Any, to: Any
) -> None:
    try:
        clock = ServerClock(time_scale=scale)
    except InvalidArgument as error:
        assert "time_scale=" in str(error)
        return
    for step in (lambda: clock.advance(seconds), lambda: clock.reset(to)):
        with contextlib.suppress(InvalidArgument):
            step()
        assert abs(clock.now()) < float("inf")


@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "verify",
                "timestamp_window",
                "max_nonces",
                "max_query_bytes",
                "max_body_bytes",
                "max_parameters",
                "host_id",
                "control",
            ]
        ),
        ANYTHING,
        max_size=3,
    ),
    credential=st.dictionaries(
        st.sampled_from(["name", "access_key_id", "access_key_secret"]), ANYTHING, max_size=3
    ),
)
def test_wire_settings_are_taken_or_refused_by_name(
    fields: dict[str, Any], credential: dict[str, Any]
) -> None:
    try:
        WireConfig(**fields)
    except InvalidArgument as error:
        assert any(f"{name}=" in str(error) for name in fields)
    try:
        Credential(**credential)
    except InvalidArgument:
        pass
    except TypeError as error:  # a missing field: Python's own refusal of the call
        assert "required" in str(error)


@given(rule=st.dictionaries(st.text(max_size=12), ANYTHING, max_size=5) | ANYTHING)
def test_a_fault_rule_from_any_json_is_made_or_refused(rule: Any) -> None:
    with contextlib.suppress(InvalidArgument):
        FaultRule.from_dict(rule)
