"""The command line's promises that the cli layer's mutation sample found unguarded (issue 12).

Each test pins behaviour a user reads or relies on, with expectations from
``docs/`` or ``specs/`` (never from the package's own tables): the help names
every subcommand and each ``ACTION``'s choices, ``serve`` takes the documented
integer ``--seed`` and starts with the documented 256-connection bound, a
misspelt option is answered with one guess per misspelt word, and the demo's
titles and status changes quote the specs as they spell them.
``tools/mutation-equivalents-cli.md`` explains the sample's survivors that no
honest test can tell from the original.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from lifecycle._cli import main
from lifecycle._demo import demo_lines
from lifecycle.wire import WireServer

SPECS = Path(__file__).resolve().parent.parent / "specs"
ENV = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "LIFECYCLE_CONTROL_TOKEN")


def spec(relative: str) -> dict[str, Any]:
    """One spec file, parsed."""
    with (SPECS / relative).open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return data


def operations() -> dict[str, dict[str, Any]]:
    """Every ``specs/operations/<Action>.toml``, by action."""
    return {path.stem: spec(f"operations/{path.name}") for path in SPECS.glob("operations/*.toml")}


def documented_names() -> set[str]:
    """The actions, error codes and parameters the specs name, CamelCase words of their own.

    The statuses are left out: "starting" is also plain English.
    """
    ops = operations()
    names = set(ops)
    for op in ops.values():
        names |= {entry["code"] for entry in op.get("errors", [])}
        names |= {param["name"] for param in op.get("parameters", [])}
    return {name for name in names if re.search(r"[a-z][A-Z]", name)}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call ``main`` with ``argv`` and return its exit code, stdout and stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------------------
# The parser: help, types and defaults
# ---------------------------------------------------------------------------
def test_the_top_level_help_describes_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    """``lifecycle --help`` gives each subcommand ``main``'s docstring names a line of help."""
    code, out, _ = run(capsys, "--help")
    assert code == 0
    listing = out.split("positional arguments:", 1)[1].split("options:", 1)[0]
    # argparse prints "  name  help", or the name alone and the help on the next line.
    described = re.findall(r"^    (\S+)(?: +\S|\n {6,}\S)", listing, flags=re.MULTILINE)
    assert sorted(described) == sorted(
        ["demo", "diagram", "errors", "precedence", "simulate", "serve"]
    )


