"""tools/table_mutation.py: the mutants it makes of a spec's tables (no suite is run here)."""

from __future__ import annotations

import ast
import dataclasses
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tools import table_mutation
from tools.table_mutation import KINDS, Mutant, generate

ROOT = Path(__file__).resolve().parent.parent

#: A small spec in the shape of lifecycle/_spec.py, runnable on its own, with no
#: table referring to another (so a change shows in exactly one name).
SYNTHETIC = """
from dataclasses import dataclass
from enum import Enum


class S(Enum):
    PENDING = "Pending"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


class ErrorCode:
    DISK_ERROR = "DiskError"
    INCORRECT_INSTANCE_STATUS = "IncorrectInstanceStatus"
    THROTTLING = "Throttling"
    INTERNAL_ERROR = "InternalError"


@dataclass(frozen=True)
class ErrorEntry:
    http_status: int
    message: str
    meaning: str
    source: str


@dataclass(frozen=True)
class Clause:
    all_of: int
    none_of: int = 0


@dataclass(frozen=True)
class Rule:
    check: str
    code: str
    fails_when: tuple = ()


@dataclass(frozen=True)
class Effect:
    when: int
    loss: str
    clears: int = 0


@dataclass(frozen=True)
class Param:
    name: str
    python_name: str
    type: str
    required: bool = False
    choices: tuple = ()
    minimum: object = None
    maximum: object = None
    default: object = None
    max_items: object = None


_E = ErrorEntry
MAX_IDS = 100
REGION_ID = "cn-hangzhou"
FAMILIES = frozenset({"d1", "i1"})
DOC_START = "https://example.com/start"
START_GUARDS = ("not_locked", "disks")
TRANSITIONS = [
    {"trigger": "start", "source": S.STOPPED.value, "dest": S.STARTING.value},
    {"trigger": "finish_starting", "source": S.STARTING.value, "dest": S.RUNNING.value},
]
ACTION_TRIGGERS = {"StartInstance": "start", "StopInstance": "stop"}
PRECEDENCE = {
    "StartInstance": (
        Rule("throttled", ErrorCode.THROTTLING),
        Rule("status", ErrorCode.INCORRECT_INSTANCE_STATUS),
        Rule("disks", ErrorCode.DISK_ERROR, (Clause(1), Clause(2, none_of=4))),
    ),
}
EFFECTS = {"StartInstance": (Effect(2 | 4, "InitLocalDisk", clears=2),), "Describe": ()}
ERRORS = {
    "StartInstance": {
        ErrorCode.DISK_ERROR: _E(403, "Incorrect Disk Status", "Abnormal disk.", DOC_START),
        ErrorCode.INTERNAL_ERROR: _E(500, "Unknown error.", "Injected.", DOC_START),
    },
}
PARAMETERS = {
    "Describe": (
        Param("InstanceId", "instance_ids", "RepeatList", max_items=100),
        Param("PageSize", "page_size", "Integer", minimum=1, maximum=50, default=10),
        Param("Mode", "mode", "String", required=True, choices=("A", "B"), default="A"),
    ),
}
"""


