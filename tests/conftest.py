"""Shared test configuration: Hypothesis profiles and the specs directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Local runs stay quick; CI sets CI=true, which makes Hypothesis load its
# built-in "ci" profile (derandomized, no deadline, no database), untouched here.
# "thorough" is for a deliberate long run: --hypothesis-profile=thorough.
settings.register_profile("dev", max_examples=50)
settings.register_profile("thorough", max_examples=2000, stateful_step_count=100, deadline=None)
if not os.environ.get("CI"):
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


#: Filled by tests/test_exhaustive.py, tests/test_exhaustive_lifecycle.py and
#: tests/test_exhaustive_creation.py: what the exhaustive check covered, per action.
EXHAUSTIVE_COVERAGE: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many combinations the exhaustive test checked, even when output is captured."""
    if EXHAUSTIVE_COVERAGE:
        terminalreporter.section("exhaustive decision-table check")
        for label, count in sorted(EXHAUSTIVE_COVERAGE.items()):
            terminalreporter.write_line(f"{label}: {count:,} combinations")
        total = sum(EXHAUSTIVE_COVERAGE.values())
        terminalreporter.write_line(f"total: {total:,} combinations, each against specs/")


@pytest.fixture
def specs_dir() -> Path:
    """The repository's ``specs/`` directory."""
    return Path(__file__).resolve().parent.parent / "specs"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``python -m tools.mutation --layer L``, collect only the tests that guard L."""
    layer = os.environ.get("LIFECYCLE_MUTATION_LAYER")
    if not layer:
        return
    from tools.mutation import guards  # noqa: PLC0415  (only in a mutation run)

    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if guards(layer, item.path.name) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
