"""``lifecycle serve``: its banner, warnings and refusals, and a real run under ``python -m``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from lifecycle._cli import main
from lifecycle.wire import WireServer
from tests.wire_helpers import basic, http, v2_params

ENV = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-env", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}


@pytest.fixture(autouse=True)
def no_credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def serve_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str, list[int]]:
    """Run ``serve``; instead of blocking, the server answers one request, then Ctrl-C."""
    answered: list[int] = []

    def one_request_then_interrupt(self: WireServer) -> None:
        self.start()
        token = {"Authorization": f"Bearer {self.app.control.token}"}
        status, _, _ = http(self.url + "/_lifecycle/clock", headers=token)
        answered.append(status)
        raise KeyboardInterrupt

    monkeypatch.setattr(WireServer, "serve_forever", one_request_then_interrupt)
    code = main(["serve", "--port", "0", *argv])
    out, err = capsys.readouterr()
    return code, out, err, answered


def test_serve_prints_where_and_how_and_stops_on_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err, _ = serve_once(monkeypatch, capsys)
    assert code == 0
    assert err == ""
    assert "ECS API 2014-05-26 at http://127.0.0.1:" in out
    assert "SDK endpoint: '127.0.0.1:" in out
    assert "credentials: generated for this run" in out
    assert "AccessKeySecret " in out  # a generated secret is shown: the user needs it
    assert "signatures: verified" in out
    assert "clock: 1 model seconds per second" in out
    assert "/_lifecycle/ (loopback only, JSON bodies, no browser pages)" in out
    assert "every endpoint: Authorization: Bearer " in out
    assert "(generated for this run)" in out
    assert "256 at once; beyond them, Throttling" in out


def test_credentials_from_the_environment_are_used_and_the_secret_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    code, out, _, answered = serve_once(monkeypatch, capsys, "--time-scale", "0", "--log")
    assert code == 0
    assert answered == [200]
    assert "AccessKeyId LTAI-env" in out
    assert "env-secret" not in out
    assert "clock: frozen" in out


def test_no_verify_warns_loudly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err, answered = serve_once(monkeypatch, capsys, "--no-verify", "--no-control")
    assert code == 0
    assert "signature verification is OFF" in err
    assert "signatures: verified" not in out
    assert "control surface" not in out
    assert answered == [404]  # no control surface: the ECS endpoint answers the path


def test_a_non_loopback_address_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, _ = serve_once(monkeypatch, capsys, "--host", "0.0.0.0")
    assert code == 0
    assert "not loopback" in err


def test_a_bad_credentials_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--port", "0", "--credentials", str(tmp_path / "missing.toml")])
    assert code == 2
    assert "credentials file" in capsys.readouterr().err


def test_a_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = main(["serve", "--port", str(taken.getsockname()[1])])
    assert code == 1
    assert "cannot listen" in capsys.readouterr().err


def test_python_m_lifecycle_serve_answers_a_signed_call(tmp_path: Path) -> None:
    credentials = tmp_path / "accounts.toml"
    credentials.write_text(
        '[[accounts]]\nname = "dev"\n'
        'access_key_id = "LTAI-dev"\naccess_key_secret = "dev-secret"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lifecycle",
            "serve",
            "--port",
            "0",
            "--credentials",
            str(credentials),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" at ")[1].strip()
        query = v2_params(
            "DescribeInstanceStatus", {"RegionId": "r"}, key="LTAI-dev", secret="dev-secret"
        )
        status, _, body = http(url + "/?" + urlencode(query), method="POST")
        assert (status, json.loads(body)["TotalCount"]) == (200, 0)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err


def test_without_verification_the_control_surface_needs_no_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err, answered = serve_once(monkeypatch, capsys, "--no-verify")
    assert code == 0
    assert "no credential: --no-verify" in out
    assert "OFF" in err
    assert answered == [200]


def test_a_configured_control_token_is_used_and_never_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIFECYCLE_CONTROL_TOKEN", "my-own-token")
    answered: list[int] = []

    def with_the_configured_token(self: WireServer) -> None:
        self.start()
        bearer = {"Authorization": "Bearer my-own-token"}
        answered.append(http(self.url + "/_lifecycle/clock", headers=bearer)[0])
        answered.append(http(self.url + "/_lifecycle/clock", headers=basic("k", "s"))[0])
        raise KeyboardInterrupt

    monkeypatch.setattr(WireServer, "serve_forever", with_the_configured_token)
    assert main(["serve", "--port", "0", "--max-connections", "3"]) == 0
    out = capsys.readouterr().out
    assert answered == [200, 401]
    assert "my-own-token" not in out
    assert "Bearer $LIFECYCLE_CONTROL_TOKEN" in out
    assert "3 at once" in out


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--port", "99999"], "port=99999"),
        (["--port", "-1"], "port=-1"),
        (["--max-connections", "0"], "max_connections=0"),
        (["--time-scale", "nan"], "time_scale=nan"),
    ],
)
def test_a_bad_serve_value_is_one_line_and_exit_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    # Issue 10, item 9: serve --port 99999 was an OverflowError traceback.
    assert main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("lifecycle serve: ")
    assert named in err


def test_a_bad_control_token_in_the_environment_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIFECYCLE_CONTROL_TOKEN", "two words")
    assert main(["serve", "--port", "0"]) == 2
    assert "control token" in capsys.readouterr().err


def test_strict_parameters_from_the_command_line_refuse_an_undocumented_name() -> None:
    """`serve --strict-parameters` is WireConfig(strict_parameters=True); the banner says so."""
    from lifecycle._cli import _parser  # noqa: PLC0415
    from lifecycle.wire import WireRequest  # noqa: PLC0415
    from lifecycle.wire._command import ServeOptions, prepare  # noqa: PLC0415

    args = _parser().parse_args(["serve", "--strict-parameters", "--no-verify"])
    assert args.strict_parameters is True
    query = "Action=DescribeInstanceStatus&Version=2014-05-26&RegionId=r&on=x"
    for strict, status in ((False, 200), (True, 400)):
        prepared = prepare(ServeOptions(port=0, verify=False, strict_parameters=strict), ENV)
        try:
            answer = prepared.server.app.handle(WireRequest(method="GET", path="/", query=query))
            assert answer.status == status
            assert (b"UnsupportedParameter" in answer.body) is strict
            assert any("parameters: strict" in line for line in prepared.banner) is strict
        finally:
            prepared.server.shutdown()
