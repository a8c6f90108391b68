"""The tables in ``lifecycle._spec`` are well formed on their own."""

from __future__ import annotations

from collections import Counter

import pytest

import lifecycle
from lifecycle import _spec
from lifecycle._machine import STATES
from lifecycle._rules import COMPILED, PARAMETER_CHECKS, REQUEST_STAGE


def _edges() -> list[tuple[str, str, str]]:
    """``(trigger, source, dest)`` per source: a row may list several sources."""
    found: list[tuple[str, str, str]] = []
    for t in _spec.TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        found += [(t["trigger"], str(source), str(t["dest"])) for source in sources]
    return found


def test_every_status_is_reachable_from_the_initial_status() -> None:
    # The machine starts in New (before creation); every API status, and Released,
    # is reached from it; nothing leaves Released and nothing enters New.
    reached = {_spec.INITIAL_STATUS}
    frontier = list(reached)
    while frontier:
        status = frontier.pop()
        for _, source, dest in _edges():
            if source == status and dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    assert reached == {status.value for status in lifecycle.InstanceStatus} | {
        _spec.NEW,
        _spec.RELEASED,
    }
    assert reached == set(STATES)
    assert not [edge for edge in _edges() if edge[1] == _spec.RELEASED or edge[2] == _spec.NEW]


def test_no_source_and_trigger_pair_appears_twice() -> None:
    pairs = Counter((source, trigger) for trigger, source, _ in _edges())
    assert max(pairs.values()) == 1


def test_every_transitory_status_has_a_way_out_and_stable_ones_have_none() -> None:
    transitory = set(_spec.SETTLE_TRIGGERS)
    assert transitory == {
        lifecycle.InstanceStatus.PENDING,
        lifecycle.InstanceStatus.STARTING,
        lifecycle.InstanceStatus.STOPPING,
    }
    for status, trigger in _spec.SETTLE_TRIGGERS.items():
        assert any(
            t["trigger"] == trigger and t["source"] == status.value for t in _spec.TRANSITIONS
        )


def test_every_error_code_is_answered_by_some_action() -> None:
    used = {code for table in _spec.ERRORS.values() for code in table}
    assert used == set(lifecycle.ErrorCode)


@pytest.mark.parametrize("action", list(_spec.PRECEDENCE), ids=str)
def test_every_precedence_code_is_in_its_actions_catalogue_and_vice_versa(
    action: lifecycle.Action,
) -> None:
    for rules in (_spec.PRECEDENCE[action],):
        codes = {rule.code for rule in rules}
        catalogue = set(_spec.ERRORS[action])
        # InvalidParameter shares the parameters step with MissingParameter.
        allowed = {lifecycle.ErrorCode.INVALID_PARAMETER}
        single = _spec.BATCH_OF.get(action)
        if single is not None:
            # A batch answers its single action's instance codes, and its own not-found.
            allowed |= {rule.code for rule in _spec.PRECEDENCE[single]} - codes
            allowed |= {lifecycle.ErrorCode.INVALID_INSTANCE_IDS_NOT_FOUND}
        assert codes <= catalogue, action
        assert catalogue - codes <= allowed, action


def test_every_check_appears_at_most_once_per_action() -> None:
    """One step per check, except the parameter checks: an action whose table has several
    parameter codes (RunInstances' InvalidPeriod, InvalidZoneId.NotFound, ...) lists one
    row per code, in the order the request's fields are read, all in one step."""
    for rules in _spec.PRECEDENCE.values():
        checks = [rule.check for rule in rules if rule.check not in PARAMETER_CHECKS]
        assert len(checks) == len(set(checks))
        pairs = [(rule.check, rule.code) for rule in rules]
        assert len(pairs) == len(set(pairs))
        # A parameter check's rows stand together: one step, not interleaved with others.
        for check in PARAMETER_CHECKS:
            at = [n for n, rule in enumerate(rules) if rule.check is check]
            assert at == list(range(at[0], at[0] + len(at))) if at else True


def test_mutating_actions_share_the_request_stage_the_model_implements() -> None:
    """Every mutating action runs the model's request stage, in its order, leaving out only
    what it has no parameter or no instance for: nothing malformable (ReActivateInstances'
    two Strings) means no validity step, no DryRun (RenewInstance,
    ReActivateInstances) means no dry run, no ClientToken no token check, and the creation
    actions (whose transition leaves New) no existence check."""
    listed_only = {
        _spec.Check.INSTANCE_IDS_WELL_FORMED,
        _spec.Check.INSTANCE_ID_COUNT,
        _spec.Check.STATUS_FILTER,
        _spec.Check.CHARGE_TYPE_FILTER,
        _spec.Check.LOCK_REASON_FILTER,
    }
    for action, trigger in _spec.ACTION_TRIGGERS.items():
        names = {param.name for param in _spec.PARAMETERS[action]}
        creates = any(
            t["trigger"] == trigger and t["source"] == _spec.NEW for t in _spec.TRANSITIONS
        )
        # A String without choices cannot be malformed, only missing.
        malformable = any(
            param.type is not _spec.ParamType.STRING or param.choices
            for param in _spec.PARAMETERS[action]
        )
        absent = {
            _spec.Check.VALID_PARAMETERS: not malformable,
            _spec.Check.DRY_RUN: "DryRun" not in names,
            _spec.Check.CLIENT_TOKEN: "ClientToken" not in names,
            _spec.Check.EXISTS: creates,
        }
        stage = list(dict.fromkeys(COMPILED[action].request_stage))
        assert stage == [
            check for check in REQUEST_STAGE if check not in listed_only and not absent.get(check)
        ] or stage == [
            check
            for check in REQUEST_STAGE
            if not absent.get(check)
            and (check not in listed_only or check in COMPILED[action].request_stage)
        ], action


def test_every_fact_is_used_by_some_rule_or_effect() -> None:
    used = _spec.NO_FACTS
    for rules in _spec.PRECEDENCE.values():
        for rule in rules:
            for clause in rule.fails_when:
                used |= clause.all_of | clause.none_of
    for effects in _spec.EFFECTS.values():
        for effect in effects:
            used |= effect.when
    assert used == _spec.Fact(sum(_spec.Fact))


def test_error_messages_have_no_trailing_whitespace_and_statuses_are_http_errors() -> None:
    for table in _spec.ERRORS.values():
        for entry in table.values():
            assert entry.message == entry.message.strip()
            assert 400 <= entry.http_status < 600
            assert entry.source
