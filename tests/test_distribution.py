"""The install name: the distribution is ``ecs-lifecycle``, the import stays ``lifecycle``.

``lifecycle`` on the package index is an unrelated project, so a user installs
``ecs-lifecycle`` (``pip install "ecs-lifecycle[testing]"``) and imports
``lifecycle``; the console script and the pytest plugin keep their names.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import lifecycle

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_distribution_is_ecs_lifecycle_and_provides_the_lifecycle_package() -> None:
    distribution = importlib.metadata.distribution("ecs-lifecycle")
    assert distribution.metadata["Name"] == "ecs-lifecycle"
    assert distribution.version == lifecycle.__version__
    assert set(importlib.metadata.packages_distributions()["lifecycle"]) == {"ecs-lifecycle"}


def test_the_console_script_and_the_pytest_plugin_keep_the_name_lifecycle() -> None:
    entry_points = importlib.metadata.distribution("ecs-lifecycle").entry_points
    assert {(entry.group, entry.name, entry.value) for entry in entry_points} >= {
        ("console_scripts", "lifecycle", "lifecycle._cli:main"),
        ("pytest11", "lifecycle", "lifecycle.testing._pytest_plugin"),
    }


def test_pyproject_and_readme_name_the_distribution_ecs_lifecycle() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "ecs-lifecycle"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install "lifecycle' not in readme
    assert 'pip install "ecs-lifecycle[testing]"' in readme
