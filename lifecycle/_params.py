"""One reader for every action's parameters, and the checks of the model's own arguments.

An action's parameters are a table (``_spec.PARAMETERS``): name, documented
type, required, default, choices, limits. ``read`` turns the values a caller
passed (keyed by each parameter's Python name) into typed values, or into the
documented answer for the first problem: a missing required parameter first
(``MissingParameter``), then the first malformed one in table order
(``InvalidParameter``). A value no request could carry (an int where the docs
say String, a bool where they say Integer) is Python misuse, not an ECS
answer: it raises ``InvalidArgument`` naming the argument and what to pass.

The other helpers check the arguments of the model's own set-up methods
(amounts, booleans, enums, times) and raise ``InvalidArgument`` likewise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Final, TypeVar

from ._spec import Param, ParamType
from .errors import ErrorCode, InvalidArgument

_MISSING: Final = ErrorCode.MISSING_PARAMETER
_INVALID: Final = ErrorCode.INVALID_PARAMETER
_MALFORMED: Final = ErrorCode.INVALID_INSTANCE_IDS_MALFORMED
_BOOLEAN: Final = ParamType.BOOLEAN
_STRING: Final = ParamType.STRING
_INTEGER: Final = ParamType.INTEGER
_LIST: Final = ParamType.STRING_LIST
_FLAG_HINT: Final = "expected a bool or the string 'true' or 'false'"
_IDS_HINT: Final = "expected a list of str ids"

#: A parameter problem: the code it answers and the parameter its message names.
Problem = tuple[ErrorCode, str | None]


def read(
    params: tuple[Param, ...], values: Mapping[str, object]
) -> tuple[dict[str, object], list[Problem]]:
    """Read ``values`` (Python names to raw values) against an action's table.

    Returns:
        The typed values by Python name (an absent one reads as its default),
        and every problem found, in table order; the action answers the one its
        precedence ranks first (``first_problem``).

    Raises:
        InvalidArgument: for a value of a Python type no request could carry.
    """
    typed: dict[str, object] = {}
    problems: list[Problem] = []
    for param in params:
        name = param.python_name
        raw = values.get(name)
        kind = param.type
        if kind is _BOOLEAN and (raw is False or raw is True):
            typed[name] = raw  # the common case, first
            continue
        if raw is None or (raw == "" and param.filter) or (param.required and raw in ("", [])):
            if param.required:
                problems.append((_MISSING, param.name))
            typed[name] = param.default
            continue
        value: object
        if kind is _BOOLEAN:
            value = flag(name, raw)
        elif kind is _STRING:
            if not isinstance(raw, str):
                raise InvalidArgument(f"{name}={raw!r}: {param.misuse or 'expected a str'}")
            if param.choices and raw not in param.choices:
                problems.append((param.invalid_code, param.name))
                typed[name] = param.default
                continue
            value = raw
        elif kind is _INTEGER:
            value = integer(name, raw)
            if value is not None and not _within(param, value):
                value = None
        elif kind is _LIST:
            value = str_list(name, raw)
        else:
            value = _json_list(name, raw)
            if value is None:
                problems.append((_MALFORMED, param.name))
                typed[name] = []
                continue
        if value is None:
            problems.append((param.invalid_code, param.name))
            value = param.default
        typed[name] = value
    return typed, problems


def first_problem(order: Mapping[ErrorCode, int], problems: list[Problem]) -> Problem:
    """The problem whose code comes first in the action's precedence (ties: table order)."""
    return min(problems, key=lambda problem: order[problem[0]])


def _within(param: Param, value: int) -> bool:
    low, high = param.minimum, param.maximum
    return (low is None or value >= low) and (high is None or value <= high)


def flag(name: str, value: object) -> bool | None:
    """A documented Boolean given as a string: ``"true"``/``"false"`` in any case.

    ``read`` takes a Python ``bool`` as it is before asking. Returns ``None``
    for a string that is not a boolean (the API's ``InvalidParameter``);
    raises for a value no request could carry.
    """
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        return None
    raise InvalidArgument(f"{name}={value!r}: {_FLAG_HINT}")


def integer(name: str, value: object) -> int | None:
    """A documented Integer: an int, or a decimal string; ``None`` if malformed."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r}: expected an int")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()):
            return None
        try:
            return int(text)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            return None
    raise InvalidArgument(f"{name}={value!r}: expected an int")


def str_list(name: str, value: object) -> list[str]:
    """A list of ids given in Python: any iterable of ``str`` except a ``str`` itself."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidArgument(f"{name}={value!r}: {_IDS_HINT}")
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise InvalidArgument(f"{name}={value!r}: {_IDS_HINT}")
    return items


