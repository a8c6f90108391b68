"""The ``lifecycle`` command: a thin printing layer over the pure library.

Every subcommand asks the library for text or tables and prints them; no rule
is decided here. ``main`` never calls ``sys.exit``: it returns the exit code
(``2`` for a usage error, as argparse does), so tests can call it directly.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import sys
from collections.abc import Sequence

from ._demo import demo_lines
from ._machine import mermaid_diagram
from ._rules import error_table, precedence
from ._status import Action
from ._version import __version__
from .errors import LifecycleError
from .simulation import _cli as simulation_cli
from .wire import _command as wire_command

__all__ = ["main"]

_ACTIONS = tuple(Action)


def _action(value: str) -> Action:
    """Parse an action name, exactly or ignoring case, for argparse."""
    for action in _ACTIONS:
        if value == action.value or value.lower() == action.value.lower():
            return action
    known = ", ".join(action.value for action in _ACTIONS)
    raise argparse.ArgumentTypeError(f"unknown action {value!r}; choose from {known}")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns, two spaces apart; the last column is not padded."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header) - 1)]
    lines = []
    for row in (header, *rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def _selected(action: Action | None) -> tuple[Action, ...]:
    return _ACTIONS if action is None else (action,)


def _errors(action: Action | None) -> list[str]:
    rows = [
        (selected.value, code.value, str(entry.http_status), entry.message)
        for selected in _selected(action)
        for code, entry in error_table(selected).items()
    ]
    return _table(("action", "code", "HTTP", "message"), rows)


def _precedence(action: Action | None) -> list[str]:
    rows = [
        (selected.value, str(position), check.value, code.value)
        for selected in _selected(action)
        for position, (check, code) in enumerate(precedence(selected), start=1)
    ]
    return _table(("action", "#", "check", "code on failure"), rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecycle",
        description="A reference model of the Alibaba Cloud ECS instance lifecycle.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run the seeded demo scenario and print its trace")
    demo.add_argument("--seed", type=int, default=42, help="the model's seed (default: 42)")
    commands.add_parser("diagram", help="print the state diagram as Mermaid text")
    action_help = "one of " + ", ".join(action.value for action in _ACTIONS) + " (default: all)"
    errors = commands.add_parser("errors", help="print the documented error table")
    errors.add_argument("action", metavar="ACTION", nargs="?", type=_action, help=action_help)
    order = commands.add_parser("precedence", help="print the order in which checks are decided")
    order.add_argument("action", metavar="ACTION", nargs="?", type=_action, help=action_help)
    simulation_cli.add_parser(commands)
    serve = commands.add_parser(
        "serve", help="serve the ECS API on a local port, for the official SDKs unchanged"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port; 0 picks one (default: 8080)")
    serve.add_argument(
        "--credentials",
        metavar="FILE",
        help="TOML file of [[accounts]] (default: ALIBABA_CLOUD_ACCESS_KEY_ID and "
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET, else a generated pair)",
    )
    serve.add_argument(
        "--no-verify", dest="verify", action="store_false", help="do not check signatures"
    )
    serve.add_argument("--seed", type=int, default=0, help="first account's seed (default: 0)")
    serve.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="model seconds per real second; 0 freezes time (default: 1)",
    )
    serve.add_argument(
        "--no-control", dest="control", action="store_false", help="no /_lifecycle/ surface"
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=wire_command.MAX_CONNECTIONS,
        metavar="N",
        help="open connections served at once; beyond them, Throttling "
        f"(default: {wire_command.MAX_CONNECTIONS})",
    )
    serve.add_argument(
        "--strict-parameters",
        action="store_true",
        help="refuse a parameter the action does not document (UnsupportedParameter);"
        " by default it is ignored and logged, as ECS does",
    )
    serve.add_argument("--log", action="store_true", help="print a line per request")
    return parser


def _serve(args: argparse.Namespace) -> int:
    """``lifecycle serve``: print where and how, then serve until Ctrl-C."""
    options = wire_command.ServeOptions(
        host=args.host,
        port=args.port,
        credentials=args.credentials,
        verify=args.verify,
        seed=args.seed,
        time_scale=args.time_scale,
        control=args.control,
        max_connections=args.max_connections,
        strict_parameters=args.strict_parameters,
    )
    try:
        prepared = wire_command.prepare(options, os.environ)
    except LifecycleError as error:
        sys.stderr.write(f"lifecycle serve: {error}\n")
        return 2
    except OSError as error:
        sys.stderr.write(f"lifecycle serve: cannot listen on {args.host}:{args.port}: {error}\n")
        return 1
    sys.stderr.write("".join(f"{line}\n" for line in prepared.warnings))
    sys.stdout.write("".join(f"{line}\n" for line in prepared.banner))
    sys.stdout.flush()
    if args.log:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        prepared.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        prepared.server.shutdown()
    return 0


def _refuse_unknown(parser: argparse.ArgumentParser, command: str, unknown: list[str]) -> None:
    """Say which arguments the subcommand does not take, with its own usage and a guess.

    ``parse_args`` would report them with the top-level usage, which does not
    list the subcommand's options (``simulate --instanses 5``).
    """
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub: argparse.ArgumentParser = commands.choices[command]
    known = [option for action in sub._actions for option in action.option_strings]
    guesses = [
        match
        for word in unknown
        if word.startswith("-")
        for match in difflib.get_close_matches(word.split("=")[0], known, n=1)
    ]
    hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
    sub.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lifecycle`` command line.

    Subcommands: ``demo [--seed N]``, ``diagram``, ``errors [ACTION]``,
    ``precedence [ACTION]``, ``simulate [...]`` (``lifecycle.simulation``) and
    ``serve [...]`` (``lifecycle.wire``); ``--version`` prints the version.

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` when ``None``.

    Returns:
        The exit code: 0 on success, 2 for a usage error (an unknown
        subcommand or action name, a missing subcommand, a malformed seed).
    """
    parser = _parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            _refuse_unknown(parser, args.command, unknown)
    except SystemExit as exit_:  # argparse exits for --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
    if args.command == "simulate":
        return simulation_cli.run_command(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "demo":
        lines = demo_lines(args.seed)
    elif args.command == "diagram":
        lines = mermaid_diagram().splitlines()
    elif args.command == "errors":
        lines = _errors(args.action)
    else:
        lines = _precedence(args.action)
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return 0
