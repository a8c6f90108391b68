"""The facade: ``lifecycle.__all__`` is sorted, complete and presented as ``lifecycle.X``."""

from __future__ import annotations

import types

import lifecycle
import lifecycle.errors


def test_all_is_sorted_and_unique() -> None:
    assert list(lifecycle.__all__) == sorted(set(lifecycle.__all__))


def test_all_names_every_public_attribute_and_nothing_else() -> None:
    """Public submodules (errors, and wire/testing/simulation once imported) are not names."""
    public = {
        name
        for name, value in vars(lifecycle).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(lifecycle.__all__) - {"__version__"}


def test_public_names_present_themselves_as_lifecycle() -> None:
    for name in lifecycle.__all__:
        module = getattr(getattr(lifecycle, name), "__module__", "lifecycle")
        assert not module.startswith("lifecycle._"), name


def test_errors_module_all_is_complete() -> None:
    assert sorted(lifecycle.errors.__all__) == sorted(
        name
        for name, value in vars(lifecycle.errors).items()
        if isinstance(value, type)
        and value.__module__ == "lifecycle.errors"
        and not name.startswith("_")  # a private helper class is not part of the API
    )


def test_version_is_a_string() -> None:
    assert lifecycle.__version__.count(".") == 2
