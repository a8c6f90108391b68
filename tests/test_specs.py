"""``specs/`` and the package's tables say the same thing, field by field."""

from __future__ import annotations

from typing import Any

import pytest

import lifecycle
from lifecycle import _spec
from lifecycle._machine import GUARDS, SPEC_MACHINE, STATES
from tests.reference import load, operation

ACTIONS = [action.value for action in lifecycle.Action]
#: The single actions that fire a trigger; the batch actions fire their single's.
MUTATING = [action.value for action in _spec.ACTION_TRIGGERS]
BATCHES = [action.value for action in _spec.BATCH_OF]
#: The actions that have a forced trigger (DeleteInstance(s) ``Force=true``).
FORCED = [action.value for action in _spec.FORCED_TRIGGERS]


def edges(transitions: list[Any]) -> set[tuple[str, str, str]]:
    """``(trigger, source, dest)`` of each row, a list of sources read as one row each."""
    found: set[tuple[str, str, str]] = set()
    for t in transitions:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        found |= {(t["trigger"], str(source), str(t["dest"])) for source in sources}
    return found


def sources_of(trigger: str) -> list[str]:
    """The states ``trigger`` leaves from, in ``_spec.TRANSITIONS``' order."""
    out: list[str] = []
    for t in _spec.TRANSITIONS:
        if t["trigger"] == trigger:
            source = t["source"]
            out += [str(s) for s in source] if isinstance(source, list) else [str(source)]
    return out


def dests_of(trigger: str) -> set[str]:
    return {str(t["dest"]) for t in _spec.TRANSITIONS if t["trigger"] == trigger}


def names(facts: _spec.Fact) -> list[str]:
    """The spec-file names of the facts in ``facts``."""
    return sorted(f.name.lower() for f in _spec.Fact if f in facts and f.name)


def _source_kind(source: str) -> str:
    if source.startswith("seed"):
        return "seed"
    if source.startswith("https://"):
        return "current docs"
    assert source.startswith(_spec.DOC_COMMON), source
    return "common"


def test_statuses_and_initial_status_match() -> None:
    spec = load("lifecycle.toml")
    assert spec["statuses"] == [status.value for status in lifecycle.InstanceStatus]
    # New and Released are states of the machine, not API statuses.
    assert spec["machine_states"] == list(STATES) == list(SPEC_MACHINE.states)
    assert set(spec["machine_states"]) - set(spec["statuses"]) == {_spec.NEW, _spec.RELEASED}
    assert spec["initial"] == _spec.INITIAL_STATUS == _spec.NEW == SPEC_MACHINE.initial


def test_transitions_match_the_table_and_the_machine() -> None:
    spec = edges(load("lifecycle.toml")["transitions"])
    table = edges(_spec.TRANSITIONS)
    machine = {
        (trigger, source, transition.dest)
        for trigger, event in SPEC_MACHINE.events.items()
        for source, transitions in event.transitions.items()
        for transition in transitions
    }
    assert spec == table == machine


def test_transition_actions_match_the_action_triggers() -> None:
    spec = {
        action: t["trigger"]
        for t in load("lifecycle.toml")["transitions"]
        for action in ([t["action"]] if "action" in t else []) + t.get("other_actions", [])
    }
    assert spec == {action.value: trigger for action, trigger in _spec.ACTION_TRIGGERS.items()}


def test_forced_triggers_match() -> None:
    spec = {
        action: t["trigger"]
        for t in load("lifecycle.toml")["transitions"]
        for action in t.get("forced_by", [])
    }
    assert spec == {action.value: trigger for action, trigger in _spec.FORCED_TRIGGERS.items()}


@pytest.mark.parametrize("action", FORCED)
def test_a_forced_trigger_names_the_guards_of_the_unforced_one(action: str) -> None:
    """Force changes the statuses released from, never the checks (DeleteInstance.toml)."""
    forced = _spec.FORCED_TRIGGERS[lifecycle.Action(action)]
    plain = _spec.ACTION_TRIGGERS[lifecycle.Action(action)]
    assert GUARDS[forced] == GUARDS[plain]
    op = operation(action)
    assert op["forced_trigger"] == forced
    assert op["forced_accepts"] == sources_of(forced)
    assert dests_of(forced) == {op["enters"]}


def test_the_launch_and_resume_triggers_match() -> None:
    assert load("lifecycle.toml")["launch_settle_trigger"] == _spec.LAUNCH_SETTLE
    assert operation("RunInstances")["settle_trigger"] == _spec.LAUNCH_SETTLE
    assert operation("RenewInstance")["resume_trigger"] == _spec.RESUME
    # Resuming is a platform move: no action fires it, and it has no guards.
    assert GUARDS[_spec.RESUME] == ()
    assert _spec.RESUME not in _spec.ACTION_TRIGGERS.values()


