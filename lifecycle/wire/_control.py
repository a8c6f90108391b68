"""The control surface under ``/_lifecycle/``: set the world up, move time, inject faults.

Test harnesses and simulators drive the accounts' models through it while
clients talk ECS to the same server. JSON in, JSON out; every refusal is a
JSON ``{"error": ..., "message": ...}`` with a 4xx status, never a traceback.

What belongs here (issue 13): only what no ECS action can do. Instances are
born, renewed, reactivated and released through the API (RunInstances,
CreateInstance, RenewInstance, ReActivateInstances, DeleteInstance(s)), which
the same server answers; this surface has no route that does any of that the
way a client would. What stays is what the platform, the account's owner or
the passage of time does and no ECS call can ask for: the clock, the account's
money (balance, arrears), the zone's prices and stock, security locks, disk
faults, the platform's own stops at expiry or for overdue payment, injected
faults, snapshots, and the trace. Two routes stay although an action now
touches the same fields, because they do what no action can:

- ``POST .../instances`` places an instance in *any* condition (Pending,
  Stopping, locked, expired, a faulty disk, at a given id) at once, for a
  test's arrange step; RunInstances and CreateInstance only make new
  instances that start from Pending with ids the model draws.
- ``POST .../instances/{i}/expiry`` sets ``ExpiredTime`` to any time, the past
  included (an instance that is already expired); RenewInstance only moves it
  later by whole periods, and charges for it.

Protection: the surface answers only requests from a loopback address, and
no browser page: a request with an ``Origin`` header, a cross-site
``Sec-Fetch-Site``, a ``Host`` that is a name other than ``localhost`` (DNS
rebinding) or a body that is not declared ``application/json`` is refused. While
signatures are verified it also wants a credential: the control credential
(``Authorization: Bearer TOKEN``, the app's own, generated unless configured)
for everything, or HTTP Basic ``AccessKeyId:AccessKeySecret`` of the one
account an endpoint touches. The server-wide endpoints (the clock, reset,
snapshot and restore, the account list) take the control credential only: an
ECS key controls its own account and nothing else. ``WireConfig(control=False)``
turns the surface off.

Routes (``{a}`` an account name, ``{i}`` an instance id, ``{f}`` a fault id):

====== ============================================ ===========================================
GET    /_lifecycle/                                 the server: version, time, accounts, limits
GET    /_lifecycle/clock                            ``{"now", "time_scale"}``
POST   /_lifecycle/clock/advance                    ``{"seconds"}``: every account settles
POST   /_lifecycle/reset                            every account afresh, time back to 0
GET    /_lifecycle/snapshot                         every account and the time, as JSON
POST   /_lifecycle/restore                          the body of a snapshot
GET    /_lifecycle/accounts                         names and AccessKeyIds
GET    /_lifecycle/accounts/{a}                     billing, instance count, status counts
POST   /_lifecycle/accounts/{a}/billing             balance, minimum_start_balance, in_arrears
POST   /_lifecycle/accounts/{a}/prices              ``{"instance_type", "price", "period_unit"}``
POST   /_lifecycle/accounts/{a}/stock               ``{"instance_type", "count"}`` (null: no limit)
POST   /_lifecycle/accounts/{a}/reset               this account afresh
GET    /_lifecycle/accounts/{a}/instances           every instance, as ``EcsModel.instance`` sees it
POST   /_lifecycle/accounts/{a}/instances           ``create_instance`` arguments (or ``count``)
GET    /_lifecycle/accounts/{a}/instances/{i}       one instance
POST   /_lifecycle/accounts/{a}/instances/{i}/lock  ``{"reason": "security"}``; ``/unlock`` too
POST   /_lifecycle/accounts/{a}/instances/{i}/expiry ``{"expired_time"}``
POST   /_lifecycle/accounts/{a}/instances/{i}/disks ``{"kind": "cloud", "abnormal": true}``
POST   /_lifecycle/accounts/{a}/instances/{i}/platform-stop ``{"cause": "expiry"}``
GET    /_lifecycle/accounts/{a}/faults              active fault rules and their counters
POST   /_lifecycle/accounts/{a}/faults              a ``FaultRule`` as JSON
DELETE /_lifecycle/accounts/{a}/faults              every fault; ``/faults/{f}`` one
GET    /_lifecycle/accounts/{a}/events?after=N      the trace: transitions and faults, numbered
====== ============================================ ===========================================
"""

