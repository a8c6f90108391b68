"""Core behaviour that only a seeded mutation sample of the whole core showed unguarded.

Found by mutation testing (issue 12; docs/development.md, "Mutation testing"): a
sample of the core layer's mutants (``python -m tools.mutation --layer core
--sample 250 --seed 12``) left these survivors. Each test here states the
documented behaviour the mutant broke, with its expectation taken from
``specs/`` (read by ``tests/reference.py``), never from the package's own tables.

The error tables of the batch, creation and deletion actions are built at
import by ``lifecycle._spec``'s builders; mutmut switches a mutant on only after
import (``tools/mutation.py``), so the tests below call the builders again, with
the arguments the module passes, and compare what they make with the spec files.
In the same way the single and batch actions' runs (``_actions._single`` and
``_batch``, closures made at import for ``_actions.DECLARATIONS``) are made again
inside each test, and the tests of ``tests/test_fleet.py`` and
``tests/test_scenarios.py`` run here again against them.

A later run of every mutant of the functions rewritten for speed on 2026-12-01
(``EcsModel.call``, ``_read_and_run``, ``_run``, ``Core.emit``,
``transition_event``) added a ClientToken test, in ``tests/test_provision.py``
(so that ``tests/test_mutation_kills_provision.py`` runs it against rebuilt
runs too): a retry may list the ignored parameters in another order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import pytest

from lifecycle import Durations, EcsModel, ErrorCode, InvalidArgument, _actions, _model, _spec
from lifecycle._spec import ErrorEntry
from tests import test_fast_paths, test_fleet, test_scenarios
from tests.reference import error_entry, operation
from tests.test_fast_paths import slow_calls  # noqa: F401  (the fixture the re-run tests take)
from tests.test_specs import _source_kind as _kind


def _matches_spec(action: str, built: Mapping[ErrorCode, ErrorEntry]) -> None:
    """Every entry ``built`` holds is ``action``'s spec entry, field by field."""
    documented = {e["code"] for e in operation(action)["errors"]}
    assert {code.value for code in built} <= documented
    for code, entry in built.items():
        spec = error_entry(action, code.value)
        assert isinstance(entry.source, str), (action, code)
        assert (entry.http_status, entry.message, entry.meaning, _kind(entry.source)) == (
            spec["http_status"],
            spec["message"],
            spec["meaning"],
            spec["source"],
        ), (action, code)


@pytest.mark.parametrize(
    ("action", "doc"),
    [
        ("StartInstances", _spec.DOC_START_BATCH),
        ("StopInstances", _spec.DOC_STOP_BATCH),
        ("RebootInstances", _spec.DOC_REBOOT_BATCH),
    ],
)
def test_a_batch_actions_request_stage_codes_are_its_documented_ones(action: str, doc: str) -> None:
    _matches_spec(action, _spec._batch_request_errors(doc))


def test_delete_instances_request_stage_codes_are_its_documented_ones() -> None:
    built = _spec._batch_request_errors(_spec.DOC_DELETE_BATCH)
    # DeleteInstances has no SuccessFirst mode: an unknown id is InvalidInstanceIds.NotFound.
    del built[ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND]
    _matches_spec("DeleteInstances", built)


@pytest.mark.parametrize(
    ("action", "doc"), [("RunInstances", _spec.DOC_RUN), ("CreateInstance", _spec.DOC_CREATE)]
)
def test_a_creation_actions_codes_are_its_documented_ones(action: str, doc: str) -> None:
    # The two messages the actions' pages word differently come from the spec file.
    arrears = error_entry(action, ErrorCode.ACCOUNT_ARREARAGE.value)["message"]
    renew = error_entry(action, ErrorCode.INVALID_AUTO_RENEW_PERIOD.value)["message"]
    built = _spec._creation_errors(doc, arrears, renew)
    _matches_spec(action, built)


@pytest.mark.parametrize(
    ("action", "doc"),
    [("DeleteInstance", _spec.DOC_DELETE), ("DeleteInstances", _spec.DOC_DELETE_BATCH)],
)
def test_a_deletion_actions_instance_codes_are_its_documented_ones(action: str, doc: str) -> None:
    _matches_spec(action, _spec._delete_errors(doc))


