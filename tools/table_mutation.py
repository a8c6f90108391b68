"""Mutation testing of ``lifecycle/_spec.py``'s rule tables, as data.

Usage::

    python -m tools.table_mutation --list             # number and describe every mutant
    nice -n 15 python -m tools.table_mutation         # run them all (--jobs 2), then the score
    python -m tools.table_mutation --only 12,40       # run some again
    python -m tools.table_mutation --kind errors      # run one table kind

mutmut mutates code inside functions, so the rule tables (module-level data)
yield almost no mutants. This tool mutates the tables themselves: it finds
their rows in ``_spec.py`` with :mod:`ast` and makes one change per mutant, an
exact edit of the source text at the node's position:

* ``errors``: each ``ErrorEntry`` literal gets another HTTP status
  (403 -> 400, 400 -> 403, 404 -> 400, 500 -> 400) or a changed message (its
  final period dropped, or one added);
* ``precedence``: in each ``PRECEDENCE`` row, two adjacent rules swapped; each
  ``Rule`` answering another code; each ``fails_when`` clause dropped (and the
  ``none_of`` exception of a clause);
* ``transitions``: each transition's ``dest`` and ``source`` moved to the next
  status;
* ``guards``: one guard dropped from a ``*_GUARDS`` tuple;
* ``triggers``: one value of ``ACTION_TRIGGERS``, ``SETTLE_TRIGGERS`` or
  ``BATCH_OF`` replaced by the next one of the same table;
* ``effects``: each ``EFFECTS`` entry dropped (its tuple emptied), each
  ``clears`` dropped;
* ``parameters``: each ``Param``'s ``required`` flipped, each choice dropped,
  ``minimum`` lowered by one, ``maximum`` / ``max_items`` raised by one,
  ``default`` changed;
* ``constants``: each ``MAX_*`` and other rule constant changed (an int by one,
  a string by a character, a set or tuple of strings by one element); the
  ``DOC_*`` / ``SEED_*`` citations are left alone.

Mutants are numbered in the order the generators find them (fixed, for a given
``_spec.py``), so ``--only`` names the same mutant in every run of one commit.

Each mutant runs in a private copy of the repository (``git archive`` of
``--ref``, HEAD by default, unpacked in a ``mktemp -d`` directory: never the
working tree, which other people test in), one copy per worker. The copy's
``_spec.py`` is replaced by the mutant, ``import lifecycle`` is tried (a
mutant the package refuses at import, say a ``SpecError`` from
``compile_precedence``, is killed, and reported apart as an *import-time
refusal*: the design working), then a fast test selection (``--tests``) runs
with ``-x`` from inside the copy, with ``PYTHONPATH`` set to it and no bytecode
written, so ``lifecycle.__file__`` is the copy's. A failing run kills the
mutant, a passing one lets it survive.

``tools/table-mutation-equivalents.md`` explains the survivors no honest test
can kill: a list item whose first backticked text is the mutant's description
counts as explained. The exit status is 0 when every survivor is explained.
It is never run by ``.ci/run``: a full run takes about 20 minutes with ``--jobs 1``
on two shared cores.
"""

from __future__ import annotations

import argparse
import ast
import copy
import io
import os
import queue
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = "lifecycle/_spec.py"
EQUIVALENTS = ROOT / "tools" / "table-mutation-equivalents.md"

#: The tests that read the tables: fastest and most telling first, as ``-x`` stops
#: at the first failure. ``tests/test_docs.py`` (strict site builds, slow) is left out.
TESTS: tuple[str, ...] = (
    "tests/test_spec_tables.py",
    "tests/test_specs.py",
    "tests/test_guard_tables.py",
    "tests/test_guard_tables_lifecycle.py",
    "tests/test_machine.py",
    "tests/test_rules.py",
    "tests/test_errors.py",
    "tests/test_arguments_edges.py",
    "tests/test_scenarios.py",
    "tests/test_fleet.py",
    "tests/test_provision.py",
    "tests/test_exhaustive.py",
    "tests/test_wire_specs.py",
    "tests/test_wire_provision.py",
    "tests/test_readme.py",
    "tests/test_exhaustive_lifecycle.py",
    "tests/test_exhaustive_creation.py",
)

KINDS: tuple[str, ...] = (
    "errors",
    "precedence",
    "transitions",
    "guards",
    "triggers",
    "effects",
    "parameters",
    "constants",
)

