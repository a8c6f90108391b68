"""One request id per call: every action, answered or refused, draws exactly one.

The request-id stream is compared with a twin: two models built alike, one
called and one not. The call's ``RequestId`` must be the twin's next id, and
the id drawn after the call must be the twin's second: a call that drew two
ids (or none) shifts every id after it. The probe that reads the stream is
``create_instance`` (one request id per instance, seen on its ``create``
event), so no action under test is its own yardstick. Each action's cases
come from its ``specs/operations/<Action>.toml``: a success, DryRun, every
required parameter missing, a malformed boolean, an injected throttle and
InternalError, an unknown instance.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

import lifecycle
from lifecycle import Action, EcsModel, FaultKind, FaultRule, TransitionEvent
from tests.reference import operation

REGION = "cn-hangzhou"
_probes = itertools.count()


def build() -> EcsModel:
    model = EcsModel(seed=7, durations=lifecycle.Durations.immediate())
    model.create_instance("i-stopped", status="Stopped")
    model.create_instance("i-running", status="Running")
    # RenewInstance renews a PrePaid instance; ReActivateInstances brings back a PostPaid
    # one the platform stopped for overdue payment, once the account has paid.
    model.create_instance("i-prepaid", status="Running", charge_type="PrePaid", expired_time=1e9)
    model.create_instance("i-overdue", status="Running")
    model.set_in_arrears(True)
    model.stop_by_platform("i-overdue", cause="overdue")
    model.set_in_arrears(False)
    return model


#: The instance each action's success needs (else i-running; i-stopped for the starts).
TARGETS = {
    "DeleteInstance": "i-stopped",
    "DeleteInstances": "i-stopped",
    "RenewInstance": "i-prepaid",
    "ReActivateInstances": "i-overdue",
}
#: Parameters an action's operation file documents as conditionally required (its
#: comments and [[decisions]]): RunInstances and CreateInstance need ImageId (or a
#: stand-in) and InstanceType; RenewInstance needs Period or ExpectedRenewDay.
CONDITIONAL = {
    "RunInstances": {
        "ImageId": "ubuntu_22_04_x64_20G_alibase_20240101.vhd",
        "InstanceType": "ecs.g7.large",
    },
    "CreateInstance": {
        "ImageId": "ubuntu_22_04_x64_20G_alibase_20240101.vhd",
        "InstanceType": "ecs.g7.large",
    },
    "RenewInstance": {"Period": "1"},
}


def next_request_id(model: EcsModel) -> str:
    """The next id of the model's request-id stream, read by creating one instance."""
    events: list[TransitionEvent] = []
    unsubscribe = model.subscribe(
        lambda event: events.append(event) if isinstance(event, TransitionEvent) else None
    )
    model.create_instance(f"i-probe-{next(_probes)}", status="Stopped")
    unsubscribe()
    (event,) = events
    return event.request_id


def ok_params(action: str) -> dict[str, object]:
    """Parameters every rule of ``action`` allows, by the spec's parameter names."""
    names = {p["name"]: p for p in operation(action)["parameters"]}
    target = TARGETS.get(action, "i-stopped" if action.startswith("Start") else "i-running")
    params: dict[str, object] = {}
    if "RegionId" in names:
        params["RegionId"] = REGION
    for name, value in CONDITIONAL.get(action, {}).items():
        assert name in names, (action, name)
        params[name] = value
    if names.get("InstanceId", {}).get("type") == "String":
        params["InstanceId"] = target
    elif names.get("InstanceId", {}).get("type") == "RepeatList" and action.endswith("s"):
        params["InstanceId"] = [target]
    return params


Setup = Callable[[EcsModel], None]


def cases() -> list[tuple[str, str, dict[str, object], Setup | None]]:
    out: list[tuple[str, str, dict[str, object], Setup | None]] = []
    for action in Action:
        name = action.value
        spec = {p["name"]: p for p in operation(name)["parameters"]}
        ok = ok_params(name)
        out.append((name, "success", ok, None))
        if "DryRun" in spec:
            out.append((name, "dry-run", {**ok, "DryRun": "true"}, None))
        for parameter in (p for p, entry in spec.items() if entry.get("required")):
            out.append(
                (
                    name,
                    f"missing-{parameter}",
                    {k: v for k, v in ok.items() if k != parameter},
                    None,
                )
            )
        boolean = next((p for p, entry in spec.items() if entry["type"] == "Boolean"), None)
        if boolean is not None:
            out.append((name, f"malformed-{boolean}", {**ok, boolean: "maybe"}, None))

        def throttle(model: EcsModel, action: str = name) -> None:
            model.add_fault(FaultRule(kind=FaultKind.THROTTLE, action=action, count=1))

        def error(model: EcsModel, action: str = name) -> None:
            model.inject_internal_error(action)

        out.append((name, "throttled", ok, throttle))
        out.append((name, "internal-error", ok, error))
        if spec.get("InstanceId", {}).get("type") == "String":
            out.append((name, "not-found", {**ok, "InstanceId": "i-nope"}, None))
        if name in ("StartInstance", "StopInstance", "RebootInstance"):
            wrong = "i-running" if name == "StartInstance" else "i-stopped"
            out.append((name, "wrong-status", {**ok, "InstanceId": wrong}, None))
    return out


CASES = cases()


@pytest.mark.parametrize(
    ("action", "params", "setup"),
    [(a, p, s) for a, _, p, s in CASES],
    ids=[f"{a}-{label}" for a, label, _, _ in CASES],
)
def test_every_call_draws_exactly_one_request_id(
    action: str, params: dict[str, object], setup: Setup | None
) -> None:
    model, twin = build(), build()
    if setup is not None:
        setup(model)
        setup(twin)
    expected = [next_request_id(twin), next_request_id(twin)]
    answer: Any
    try:
        answer = model.call(action, params)
    except lifecycle.ApiError as error:
        answer = error
    assert answer.request_id == expected[0], answer
    assert next_request_id(model) == expected[1], f"{action} drew more than one request id"


def test_the_cases_refuse_and_answer_as_their_names_say() -> None:
    """The table above really exercises refusals: each non-success case is refused."""
    for action, label, params, setup in CASES:
        model = build()
        if setup is not None:
            setup(model)
        try:
            model.call(action, params)
        except lifecycle.ApiError:
            refused = True
        else:
            refused = False
        assert refused == (label != "success"), (action, label)
