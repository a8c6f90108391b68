"""``tools/mutation.py``: every module is in one layer, and mutmut mutates them all.

The per-layer scores in the README are only as good as this map: a module in no
layer would never be mutated, one in two would be counted twice.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tools.mutation import (
    LAYER_ENV,
    LAYERS,
    NOT_CORE,
    NOT_MUTATED,
    _module,
    guards,
    layer_of,
    mutated_never,
    name_globs,
    sample,
)

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "lifecycle").rglob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_every_module_is_in_exactly_one_layer(module: str) -> None:
    homes = [
        layer
        for layer, globs in LAYERS.items()
        if any(fnmatch.fnmatchcase(module, g) for g in globs)
    ]
    assert len(homes) == 1, (module, homes)
    assert layer_of(module) == homes[0]


def test_a_path_outside_every_layer_is_refused() -> None:
    with pytest.raises(ValueError, match="in no layer"):
        layer_of("elsewhere/module.py")


def test_pyproject_mutates_exactly_the_layers() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    only = config["tool"]["mutmut"]["only_mutate"]
    assert sorted(only) == sorted(g for globs in LAYERS.values() for g in globs)
    assert sorted(config["tool"]["mutmut"]["do_not_mutate"]) == sorted(NOT_MUTATED)


def test_only_the_package_namespaces_are_left_unmutated() -> None:
    assert [m for m in MODULES if mutated_never(m)] == [
        "lifecycle/__init__.py",
        "lifecycle/simulation/__init__.py",
        "lifecycle/testing/__init__.py",
        "lifecycle/wire/__init__.py",
    ]
    assert all(reason for reason in NOT_MUTATED.values())


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("lifecycle.wire._server.xǁWireAppǁ__call____mutmut_3", "wire"),
        ("lifecycle._mock.x_mock_ecs__mutmut_1", "wire"),
        ("lifecycle.testing.x__present__mutmut_2", "testing"),  # testing/__init__.py
        ("lifecycle.testing._history.x_check_history__mutmut_9", "testing"),
        ("lifecycle.simulation._engine.xǁEngineǁrun__mutmut_1", "simulation"),
        ("lifecycle._core.xǁCoreǁattempt__mutmut_4", "core"),
        ("lifecycle.errors.xǁApiErrorǁ_resolve__mutmut_1", "core"),
        ("lifecycle._cli.x_main__mutmut_1", "cli"),
    ],
)
def test_a_mutant_name_belongs_to_its_modules_layer_and_only_its_globs(
    name: str, layer: str
) -> None:
    assert layer_of(_module(name)) == layer
    matching = [
        other for other in LAYERS if any(fnmatch.fnmatchcase(name, g) for g in name_globs(other))
    ]
    assert matching == [layer]


def test_a_sample_is_seeded_and_keeps_mutmuts_order() -> None:
    names = [f"lifecycle.wire._server.x_f__mutmut_{n}" for n in range(1, 101)]
    first = sample(names, 10, seed=12)
    assert first == sample(names, 10, seed=12)
    assert first != sample(names, 10, seed=13)
    assert len(set(first)) == 10
    assert first == [n for n in names if n in set(first)]
    assert sample(names, 500, seed=12) == names


TEST_FILES = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))


@pytest.mark.parametrize("test_file", TEST_FILES)
def test_every_test_file_guards_a_layer_or_says_why_not(test_file: str) -> None:
    layers = [layer for layer in LAYERS if guards(layer, test_file)]
    assert layers or test_file in NOT_CORE, test_file
    assert not (layers and test_file in NOT_CORE), (test_file, layers)


def test_the_files_left_out_exist_and_say_why() -> None:
    assert set(NOT_CORE) <= set(TEST_FILES)
    assert all(NOT_CORE.values())


@pytest.mark.parametrize(
    ("test_file", "layers"),
    [
        ("test_wire_sdk.py", ["wire"]),
        ("test_wire_cli.py", ["wire", "cli"]),
        ("test_mock_ecs.py", ["wire"]),
        ("test_examples.py", ["testing"]),
        ("test_simulation_engine.py", ["simulation"]),
        ("test_simulation_cli.py", ["simulation", "cli"]),
        ("test_provision.py", ["core"]),
        ("test_cli.py", ["core", "cli"]),
        ("test_table_mutation.py", []),
    ],
)
def test_a_test_file_guards_the_layers_it_exercises(test_file: str, layers: list[str]) -> None:
    assert [layer for layer in LAYERS if guards(layer, test_file)] == layers


def test_a_layer_run_collects_only_that_layers_tests() -> None:
    # tests/conftest.py deselects the rest when LAYER_ENV names a layer, as mutmut's runs do.
    files = ["tests/test_wire_accounts.py", "tests/test_errors.py"]
    collected = {}
    for layer in ("wire", "core", None):
        env = {k: v for k, v in os.environ.items() if k != LAYER_ENV}
        if layer is not None:
            env[LAYER_ENV] = layer
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                *files,
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        ids = [line for line in done.stdout.splitlines() if "::" in line]
        collected[layer] = {line.split("::")[0] for line in ids}
    assert collected["wire"] == {"tests/test_wire_accounts.py"}
    assert collected["core"] == {"tests/test_errors.py"}
    assert collected[None] == set(files)