#: An HTTP status and the one a plausible slip would write instead.
STATUS_SLIPS: dict[int, int] = {403: 400, 400: 403, 404: 400, 500: 400}
#: The status a transition's end moves to: the next one in this cycle.
STATUS_CYCLE: tuple[str, ...] = ("PENDING", "STARTING", "RUNNING", "STOPPING", "STOPPED")
#: What a transition end that is not an API status becomes: the machine's New and
#: Released states, and a helper's ``status`` variable (``_renew``), else STOPPED.
MACHINE_SLIPS: dict[str, str] = {"NEW": "PENDING", "RELEASED": "STOPPED", "status": "STOPPED"}
#: A rule's code and the one a plausible slip would write instead (else INCORRECT_INSTANCE_STATUS).
CODE_SLIPS: dict[str, str] = {
    "INSTANCE_EXPIRED": "INSTANCE_EXPIRED_OR_IN_ARREARS",
    "INSTANCE_EXPIRED_OR_IN_ARREARS": "INSTANCE_EXPIRED",
    "DRY_RUN_OPERATION": "DRYRUN_SUCCESS",
    "DRYRUN_SUCCESS": "DRY_RUN_OPERATION",
    "INVALID_INSTANCE_ID_NOT_FOUND": "INVALID_INSTANCE_IDS_NOT_FOUND",
    "MISSING_PARAMETER": "INVALID_PARAMETER",
    "INVALID_PARAMETER": "MISSING_PARAMETER",
    "THROTTLING": "INTERNAL_ERROR",
    "INTERNAL_ERROR": "THROTTLING",
    "INCORRECT_INSTANCE_STATUS": "DISK_ERROR",
}
#: Module-level names that cite sources rather than state rules: not mutated.
_CITATION = re.compile(r"^_?(DOC|SEED|DOCS)(_|$)")
#: Constants mutated; the tables have their own generators.
_TABLES = {
    "TRANSITIONS",
    "ACTION_TRIGGERS",
    "BATCH_OF",
    "SETTLE_TRIGGERS",
    "PRECEDENCE",
    "EFFECTS",
    "ERRORS",
    "PARAMETERS",
    "NO_FACTS",
    "S",
    "F",
    "_E",
    "_COMMON",
    "IGNORED_PARAMETERS",
    "FORCED_TRIGGERS",
}


@dataclass(frozen=True, slots=True)
class Mutant:
    """One change to the source: the bytes ``[start, end)`` become ``replacement``."""

    number: int
    kind: str
    description: str
    start: int
    end: int
    replacement: bytes

    def apply(self, source: bytes) -> bytes:
        """``source`` with this one change made."""
        return source[: self.start] + self.replacement + source[self.end :]


@dataclass(frozen=True, slots=True)
class _Edit:
    kind: str
    description: str
    start: int
    end: int
    replacement: str


class _Source:
    """The module's text, its tree, and every node's parent and byte span."""

    def __init__(self, source: bytes) -> None:
        self.data = source
        self.tree = ast.parse(source)
        self.line_starts = [0]
        for line in source.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def span(self, node: ast.AST) -> tuple[int, int]:
        """The byte offsets of ``node``'s text (``col_offset`` counts UTF-8 bytes)."""
        assert isinstance(node, ast.expr | ast.stmt)
        assert node.end_lineno is not None
        assert node.end_col_offset is not None
        start = self.line_starts[node.lineno - 1] + node.col_offset
        end = self.line_starts[node.end_lineno - 1] + node.end_col_offset
        return start, end

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode("utf-8")

    def replace(self, kind: str, description: str, node: ast.AST, text: str) -> _Edit:
        start, end = self.span(node)
        return _Edit(kind, description, start, end, text)

    def where(self, node: ast.AST) -> str:
        """A readable address: the enclosing names and dict keys, outermost first."""
        parts: list[str] = []
        child = node
        parent = self.parents.get(child)
        while parent is not None:
            if isinstance(parent, ast.Dict) and child in parent.values:
                key = parent.keys[parent.values.index(child)]
                if key is not None:
                    parts.append(_short(ast.unparse(key)))
            elif isinstance(parent, ast.DictComp) and child is parent.value:
                parts.append(ast.unparse(parent.key))
            elif isinstance(parent, ast.Assign | ast.AnnAssign):
                targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
                parts.append(", ".join(ast.unparse(target) for target in targets))
            elif isinstance(parent, ast.FunctionDef):
                parts.append(f"{parent.name}()")
            elif (
                isinstance(parent, ast.Call)
                and _called(parent) == "Param"
                and parent.args
                and child is not parent.args[0]
            ):
                parts.append(_short(ast.unparse(parent.args[0])).strip("'\""))
            child, parent = parent, self.parents.get(parent)
        return "/".join(reversed(parts))

    def assignments(self) -> Iterator[tuple[str, ast.expr]]:
        """Each module-level ``NAME = value`` (annotated or not)."""
        for statement in self.tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    yield target.id, statement.value
            elif (
                isinstance(statement, ast.AnnAssign)
                and statement.value is not None
                and isinstance(statement.target, ast.Name)
            ):
                yield statement.target.id, statement.value

    def assigned(self, name: str) -> ast.expr | None:
        return next((value for found, value in self.assignments() if found == name), None)

    def calls(self, *names: str) -> Iterator[ast.Call]:
        """Every call of one of ``names``, in source order."""
        found = [
            node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Call) and _called(node) in names
        ]
        yield from sorted(found, key=lambda node: (node.lineno, node.col_offset))


