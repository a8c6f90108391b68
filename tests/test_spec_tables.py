"""The tables in ``lifecycle._spec`` are well formed on their own."""

from __future__ import annotations

from collections import Counter

import lifecycle
from lifecycle import _spec
from lifecycle._rules import COMPILED, REQUEST_STAGE


def test_every_status_is_reachable_from_the_initial_status() -> None:
    reached = {_spec.INITIAL_STATUS.value}
    frontier = list(reached)
    while frontier:
        status = frontier.pop()
        for transition in _spec.TRANSITIONS:
            if transition["source"] == status and transition["dest"] not in reached:
                reached.add(str(transition["dest"]))
                frontier.append(str(transition["dest"]))
    assert reached == {status.value for status in lifecycle.InstanceStatus}


def test_no_source_and_trigger_pair_appears_twice() -> None:
    pairs = Counter((t["source"], t["trigger"]) for t in _spec.TRANSITIONS)
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


def test_every_precedence_code_is_in_its_actions_catalogue_and_vice_versa() -> None:
    for action, rules in _spec.PRECEDENCE.items():
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
    for rules in _spec.PRECEDENCE.values():
        checks = [rule.check for rule in rules]
        assert len(checks) == len(set(checks))


def test_mutating_actions_share_the_request_stage_the_model_implements() -> None:
    for action in _spec.ACTION_TRIGGERS:
        listed_only = {
            _spec.Check.INSTANCE_IDS_WELL_FORMED,
            _spec.Check.INSTANCE_ID_COUNT,
            _spec.Check.STATUS_FILTER,
            _spec.Check.CHARGE_TYPE_FILTER,
            _spec.Check.LOCK_REASON_FILTER,
        }
        assert COMPILED[action].request_stage == tuple(
            check for check in REQUEST_STAGE if check not in listed_only
        )


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
