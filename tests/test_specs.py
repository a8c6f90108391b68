"""``specs/`` and the package's tables say the same thing, field by field."""

from __future__ import annotations

import pytest

import lifecycle
from lifecycle import _spec
from lifecycle._machine import GUARDS, SPEC_MACHINE
from tests.reference import load, operation

ACTIONS = [action.value for action in lifecycle.Action]
#: The single actions that fire a trigger; the batch actions fire their single's.
MUTATING = [action.value for action in _spec.ACTION_TRIGGERS]
BATCHES = [action.value for action in _spec.BATCH_OF]


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
    assert spec["initial"] == _spec.INITIAL_STATUS.value == SPEC_MACHINE.initial


def test_transitions_match_the_table_and_the_machine() -> None:
    spec = {(t["trigger"], t["source"], t["dest"]) for t in load("lifecycle.toml")["transitions"]}
    table = {(t["trigger"], t["source"], t["dest"]) for t in _spec.TRANSITIONS}
    machine = {
        (trigger, source, transition.dest)
        for trigger, event in SPEC_MACHINE.events.items()
        for source, transitions in event.transitions.items()
        for transition in transitions
    }
    assert spec == table == machine


def test_transition_actions_match_the_action_triggers() -> None:
    spec = {
        t["action"]: t["trigger"] for t in load("lifecycle.toml")["transitions"] if "action" in t
    }
    assert spec == {action.value: trigger for action, trigger in _spec.ACTION_TRIGGERS.items()}


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
    sources = [t["source"] for t in _spec.TRANSITIONS if t["trigger"] == trigger]
    assert op["accepts"] == sources
    (dest,) = {t["dest"] for t in _spec.TRANSITIONS if t["trigger"] == trigger}
    assert op["enters"] == dest
    settle = _spec.SETTLE_TRIGGERS[lifecycle.InstanceStatus(str(dest))]
    (settled,) = {t["dest"] for t in _spec.TRANSITIONS if t["trigger"] == settle}
    assert op["settles_to"] == settled


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
        (sorted(e["when"]), sorted(e["clears"]), e["data_loss"])
        for e in operation(action).get("effects", [])
    ]
    table = [
        (names(e.when), names(e.clears), e.loss.value)
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
        )
        for p in operation(action)["parameters"]
    ]
    table = [
        (p.name, p.type.value, p.required, p.choices, p.minimum, p.maximum, p.max_items)
        for p in _spec.PARAMETERS[lifecycle.Action(action)]
    ]
    assert spec == table
    # A default the spec states is the table's (an absent value reads as it).
    for documented, param in zip(
        operation(action)["parameters"], _spec.PARAMETERS[lifecycle.Action(action)], strict=True
    ):
        if "default" in documented:
            assert documented["default"] == param.default, param.name


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