def _called(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else ""


def _short(text: str) -> str:
    """``Action.START_INSTANCE`` -> ``START_INSTANCE``; ``'start'`` -> ``start``."""
    if re.fullmatch(r"'[^']*'|\"[^\"]*\"", text):
        return text[1:-1]
    return text.rsplit(".", 1)[-1] if re.fullmatch(r"[\w.]+", text) else text


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((keyword for keyword in call.keywords if keyword.arg == name), None)


def _changed_text(text: str) -> str:
    """One realistic slip in a string: its final period dropped, or one added."""
    return text[:-1] if text.endswith(".") else text + "."


def _items(table: ast.expr | None) -> list[tuple[ast.expr | None, ast.expr]]:
    """A dict literal's (key, value) pairs; none for anything else."""
    if not isinstance(table, ast.Dict):
        return []
    return list(zip(table.keys, table.values, strict=True))


def _status_of(node: ast.expr) -> str | None:
    """``S.STOPPED.value`` -> ``STOPPED``."""
    if (
        isinstance(node, ast.Attribute)
        and node.attr == "value"
        and isinstance(node.value, ast.Attribute)
    ):
        return node.value.attr
    return None


# ---------------------------------------------------------------------------
# The generators, one per table kind, each yielding edits in source order.
# ---------------------------------------------------------------------------
def _errors(src: _Source) -> Iterator[_Edit]:
    for call in src.calls("_E", "ErrorEntry"):
        where = src.where(call)
        if len(call.args) < 2:
            continue
        status, message = call.args[0], call.args[1]
        if isinstance(status, ast.Constant) and isinstance(status.value, int):
            slip = STATUS_SLIPS.get(status.value)
            if slip is None:
                continue
            yield src.replace(
                "errors", f"{where} http_status {status.value} -> {slip}", status, str(slip)
            )
        if isinstance(message, ast.Constant) and isinstance(message.value, str):
            changed = _changed_text(message.value)
            yield src.replace(
                "errors",
                f"{where} message {message.value!r} -> {changed!r}",
                message,
                repr(changed),
            )


def _precedence(src: _Source) -> Iterator[_Edit]:
    table = src.assigned("PRECEDENCE")
    rows: list[tuple[str, ast.Tuple]] = []
    for key, value in _items(table):
        if key is None and isinstance(value, ast.DictComp) and isinstance(value.value, ast.Tuple):
            rows.append(
                (
                    f"{ast.unparse(value.key)} in {ast.unparse(value.generators[0].iter)}",
                    value.value,
                )
            )
        elif key is not None and isinstance(value, ast.Tuple):
            rows.append((_short(ast.unparse(key)), value))
    for name, row in rows:
        for i in range(len(row.elts) - 1):
            first, second = row.elts[i], row.elts[i + 1]
            start, _ = src.span(first)
            _, end = src.span(second)
            between = src.data[src.span(first)[1] : src.span(second)[0]].decode("utf-8")
            yield _Edit(
                "precedence",
                f"PRECEDENCE/{name} swap {_rule_name(src, first)} <-> {_rule_name(src, second)}",
                start,
                end,
                src.text(second) + between + src.text(first),
            )
    for call in src.calls("Rule"):
        code = call.args[1] if len(call.args) > 1 else None
        if isinstance(code, ast.Attribute):
            slip = CODE_SLIPS.get(code.attr, "INCORRECT_INSTANCE_STATUS")
            yield src.replace(
                "precedence",
                f"{src.where(call)} Rule({_rule_name(src, call)}) code {code.attr} -> {slip}",
                code,
                f"ErrorCode.{slip}",
            )
    for node in ast.walk(src.tree):
        if not isinstance(node, ast.Tuple) or not node.elts:
            continue
        if not all(isinstance(e, ast.Call) and _called(e) == "Clause" for e in node.elts):
            continue
        owner = src.parents.get(node)
        label = (
            f"Rule({_rule_name(src, owner)})"
            if isinstance(owner, ast.Call) and _called(owner) == "Rule"
            else src.where(node)
        )
        for i, clause in enumerate(node.elts):
            kept = [src.text(other) for j, other in enumerate(node.elts) if j != i]
            text = "(" + ", ".join(kept) + ("," if len(kept) == 1 else "") + ")"
            yield src.replace(
                "precedence", f"{label} fails_when drops {src.text(clause)}", node, text
            )
    for call in src.calls("Clause"):
        if _keyword(call, "none_of") is not None:
            bare = copy.deepcopy(call)
            bare.keywords = [k for k in bare.keywords if k.arg != "none_of"]
            yield src.replace(
                "precedence", f"{src.text(call)} drops none_of", call, ast.unparse(bare)
            )


def _rule_name(src: _Source, node: ast.AST | None) -> str:
    if isinstance(node, ast.Call) and node.args:
        return _short(ast.unparse(node.args[0]))
    return src.text(node) if node is not None else "?"


def _transitions(src: _Source) -> Iterator[_Edit]:
    table = src.assigned("TRANSITIONS")
    rows = (
        [row for row in table.elts if isinstance(row, ast.Dict)]
        if isinstance(table, ast.List)
        else []
    )
    # Rows a helper builds (``_renew(status)``): dict literals with a trigger, in functions.
    rows += [
        node
        for statement in src.tree.body
        if isinstance(statement, ast.FunctionDef)
        for node in ast.walk(statement)
        if isinstance(node, ast.Dict)
        and {"trigger", "dest"} <= {k.value for k in node.keys if isinstance(k, ast.Constant)}
    ]
    for row in rows:
        fields = {key.value: value for key, value in _items(row) if isinstance(key, ast.Constant)}
        named = fields.get("trigger")
        trigger = str(named.value) if isinstance(named, ast.Constant) else "?"
        for end in ("dest", "source"):
            node = fields.get(end)
            if node is None:
                continue
            status = _status_of(node)
            if status is not None:
                moved = STATUS_CYCLE[(STATUS_CYCLE.index(status) + 1) % len(STATUS_CYCLE)]
                yield src.replace(
                    "transitions",
                    f"TRANSITIONS/{trigger} {end} {status} -> {moved}",
                    node,
                    f"S.{moved}.value",
                )
            elif isinstance(node, ast.Name):
                # The machine's own states (NEW, RELEASED) and a helper's variable: moved
                # to the status a slip would most plausibly write.
                moved = MACHINE_SLIPS.get(node.id, "STOPPED")
                yield src.replace(
                    "transitions",
                    f"TRANSITIONS/{trigger} {end} {node.id} -> {moved}",
                    node,
                    f"S.{moved}.value",
                )
    # A tuple of statuses several rows leave from (``_SETTLED_OR_MOVING``): each one dropped.
    for name, value in src.assignments():
        if (
            isinstance(value, ast.Tuple)
            and value.elts
            and all(_status_of(element) is not None for element in value.elts)
        ):
            for i, element in enumerate(value.elts):
                kept = [src.text(other) for j, other in enumerate(value.elts) if j != i]
                text = "(" + ", ".join(kept) + ("," if len(kept) == 1 else "") + ")"
                yield src.replace("transitions", f"{name} drops {_status_of(element)}", value, text)


def _guards(src: _Source) -> Iterator[_Edit]:
    for name, value in src.assignments():
        if not name.endswith("_GUARDS") or not isinstance(value, ast.Tuple):
            continue
        for i, guard in enumerate(value.elts):
            kept = [src.text(other) for j, other in enumerate(value.elts) if j != i]
            text = "(" + ", ".join(kept) + ("," if len(kept) == 1 else "") + ")"
            yield src.replace("guards", f"{name} drops {src.text(guard)}", value, text)


def _triggers(src: _Source) -> Iterator[_Edit]:
    for name in ("ACTION_TRIGGERS", "FORCED_TRIGGERS", "SETTLE_TRIGGERS", "BATCH_OF"):
        table = src.assigned(name)
        if not isinstance(table, ast.Dict):
            continue
        values = table.values
        for i, (key, value) in enumerate(_items(table)):
            # The next value that reads differently (DeleteInstance and DeleteInstances
            # fire the same trigger: replacing one by its twin changes nothing).
            others = [values[(i + k) % len(values)] for k in range(1, len(values))]
            other = next((o for o in others if src.text(o) != src.text(value)), None)
            if key is None or other is None:
                continue
            yield src.replace(
                "triggers",
                f"{name}/{_short(ast.unparse(key))} {_short(src.text(value))} -> "
                f"{_short(src.text(other))}",
                value,
                src.text(other),
            )


def _effects(src: _Source) -> Iterator[_Edit]:
    for key, value in _items(src.assigned("EFFECTS")):
        if key is not None and isinstance(value, ast.Tuple) and value.elts:
            yield src.replace("effects", f"EFFECTS/{_short(ast.unparse(key))} dropped", value, "()")
    for call in src.calls("Effect"):
        if _keyword(call, "clears") is not None:
            bare = copy.deepcopy(call)
            bare.keywords = [k for k in bare.keywords if k.arg != "clears"]
            yield src.replace(
                "effects", f"{src.where(call)} Effect drops clears", call, ast.unparse(bare)
            )


def _parameters(src: _Source) -> Iterator[_Edit]:
    for call in src.calls("Param"):
        name = ast.unparse(call.args[0]).strip("'\"") if call.args else "?"
        where = src.where(call)
        label = f"{where}/{name}" if where else name

        def changed(keyword: str, value: ast.expr | None, call: ast.Call = call) -> str:
            mutated = copy.deepcopy(call)
            mutated.keywords = [k for k in mutated.keywords if k.arg != keyword]
            if value is not None:
                mutated.keywords.append(ast.keyword(arg=keyword, value=value))
            return ast.unparse(mutated)

        required = _keyword(call, "required")
        is_required = (
            required is not None
            and isinstance(required.value, ast.Constant)
            and required.value.value is True
        )
        yield src.replace(
            "parameters",
            f"{label} required {is_required} -> {not is_required}",
            call,
            changed("required", ast.Constant(not is_required)),
        )
        choices = _keyword(call, "choices")
        if choices is not None and isinstance(choices.value, ast.Tuple):
            for i, choice in enumerate(choices.value.elts):
                kept = ast.Tuple(
                    elts=[other for j, other in enumerate(choices.value.elts) if j != i]
                )
                yield src.replace(
                    "parameters",
                    f"{label} choices drop {src.text(choice)}",
                    call,
                    changed("choices", kept),
                )
        for bound, step in (("minimum", -1), ("maximum", 1), ("max_items", 1)):
            found = _keyword(call, bound)
            if found is None:
                continue
            moved = _moved(found.value, step)
            yield src.replace(
                "parameters",
                f"{label} {bound} {src.text(found.value)} -> {ast.unparse(moved)}",
                call,
                changed(bound, moved),
            )
        default = _keyword(call, "default")
        if default is not None:
            new = _other_default(default.value, choices.value if choices else None)
            yield src.replace(
                "parameters",
                f"{label} default {src.text(default.value)} -> {ast.unparse(new)}",
                call,
                changed("default", new),
            )


def _ignored(src: _Source) -> Iterator[_Edit]:
    """Each name of an ``IGNORED_PARAMETERS`` entry dropped (the shared tuple's are constants)."""
    for key, value in _items(src.assigned("IGNORED_PARAMETERS")):
        if key is None or not (isinstance(value, ast.Call) and value.args):
            continue
        names = value.args[0]
        if not isinstance(names, ast.Tuple):
            continue
        for i, element in enumerate(names.elts):
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                continue
            kept = [src.text(other) for j, other in enumerate(names.elts) if j != i]
            yield src.replace(
                "parameters",
                f"IGNORED_PARAMETERS/{_short(ast.unparse(key))} drops {src.text(element)}",
                names,
                "(" + ", ".join(kept) + ("," if len(kept) == 1 else "") + ")",
            )


def _moved(value: ast.expr, step: int) -> ast.expr:
    if isinstance(value, ast.Constant) and isinstance(value.value, int):
        return ast.Constant(value.value + step)
    operator = ast.Add() if step > 0 else ast.Sub()
    return ast.BinOp(left=value, op=operator, right=ast.Constant(abs(step)))


def _other_default(value: ast.expr, choices: ast.expr | None) -> ast.expr:
    if isinstance(value, ast.Constant):
        if isinstance(value.value, bool):
            return ast.Constant(not value.value)
        if isinstance(value.value, int):
            return ast.Constant(value.value + 1)
        if isinstance(value.value, str):
            if isinstance(choices, ast.Tuple):
                for choice in choices.elts:
                    if isinstance(choice, ast.Constant) and choice.value != value.value:
                        return choice
            return ast.Constant(_changed_text(value.value))
    return _moved(value, 1)


def _value_sets(src: _Source, name: str, table: ast.Dict) -> Iterator[_Edit]:
    """A dict of integer sets (``PERIODS``): a ``range``'s end moved, a listed value dropped."""
    for key, value in _items(table):
        if key is None or not (isinstance(value, ast.Call) and value.args):
            continue
        label = f"{name}/{_short(ast.unparse(key))}"
        inner = value.args[0]
        if isinstance(inner, ast.Call) and _called(inner) == "range" and len(inner.args) == 2:
            end = inner.args[1]
            if isinstance(end, ast.Constant) and isinstance(end.value, int):
                moved = f"range({src.text(inner.args[0])}, {end.value + 1})"
                yield src.replace(
                    "constants",
                    f"{label} {src.text(inner)} -> {moved}",
                    end,
                    str(end.value + 1),
                )
        elif isinstance(inner, ast.Tuple):
            for i, element in enumerate(inner.elts):
                if not (isinstance(element, ast.Constant) and isinstance(element.value, int)):
                    continue
                kept = [src.text(other) for j, other in enumerate(inner.elts) if j != i]
                yield src.replace(
                    "constants",
                    f"{label} drops {element.value}",
                    inner,
                    "(" + ", ".join(kept) + ("," if len(kept) == 1 else "") + ")",
                )


def _constants(src: _Source) -> Iterator[_Edit]:
    for name, value in src.assignments():
        if isinstance(value, ast.Dict) and name not in _TABLES and not _CITATION.match(name):
            yield from _value_sets(src, name, value)
            continue
        if name in _TABLES or _CITATION.match(name) or name.endswith("_GUARDS"):
            continue
        if not name.lstrip("_").isupper():
            continue
        node: ast.expr = value
        if isinstance(node, ast.Call) and _called(node) == "frozenset" and node.args:
            node = node.args[0]
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            yield src.replace(
                "constants", f"{name} {node.value} -> {node.value + 1}", node, str(node.value + 1)
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            changed = _changed_text(node.value)
            yield src.replace(
                "constants", f"{name} {node.value!r} -> {changed!r}", node, repr(changed)
            )
        elif isinstance(node, ast.Set | ast.Tuple) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
        ):
            for i, element in enumerate(node.elts):
                kept = [src.text(other) for j, other in enumerate(node.elts) if j != i]
                if isinstance(node, ast.Set):
                    text = "{" + ", ".join(kept) + "}" if kept else "set()"
                else:
                    text = "(" + ", ".join(kept) + ("," if len(kept) == 1 else "") + ")"
                yield src.replace("constants", f"{name} drops {src.text(element)}", node, text)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "S"
            and node.attr in STATUS_CYCLE
        ):
            # INITIAL_STATUS = S.PENDING: the next status.
            moved = STATUS_CYCLE[(STATUS_CYCLE.index(node.attr) + 1) % len(STATUS_CYCLE)]
            yield src.replace("constants", f"{name} {node.attr} -> {moved}", node, f"S.{moved}")
        elif isinstance(node, ast.Name) and node.id in MACHINE_SLIPS and name.isupper():
            # INITIAL_STATUS = NEW: the status a slip would write instead.
            moved = MACHINE_SLIPS[node.id]
            yield src.replace("constants", f"{name} {node.id} -> {moved}", node, f"S.{moved}.value")


