"""Requests and outcomes as plain values, whoever answered them.

A ``Request`` is an action and its documented parameters, as ``EcsModel.call``
takes them. An ``Outcome`` is what came back, reduced to what the documents
fix: the error code (and HTTP status when the answerer gives one), or success
with the response body. Outcomes of the model, of a fake, of an HTTP endpoint
or of a recorded production call compare equal when the documents say they
should, RequestIds aside.

``documented_view`` reduces a success body to what the documents fix and two
correct answerers share: a batch action's per-instance entries, the ids and
statuses of a DescribeInstances page (not the times, which each answerer
counts from its own epoch), a DescribeInstanceAttribute's id and status.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .. import Action
from .._status import resolve_action
from ..errors import InvalidArgument

__all__ = ["Outcome", "Request"]


_BATCH_ACTIONS: Final = frozenset(
    {Action.START_INSTANCES, Action.STOP_INSTANCES, Action.REBOOT_INSTANCES}
)


@dataclass(frozen=True, eq=True, repr=False, init=False)
class Request:
    """One call: an action and its documented parameters (wire-style values).

    ``Request("StartInstance", {"InstanceId": "i-0", "DryRun": "true"})`` is the
    call ``model.call("StartInstance", {...})``. A parameter whose value is
    ``None`` is left out of the call, as ``EcsModel.call`` does. Unpacks as
    ``action, params = request``.

    Args:
        action: An ``Action`` or its documented name.
        params: The documented parameter names and their values.
    """

    action: Action
    params: Mapping[str, object]

    def __init__(self, action: Action | str, params: Mapping[str, object] | None = None) -> None:
        object.__setattr__(self, "action", resolve_action(action))
        if params is None:
            params = {}
        elif not isinstance(params, Mapping):
            raise InvalidArgument(f"params={params!r}: expected a mapping of parameter names")
        object.__setattr__(
            self, "params", {key: value for key, value in params.items() if value is not None}
        )

    @property
    def instance_id(self) -> str | None:
        """The ``InstanceId`` parameter, when it is a single non-empty id."""
        value = self.params.get("InstanceId")
        return value if isinstance(value, str) and value else None

    @property
    def instance_ids(self) -> tuple[str, ...]:
        """Every instance id the call names, in order: its ``InstanceId``, the
        ``InstanceId`` list (or ``InstanceId.N`` values) of a batch action or of
        DescribeInstanceStatus, or DescribeInstances' ``InstanceIds`` JSON array.
        Ids it cannot read (a malformed list) are left out."""
        single = self.instance_id
        if single is not None:
            return (single,)
        value: object = self.params.get("InstanceIds" if self.action is _DESCRIBE else "InstanceId")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return ()
        elif value is None:
            numbered = sorted(
                (int(key[len(_NUMBERED) :]), item)
                for key, item in self.params.items()
                if key.startswith(_NUMBERED) and key[len(_NUMBERED) :].isdigit()
            )
            value = [item for _, item in numbered]
        if not isinstance(value, list | tuple):
            return ()
        return tuple(item for item in value if isinstance(item, str) and item)

    def send(self, target: Any) -> Any:
        """``target.call(action, params)``: send it to a model or anything shaped like one."""
        return target.call(self.action.value, dict(self.params))

    def __iter__(self) -> Iterator[Any]:
        return iter((self.action, self.params))

    def __hash__(self) -> int:
        return hash((self.action, repr(sorted(self.params.items(), key=lambda kv: kv[0]))))

    def __repr__(self) -> str:
        return f"Request({self.action.value!r}, {self.params!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


#: Response-body keys that differ between two correct answerers.
_VOLATILE_KEYS = frozenset({"RequestId"})


@dataclass(frozen=True, eq=True)
class Outcome:
    """What a call answered: an error code, success (with its body), or unknown.

    Attributes:
        code: The error code, ``None`` for success.
        http_status: The HTTP status, when the answerer gave one.
        body: The success response body (``to_dict()`` of a model response), or
            ``None`` when not known. ``RequestId`` is dropped: it is the one
            field two correct answerers never share.
        unknown: The caller never learnt the outcome (a timeout): the call may
            or may not have taken effect.
    """

    code: str | None = None
    http_status: int | None = None
    body: Mapping[str, object] | None = field(default=None, compare=False)
    unknown: bool = False

    @property
    def ok(self) -> bool:
        """Whether the call is known to have succeeded."""
        return self.code is None and not self.unknown

    @property
    def label(self) -> str:
        """``"Success"``, ``"Unknown"`` or the error code: the outcome's name in reports."""
        if self.unknown:
            return "Unknown"
        return "Success" if self.code is None else self.code

    @classmethod
    def success(cls, body: Mapping[str, object] | None = None) -> Outcome:
        """A successful call, with its response body when known."""
        return cls(body=None if body is None else _stable(body))

    @classmethod
    def error(cls, code: str, http_status: int | None = None) -> Outcome:
        """A call answered with the documented error ``code``."""
        if not isinstance(code, str) or not code:
            raise InvalidArgument(f"code={code!r}: expected an error code such as 'DiskError'")
        return cls(code=str(code), http_status=http_status)

    @classmethod
    def timeout(cls) -> Outcome:
        """A call whose outcome is unknown: it may or may not have taken effect."""
        return cls(unknown=True)

    @classmethod
    def of(cls, call: Callable[[], object]) -> Outcome:
        """Run ``call`` and describe what it answered.

        An exception with a string ``code`` attribute (``lifecycle.ApiError``, most
        SDKs' server exceptions) is an error outcome; its ``http_status`` or
        ``status_code`` is kept when it is an int. A returned mapping with a
        ``Code`` key is an error body. ``TimeoutError`` is an unknown outcome.
        Anything else returned is success. Other exceptions propagate: they are
        bugs, not answers.
        """
        try:
            result = call()
        except TimeoutError:
            return cls.timeout()
        except Exception as error:
            code = getattr(error, "code", None)
            if not isinstance(code, str) or not code:
                raise
            status = getattr(error, "http_status", getattr(error, "status_code", None))
            return cls.error(str(code), status if isinstance(status, int) else None)
        return cls.from_response(result)

    @classmethod
    def from_response(cls, result: object) -> Outcome:
        """Describe a returned value: a model response, a response body, or ``None``."""
        if result is None:
            return cls.success()
        to_dict = getattr(result, "to_dict", None)
        if callable(to_dict):
            result = to_dict()
        if isinstance(result, Mapping):
            code = result.get("Code")
            if isinstance(code, str) and code:
                status = result.get("HttpStatus", result.get("HttpCode"))
                return cls.error(code, status if isinstance(status, int) else None)
            return cls.success(result)
        raise InvalidArgument(
            f"cannot read an outcome from {result!r}: return a response body mapping, "
            "an object with to_dict(), or None, or raise an exception with a .code"
        )

    def agrees_with(self, other: Outcome) -> bool:
        """Whether two answers are the same as far as the documents fix them.

        Codes must match; HTTP statuses too when both sides give one; bodies too
        when both sides give one (``RequestId`` excluded).
        """
        if self.unknown or other.unknown:
            return self.unknown and other.unknown
        if self.code != other.code:
            return False
        if (
            self.http_status is not None
            and other.http_status is not None
            and self.http_status != other.http_status
        ):
            return False
        return self.body is None or other.body is None or self.body == other.body

    def __str__(self) -> str:
        if self.http_status is not None:
            return f"{self.http_status} {self.label}"
        return self.label