from __future__ import annotations

import base64
import binascii
import hmac
import inspect
import ipaddress
import json
import logging
import math
import re
import secrets
from collections.abc import Callable
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from .. import EcsModel, FaultRule, InvalidArgument, LifecycleError, ManualClock, __version__
from ._accounts import Account, Accounts, _seconds, jsonable
from ._protocol import WireConfig, WireRequest, WireResponse

__all__ = ["CONTROL_PREFIX", "ControlSurface"]

logger = logging.getLogger("lifecycle.wire")

CONTROL_PREFIX: Final = "/_lifecycle"
SNAPSHOT_FORMAT: Final = "lifecycle.wire.snapshot/1"
_CONTENT_TYPE: Final = "application/json"
#: The most instances one request creates (a count of 10**400 never returned).
MAX_CREATE: Final = 1_000_000
#: Event numbers and fault ids past this many digits name nothing that exists
#: (and ``int()`` of 4,300 digits or more raises).
_MAX_DIGITS: Final = 18


class ControlError(Exception):
    """A control request refused with ``status``; rendered as a JSON error."""

    def __init__(self, status: int, error: str, message: str, scheme: str = "Basic") -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.scheme = scheme


Handler = Callable[["_Call"], object]


class _Call:
    """One control request, routed: the captured path parts, the JSON body, the query."""

    def __init__(self, surface: ControlSurface, request: WireRequest, parts: dict[str, str]):
        self.surface = surface
        self.request = request
        self.parts = parts
        self._body: object = None
        self._parsed = False

    @property
    def account(self) -> Account:
        account = self.surface.accounts.get(self.parts["account"])
        if account is None:
            raise ControlError(404, "not_found", f"no account named {self.parts['account']!r}")
        return account

    @property
    def model(self) -> EcsModel:
        return self.account.model

    @property
    def instance_id(self) -> str:
        instance_id = self.parts["instance"]
        if instance_id not in self.model:
            raise ControlError(
                404, "not_found", f"no instance {instance_id!r} in account {self.account.name!r}"
            )
        return instance_id

    def body(self) -> dict[str, object]:
        """The JSON object sent (``{}`` for an empty body)."""
        if not self._parsed:
            self._parsed = True
            text = self.request.body.strip()
            if text:
                try:
                    self._body = json.loads(
                        text, parse_constant=_no_constant, parse_float=_finite_float
                    )
                except (UnicodeDecodeError, ValueError) as error:
                    raise ControlError(
                        400, "bad_request", f"the body is not JSON: {error}"
                    ) from None
            else:
                self._body = {}
        if not isinstance(self._body, dict):
            raise ControlError(400, "bad_request", "the body must be a JSON object")
        return self._body

    def apply(self, function: Callable[..., object], **fixed: object) -> object:
        """Call ``function`` with the body's fields as keyword arguments (and ``fixed``)."""
        arguments = {**self.body(), **fixed}
        try:
            inspect.signature(function).bind(**arguments)
        except TypeError as error:
            accepted = ", ".join(
                name for name in inspect.signature(function).parameters if name not in fixed
            )
            raise ControlError(
                400, "bad_request", f"{error}; this endpoint accepts {accepted or 'no fields'}"
            ) from None
        return function(**arguments)