def _values(source: bytes) -> dict[str, Any]:
    """The synthetic spec's upper-case names, run as a module of its own."""
    module = types.ModuleType("synthetic_spec")
    sys.modules[module.__name__] = module  # dataclasses looks its module up
    try:
        exec(compile(source, "synthetic_spec", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return {
        name: value
        for name, value in vars(module).items()
        if name.isupper() and not isinstance(value, type)
    }


def _rows(value: Any) -> list[str]:
    """A table's rows, as text: a dict's items, a list's or tuple's elements, else the value.

    Text, because each run of the synthetic spec makes its own classes, whose
    instances never compare equal to another run's.
    """
    if isinstance(value, dict):
        return sorted(repr(item) for item in value.items())
    if isinstance(value, list | tuple):
        return [repr(row) for row in value]
    if isinstance(value, frozenset):
        return sorted(repr(row) for row in value)
    return [repr(value)]


def test_the_generator_makes_every_kind_of_mutant_of_a_small_spec() -> None:
    mutants = generate(SYNTHETIC.encode())
    assert {m.kind for m in mutants} == set(KINDS)
    descriptions = {m.description for m in mutants}
    expected = {
        "ERRORS/StartInstance/DISK_ERROR http_status 403 -> 400",
        "ERRORS/StartInstance/INTERNAL_ERROR http_status 500 -> 400",
        "ERRORS/StartInstance/DISK_ERROR message 'Incorrect Disk Status' -> "
        "'Incorrect Disk Status.'",
        "PRECEDENCE/StartInstance swap throttled <-> status",
        "PRECEDENCE/StartInstance swap status <-> disks",
        "PRECEDENCE/StartInstance Rule(status) code INCORRECT_INSTANCE_STATUS -> DISK_ERROR",
        "Rule(disks) fails_when drops Clause(1)",
        "Clause(2, none_of=4) drops none_of",
        "TRANSITIONS/start dest STARTING -> RUNNING",
        "TRANSITIONS/start source STOPPED -> PENDING",
        'START_GUARDS drops "disks"',
        "ACTION_TRIGGERS/StartInstance start -> stop",
        "EFFECTS/StartInstance dropped",
        "EFFECTS/StartInstance Effect drops clears",
        "PARAMETERS/Describe/Mode required True -> False",
        "PARAMETERS/Describe/PageSize required False -> True",
        'PARAMETERS/Describe/Mode choices drop "B"',
        "PARAMETERS/Describe/PageSize minimum 1 -> 0",
        "PARAMETERS/Describe/PageSize maximum 50 -> 51",
        "PARAMETERS/Describe/InstanceId max_items 100 -> 101",
        "PARAMETERS/Describe/PageSize default 10 -> 11",
        "PARAMETERS/Describe/Mode default \"A\" -> 'B'",
        "MAX_IDS 100 -> 101",
        "REGION_ID 'cn-hangzhou' -> 'cn-hangzhou.'",
        'FAMILIES drops "d1"',
    }
    assert expected <= descriptions, sorted(expected - descriptions)
    # The citations are not rules, and an empty effect has nothing to drop.
    assert not any("DOC_START" in d.split(" ")[0] for d in descriptions)
    assert "EFFECTS/Describe dropped" not in descriptions


def test_the_numbering_is_stable_and_dense_and_the_descriptions_unique() -> None:
    first, second = generate(SYNTHETIC.encode()), generate(SYNTHETIC.encode())
    assert first == second
    assert [m.number for m in first] == list(range(1, len(first) + 1))
    assert len({m.description for m in first}) == len(first)
    # The kinds come in KINDS' order, so a number names the same mutant in every run.
    order = [KINDS.index(m.kind) for m in first]
    assert order == sorted(order)


@pytest.mark.parametrize(
    "mutant", generate(SYNTHETIC.encode()), ids=lambda mutant: str(mutant.number)
)
def test_each_mutant_changes_exactly_one_row_of_one_table(mutant: Mutant) -> None:
    original = _values(SYNTHETIC.encode())
    mutated = _values(mutant.apply(SYNTHETIC.encode()))
    changed = [name for name in original if _rows(original[name]) != _rows(mutated[name])]
    assert len(changed) == 1, (mutant.description, changed)
    before, after = _rows(original[changed[0]]), _rows(mutated[changed[0]])
    if len(before) == len(after):
        assert sum(1 for old, new in zip(before, after, strict=True) if old != new) in (1, 2)
        if sum(1 for old, new in zip(before, after, strict=True) if old != new) == 2:
            # Two rows differ only when two adjacent rows were swapped.
            assert sorted(before) == sorted(after)
    else:
        # One row dropped, nothing else touched.
        assert len(after) == len(before) - 1
        assert all(row in before for row in after)


def test_a_mutant_edits_only_its_own_span_of_the_source() -> None:
    source = SYNTHETIC.encode()
    for mutant in generate(source):
        mutated = mutant.apply(source)
        assert mutated[: mutant.start] == source[: mutant.start]
        assert mutated[len(mutated) - (len(source) - mutant.end) :] == source[mutant.end :]
        assert mutated != source
        ast.parse(mutated)


def test_every_mutant_of_the_real_spec_parses_and_every_kind_is_there() -> None:
    source = (ROOT / table_mutation.SPEC).read_bytes()
    mutants = generate(source)
    assert {m.kind for m in mutants} == set(KINDS)
    assert len({m.description for m in mutants}) == len(mutants)
    for mutant in mutants:
        assert mutant.apply(source) != source
        ast.parse(mutant.apply(source))


def test_the_only_option_reads_numbers_and_ranges() -> None:
    assert table_mutation._parse_only("3, 7-9,12") == {3, 7, 8, 9, 12}


def test_a_listed_survivor_is_read_with_its_reason(tmp_path: Path) -> None:
    listing = tmp_path / "equivalents.md"
    listing.write_text("# Survivors\n\n- `MAX_IDS 100 -> 101`: equivalent, because.\n")
    assert table_mutation.listed_equivalents(listing) == {
        "MAX_IDS 100 -> 101": "equivalent, because."
    }


def test_the_score_fails_on_an_unexplained_survivor(capsys: pytest.CaptureFixture[str]) -> None:
    mutant = generate(SYNTHETIC.encode())[0]
    survived = table_mutation.Verdict(mutant, "survived", 1.0, "")
    refused = table_mutation.Verdict(dataclasses.replace(mutant, number=2), "refused", 0.1, "")
    assert table_mutation.score([survived, refused], {}) == 1
    assert "UNEXPLAINED" in capsys.readouterr().out
    assert table_mutation.score([survived, refused], {mutant.description: "why"}) == 0
    assert "killed 1/2" in capsys.readouterr().out


def test_every_file_of_the_test_selection_exists() -> None:
    # A missing file is dropped from a mutant's run without a word (_tests_in), so a
    # renamed test file would silently stop guarding the tables.
    missing = [test for test in table_mutation.TESTS if not (ROOT / test).is_file()]
    assert missing == []


@pytest.mark.parametrize(
    "test",
    [
        "tests/test_guard_tables_lifecycle.py",
        "tests/test_provision.py",
        "tests/test_wire_provision.py",
        "tests/test_exhaustive_lifecycle.py",
        "tests/test_exhaustive_creation.py",
    ],
)
def test_the_selection_runs_the_suites_of_the_creation_and_renewal_actions(test: str) -> None:
    # RunInstances, CreateInstance, DeleteInstance(s), RenewInstance and ReActivateInstances
    # have their rows in _spec.py; these files check them against specs/.
    assert test in table_mutation.TESTS
