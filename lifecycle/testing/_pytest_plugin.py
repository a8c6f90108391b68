"""The ``lifecycle`` pytest plugin: fixtures for the model, and the harness profile option.

Registered through the ``pytest11`` entry point, so pytest loads it in every
run of every project that installs ``lifecycle``. It therefore imports
nothing at load time beyond what importing this module costs (the
``lifecycle`` package itself); the model, Hypothesis and the wire layer are
imported by the fixture or option that needs them. Turn it off with
``-p no:lifecycle``.

Fixtures:
    lifecycle_model: A fresh ``EcsModel`` on a ``ManualClock`` at 0, seeded
        with ``--lifecycle-seed`` (default 0).
    lifecycle_client: A ``ModelClient`` over ``lifecycle_model``.
    lifecycle_endpoint: A running ``lifecycle.wire.WireServer`` on a free
        loopback port, for one account named ``default`` with a generated key
        pair (``server.app.accounts.default.credential``; its model is
        ``server.app.accounts.default.model``), seeded with ``--lifecycle-seed``.
        Shut down after the test. Skipped where ``lifecycle.wire`` is missing.
    lifecycle_mock_ecs: A ``lifecycle.MockEcs`` switched on for the test: both
        official SDKs, configured as for the real cloud, reach its models
        in-process (``lifecycle.mock_ecs()``), seeded with ``--lifecycle-seed``.

Summary: after a run that collected ``DifferentialMachine`` test cases
(``TestX = CheckX.TestCase``), one line per machine: how many of the
documented (action, outcome) pairs of the actions it sends the model
answered, how many its narrowing left out and why, and which were not reached.

Options:
    --lifecycle-profile=NAME: the settings every ``DifferentialMachine`` runs
        with: ``quick``, ``default``, ``thorough`` or a Hypothesis profile name.
    --lifecycle-seed=N: the seed of ``lifecycle_model``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

# Already imported: this module lives in lifecycle.testing, whose parents these are.
from lifecycle import EcsModel, ManualClock
from lifecycle.errors import InvalidArgument
from lifecycle.testing import ModelClient

if TYPE_CHECKING:
    from lifecycle import MockEcs
    from lifecycle.wire import WireServer

#: The harnesses collected as test cases in this run, in collection order.
_MACHINES = pytest.StashKey[list[Any]]()
#: How many unreached outcomes the summary names before it counts the rest.
_SHOWN = 4


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--lifecycle-profile`` and ``--lifecycle-seed``."""
    group = parser.getgroup("lifecycle", "lifecycle: the ECS reference model")
    group.addoption(
        "--lifecycle-profile",
        action="store",
        default=None,
        metavar="NAME",
        help="settings for lifecycle.testing.DifferentialMachine tests: quick, default, "
        "thorough, or a registered Hypothesis profile name",
    )
    group.addoption(
        "--lifecycle-seed",
        action="store",
        type=int,
        default=0,
        metavar="N",
        help="seed of the lifecycle_model fixture (default 0)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Apply ``--lifecycle-profile`` (this is where Hypothesis is first imported, if asked)."""
    name = config.getoption("lifecycle_profile", default=None)
    if name is None:
        return
    # Imported here, not above: it imports Hypothesis, which a project may not have.
    from lifecycle.testing._differential import set_profile  # noqa: PLC0415

    try:
        set_profile(name)
    except InvalidArgument as error:
        raise pytest.UsageError(f"--lifecycle-profile: {error}") from None


def pytest_report_header(config: pytest.Config) -> str | None:
    """Name the harness profile in the header when one was chosen."""
    name = config.getoption("lifecycle_profile", default=None)
    return None if name is None else f"lifecycle: harness profile {name!r}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note the ``DifferentialMachine`` test cases this run collected, for the summary."""
    machines = config.stash.setdefault(_MACHINES, [])
    for item in items:
        machine = getattr(getattr(item, "obj", None), "_hypothesis_state_machine_class", None)
        if isinstance(machine, type) and hasattr(machine, "coverage") and machine not in machines:
            machines.append(machine)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """After a run of ``DifferentialMachine`` tests, say which documented outcomes each reached."""
    machines = [m for m in config.stash.get(_MACHINES, []) if m.coverage.pairs]
    if not machines:
        return
    terminalreporter.section("lifecycle: documented outcomes reached")
    for machine in machines:
        # Each machine against the actions it sends (its tally knows them), but the
        # pairs its narrowing (or an implementation without add_fault) left out.
        coverage = machine.coverage
        documented = coverage.expected()
        missing = sorted(f"{a.value} -> {o}" for a, o in documented - coverage.pairs)
        line = f"{machine.__qualname__}: {len(documented) - len(missing)} of {len(documented)}"
        left_out = coverage.left_out
        if left_out:
            reasons = ", ".join(sorted(set(left_out.values())))
            line += f" ({len(left_out)} left out: {reasons})"
        if missing:
            shown = ", ".join(missing[:_SHOWN])
            more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
            line += f"; not reached: {shown}{more}"
        terminalreporter.write_line(line)


@pytest.fixture
def lifecycle_model(request: pytest.FixtureRequest) -> EcsModel:
    """A fresh ``EcsModel`` on a ``ManualClock`` at 0, seeded with ``--lifecycle-seed``."""
    seed = request.config.getoption("lifecycle_seed", default=0)
    return EcsModel(seed=seed, clock=ManualClock())


@pytest.fixture
def lifecycle_client(lifecycle_model: EcsModel) -> ModelClient:
    """A ``ModelClient`` over ``lifecycle_model``: calls, virtual sleep, a recorded history."""
    return ModelClient(lifecycle_model)


@pytest.fixture
def lifecycle_endpoint(request: pytest.FixtureRequest) -> Iterator[WireServer]:
    """A running wire endpoint for one account, shut down after the test."""
    pytest.importorskip("lifecycle.wire", reason="lifecycle.wire is not installed")
    # Imported here: the wire layer brings sockets and threads a model-only test never needs.
    from lifecycle.wire import Credential, WireApp, serve  # noqa: PLC0415

    seed = request.config.getoption("lifecycle_seed", default=0)
    app = WireApp([Credential.generate("default")], seed=seed)
    with serve(app) as server:
        yield server


@pytest.fixture
def lifecycle_mock_ecs(request: pytest.FixtureRequest) -> Iterator[MockEcs]:
    """``lifecycle.mock_ecs()`` for the test: the SDKs served in-process, no socket."""
    from lifecycle import mock_ecs  # noqa: PLC0415

    with mock_ecs(seed=request.config.getoption("lifecycle_seed", default=0)) as ecs:
        yield ecs
