"""The ``lifecycle`` pytest plugin: fixtures, options, the summary, and turning it off.

Each test runs pytest inside pytest (``pytester``) with plugin autoloading off
and the plugin named with ``-p``, so the result is the same whether or not
this checkout is installed (an install registers the ``pytest11`` entry point).
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifecycle import testing
from lifecycle.testing import (
    ACTIONS,
    LIFECYCLE_ACTIONS,
    DifferentialMachine,
    documented_outcomes,
    set_profile,
)
from lifecycle.testing._coverage import MACHINE_ACTIONS

pytest_plugins = ["pytester"]

PLUGIN = "lifecycle.testing._pytest_plugin"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    yield
    set_profile("default")  # --lifecycle-profile sets it for the whole process


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # --assert=plain: the plugin module is already imported here, so pytest could
    # not rewrite it and would warn about it in the inner run's output.
    return pytester.runpytest_inprocess(
        "-p", PLUGIN, "-p", "no:cacheprovider", "--assert=plain", *args
    )


def test_the_fixtures_give_a_fresh_seeded_model_and_a_client_over_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import lifecycle

        def test_model(lifecycle_model, lifecycle_client):
            assert isinstance(lifecycle_model, lifecycle.EcsModel)
            assert len(lifecycle_model) == 0 and lifecycle_model.now == 0.0
            assert lifecycle_client.model is lifecycle_model
            lifecycle_model.create_instance("i-1", status="Stopped")
            lifecycle_client.call("StartInstance", {"InstanceId": "i-1"})
            assert len(lifecycle_client.history) == 1
            print(repr(lifecycle_model))
        """
    )
    result = run(pytester, "-s", "--lifecycle-seed=5")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*EcsModel(seed=5, instances=1*"])


def test_the_endpoint_fixture_serves_one_account_and_shuts_down(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import socket
        import lifecycle.wire

        PORTS = []

        def test_endpoint(lifecycle_endpoint):
            assert isinstance(lifecycle_endpoint, lifecycle.wire.WireServer)
            account = lifecycle_endpoint.app.accounts.default
            assert account.name == "default"
            account.model.create_instance("i-1")
            with socket.create_connection((lifecycle_endpoint.host, lifecycle_endpoint.port)):
                pass
            PORTS.append(lifecycle_endpoint.port)

        def test_closed_after():
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", PORTS[0])) != 0
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_the_endpoint_fixture_skips_without_the_wire_layer(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "lifecycle.wire", None)  # as if it were not installed
    pytester.makepyfile("def test_endpoint(lifecycle_endpoint):\n    pass\n")
    result = run(pytester, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*lifecycle.wire is not installed*"])


MACHINE = """
from hypothesis import settings
from lifecycle.testing import DifferentialMachine

class CheckTheModel(DifferentialMachine):
    def make_implementation(self, fleet, clock):
        return fleet.build(clock=clock, durations=self.durations)

TestTheModel = CheckTheModel.TestCase

def test_profile():
    assert CheckTheModel.TestCase.settings.max_examples == {expected}
"""


def test_the_profile_option_sets_every_machines_settings_and_the_summary_lists_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MACHINE.format(expected=20))
    result = run(pytester, "--lifecycle-profile=quick")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "lifecycle: harness profile 'quick'",
            "*lifecycle: documented outcomes reached*",
            "CheckTheModel: * of *; not reached: * and * more",
        ]
    )


def test_the_summary_lists_each_collected_harness_once_and_only_those_that_answered(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from hypothesis.stateful import RuleBasedStateMachine, rule
        from lifecycle.testing import (
            ACTIONS, LIFECYCLE_ACTIONS, DifferentialMachine, documented_outcomes,
            harness_settings,
        )

        @harness_settings(max_examples=1)
        class Complete(DifferentialMachine):
            def make_implementation(self, fleet, clock):
                return fleet.build(clock=clock, durations=self.durations)

        class Fleetwide(Complete):
            actions = [a for a in ACTIONS if a not in LIFECYCLE_ACTIONS]

        class Skipped(DifferentialMachine):
            def make_implementation(self, fleet, clock):
                pytest.skip("no implementation today")

        class NotOurs(RuleBasedStateMachine):
            @rule()
            def nothing(self):
                pass

        TestComplete = Complete.TestCase
        TestCompleteAgain = Complete.TestCase
        TestSkipped = Skipped.TestCase
        TestNotOurs = NotOurs.TestCase

        TestFleetwide = Fleetwide.TestCase

        def test_fill():
            # Both tallied the same: each is measured against its own actions.
            for action, outcome in documented_outcomes(Complete.actions):
                Complete.coverage.record(action, outcome)
                Fleetwide.coverage.record(action, outcome)
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=5, skipped=1)
    four = len(documented_outcomes(MACHINE_ACTIONS))
    total = len(documented_outcomes([a for a in ACTIONS if a not in LIFECYCLE_ACTIONS]))
    after = result.stdout.str().split("documented outcomes reached")[1].splitlines()[1:]
    end = next(n for n, text in enumerate(after) if text.startswith("="))
    listed = [text for text in after[:end] if text]
    assert listed[0] == f"Complete: {four} of {four}"
    assert listed[1].startswith(f"Fleetwide: {four} of {total}; not reached: DescribeInstance")
    assert listed[1].endswith(f" and {total - four - 4} more")
    assert len(listed) == 2


