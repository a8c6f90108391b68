"""RunInstances, CreateInstance, DeleteInstance(s), RenewInstance and ReActivateInstances
answered by declarations built inside the test, not at import.

``lifecycle._provision`` builds each action's run once, at import
(``LIFECYCLE_DECLARATIONS``: ``_creation(action)`` makes RunInstances' and
CreateInstance's closures, ``_declare`` their parameter tables, ``plan_of`` the
deletion and reactivation plans). mutmut switches
a mutant on in a worker forked after the package was imported
(``tools/mutation.py``), so a mutant of those builders never reaches a model the
ordinary tests make, and every one of them would survive unseen. Here every
test of ``tests/test_provision.py`` and of the two other
``tests/test_mutation_kills_*`` modules on these actions runs again with the model's declarations
for those six actions rebuilt by the same builders, inside the test: the same
documented behaviour, now also checked for whatever the builders make when
they run under a mutant.
"""

from __future__ import annotations

import pytest

from lifecycle import _model, _provision
from lifecycle._actions import Run
from lifecycle._core import plan_of
from lifecycle._spec import FORCED_TRIGGERS
from lifecycle._status import Action
from tests import (
    test_mutation_kills_lifecycle_methods,
    test_mutation_kills_provision_rules,
    test_provision,
)
from tests.test_provision import fleet  # noqa: F401  (the fixture the re-run tests take)


def _runs() -> dict[Action, Run]:
    """Each action's run, made as ``_provision.LIFECYCLE_DECLARATIONS`` makes it."""
    return {
        Action.RUN_INSTANCES: _provision._creation(Action.RUN_INSTANCES),
        Action.CREATE_INSTANCE: _provision._creation(Action.CREATE_INSTANCE),
        Action.DELETE_INSTANCE: _provision._delete,
        Action.DELETE_INSTANCES: _provision._delete_batch,
        Action.RENEW_INSTANCE: _provision._renew,
        Action.REACTIVATE_INSTANCES: _provision._reactivate,
    }


def test_the_rebuilt_declarations_cover_every_lifecycle_action() -> None:
    assert set(_runs()) == set(_provision.LIFECYCLE_DECLARATIONS)


@pytest.fixture(autouse=True)
def _built_in_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    for action, run in _runs().items():
        monkeypatch.setitem(_model.DECLARATIONS, action, _provision._declare(action, run))
    # The deletion and reactivation plans, made as the module makes them at import.
    forced = FORCED_TRIGGERS
    for name, plan in (
        ("_DELETE", plan_of(Action.DELETE_INSTANCE)),
        ("_FORCE_DELETE", plan_of(Action.DELETE_INSTANCE, forced[Action.DELETE_INSTANCE])),
        ("_DELETE_BATCH", plan_of(Action.DELETE_INSTANCES)),
        ("_FORCE_DELETE_BATCH", plan_of(Action.DELETE_INSTANCES, forced[Action.DELETE_INSTANCES])),
        ("_REACTIVATE", plan_of(Action.REACTIVATE_INSTANCES)),
    ):
        monkeypatch.setattr(_provision, name, plan)


# Every test of test_provision and of the other lifecycle kill tests, collected again in
# this module (with the fixture above).
for _module in (
    test_provision,
    test_mutation_kills_lifecycle_methods,
    test_mutation_kills_provision_rules,
):
    globals().update(
        {name: test for name, test in vars(_module).items() if name.startswith("test_")}
    )