def test_each_transition_names_the_guards_and_batch_action_the_spec_gives() -> None:
    for transition in load("lifecycle.toml")["transitions"]:
        trigger = transition["trigger"]
        assert list(GUARDS[trigger]) == transition.get("guards", []), trigger
    batches = {
        t["batch_action"]: t["action"]
        for t in load("lifecycle.toml")["transitions"]
        if "batch_action" in t
    }
    assert batches == {batch.value: single.value for batch, single in _spec.BATCH_OF.items()}


def test_transitory_statuses_match_the_settle_triggers() -> None:
    spec = {t["status"]: t["settle_trigger"] for t in load("lifecycle.toml")["transitory"]}
    assert spec == {status.value: trigger for status, trigger in _spec.SETTLE_TRIGGERS.items()}


@pytest.mark.parametrize("action", MUTATING)
def test_operation_statuses_match_the_machine(action: str) -> None:
    op = operation(action)
    trigger = _spec.ACTION_TRIGGERS[lifecycle.Action(action)]
    assert op["trigger"] == trigger
    sources = sources_of(trigger)
    assert op["accepts"] == sources
    if op.get("keeps_status"):
        # RenewInstance: each source is its own destination.
        assert "enters" not in op
        assert edges([t for t in _spec.TRANSITIONS if t["trigger"] == trigger]) == {
            (trigger, source, source) for source in sources
        }
        return
    (dest,) = dests_of(trigger)
    assert op["enters"] == dest
    if dest == _spec.RELEASED:
        # Released is final: nothing settles it, and no trigger leaves it.
        assert "settles_to" not in op
        assert _spec.RELEASED not in {source for (_, source, _) in edges(_spec.TRANSITIONS)}
        return
    # Follow the clock from the destination until a stable status.
    settle = op.get("settle_trigger", _spec.SETTLE_TRIGGERS.get(lifecycle.InstanceStatus(dest)))
    if action == lifecycle.Action.RUN_INSTANCES.value:
        assert settle == _spec.LAUNCH_SETTLE
    else:
        assert "settle_trigger" not in op
    status = dest
    while settle is not None:
        (status,) = dests_of(settle)
        settle = _spec.SETTLE_TRIGGERS.get(lifecycle.InstanceStatus(status))
    assert op["settles_to"] == status


@pytest.mark.parametrize("action", BATCHES)
def test_a_batch_moves_each_instance_as_its_single_action_does(action: str) -> None:
    op = operation(action)
    single = operation(op["single"])
    assert _spec.BATCH_OF[lifecycle.Action(action)].value == op["single"]
    for key in ("trigger", "accepts", "enters", "settles_to"):
        assert op[key] == single[key], key
    # The batch adds no instance check of its own: its row is the request stage.
    checks = {rule["check"] for rule in op["precedence"]}
    assert not checks & {rule["check"] for rule in single["precedence"] if "fails_when" in rule}


@pytest.mark.parametrize("action", ACTIONS)
def test_error_catalogue_matches_field_by_field(action: str) -> None:
    spec = {
        e["code"]: (e["http_status"], e["message"], e["meaning"], e["source"])
        for e in operation(action)["errors"]
    }
    table = {
        code.value: (entry.http_status, entry.message, entry.meaning, _source_kind(entry.source))
        for code, entry in lifecycle.error_table(action).items()
    }
    assert spec == table


@pytest.mark.parametrize("action", ACTIONS)
def test_precedence_matches_in_order(action: str) -> None:
    spec = [
        (
            rule["check"],
            rule["error"],
            [
                (sorted(clause.get("all", [])), sorted(clause.get("none", [])))
                for clause in rule.get("fails_when", [])
            ],
        )
        for rule in operation(action)["precedence"]
    ]

    table = [
        (
            rule.check.value,
            rule.code.value,
            [(names(c.all_of), names(c.none_of)) for c in rule.fails_when],
        )
        for rule in _spec.PRECEDENCE[lifecycle.Action(action)]
    ]
    assert spec == table


@pytest.mark.parametrize("action", ACTIONS)
def test_effects_match(action: str) -> None:
    spec = [
        (sorted(e["when"]), sorted(e["clears"]), e["data_loss"], e.get("not_from", []))
        for e in operation(action).get("effects", [])
    ]
    table = [
        (names(e.when), names(e.clears), e.loss.value, [s.value for s in e.not_from])
        for e in _spec.EFFECTS[lifecycle.Action(action)]
    ]
    assert spec == table


