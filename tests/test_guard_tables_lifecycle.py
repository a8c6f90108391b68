"""Rows of the creation actions' tables that only a behaviour shows, pinned against specs/.

As ``tests/test_guard_tables.py`` does for the older actions: each test here was written
for what ``python -m tools.table_mutation`` (``docs/development.md``, "Mutation testing")
found could change with every test still passing. The expectations come from
``tests/reference``, the oracle built from ``specs/`` alone, never from the model's tables.

The first full run with the issue-13 actions (2026-12-01) left two mutants of the
InstanceName rule alive: ``INSTANCE_NAME_CHARACTERS`` and ``BATCH_NAME_CHARACTERS`` with a
period added. Those two are the same tables (the set holds a period already, and the batch
characters are only ever read together with it: ``tools/table-mutation-equivalents.md``), but
the slips those constants can really suffer passed every selected test as well when made
by hand: a letter, a digit, ':', '_' or '.' dropped, a character such as '!' added, the
longest name one off either way. The exhaustive creation check sends only six names.
"""

from __future__ import annotations

import string

import pytest

from tests.reference import Creation
from tests.test_exhaustive_creation import SUCCESS, run_creation_case

#: Every printable ASCII character, and letters and digits the rule does not name: a
#: Latin letter outside ASCII, a fullwidth letter and digit, a CJK character.
CHARACTERS = string.printable + "\u00e9\u00df\uff21\uff11\u4e2d"
#: Each length around the documented bounds (RunInstances' InstanceName: "2-128 characters").
LENGTHS = (0, 1, 2, 3, 64, 127, 128, 129, 130, 256)
ACTIONS = ("RunInstances", "CreateInstance")


def _outcomes(action: str, names: list[str]) -> set[object]:
    # Each case as the exhaustive creation check makes it: the oracle's code with the
    # action's documented status and message, or the instances created with that name.
    return {run_creation_case(action, Creation(instance_name=name)) for name in names}


@pytest.mark.parametrize("action", ACTIONS)
def test_every_character_of_an_instance_name_is_judged_as_documented(action: str) -> None:
    # "2-128 characters: letters, digits, ':', '_', '.', '-'; RunInstances also takes the
    # batch form prefix[begin,bits]suffix ('[', ']', ',')" (specs/operations/<Action>.toml,
    # InstanceName; the oracle's _name_well_formed). Inside a name, then at its head, where
    # CreateInstance also needs a letter.
    inside = [f"a{character}1" for character in CHARACTERS]
    leading = [f"{character}a1" for character in CHARACTERS]
    reached = _outcomes(action, inside + leading)
    assert reached == {SUCCESS, ("valid_parameters", "InvalidInstanceName.Malformed")}


@pytest.mark.parametrize("action", ACTIONS)
def test_an_instance_name_is_two_to_128_characters(action: str) -> None:
    reached = _outcomes(action, ["n" * length for length in LENGTHS])
    assert reached == {SUCCESS, ("valid_parameters", "InvalidInstanceName.Malformed")}
