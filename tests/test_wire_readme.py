"""The README's "Speak ECS on the wire" section is true: its snippet runs against a live
server and prints what its comments say, and its banner is what ``serve`` prints."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lifecycle.wire import Credential, WireApp, serve
from lifecycle.wire._command import ServeOptions, prepare

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Speak ECS on the wire", 1)[1].split("\n## ", 1)[0]
ENV = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-dev",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "dev-secret",
    "LIFECYCLE_CONTROL_TOKEN": "dev-control",
}


def test_the_sdk_snippet_runs_and_prints_what_its_comments_say(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (snippet,) = re.findall(r"```py\n(.*?)```", SECTION, re.DOTALL)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    credential = Credential(
        name="default",
        access_key_id=ENV["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        access_key_secret=ENV["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
    )
    app = WireApp([credential])
    with serve(app) as server:
        code = snippet.replace('"127.0.0.1:8080"', repr(server.endpoint))
        assert code != snippet
        namespace: dict[str, Any] = {}
        exec(compile(code, "README.md", "exec"), namespace)
        # The old SDK pools a connection it never closes: close it before the server
        # stops, or the socket is an unraisable ResourceWarning that fails the run.
        namespace["old"].session.close()
    request_id, locked, busy = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"[0-9A-F-]{36}", request_id)
    assert locked == "403 InstanceLockedForSecurity"
    assert busy == "403 IncorrectInstanceStatus"
    assert app.accounts["default"].model.status("i-web") == "Starting"


def test_the_banner_shown_is_the_banner_serve_prints() -> None:
    (console,) = re.findall(r"```console\n(.*?)```", SECTION, re.DOTALL)
    shown = [line for line in console.splitlines() if not line.startswith("$ ")]
    prepared = prepare(ServeOptions(port=0), ENV)
    try:
        port = str(prepared.server.port)
        printed = [line.replace(port, "8080") for line in prepared.banner]
    finally:
        prepared.server.shutdown()
    assert printed == shown
    assert prepared.warnings == []