@pytest.mark.parametrize("action", ACTIONS)
def test_parameters_match(action: str) -> None:
    spec = [
        (
            p["name"],
            p["type"],
            p["required"],
            tuple(p.get("choices", ())),
            p.get("minimum"),
            p.get("maximum"),
            p.get("max_items"),
            p.get("invalid_code", lifecycle.ErrorCode.INVALID_PARAMETER.value),
        )
        for p in operation(action)["parameters"]
    ]
    table = [
        (
            p.name,
            p.type.value,
            p.required,
            p.choices,
            p.minimum,
            p.maximum,
            p.max_items,
            p.invalid_code.value,
        )
        for p in _spec.PARAMETERS[lifecycle.Action(action)]
    ]
    assert spec == table
    # A default the spec states is the table's (an absent value reads as it).
    for documented, param in zip(
        operation(action)["parameters"], _spec.PARAMETERS[lifecycle.Action(action)], strict=True
    ):
        if "default" in documented:
            assert documented["default"] == param.default, param.name


@pytest.mark.parametrize("action", ACTIONS)
def test_ignored_parameters_match(action: str) -> None:
    """The documented names accepted and not modelled: ``[[ignored]]`` in the operation file.

    DescribeInstances' ``[[ignored]]`` filters are the wire's (tests/test_wire_specs.py);
    every other action's list is ``IGNORED_PARAMETERS``, exactly."""
    spec = [row["name"] for row in operation(action).get("ignored", [])]
    assert len(spec) == len(set(spec))
    for row in operation(action).get("ignored", []):
        assert row["reason"], row["name"]
    documented = {p["name"] for p in operation(action)["parameters"]}
    assert not documented & set(spec)
    if lifecycle.Action(action) is not lifecycle.Action.DESCRIBE_INSTANCES:
        assert set(spec) == _spec.IGNORED_PARAMETERS.get(lifecycle.Action(action), frozenset())
        assert set(spec) == lifecycle.ignored_parameters(action)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_parameter_code_is_in_the_catalogue(action: str) -> None:
    """A parameter's ``invalid_code`` is one the action documents and its precedence orders."""
    codes = {rule["error"] for rule in operation(action)["precedence"]}
    catalogue = {e["code"] for e in operation(action)["errors"]}
    for p in operation(action)["parameters"]:
        if p["type"] == "String" and "choices" not in p:
            continue  # any string is a valid value: nothing to refuse
        code = p.get("invalid_code", lifecycle.ErrorCode.INVALID_PARAMETER.value)
        assert code in catalogue, (p["name"], code)
        assert code in codes, (p["name"], code)


@pytest.mark.parametrize("action", ["RunInstances", "CreateInstance", "RenewInstance"])
def test_the_period_sets_and_the_client_token_limit_match(action: str) -> None:
    op = operation(action)
    assert {unit: frozenset(values) for unit, values in op["periods"].items()} == _spec.PERIODS
    assert op["client_token_max_length"] == _spec.MAX_CLIENT_TOKEN
    if "auto_renew_periods" in op:
        assert {
            unit: frozenset(values) for unit, values in op["auto_renew_periods"].items()
        } == _spec.AUTO_RENEW_PERIODS
    units = {p["name"]: p for p in op["parameters"]}["PeriodUnit"]["choices"]
    assert set(units) == set(op["periods"])


def test_the_amount_limit_matches() -> None:
    amounts = {p["name"]: p for p in operation("RunInstances")["parameters"]}
    assert amounts["Amount"]["maximum"] == amounts["MinAmount"]["maximum"] == _spec.MAX_AMOUNT


def test_facts_match() -> None:
    spec = load("facts.toml")
    assert set(spec["facts"]) == {f.name.lower() for f in _spec.Fact if f.name}
    assert set(spec["init_local_disk_families"]) == _spec.INIT_LOCAL_DISK_FAMILIES


def test_describe_limits_match() -> None:
    op = operation("DescribeInstanceStatus")
    assert op["max_instance_ids"] == _spec.MAX_DESCRIBE_IDS
    assert op["default_page_size"] == _spec.DEFAULT_PAGE_SIZE


def test_seed_tables_are_complete_in_the_catalogue() -> None:
    """The seeds list 8 StartInstance codes and 4 RebootInstance codes; all are present."""
    for action, count in (("StartInstance", 8), ("RebootInstance", 4)):
        seeded = [e for e in operation(action)["errors"] if e["source"] == "seed"]
        assert len(seeded) == count