@pytest.mark.parametrize("command", ["errors", "precedence"])
def test_the_action_argument_s_help_lists_every_documented_action(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    words = " ".join(out.split())  # argparse wraps the help at any space
    listed = re.search(r"ACTION +one of (.+) \(default: all\)", words)
    assert listed
    assert sorted(listed[1].split(", ")) == sorted(operations())


def test_serve_s_help_names_the_credentials_option_s_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/sdk.md: "Credentials, in this order: `--credentials FILE`, a TOML file ..."."""
    code, out, _ = run(capsys, "serve", "--help")
    assert code == 0
    assert "--credentials FILE" in out


@pytest.fixture
def serve_returns_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` binds its port, prints its banner, then stops as on Ctrl-C."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)

    def interrupted(self: WireServer) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(WireServer, "serve_forever", interrupted)


@pytest.mark.usefixtures("serve_returns_at_once")
def test_serve_takes_an_integer_seed(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/sdk.md: each account's seed is "`--seed` + its position", a number."""
    code, _, err = run(capsys, "serve", "--port", "0", "--seed", "7")
    assert (code, err) == (0, "")


@pytest.mark.usefixtures("serve_returns_at_once")
def test_serve_bounds_connections_at_256_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/sdk.md: "`--max-connections` (256)", and its banner's "256 at once"."""
    code, out, _ = run(capsys, "serve", "--port", "0")
    assert code == 0
    assert "  connections: 256 at once; beyond them, Throttling\n" in out


def test_every_misspelt_option_gets_its_own_guess(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", "--instanses", "5", "--dayz", "3")
    assert code == 2
    assert err.rstrip().endswith(
        "unrecognized arguments: --instanses 5 --dayz 3 (did you mean --instances, --days?)"
    )


# ---------------------------------------------------------------------------
# The demo: its titles and its status changes quote the specs
# ---------------------------------------------------------------------------
def titles(lines: list[str]) -> list[tuple[int, str]]:
    """The demo's numbered step titles: ``[ n] title``."""
    found = [re.fullmatch(r"\[ ?(\d+)\] (.+)", line) for line in lines]
    return [(int(match[1]), match[2]) for match in found if match]


def test_the_demo_s_steps_are_numbered_from_one_without_a_gap() -> None:
    numbers = [number for number, _ in titles(demo_lines(42))]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) > 1


def test_the_demo_s_titles_spell_every_documented_name_as_the_specs_do() -> None:
    """A reader greps the docs for the actions, codes, statuses and parameters a title names."""
    names = documented_names()
    misspelt = [
        (title, word)
        for _, title in titles(demo_lines(42))
        for word in re.findall(r"[A-Za-z][A-Za-z.]*[A-Za-z]", title)
        for name in names
        if word.lower() == name.lower() and word != name
    ]
    assert misspelt == []


def test_every_status_change_the_demo_shows_is_a_documented_transition() -> None:
    """Each ``event`` row is ``source -> dest  cause``: a trigger of specs/lifecycle.toml."""
    statuses = set(spec("lifecycle.toml")["statuses"])
    documented = set()
    for transition in spec("lifecycle.toml")["transitions"]:
        sources = transition["source"]
        for source in [sources] if isinstance(sources, str) else sources:
            documented.add((source, transition["dest"], transition["trigger"]))
    pattern = r"t=\+\d+s +event +\S+ +(\S+) -> (\S+) +(\w+) +\S+"
    rows = [re.fullmatch(pattern, line) for line in demo_lines(42) if "  event  " in line]
    assert rows
    assert all(rows), [line for line in demo_lines(42) if "  event  " in line]
    undocumented = [
        row.groups()
        for row in rows
        if row
        and row[1] != "(new)"
        and row[2] != "(released)"
        and (row[1], row[2], row[3]) not in documented
    ]
    assert undocumented == []
    created = {row[2] for row in rows if row and row[1] == "(new)"}
    assert created <= statuses


def test_no_line_of_the_demo_shows_a_python_none() -> None:
    """The tour has a value for everything it prints: ``None`` would be a leak, not an answer."""
    leaks = [line for line in demo_lines(42) if re.search(r"\bNone\b", line)]
    assert leaks == []


def notes_after(lines: list[str], start: str) -> str:
    """The note that begins with ``start``, its wrapped continuation lines joined."""
    (first,) = [i for i, line in enumerate(lines) if line.strip().startswith(start)]
    indent = len(lines[first]) - len(lines[first].lstrip())
    text = lines[first].strip()
    for line in lines[first + 1 :]:
        if len(line) - len(line.lstrip()) <= indent:
            break
        text += " " + line.strip()
    return text


def test_the_demo_quotes_start_instance_s_precedence_in_the_specs_order() -> None:
    """The note names each check of specs/operations/StartInstance.toml, in order, by ``>``."""
    prefix = 'lifecycle.precedence("StartInstance"): '
    note = notes_after(demo_lines(42), prefix)
    checks = [entry["check"] for entry in spec("operations/StartInstance.toml")["precedence"]]
    assert note.removeprefix(prefix).split(" > ") == checks


def test_the_delayed_reboot_stays_in_starting_as_long_longer_as_its_title_says() -> None:
    """The step "the reboot stays in Starting Ns longer": Starting lasts the header's time + N."""
    lines = demo_lines(42)
    starting = re.search(r"Starting (\d+)s", lines[0])
    assert starting
    (number, title) = next((n, t) for n, t in titles(lines) if "stays in Starting" in t)
    longer = re.search(r"Starting (\d+)s longer", title)
    assert longer
    step = lines[lines.index(f"[{number:>2}] {title}") + 1 :]
    step = step[: next(i for i, line in enumerate(step) if line.startswith("["))]
    times = {
        cause: int(match[1])
        for line in step
        if (match := re.match(r"t=\+(\d+)s +event +i-web +\S+ -> \S+ +(\w+)", line))
        for cause in [match[2]]
    }
    assert times["finish_starting"] - times["reboot"] == int(starting[1]) + int(longer[1])
    assert any(f"delay +{longer[1]}s" in line for line in step)


def test_every_instance_the_tour_creates_is_labelled_with_its_conditions() -> None:
    """A ``create`` event row is followed by its ``[conditions]`` note: why the next calls fail."""
    lines = demo_lines(42)
    created = [i for i, line in enumerate(lines) if re.search(r"\(new\) -> \S+ +create ", line)]
    assert created
    unlabelled = [lines[i] for i in created if not re.fullmatch(r" +\[.+\]", lines[i + 1])]
    assert unlabelled == []


def step_lines(lines: list[str], word: str) -> list[str]:
    """The lines of the one step whose title contains ``word``, title excluded."""
    ((number, title),) = [(n, t) for n, t in titles(lines) if word in t]
    step = lines[lines.index(f"[{number:>2}] {title}") + 1 :]
    return step[: next((i for i, line in enumerate(step) if line.startswith("[")), len(step))]


@pytest.mark.parametrize(
    ("titled", "loss"),
    [("ForceStop=true loses data", "ForceStop"), ("InitLocalDisk=true recovers", "InitLocalDisk")],
)
def test_a_step_that_promises_data_loss_shows_it(titled: str, loss: str) -> None:
    """specs/operations: RebootInstance ForceStop=true and a d1 InitLocalDisk=true lose data."""
    assert f"DataLoss({loss})" in "\n".join(step_lines(demo_lines(42), titled))


def test_success_first_answers_each_instance_of_the_batch() -> None:
    """StopInstances BatchOptimization=SuccessFirst: HTTP 200 and one answer per InstanceId.N."""
    step = step_lines(demo_lines(42), "SuccessFirst answers each instance")
    listed = notes_after(step, "InstanceId.N = ").removeprefix("InstanceId.N = ")
    batch = listed.split(";")[0].split(", ")
    (answered,) = [
        i for i, line in enumerate(step) if re.search(r" StopInstances .* HTTP 200 OK ", line)
    ]
    answers = [line.split()[0] for line in step[answered + 1 : answered + 1 + len(batch)]]
    assert answers == batch


def test_the_instances_the_tour_creates_itself_are_the_same_for_every_seed() -> None:
    """_demo.py: "Explicit ids keep the trace short; only request ids vary by seed"."""

    def created(seed: int) -> list[str]:
        rows = [
            re.search(r" event +(\S+) +\(new\) -> \S+ +create ", line) for line in demo_lines(seed)
        ]
        return [row[1] for row in rows if row]

    assert created(42) == created(7)
    assert not any(name.endswith("...") for name in created(42))
