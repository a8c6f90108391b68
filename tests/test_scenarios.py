"""Every golden scenario in ``specs/scenarios/``, one pytest case each."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import lifecycle
from tests.reference import INSTANCE_ID, SPECS, error_entry, snapshot


def _scenarios() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted((SPECS / "scenarios").glob("*.toml")):
        with path.open("rb") as handle:
            found.extend(tomllib.load(handle)["scenario"])
    return found


SCENARIOS = _scenarios()


def test_scenario_ids_are_unique() -> None:
    ids = [scenario["id"] for scenario in SCENARIOS]
    assert len(ids) == len(set(ids))


def _build(scenario: dict[str, Any]) -> lifecycle.EcsModel:
    account = scenario.get("account", {})
    model = lifecycle.EcsModel(
        seed=1,
        clock=lifecycle.ManualClock(float(scenario.get("clock", 0))),
        balance=Decimal(account.get("balance", "100")),
        minimum_start_balance=Decimal(account.get("minimum_start_balance", "0")),
        in_arrears=account.get("in_arrears", False),
    )
    if "given" in scenario:
        model.create_instance(INSTANCE_ID, **scenario["given"])
    faults = scenario.get("faults", {})
    if faults.get("internal_errors"):
        model.inject_internal_error(scenario["action"], faults["internal_errors"])
    return model


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any], specs_dir: Path) -> None:
    model = _build(scenario)
    then = scenario["then"]
    action = scenario["action"]
    before = snapshot(model)
    if "code" in then:
        with pytest.raises(lifecycle.ApiError) as caught:
            model.call(action, scenario["request"])
        error = caught.value
        assert error.code.value == then["code"]
        assert error.http_status == then["http_status"]
        # The scenario's expectation agrees with the action's catalogue entry.
        assert then["http_status"] == error_entry(action, then["code"])["http_status"]
        if "message" in then:
            assert error.message == then["message"]
        assert snapshot(model)[:3] == before[:3]
        return
    response = model.call(action, scenario["request"])
    if "listed" in then:
        assert isinstance(response, lifecycle.DescribeInstanceStatusResponse)
        listed = {item.instance_id: item.status.value for item in response.instance_statuses}
        assert listed == then["listed"]
        return
    view = model.instance(INSTANCE_ID)
    assert view.status.value == then["status"]
    assert [loss.cause.value for loss in view.data_losses] == (
        [then["data_loss"]] if "data_loss" in then else []
    )
    if "settles_to" in then:
        model.advance(3600)
        assert model.status(INSTANCE_ID).value == then["settles_to"]