def _json_list(name: str, value: object) -> list[str] | None:
    """A JSON array of strings as the docs send it, or a Python list; ``None`` if malformed."""
    if not isinstance(value, str):
        return str_list(name, value)
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
        return None
    return parsed


def money(name: str, value: object) -> Decimal:
    """An amount: a finite ``Decimal``, ``int``, ``float`` (read as written) or numeric ``str``."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidArgument(f"{name}={value!r}: expected an amount (Decimal, int, float or str)")
    else:
        try:
            result = Decimal(repr(value) if isinstance(value, float) else value)
        except InvalidOperation:
            raise InvalidArgument(f"{name}={value!r}: not a number") from None
    if not result.is_finite():
        raise InvalidArgument(f"{name}={value!r}: expected a finite amount")
    return result


def integer_arg(name: str, value: object, *, minimum: int) -> int:
    """A Python ``int`` argument of a set-up method, at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(f"{name}={value!r}: expected an int >= {minimum}")
    return value


def documented_name(name: str) -> str:
    """``name`` with each position written ``N``: ``DataDisk.2.Size`` -> ``DataDisk.N.Size``."""
    return ".".join("N" if part.isdigit() else part for part in name.split("."))


def extra_parameters(action: Enum, ignored: frozenset[str], value: object) -> dict[str, str]:
    """The other documented parameters of a request, by documented name, as strings.

    Raises:
        InvalidArgument: for a name ``action`` does not document, or a value that
            is not a str, int or bool.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"extra={value!r}: expected a mapping of parameter names")
    extra: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str) or documented_name(name) not in ignored:
            raise InvalidArgument(
                f"parameter {name!r} is not a parameter of {action.value}"
                " (lifecycle.ignored_parameters() lists the ones accepted and not modelled)"
            )
        if isinstance(item, bool):
            extra[name] = "true" if item else "false"
        elif isinstance(item, str | int):
            extra[name] = str(item)
        else:
            raise InvalidArgument(f"{name}={item!r}: expected a str, int or bool")
    return extra


def bool_arg(name: str, value: object) -> bool:
    """A Python ``bool`` argument (set-up methods take no strings)."""
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r}: expected True or False")
    return value


def model_time(name: str, value: object) -> float:
    """A time in seconds on the model's clock (an infinite one never comes)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{name}={value!r}: expected a time in seconds (model time)")
    try:
        seconds = float(value)
    except OverflowError:
        raise InvalidArgument(
            f"{name}={value!r}: too large for a time in seconds (model time)"
        ) from None
    if math.isnan(seconds):
        raise InvalidArgument(f"{name}={value!r}: expected a time in seconds (model time)")
    return seconds


_E = TypeVar("_E", bound=Enum)


def enum_arg(kind: type[_E], name: str, value: object) -> _E:
    """``value`` as a member of ``kind``, given the member or its documented value."""
    if isinstance(value, kind):
        return value
    for member in kind:
        if member.value == value:
            return member
    choices = ", ".join(repr(m.value) for m in kind)
    raise InvalidArgument(f"{name}={value!r}: expected one of {choices}")


def by_python_name(
    action: Enum,
    known: Mapping[str, Param],
    params: object,
    ignored: frozenset[str] = frozenset(),
) -> dict[str, object]:
    """``EcsModel.call``'s parameters, by documented name, as the typed methods' keywords.

    ``Name.N`` keys of a list parameter are gathered in ``N`` order; ``None``
    values are left out. Documented parameters the model does not model
    (``ignored``) are gathered under ``extra``.

    Raises:
        InvalidArgument: for params that are not a mapping, or a name the action
            does not document.
    """
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidArgument(f"params={params!r}: expected a mapping of parameter names")
    kwargs: dict[str, object] = {}
    listed: dict[str, dict[int, object]] = {}
    for name, value in params.items():
        if not isinstance(name, str):
            raise InvalidArgument(f"parameter {name!r}: expected a parameter name (str)")
        if name not in known and documented_name(name) in ignored:
            if value is not None:
                kwargs.setdefault("extra", {})[name] = value  # type: ignore[index]
            continue
        base, dot, position = name.partition(".")
        param = known.get(base if dot else name)
        if param is None or (dot and (param.type is not ParamType.STRING_LIST)):
            raise InvalidArgument(
                f"parameter {name!r} is not a parameter of {action.value}; "
                f"it takes {', '.join(known)}"
            )
        if dot:
            if not position.isdigit() or int(position) < 1:
                raise InvalidArgument(f"parameter {name!r}: expected {base}.N with N >= 1")
            listed.setdefault(param.python_name, {})[int(position)] = value
        elif value is not None:
            kwargs[param.python_name] = value
    for python_name, by_position in listed.items():
        kwargs[python_name] = [by_position[k] for k in sorted(by_position)]
    return kwargs
