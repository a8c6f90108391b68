"""Credentials, accounts on one clock, the server clock, credential files and the trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle import Durations, InvalidArgument, wire
from lifecycle.wire import Accounts, Credential, EventLog, ServerClock, WireApp, load_credentials
from lifecycle.wire._accounts import (
    ENV_ACCESS_KEY_ID,
    ENV_ACCESS_KEY_SECRET,
    credentials_from_env,
    resolve_credentials,
)

A = Credential(name="a", access_key_id="AK-a", access_key_secret="SK-a")
B = Credential(name="b", access_key_id="AK-b", access_key_secret="SK-b")


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "", "access_key_id": "k", "access_key_secret": "s"},
        {"name": "a/b", "access_key_id": "k", "access_key_secret": "s"},
        {"name": "a", "access_key_id": 7, "access_key_secret": "s"},
        {"name": "a", "access_key_id": "k", "access_key_secret": " s "},
    ],
)
def test_a_malformed_credential_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument) as raised:
        Credential(**fields)  # type: ignore[arg-type]
    assert " s " not in str(raised.value)  # a secret never appears in a message


def test_a_credential_never_shows_its_secret() -> None:
    assert "SK-a" not in repr(A)
    assert "AK-a" in repr(A)


def test_generated_credentials_differ() -> None:
    first, second = Credential.generate(), Credential.generate("other")
    assert first.access_key_id != second.access_key_id
    assert first.access_key_secret != second.access_key_secret
    assert (first.name, second.name) == ("default", "other")


def test_each_account_has_its_own_seeded_model_on_one_clock() -> None:
    accounts = Accounts([A, B], seed=10, durations=Durations.immediate())
    assert [(acc.name, acc.seed) for acc in accounts] == [("a", 10), ("b", 11)]
    assert accounts["a"].model.clock is accounts["b"].model.clock is accounts.clock
    first = accounts["a"].model.create_instance()
    second = accounts["b"].model.create_instance()
    assert first != second  # distinct seeds, distinct generated ids
    assert first not in accounts["b"].model
    accounts.clock.advance(5)
    assert accounts["a"].model.now == accounts["b"].model.now == 5.0


def test_accounts_are_found_by_name_and_key() -> None:
    accounts = Accounts([A, B])
    assert len(accounts) == 2
    assert accounts.default is accounts["a"]
    assert accounts.get("b") is accounts.by_key("AK-b") is accounts["b"]
    assert accounts.get("c") is None
    assert accounts.by_key("AK-c") is None
    assert accounts.secret_of("AK-a") == "SK-a"
    assert accounts.secret_of("AK-c") is None
    assert "a" in repr(accounts["a"])


@pytest.mark.parametrize(
    ("credentials", "seed"),
    [
        ([], 0),
        ([A, A], 0),
        ([A, Credential(name="c", access_key_id="AK-a", access_key_secret="x")], 0),
        (["AK-a:SK-a"], 0),
        ([A], "0"),
    ],
)
def test_bad_accounts_are_refused(credentials: list[object], seed: object) -> None:
    with pytest.raises(InvalidArgument):
        Accounts(credentials, seed=seed)  # type: ignore[arg-type]


def test_reset_of_one_account_keeps_the_others_and_the_time() -> None:
    accounts = Accounts([A, B])
    accounts["a"].model.create_instance()
    accounts["b"].model.create_instance()
    accounts.clock.advance(3)
    before = accounts["b"].model
    accounts.reset("a")
    assert len(accounts["a"].model) == 0
    assert accounts["b"].model is before
    assert accounts.clock.now() == 3.0
    accounts.reset()
    assert len(accounts["b"].model) == 0
    assert accounts.clock.now() == 0.0


def test_the_server_clock_follows_real_time_at_its_scale() -> None:
    real = Monotonic()
    clock = ServerClock(time_scale=2.0, monotonic=real)
    assert clock.time_scale == 2.0
    real.now += 5
    assert clock.now() == 10.0
    assert clock.advance(1) == 11.0
    clock.reset(to=7)
    assert clock.now() == 7.0
    real.now += 1
    assert clock.now() == 9.0
    assert "time_scale=2.0" in repr(clock)


def test_a_frozen_server_clock_moves_only_when_advanced() -> None:
    real = Monotonic()
    clock = ServerClock(monotonic=real)
    real.now += 1000
    assert clock.now() == 0.0
    assert clock.advance(2.5) == 2.5


@pytest.mark.parametrize("value", [-1, float("inf"), float("nan"), "1", True])
def test_a_bad_scale_or_advance_is_refused(value: object) -> None:
    with pytest.raises(InvalidArgument):
        ServerClock(time_scale=value)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ServerClock().advance(value)  # type: ignore[arg-type]


def test_the_event_log_keeps_the_newest_and_numbers_every_event() -> None:
    accounts = Accounts([A], event_capacity=2)
    model = accounts["a"].model
    for _ in range(3):
        model.create_instance()
    log = accounts["a"].events
    assert isinstance(log, EventLog)
    assert [event["number"] for event in log.since(0)] == [1, 2]
    assert log.next_number == 3
    assert log.since(3) == []


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "credentials.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_credentials_load_from_a_toml_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[accounts]]\nname = "a"\naccess_key_id = "AK-a"\naccess_key_secret = "SK-a"\n'
        '[[accounts]]\nname = "b"\naccess_key_id = "AK-b"\naccess_key_secret = "SK-b"\n',
    )
    assert load_credentials(path) == [A, B]
    assert resolve_credentials(str(path), {}) == ([A, B], f"file {path}")


@pytest.mark.parametrize(
    "text",
    [
        "not toml [",
        "accounts = 1",
        "[[accounts]]\nname = 'a'\n",
        '[[accounts]]\nname = "a"\naccess_key_id = "k"\naccess_key_secret = "s"\nextra = 1\n',
        "accounts = [1]",
    ],
)
def test_a_bad_credentials_file_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(InvalidArgument, match="credentials file"):
        load_credentials(write(tmp_path, text))


def test_a_missing_credentials_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="credentials file"):
        load_credentials(tmp_path / "nope.toml")


def test_the_sdks_environment_variables_are_one_account() -> None:
    env = {ENV_ACCESS_KEY_ID: "AK-env", ENV_ACCESS_KEY_SECRET: "SK-env"}
    credential = credentials_from_env(env)
    assert credential == Credential(
        name="default", access_key_id="AK-env", access_key_secret="SK-env"
    )
    credentials, source = resolve_credentials(None, env)
    assert credentials == [credential]
    assert ENV_ACCESS_KEY_ID in source
    assert credentials_from_env({}) is None


def test_half_the_environment_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="both"):
        credentials_from_env({ENV_ACCESS_KEY_ID: "AK"})


def test_without_a_file_or_environment_a_pair_is_generated() -> None:
    (credential,), source = resolve_credentials(None, {})
    assert credential.access_key_id.startswith("LTAI")
    assert source == "generated for this run"


def test_an_app_serves_accounts_made_beforehand() -> None:
    accounts = Accounts([A, B], seed=5)
    app = WireApp(accounts)
    assert app.accounts is accounts
    assert app.accounts["b"].seed == 6


def test_the_wire_s_public_names_are_exactly_all_and_presented_as_lifecycle_wire() -> None:
    # ruff's RUF022 keeps __all__ sorted; here: nothing public is left out of it.
    public = {
        name
        for name, value in vars(wire).items()
        if not name.startswith("_") and not isinstance(value, type(wire))
    }
    assert public == set(wire.__all__)
    for name in wire.__all__:
        value = getattr(wire, name)
        if isinstance(value, type):
            assert value.__module__ == "lifecycle.wire", name
    assert wire.WireApp.__doc__