# ------------------------------------------------------------------ DescribeInstances
def test_token_mode_with_only_a_status_filter_walks_every_match_once() -> None:
    # NextToken mode (specs/operations/DescribeInstances.toml): each page starts after the
    # last one; here through the status-only path, with the matches interleaved.
    model = EcsModel(durations=Durations.immediate())
    running = model.create_instances(12, id_prefix="r-", status="Running")
    model.create_instances(5, id_prefix="s-", status="Stopped")
    running += model.create_instances(11, id_prefix="q-", status="Running")
    seen: list[str] = []
    token: str | None = None
    for _ in range(3):  # 23 matches, 10 a page
        page = model.describe_instances(status="Running", max_results=10, next_token=token)
        assert page.total_count == len(running)
        seen += [i.instance_id for i in page.instances]
        token = page.next_token
    assert not token
    assert seen == running


def test_the_instance_name_filter_reaches_describe_instances() -> None:
    # An instance created without a name is matched by its id (DescribeInstances.toml).
    model = EcsModel(durations=Durations.immediate())
    ids = model.create_instances(4, id_prefix="i-", status="Running")
    page = model.describe_instances(instance_name=ids[2])
    assert [i.instance_id for i in page.instances] == [ids[2]]


# ------------------------------------------------------------------ misuse, by name
def test_set_expired_time_names_its_argument_when_given_no_time() -> None:
    # "Misuse is refused by name" (tests/README.md): the message names the argument.
    model = EcsModel(durations=Durations.immediate())
    (instance_id,) = model.create_instances(1, status="Running", charge_type="PrePaid")
    with pytest.raises(InvalidArgument, match=r"^expired_time='soon': "):
        model.set_expired_time(instance_id, "soon")  # type: ignore[arg-type]


@contextmanager
def _runs_built_in_the_test() -> Iterator[None]:
    """The single and batch actions' declarations, made as ``_actions.DECLARATIONS``
    makes them at import, but inside the test, after any mutant is switched on."""
    with pytest.MonkeyPatch.context() as patch:
        for action, shape in _actions.SINGLE_SHAPES.items():
            built = _actions._declare(action, _actions._single(_actions.PLANS[action], shape))
            patch.setitem(_model.DECLARATIONS, action, built)
        for batch in _spec.BATCH_OF:
            patch.setitem(
                _model.DECLARATIONS, batch, _actions._declare(batch, _actions._batch(batch))
            )
        yield


def _with_runs_built_in_the_test(test: Callable[..., None]) -> Callable[..., None]:
    """``test``, run with the declarations made inside it (a wrapper, not a fixture: mutmut
    maps a mutant to the tests that call its function, and a shared fixture calls it once;
    Hypothesis refuses a function-scoped fixture around its tests)."""

    @functools.wraps(test)
    def rebuilt(*args: object, **kwargs: object) -> None:
        with _runs_built_in_the_test():
            test(*args, **kwargs)

    return rebuilt


def test_the_rebuilt_runs_cover_every_single_and_batch_action() -> None:
    assert set(_actions.SINGLE_SHAPES) | set(_spec.BATCH_OF) == {
        action
        for action in _actions.DECLARATIONS
        if action.value
        not in ("DescribeInstanceStatus", "DescribeInstances", "DescribeInstanceAttribute")
    }


# Every test of test_fleet (the batch actions) and test_scenarios (the golden cases of the
# single actions), collected again in this module, each with the declarations made inside it.
for _module in (test_fleet, test_scenarios):
    globals().update(
        {
            "test_rebuilt_" + name.removeprefix("test_"): _with_runs_built_in_the_test(test)
            for name, test in vars(_module).items()
            if name.startswith("test_")
        }
    )


# The comparisons of the typed methods with the generic reader (tests/test_fast_paths.py),
# collected again with the declarations made inside each: since call() hands documented
# single calls to the typed methods, the generic reader's runs (``_actions._single``) are
# reached by the other spellings, misuse and dry runs these tests drive.
for _name in (
    "test_the_fast_path_answers_as_the_generic_reader_does",
    "test_stop_records_the_mode_the_generic_reader_records",
    "test_call_answers_a_single_instance_action_as_the_generic_reader_does",
    "test_the_generic_reader_settles_what_is_due_before_deciding",
):
    globals()["test_rebuilt_" + _name.removeprefix("test_")] = _with_runs_built_in_the_test(
        getattr(test_fast_paths, _name)
    )