def test_an_unknown_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = run(pytester, "--lifecycle-profile=warp")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--lifecycle-profile: profile 'warp'*"])


def test_without_a_harness_the_plugin_adds_nothing_to_the_report(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert "lifecycle:" not in result.stdout.str()


def test_a_harness_that_answered_nothing_is_not_listed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from lifecycle.testing import DifferentialMachine

        class Unused(DifferentialMachine):
            pass

        def test_nothing():
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)
    assert "documented outcomes reached" not in result.stdout.str()


def test_the_entry_point_is_named_lifecycle_and_names_the_plugin() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    assert project["entry-points"]["pytest11"] == {"lifecycle": PLUGIN}
    assert project["optional-dependencies"]["testing"] == ["hypothesis>=6.100,<7"]


def installed_plugin() -> bool:
    return any(
        entry.name == "lifecycle" and entry.value == PLUGIN
        for entry in importlib.metadata.entry_points(group="pytest11")
    )


@pytest.mark.skipif(not installed_plugin(), reason="this checkout is not pip-installed")
def test_an_installed_plugin_loads_itself_and_no_lifecycle_turns_it_off(tmp_path: Path) -> None:
    (tmp_path / "test_it.py").write_text("def test_model(lifecycle_model):\n    pass\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    # Without this file's PYTEST_DISABLE_PLUGIN_AUTOLOAD: the entry point is what is tested.
    environment = {k: v for k, v in os.environ.items() if "PYTEST" not in k}
    loaded = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    assert loaded.returncode == 0, loaded.stdout
    turned_off = subprocess.run(
        [*command, "-p", "no:lifecycle"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert turned_off.returncode == pytest.ExitCode.TESTS_FAILED
    assert "fixture 'lifecycle_model' not found" in turned_off.stdout


def test_importing_the_plugin_does_not_import_hypothesis() -> None:
    code = (
        "import sys; import lifecycle.testing._pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'hypothesis'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.stdout.strip() == "[]", done.stderr


def test_a_name_that_needs_hypothesis_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(testing, "worlds", raising=False)  # a name cached by an earlier use
    monkeypatch.delitem(sys.modules, "lifecycle.testing._strategies", raising=False)
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r'pip install "ecs-lifecycle\[testing\]"'):
        testing.worlds  # noqa: B018


def test_the_testing_namespace_lists_its_lazy_names_and_refuses_others() -> None:
    assert set(testing.__all__) <= set(dir(testing))
    assert all(getattr(testing, name) is not None for name in testing.__all__)
    public = {n for n, v in vars(testing).items() if not n.startswith("_") and n != "annotations"}
    assert public - {n for n, v in vars(testing).items() if isinstance(v, types.ModuleType)} <= (
        set(testing.__all__)
    )
    with pytest.raises(AttributeError, match="no attribute 'strategies'"):
        testing.strategies  # noqa: B018
    assert testing.DifferentialMachine.__module__ == "lifecycle.testing"
    assert testing.Fleet.__module__ == "lifecycle.testing"


def test_lifecycle_and_its_testing_tools_work_without_hypothesis() -> None:
    code = """
import sys
sys.modules["hypothesis"] = None  # as if it were not installed
import lifecycle, lifecycle.testing
from lifecycle.testing import Call, Fleet, InstanceCondition, Outcome, Request, check_history
fleet = Fleet(instances={"i-1": InstanceCondition()})
start = Request("StartInstance", {"InstanceId": "i-1"})
assert check_history([Call(start, Outcome.success())], fleet)
try:
    lifecycle.testing.fleets
except ImportError as error:
    print(error)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    advice = 'needs Hypothesis, an optional extra: pip install "ecs-lifecycle[testing]"'
    assert advice in done.stdout


def test_the_summary_counts_what_a_machines_narrowing_left_out_and_why(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        from lifecycle.testing import DifferentialMachine, harness_settings

        @harness_settings(max_examples=2, database=None)
        class Narrow(DifferentialMachine):
            invalid_requests = False

            def make_implementation(self, fleet, clock):
                return fleet.build(clock=clock, durations=self.durations)

        TestNarrow = Narrow.TestCase
        """
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)
    narrow: type[DifferentialMachine] = type(
        "Narrow", (DifferentialMachine,), {"invalid_requests": False}
    )
    left_out = len(narrow.coverage.left_out)
    expected = len(narrow.coverage.expected())
    assert left_out + expected == len(documented_outcomes(MACHINE_ACTIONS))
    result.stdout.fnmatch_lines(
        [f"Narrow: * of {expected} ({left_out} left out: invalid_requests = False)*"]
    )
