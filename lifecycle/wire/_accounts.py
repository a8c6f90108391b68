"""Credentials to accounts: each account one ``EcsModel``, all on one clock.

An access key names an account. Each account has its own model (its own
instances, balance and faults) with its own seed, so one account's instances
and request ids never show in another's answers. Every model reads the same
``ServerClock``, so advancing time moves every account together.
"""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
import threading
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Final

from .. import Durations, EcsModel, InvalidArgument

__all__ = ["Account", "Accounts", "Credential", "EventLog", "ServerClock", "load_credentials"]

#: The variables both SDKs' default credential chains read: a server started with
#: them set verifies exactly what an unchanged client signs.
ENV_ACCESS_KEY_ID: Final = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET: Final = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """An access key pair and the name of the account it belongs to.

    Attributes:
        name: The account's name, used by the control surface (``/_lifecycle/accounts/NAME``).
        access_key_id: The AccessKeyId clients sign with.
        access_key_secret: The AccessKeySecret clients sign with.

    Raises:
        InvalidArgument: for an empty or non-string field, or a name with ``/``.
    """

    name: str
    access_key_id: str
    access_key_secret: str

    def __post_init__(self) -> None:
        for field in ("name", "access_key_id", "access_key_secret"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value or value != value.strip():
                shown = "<hidden>" if field == "access_key_secret" else repr(value)
                raise InvalidArgument(
                    f"{field}={shown}: expected a non-empty str without surrounding spaces"
                )
        if "/" in self.name:
            raise InvalidArgument(f"name={self.name!r}: an account name cannot contain '/'")

    def __repr__(self) -> str:
        # Never print a secret by accident.
        return f"Credential(name={self.name!r}, access_key_id={self.access_key_id!r})"

    @classmethod
    def generate(cls, name: str = "default") -> Credential:
        """A fresh random key pair, for a server nobody configured."""
        return cls(
            name=name,
            access_key_id="LTAI" + secrets.token_hex(10),
            access_key_secret=secrets.token_urlsafe(24),
        )


class ServerClock:
    """The models' clock: wall time scaled by ``time_scale``, plus manual advances.

    With ``time_scale=0`` time stands still until ``advance``: what tests and
    simulators want. With 1.0 an instance started now is Running after its
    Starting duration of real seconds: what a client polling for Running wants.

    Args:
        time_scale: Model seconds per real second (>= 0).
        monotonic: The real-time source; ``time.monotonic`` unless a test injects one.
    """

    def __init__(
        self, *, time_scale: float = 0.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._scale = _seconds("time_scale", time_scale)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._origin = monotonic()
        self._offset = 0.0

    @property
    def time_scale(self) -> float:
        """Model seconds per real second."""
        return self._scale

    def now(self) -> float:
        """The current model time, in seconds since the server started (or was reset)."""
        with self._lock:
            return self._now()

    def _now(self) -> float:
        return self._now_at(self._offset)

    def _now_at(self, offset: float) -> float:
        if not self._scale:
            return offset
        return offset + self._scale * (self._monotonic() - self._origin)

    def advance(self, seconds: float) -> float:
        """Move model time forward by ``seconds`` and return the new time.

        Raises:
            InvalidArgument: for a negative, infinite or non-numeric ``seconds``.
        """
        step = _seconds("seconds", seconds)
        with self._lock:
            offset = self._offset + step
            if not math.isfinite(offset) or not math.isfinite(self._now_at(offset)):
                raise InvalidArgument(
                    f"seconds={seconds!r}: the clock would pass the largest finite time"
                )
            self._offset = offset
            return self._now()

    def reset(self, to: float = 0.0) -> None:
        """Set model time to ``to`` (the start of time, by default).

        Raises:
            InvalidArgument: for a time that is not a finite number >= 0.
        """
        start = _seconds("to", to)
        with self._lock:
            self._origin = self._monotonic()
            self._offset = start

    def __repr__(self) -> str:
        return f"ServerClock(now={self.now()!r}, time_scale={self._scale!r})"


def _seconds(name: str, value: object) -> float:
    """``value`` as a finite float >= 0, or ``InvalidArgument`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(f"{name}={value!r}: expected a finite number >= 0")
    try:
        number = float(value)
    except OverflowError:  # an int past the largest float
        raise InvalidArgument(
            f"{name}=<an int of {int(value).bit_length()} bits>: expected a finite number >= 0"
        ) from None
    if not 0 <= number < math.inf:
        raise InvalidArgument(f"{name}={value!r}: expected a finite number >= 0")
    return number


class EventLog:
    """An account's recent trace: every ``TransitionEvent`` and ``FaultEvent``, numbered.

    Numbers keep counting across resets, so a reader's ``after`` cursor stays
    valid; only the newest ``capacity`` events are kept. Events are frozen, so
    they are kept as they come and turned into JSON only when read.
    """

    def __init__(self, capacity: int) -> None:
        self._events: deque[tuple[int, object]] = deque(maxlen=capacity)
        self._next = 0
        self._lock = threading.Lock()

    @property
    def next_number(self) -> int:
        """The number the next event will get."""
        with self._lock:
            return self._next

    def record(self, event: object) -> None:
        """Keep ``event`` (a model subscriber: it runs inside every call, so it only appends)."""
        with self._lock:
            self._events.append((self._next, event))
            self._next += 1

    def clear(self) -> None:
        """Forget every event (numbers go on)."""
        with self._lock:
            self._events.clear()

    def since(self, number: int) -> list[dict[str, object]]:
        """The kept events numbered ``number`` or later, oldest first, as JSON values."""
        return self.read(number)[0]

    def read(self, number: int) -> tuple[list[dict[str, object]], int]:
        """The kept events numbered ``number`` or later, and the number after them.

        One read under the lock: the second value is where the next read
        starts, and no event numbered below it is missing from the first
        unless the log had already let it go (``capacity``).
        """
        with self._lock:
            kept = [(n, event) for n, event in self._events if n >= number]
            following = self._next
        events = [
            {"number": n, "type": type(event).__name__, **_fields(event)} for n, event in kept
        ]
        return events, following


class Account:
    """One account: its credential, its seed, its current model and its trace.

    ``model`` is replaced by ``Accounts.reset`` and by a restore; read it for
    every use rather than keeping it.
    """

    __slots__ = ("_model", "credential", "events", "seed")

    def __init__(self, credential: Credential, seed: int, events: EventLog) -> None:
        self.credential = credential
        self.seed = seed
        self.events = events
        self._model: EcsModel | None = None

    @property
    def name(self) -> str:
        """The account's name."""
        return self.credential.name

    @property
    def model(self) -> EcsModel:
        """The account's instances, balance and faults."""
        assert self._model is not None, "Accounts installs a model at once"
        return self._model

    def _install(self, model: EcsModel) -> None:
        self.events.clear()
        model.subscribe(self.events.record)
        self._model = model

    def __repr__(self) -> str:
        return f"Account(name={self.name!r}, seed={self.seed}, model={self._model!r})"


class Accounts:
    """Every account the server answers for, by name and by AccessKeyId.

    Args:
        credentials: One per account; the first is the default account of
            unverified requests that name no known key.
        seed: Account ``n`` (from 0, in order) gets the seed ``seed + n``.
        clock: The clock every model reads; a frozen ``ServerClock()`` by default.
        durations: How long transitory statuses last, in every account.
        event_capacity: How many recent events each account's trace keeps.

    Raises:
        InvalidArgument: for no credentials, or a repeated name or AccessKeyId.
    """

    def __init__(
        self,
        credentials: Iterable[Credential],
        *,
        seed: int = 0,
        clock: ServerClock | None = None,
        durations: Durations | None = None,
        event_capacity: int = 10_000,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgument(f"seed={seed!r}: expected an int")
        self.clock = ServerClock() if clock is None else clock
        self._durations = durations
        self._lock = threading.Lock()
        self._by_name: dict[str, Account] = {}
        self._by_key: dict[str, Account] = {}
        for number, credential in enumerate(credentials):
            if not isinstance(credential, Credential):
                raise InvalidArgument(f"{credential!r}: expected a lifecycle.wire.Credential")
            if credential.name in self._by_name:
                raise InvalidArgument(f"name={credential.name!r}: two accounts have this name")
            if credential.access_key_id in self._by_key:
                raise InvalidArgument(
                    f"access_key_id={credential.access_key_id!r}: two accounts have this key"
                )
            account = Account(credential, seed + number, EventLog(event_capacity))
            account._install(self._new_model(account.seed))
            self._by_name[credential.name] = account
            self._by_key[credential.access_key_id] = account
        if not self._by_name:
            raise InvalidArgument("credentials: expected at least one Credential")

    def _new_model(self, seed: int) -> EcsModel:
        return EcsModel(seed=seed, clock=self.clock, durations=self._durations)

    def __iter__(self) -> Iterator[Account]:
        return iter(tuple(self._by_name.values()))

    def __len__(self) -> int:
        return len(self._by_name)

    def __getitem__(self, name: str) -> Account:
        return self._by_name[name]

    def get(self, name: str) -> Account | None:
        """The account called ``name``, or ``None``."""
        return self._by_name.get(name)

    @property
    def default(self) -> Account:
        """The first account."""
        return next(iter(self._by_name.values()))

    def by_key(self, access_key_id: str) -> Account | None:
        """The account ``access_key_id`` belongs to, or ``None``."""
        return self._by_key.get(access_key_id)

    def secret_of(self, access_key_id: str) -> str | None:
        """The AccessKeySecret of ``access_key_id``, or ``None`` for an unknown key."""
        account = self._by_key.get(access_key_id)
        return None if account is None else account.credential.access_key_secret

    def reset(self, name: str | None = None) -> None:
        """Give ``name`` (or every account, and the clock) a fresh model of its seed.

        Resetting every account also sets the clock back to 0.
        """
        with self._lock:
            targets = list(self._by_name.values()) if name is None else [self._by_name[name]]
            if name is None:
                self.clock.reset()
            for account in targets:
                account._install(self._new_model(account.seed))

    def replace(self, name: str, model: EcsModel) -> None:
        """Make ``model`` the model of account ``name`` (restoring a snapshot)."""
        with self._lock:
            self._by_name[name]._install(model)


def load_credentials(path: str | os.PathLike[str]) -> list[Credential]:
    """Read accounts from a TOML file.

    The file holds one ``[[accounts]]`` table per account::

        [[accounts]]
        name = "alice"
        access_key_id = "LTAI-alice"
        access_key_secret = "alice-secret"

    Raises:
        InvalidArgument: for a missing or unreadable file, malformed TOML, or an
            account table without exactly these three string fields.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidArgument(f"credentials file {os.fspath(path)!r}: {error}") from None
    tables = data.get("accounts")
    if not isinstance(tables, list) or not tables:
        raise InvalidArgument(
            f"credentials file {os.fspath(path)!r}: expected one or more [[accounts]] tables"
        )
    fields = {"name", "access_key_id", "access_key_secret"}
    credentials = []
    for number, table in enumerate(tables, start=1):
        if not isinstance(table, dict) or set(table) != fields:
            found = sorted(table) if isinstance(table, dict) else table
            raise InvalidArgument(
                f"credentials file {os.fspath(path)!r}, account {number}: expected exactly "
                f"name, access_key_id and access_key_secret; found {found!r}"
            )
        credentials.append(Credential(**table))
    return credentials


def credentials_from_env(environ: Mapping[str, str]) -> Credential | None:
    """The ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET`` pair, if both are set.

    Raises:
        InvalidArgument: if only one of the two is set.
    """
    key = environ.get(ENV_ACCESS_KEY_ID, "")
    secret = environ.get(ENV_ACCESS_KEY_SECRET, "")
    if bool(key) != bool(secret):
        raise InvalidArgument(
            f"set both {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}, or neither"
        )
    if not key:
        return None
    return Credential(name="default", access_key_id=key, access_key_secret=secret)


def jsonable(value: object) -> object:
    """A view, event or rule as plain JSON values: enums as values, Decimals as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def _fields(value: object) -> dict[str, object]:
    fields = jsonable(value)
    assert isinstance(fields, dict), "events and views are dataclasses"
    return fields


def resolve_credentials(
    path: str | None, environ: Mapping[str, str]
) -> tuple[list[Credential], str]:
    """The credentials the ``serve`` command uses, and where they came from.

    A credentials file wins; then ``ALIBABA_CLOUD_ACCESS_KEY_ID`` and
    ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``; else a generated pair.

    Raises:
        InvalidArgument: for a bad file, or only one of the two variables set.
    """
    if path is not None:
        return load_credentials(path), f"file {path}"
    from_env = credentials_from_env(environ)
    if from_env is not None:
        return [from_env], f"environment ({ENV_ACCESS_KEY_ID}, {ENV_ACCESS_KEY_SECRET})"
    return [Credential.generate()], "generated for this run"