def _stable(body: Mapping[str, object]) -> dict[str, object]:
    return {key: value for key, value in body.items() if key not in _VOLATILE_KEYS}


_DESCRIBE: Final = Action.DESCRIBE_INSTANCES
_NUMBERED: Final = "InstanceId."


def documented_view(request: Request, body: Mapping[str, object]) -> dict[str, object]:
    """The part of a success ``body`` of ``request`` that two correct answerers share.

    * Batch actions: the ``InstanceResponses`` entries, each as its
      ``InstanceId``, ``Code``, ``PreviousStatus`` and ``CurrentStatus`` (the
      message of a per-instance error is not compared, as a request-level
      error's is not).
    * DescribeInstances: ``TotalCount``, ``PageSize``, ``PageNumber`` (page
      mode only), whether ``NextToken`` is set (each answerer writes its own
      tokens), and each listed instance's ``InstanceId`` and ``Status``.
    * DescribeInstanceAttribute: ``InstanceId`` and ``Status``.
    * RunInstances, CreateInstance and RenewInstance: the new ids
      (``InstanceIdSets`` or ``InstanceId``), ``TradePrice``, and whether an
      ``OrderId`` is given (each answerer numbers its own orders).
    * Every other action: the whole body but ``RequestId``.
    """
    action = request.action
    if action in _BATCH_ACTIONS:
        return {
            "InstanceResponses": [
                {
                    key: entry.get(key)
                    for key in ("InstanceId", "Code", "PreviousStatus", "CurrentStatus")
                }
                for entry in items_of(body, "InstanceResponses", "InstanceResponse")
            ]
        }
    if action is _DESCRIBE:
        view: dict[str, object] = {
            "TotalCount": body.get("TotalCount"),
            "PageSize": body.get("PageSize"),
            "NextToken": bool(body.get("NextToken")),
            "Instances": [
                {"InstanceId": item.get("InstanceId"), "Status": item.get("Status")}
                for item in items_of(body, "Instances", "Instance")
            ],
        }
        if not ({"MaxResults", "NextToken"} & set(request.params)):
            view["PageNumber"] = body.get("PageNumber")
        return view
    if action is Action.DESCRIBE_INSTANCE_ATTRIBUTE:
        return {"InstanceId": body.get("InstanceId"), "Status": body.get("Status")}
    if action in _ORDERS:
        ordered = _stable(body)
        ordered["OrderId"] = bool(body.get("OrderId"))
        return ordered
    return _stable(body)


#: The actions whose answer carries an ``OrderId``, which each answerer draws itself.
_ORDERS: Final = frozenset({Action.RUN_INSTANCES, Action.CREATE_INSTANCE, Action.RENEW_INSTANCE})


def created_ids(action: Action, body: Mapping[str, object] | None) -> tuple[str, ...]:
    """The ids a RunInstances or CreateInstance success body names (none for other actions)."""
    if body is None:
        return ()
    if action is Action.CREATE_INSTANCE:
        value = body.get("InstanceId")
        return (value,) if isinstance(value, str) and value else ()
    if action is not Action.RUN_INSTANCES:
        return ()
    wrapper = body.get("InstanceIdSets")
    items = wrapper.get("InstanceIdSet") if isinstance(wrapper, Mapping) else None
    if not isinstance(items, list):
        return ()
    return tuple(item for item in items if isinstance(item, str) and item)


def items_of(body: Mapping[str, object], outer: str, inner: str) -> list[Mapping[str, object]]:
    """``body[outer][inner]``, the API's twice-wrapped list, keeping its mappings."""
    wrapper = body.get(outer)
    items = wrapper.get(inner) if isinstance(wrapper, Mapping) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]