GENERATORS: dict[str, Callable[[_Source], Iterator[_Edit]]] = {
    "errors": _errors,
    "precedence": _precedence,
    "transitions": _transitions,
    "guards": _guards,
    "triggers": _triggers,
    "effects": _effects,
    "parameters": lambda src: _chain(_parameters(src), _ignored(src)),
    "constants": _constants,
}


def _chain(*parts: Iterator[_Edit]) -> Iterator[_Edit]:
    for part in parts:
        yield from part


def generate(source: bytes) -> list[Mutant]:
    """Every mutant of ``source``, numbered from 1 in a fixed order; descriptions are unique."""
    src = _Source(source)
    mutants: list[Mutant] = []
    seen: Counter[str] = Counter()
    for kind in KINDS:
        for edit in GENERATORS[kind](src):
            seen[edit.description] += 1
            description = edit.description
            if seen[description] > 1:
                line = source.count(b"\n", 0, edit.start) + 1
                description = f"{description} (line {line})"
            mutants.append(
                Mutant(
                    len(mutants) + 1,
                    edit.kind,
                    description,
                    edit.start,
                    edit.end,
                    edit.replacement.encode("utf-8"),
                )
            )
    return mutants


# ---------------------------------------------------------------------------
# Running the mutants.
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Verdict:
    mutant: Mutant
    outcome: str  # "killed", "refused" (at import), "timeout" or "survived"
    seconds: float
    detail: str

    @property
    def killed(self) -> bool:
        return self.outcome != "survived"