class ControlSurface:
    """The ``/_lifecycle/`` endpoints over a set of accounts.

    Args:
        accounts: The accounts whose models it drives.
        config: Whether signatures are verified (then credentials are required).
        token: The control credential (``Authorization: Bearer TOKEN``); a fresh
            random one when ``None``.

    Attributes:
        token: The control credential.

    Raises:
        InvalidArgument: for a token that is empty or not printable ASCII without spaces.
    """

    def __init__(self, accounts: Accounts, config: WireConfig, *, token: str | None = None) -> None:
        if token is None:
            token = secrets.token_urlsafe(24)
        if (
            not isinstance(token, str)
            or not token
            or not token.isascii()
            or not token.isprintable()
            or " " in token
        ):
            raise InvalidArgument(
                "control token: expected a non-empty string of printable ASCII without spaces"
            )
        self.token = token
        self.accounts = accounts
        self.config = config
        self._routes: list[tuple[re.Pattern[str], dict[str, Handler], bool]] = []
        account = r"/accounts/(?P<account>[^/]+)"
        instance = account + r"/instances/(?P<instance>[^/]+)"
        self._route("/?", {"GET": _info}, per_account=False)
        self._route("/clock", {"GET": _clock}, per_account=False)
        self._route("/clock/advance", {"POST": _advance}, per_account=False)
        self._route("/reset", {"POST": _reset_all}, per_account=False)
        self._route("/snapshot", {"GET": _snapshot}, per_account=False)
        self._route("/restore", {"POST": _restore}, per_account=False)
        self._route("/accounts", {"GET": _accounts}, per_account=False)
        self._route(account, {"GET": _account})
        self._route(account + "/billing", {"POST": _billing})
        self._route(account + "/prices", {"POST": _prices})
        self._route(account + "/stock", {"POST": _stock})
        self._route(account + "/reset", {"POST": _reset_account})
        self._route(account + "/instances", {"GET": _instances, "POST": _create})
        self._route(instance, {"GET": _instance})
        self._route(instance + "/lock", {"POST": _lock})
        self._route(instance + "/unlock", {"POST": _unlock})
        self._route(instance + "/expiry", {"POST": _expiry})
        self._route(instance + "/disks", {"POST": _disks})
        self._route(instance + "/platform-stop", {"POST": _platform_stop})
        self._route(account + "/faults", {"GET": _faults, "POST": _add_fault, "DELETE": _clear})
        self._route(account + r"/faults/(?P<fault>[^/]+)", {"DELETE": _remove_fault})
        self._route(account + "/events", {"GET": _events})

    def _route(self, path: str, methods: dict[str, Handler], *, per_account: bool = True) -> None:
        pattern = re.compile(re.escape(CONTROL_PREFIX) + path + r"\Z")
        self._routes.append((pattern, methods, per_account))

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer one control request. Never raises; a bug is logged and answered 500."""
        try:
            return _json(200, self._dispatch(request))
        except ControlError as error:
            extra: tuple[tuple[str, str], ...] = ()
            if error.status == 401:
                extra = (("WWW-Authenticate", f'{error.scheme} realm="lifecycle"'),)
            return _json(error.status, {"error": error.error, "message": error.message}, extra)
        except LifecycleError as error:
            # InvalidArgument (a bad value), SnapshotError (bad snapshot bytes).
            return _json(400, {"error": "bad_request", "message": str(error)})
        except Exception:
            logger.exception("bug while answering %s %s", request.method, request.path)
            return _json(
                500, {"error": "internal", "message": "a bug in lifecycle.wire; see its log"}
            )

    def _dispatch(self, request: WireRequest) -> object:
        if not _is_loopback(request.remote_addr):
            raise ControlError(
                403,
                "forbidden",
                "the control surface only answers requests from a loopback address",
            )
        _same_origin(request)
        for pattern, methods, per_account in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            handler = methods.get(request.method)
            if handler is None:
                raise ControlError(
                    405, "method_not_allowed", f"{request.path} takes {', '.join(sorted(methods))}"
                )
            parts = {name: value for name, value in match.groupdict().items() if value is not None}
            call = _Call(self, request, parts)
            self._authenticate(request, call.account if per_account else None)
            return handler(call)
        raise ControlError(
            404, "not_found", f"no control endpoint {request.path}; see GET {CONTROL_PREFIX}/"
        )

    def _authenticate(self, request: WireRequest, account: Account | None) -> None:
        if not self.config.verify:
            return
        headers = {name.lower(): value for name, value in request.headers.items()}
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer":
            sent = token.strip().encode("utf-8", "replace")
            if not hmac.compare_digest(sent, self.token.encode()):
                raise ControlError(403, "forbidden", "this is not the control credential")
            return
        if account is None:
            raise ControlError(
                401,
                "unauthorized",
                "the server-wide endpoints take the control credential only: send "
                "Authorization: Bearer TOKEN (lifecycle serve prints it, or reads "
                "LIFECYCLE_CONTROL_TOKEN); an account's key controls that account alone",
                scheme="Bearer",
            )
        if scheme.lower() != "basic":
            raise ControlError(
                401,
                "unauthorized",
                "send HTTP Basic credentials AccessKeyId:AccessKeySecret of the account, "
                "or the control credential (Authorization: Bearer TOKEN)",
            )
        try:
            key, _, secret = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise ControlError(401, "unauthorized", "malformed Basic credentials") from None
        owner = self.accounts.by_key(key)
        known = owner is not None and hmac.compare_digest(
            owner.credential.access_key_secret.encode(), secret.encode()
        )
        if not known or owner is not account:
            raise ControlError(403, "forbidden", "these credentials do not control this account")


# ----------------------------------------------------------------- handlers
def _info(call: _Call) -> object:
    surface = call.surface
    config = surface.config
    return {
        "lifecycle": __version__,
        "now": surface.accounts.clock.now(),
        "time_scale": surface.accounts.clock.time_scale,
        "verify": config.verify,
        "accounts": [account.name for account in surface.accounts],
        "limits": {
            "max_query_bytes": config.max_query_bytes,
            "max_body_bytes": config.max_body_bytes,
            "max_parameters": config.max_parameters,
            "timestamp_window": config.timestamp_window,
        },
    }


def _clock(call: _Call) -> object:
    clock = call.surface.accounts.clock
    return {"now": clock.now(), "time_scale": clock.time_scale}


def _advance(call: _Call) -> object:
    accounts = call.surface.accounts
    now = call.apply(accounts.clock.advance)
    for account in accounts:
        account.model.settle()
    return {"now": now}


def _reset_all(call: _Call) -> object:
    call.apply(lambda: None)
    call.surface.accounts.reset()
    return {"now": call.surface.accounts.clock.now()}


def _snapshot(call: _Call) -> object:
    accounts = call.surface.accounts
    saved = {
        account.name: base64.b64encode(account.model.snapshot()).decode("ascii")
        for account in accounts
    }
    # Read after every model: a running clock has moved on while they were saved,
    # and a restore must not put any of them behind its own time.
    return {"format": SNAPSHOT_FORMAT, "now": accounts.clock.now(), "accounts": saved}


def _restore(call: _Call) -> object:
    body = call.body()
    accounts = call.surface.accounts
    names = [account.name for account in accounts]
    if body.get("format") != SNAPSHOT_FORMAT:
        raise ControlError(
            400, "bad_request", f"expected a snapshot with format {SNAPSHOT_FORMAT!r}"
        )
    saved = body.get("accounts")
    try:
        now = _seconds("now", body.get("now"))
    except InvalidArgument:  # an int past the largest float too (it raised OverflowError)
        raise ControlError(400, "bad_request", "'now' must be a time in seconds") from None
    if not isinstance(saved, dict) or sorted(saved) != sorted(names):
        raise ControlError(400, "bad_request", f"'accounts' must hold exactly {names}")
    blobs = {}
    for name in names:
        try:
            blobs[name] = base64.b64decode(str(saved[name]), validate=True)
        except (binascii.Error, ValueError):  # ValueError: characters beyond ASCII
            raise ControlError(400, "bad_request", f"account {name!r}: not base64") from None
    # All or nothing: every snapshot is read (on a clock of its own, at the time
    # to restore, so one from later than it is refused here) before the shared
    # clock or any account changes.
    for blob in blobs.values():
        EcsModel.restore(blob, clock=ManualClock(now))
    accounts.clock.reset(now)
    restored = {name: EcsModel.restore(blob, clock=accounts.clock) for name, blob in blobs.items()}
    for name, model in restored.items():
        accounts.replace(name, model)
    return {"now": accounts.clock.now()}


def _accounts(call: _Call) -> object:
    return {
        "accounts": [
            {"name": a.name, "access_key_id": a.credential.access_key_id, "seed": a.seed}
            for a in call.surface.accounts
        ]
    }


def _account(call: _Call) -> object:
    account = call.account
    model = account.model
    counts = model.status_counts()
    return {
        "name": account.name,
        "access_key_id": account.credential.access_key_id,
        "seed": account.seed,
        **_fields(model.account),
        "instances": len(model),
        "status_counts": {status.value: count for status, count in counts.items()},
    }


def _billing(call: _Call) -> object:
    model = call.model

    def update(
        balance: object = None, minimum_start_balance: object = None, in_arrears: object = None
    ) -> None:
        # All or nothing: every value is tried on a scratch model first, so a bad
        # second field never leaves the first applied (found by tests/test_fuzz_wire.py).
        for target in (EcsModel(), model):
            if balance is not None:
                target.set_balance(balance)  # type: ignore[arg-type]
            if minimum_start_balance is not None:
                target.set_minimum_start_balance(minimum_start_balance)  # type: ignore[arg-type]
            if in_arrears is not None:
                target.set_in_arrears(in_arrears)  # type: ignore[arg-type]

    call.apply(update)
    return jsonable(model.account)


def _prices(call: _Call) -> object:
    """What one period of a PrePaid instance type costs (``EcsModel.set_price``).

    RunInstances, CreateInstance and RenewInstance charge it; no ECS action sets it.
    """
    model = call.model

    def update(instance_type: object, price: object, period_unit: object = "Month") -> None:
        model.set_price(instance_type, price, period_unit=period_unit)  # type: ignore[arg-type]

    call.apply(update)
    body = call.body()
    return {
        "instance_type": body["instance_type"],
        "price": body["price"],
        "period_unit": body.get("period_unit", "Month"),
    }


def _stock(call: _Call) -> object:
    """How many more of an instance type the zone can create (``EcsModel.set_stock``).

    RunInstances and CreateInstance take from it, a release gives back; no ECS
    action sets it. ``"count": null`` lifts the limit.
    """
    model = call.model

    def update(instance_type: object, count: object) -> None:
        model.set_stock(instance_type, count)  # type: ignore[arg-type]

    call.apply(update)
    body = call.body()
    return {"instance_type": body["instance_type"], "count": body["count"]}


def _reset_account(call: _Call) -> object:
    call.surface.accounts.reset(call.account.name)
    return {}


def _instances(call: _Call) -> object:
    model = call.model
    return {"instances": [jsonable(model.instance(i)) for i in model.instance_ids()]}


def _create(call: _Call) -> object:
    model = call.model
    if "count" in call.body():
        count = call.body()["count"]
        if isinstance(count, int) and count > MAX_CREATE:
            raise ControlError(
                400, "bad_request", f"count: at most {MAX_CREATE:,} instances a request"
            )
        ids = call.apply(model.create_instances)
    else:
        ids = [call.apply(model.create_instance)]
    return {"instance_ids": ids}


def _instance(call: _Call) -> object:
    return jsonable(call.model.instance(call.instance_id))


def _lock(call: _Call) -> object:
    call.apply(call.model.lock, instance_id=call.instance_id)
    return jsonable(call.model.instance(call.instance_id))


def _unlock(call: _Call) -> object:
    call.apply(call.model.unlock, instance_id=call.instance_id)
    return jsonable(call.model.instance(call.instance_id))


def _expiry(call: _Call) -> object:
    call.apply(call.model.set_expired_time, instance_id=call.instance_id)
    return jsonable(call.model.instance(call.instance_id))


def _disks(call: _Call) -> object:
    call.apply(call.model.set_disk_abnormal, instance_id=call.instance_id)
    return jsonable(call.model.instance(call.instance_id))


def _platform_stop(call: _Call) -> object:
    stopped = call.apply(call.model.stop_by_platform, instance_id=call.instance_id)
    return {"stopped": stopped, **_fields(call.model.instance(call.instance_id))}


def _faults(call: _Call) -> object:
    return {
        "faults": [
            {
                "fault_id": state.fault_id,
                "rule": state.rule.to_dict(),
                "fired": state.fired,
                "remaining": state.remaining,
            }
            for state in call.model.faults()
        ]
    }


def _add_fault(call: _Call) -> object:
    return {"fault_id": call.model.add_fault(FaultRule.from_dict(call.body()))}


def _clear(call: _Call) -> object:
    call.apply(lambda: None)
    call.model.clear_faults()
    return {}


def _remove_fault(call: _Call) -> object:
    text = call.parts["fault"]
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > _MAX_DIGITS:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ControlError(404, "not_found", f"no fault {shown!r}")
    try:
        call.model.remove_fault(int(text.lstrip("0") or "0"))
    except InvalidArgument:
        raise ControlError(404, "not_found", f"no active fault {text}") from None
    return {}


def _events(call: _Call) -> object:
    query = dict(parse_qsl(call.request.query))
    after = query.get("after", "0")
    if not (after.isascii() and after.isdigit()) or len(after.lstrip("0")) > _MAX_DIGITS:
        shown = after if len(after) <= 40 else after[:40] + "..."
        raise ControlError(
            400, "bad_request", f"after={shown!r}: expected an event number from 0 to 10**18"
        )
    # One read: "next" is exactly where these events end (issue 10, item 5).
    events, following = call.account.events.read(int(after.lstrip("0") or "0"))
    return {"events": events, "next": following}


# ----------------------------------------------------------------- helpers
def _fields(view: object) -> dict[str, object]:
    fields = jsonable(view)
    assert isinstance(fields, dict), "views are dataclasses"
    return fields


def _same_origin(request: WireRequest) -> None:
    """Refuse what a web page in a local browser could send (cross-site requests, DNS rebinding)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    if "origin" in headers or headers.get("sec-fetch-site", "none") not in ("none", "same-origin"):
        raise ControlError(
            403, "forbidden", "the control surface answers no web page: cross-origin request"
        )
    host = headers.get("host")
    if host is not None and not _local_host(host):
        raise ControlError(
            403,
            "forbidden",
            "the control surface answers Host localhost or an IP address only (DNS rebinding)",
        )
    # An empty Content-Type is none: WSGI servers pass CONTENT_TYPE="" for none.
    content_type = headers.get("content-type", "").strip()
    media = content_type.split(";")[0].strip().lower()
    if (content_type or request.body) and media != _CONTENT_TYPE:
        raise ControlError(
            415, "unsupported_media_type", "send the body as Content-Type: application/json"
        )


def _local_host(host: str) -> bool:
    try:
        name = urlsplit(f"//{host.strip()}").hostname
    except ValueError:
        return False
    if name is None:
        return False
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is too large for a number")
    return value


def _is_loopback(address: str | None) -> bool:
    if not address:
        return False
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _json(status: int, body: object, extra: tuple[tuple[str, str], ...] = ()) -> WireResponse:
    # allow_nan=False: never the non-standard NaN or Infinity (a bug, then, answered 500).
    content = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return WireResponse(
        status=status, headers=(("Content-Type", _CONTENT_TYPE), *extra), body=content
    )