def _export(ref: str, into: Path) -> None:
    """Unpack ``git archive ref`` into ``into``: a private copy of the repository."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def _environment(copy_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "PYTHONPATH"}}
    env["PYTHONPATH"] = str(copy_dir)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _tests_in(copy_dir: Path, tests: Sequence[str]) -> list[str]:
    return [test for test in tests if (copy_dir / test).exists()]


def _run(
    mutant: Mutant | None, copy_dir: Path, original: bytes, tests: Sequence[str], timeout: float
) -> Verdict:
    """Apply ``mutant`` (``None``: the original) to the copy, test it, put the original back."""
    spec = copy_dir / SPEC
    env = _environment(copy_dir)
    began = time.monotonic()
    spec.write_bytes(mutant.apply(original) if mutant else original)
    dummy = Mutant(0, "none", "the original tables", 0, 0, b"")
    try:
        probe = subprocess.run(  # noqa: PLW1510 (the status is read)
            [sys.executable, "-c", "import lifecycle; print(lifecycle.__file__)"],
            cwd=copy_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if probe.returncode != 0:
            last = (probe.stderr.strip().splitlines() or ["?"])[-1]
            return Verdict(mutant or dummy, "refused", time.monotonic() - began, last)
        imported = Path(probe.stdout.strip()).resolve()
        if not imported.is_relative_to(copy_dir.resolve()):
            raise RuntimeError(f"the copy imported {imported}, not its own lifecycle")
        command = [
            sys.executable,
            "-m",
            "pytest",
            *_tests_in(copy_dir, tests),
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "--hypothesis-seed=0",
        ]
        try:
            run = subprocess.run(  # noqa: PLW1510 (the status is read)
                command, cwd=copy_dir, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return Verdict(mutant or dummy, "timeout", time.monotonic() - began, "")
        seconds = time.monotonic() - began
        failed = [line for line in run.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        detail = failed[0] if failed else (run.stdout.strip().splitlines() or [""])[-1]
        return Verdict(
            mutant or dummy, "survived" if run.returncode == 0 else "killed", seconds, detail
        )
    finally:
        spec.write_bytes(original)
        shutil.rmtree(copy_dir / ".hypothesis", ignore_errors=True)


def listed_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """The survivors ``path`` explains: list items ``- `description`: reason``."""
    if not path.exists():
        return {}
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^- `([^`]+)`", line)
        if match:
            found[match.group(1)] = line[match.end() :].lstrip(" :-").strip()
    return found


def score(verdicts: Sequence[Verdict], equivalents: dict[str, str]) -> int:
    """Print the score per kind and the survivors; return the exit status."""
    header = f"{'kind':<13}{'mutants':>8}{'killed':>8}{'refused':>9}{'timeout':>9}{'survived':>10}"
    print(header)
    print("-" * len(header))
    totals: Counter[str] = Counter()
    for kind in KINDS:
        mine = [v for v in verdicts if v.mutant.kind == kind]
        if not mine:
            continue
        counts = Counter(v.outcome for v in mine)
        totals.update(counts)
        killed = sum(1 for v in mine if v.killed)
        print(
            f"{kind:<13}{len(mine):>8}{killed:>8}{counts['refused']:>9}{counts['timeout']:>9}"
            f"{counts['survived']:>10}"
        )
    killed_total = sum(1 for v in verdicts if v.killed)
    print("-" * len(header))
    print(
        f"{'total':<13}{len(verdicts):>8}{killed_total:>8}{totals['refused']:>9}"
        f"{totals['timeout']:>9}{totals['survived']:>10}"
    )
    survivors = [v for v in verdicts if not v.killed]
    unexplained = [v for v in survivors if v.mutant.description not in equivalents]
    if verdicts:
        print(
            f"\nkilled {killed_total}/{len(verdicts)} "
            f"({100 * killed_total / len(verdicts):.1f}%), of which {totals['refused']} "
            "refused at import; "
            f"{len(survivors) - len(unexplained)} survivors explained in {EQUIVALENTS.name}"
        )
    for verdict in survivors:
        note = equivalents.get(verdict.mutant.description)
        mark = "explained" if note is not None else "UNEXPLAINED"
        print(f"  survived #{verdict.mutant.number} [{mark}] {verdict.mutant.description}")
    return 1 if unexplained else 0


def _parse_only(text: str) -> set[int]:
    numbers: set[int] = set()
    for raw in text.split(","):
        part = raw.strip()
        if "-" in part:
            low, high = part.split("-", 1)
            numbers.update(range(int(low), int(high) + 1))
        elif part:
            numbers.add(int(part))
    return numbers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.table_mutation",
        description="Mutate lifecycle/_spec.py's rule tables one row at a time; "
        "check that a test fails.",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--only", metavar="N,M", help="run only these mutants (N-M ranges too)")
    parser.add_argument("--kind", choices=KINDS, action="append", help="run only this table kind")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds per mutant (default 300)"
    )
    parser.add_argument("--ref", default="HEAD", help="the commit copied and mutated (HEAD)")
    parser.add_argument(
        "--tests", nargs="+", default=list(TESTS), help="the test files run on each mutant"
    )
    args = parser.parse_args(argv)

    original = subprocess.run(
        ["git", "show", f"{args.ref}:{SPEC}"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    mutants = generate(original)
    if args.only:
        wanted = _parse_only(args.only)
        mutants = [m for m in mutants if m.number in wanted]
    if args.kind:
        mutants = [m for m in mutants if m.kind in args.kind]
    if args.list:
        for mutant in mutants:
            print(f"#{mutant.number:<4} {mutant.kind:<12} {mutant.description}")
        print(f"{len(mutants)} mutants")
        return 0

    commit = subprocess.run(
        ["git", "rev-parse", "--short", args.ref],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"mutating {SPEC} at {commit} ({args.ref})", flush=True)
    jobs = max(1, min(args.jobs, len(mutants) or 1))
    with tempfile.TemporaryDirectory(prefix="table-mutation-") as scratch:
        copies: queue.Queue[Path] = queue.Queue()
        for i in range(jobs):
            copy_dir = Path(scratch) / f"copy-{i}"
            copy_dir.mkdir()
            _export(args.ref, copy_dir)
            copies.put(copy_dir)
        first = copies.get()
        baseline = _run(None, first, original, args.tests, args.timeout)
        copies.put(first)
        if baseline.outcome != "survived":
            print(f"the unmutated copy fails its tests: {baseline.outcome} {baseline.detail}")
            print("(the copy is --ref, HEAD by default: commit a new test before it can count)")
            return 2
        print(
            f"baseline passes in {baseline.seconds:.0f}s; {len(mutants)} mutants, {jobs} jobs",
            flush=True,
        )

        def work(mutant: Mutant) -> Verdict:
            copy_dir = copies.get()
            try:
                return _run(mutant, copy_dir, original, args.tests, args.timeout)
            finally:
                copies.put(copy_dir)

        verdicts: list[Verdict] = []
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(work, mutant) for mutant in mutants]
            for done, future in enumerate(as_completed(futures), 1):
                verdict = future.result()
                verdicts.append(verdict)
                print(
                    f"[{done}/{len(mutants)}] #{verdict.mutant.number} {verdict.outcome:<8} "
                    f"{verdict.seconds:5.1f}s {verdict.mutant.description}"
                    + (f"  | {verdict.detail}" if verdict.killed and verdict.detail else ""),
                    flush=True,
                )
    print()
    verdicts.sort(key=lambda v: v.mutant.number)
    return score(verdicts, listed_equivalents())


if __name__ == "__main__":
    sys.exit(main())
