"""The docs' "The SDKs and the wire" page is true: its SDK script runs against a live server,
again and again, and prints what its comments say, and its banner is what ``serve`` prints.

(The section moved from the README to ``docs/sdk.md``; ``tests/test_docs.py`` also runs
the script from a directory outside the repository.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from lifecycle.wire import Credential, WireApp, serve
from lifecycle.wire._command import ServeOptions, prepare

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "sdk.md").read_text(encoding="utf-8")
SECTION = PAGE.split("## Over HTTP: `lifecycle serve`", 1)[1].split("\n## ", 1)[0]
ENV = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-dev",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "dev-secret",
    "LIFECYCLE_CONTROL_TOKEN": "dev-control",
}


def test_the_sdk_snippet_runs_and_prints_what_its_comments_say(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (snippet,) = re.findall(r"<!-- run: against serve -->\n```python\n(.*?)```", SECTION, re.DOTALL)
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
        runs = []
        for _ in range(2):  # a second run starts afresh: it must not meet "already exists"
            namespace: dict[str, Any] = {}
            exec(compile(code, "docs/sdk.md", "exec"), namespace)
            # The old SDK pools a connection it never closes: close it before the server
            # stops, or the socket is an unraisable ResourceWarning that fails the run.
            namespace["old"].session.close()
            runs.append(capsys.readouterr().out.splitlines())
            assert app.accounts["default"].model.status("i-web") == "Starting"
    assert runs[0] == runs[1]  # reset reseeds the account: the same request id again
    request_id, locked, busy = runs[0]
    assert re.fullmatch(r"[0-9A-F-]{36}", request_id)
    assert locked == "403 InstanceLockedForSecurity"
    assert busy == "403 IncorrectInstanceStatus"


def test_a_refusal_from_the_control_surface_stops_the_script_with_the_servers_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (snippet,) = re.findall(r"<!-- run: against serve -->\n```python\n(.*?)```", SECTION, re.DOTALL)
    # Only the imports, the settings and control(): then create one instance twice.
    head = snippet.split('\ncontrol("accounts/default/reset"', 1)[0]
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    app = WireApp(
        [Credential(name="default", access_key_id="LTAI-dev", access_key_secret="dev-secret")]
    )
    with serve(app) as server:
        namespace: dict[str, Any] = {}
        exec(
            compile(head.replace('"127.0.0.1:8080"', repr(server.endpoint)), "sdk.md", "exec"),
            namespace,
        )
        body = {"instance_id": "i-web", "status": "Stopped"}
        namespace["control"]("accounts/default/instances", body)
        with pytest.raises(SystemExit) as refused:
            namespace["control"]("accounts/default/instances", body)
    message = str(refused.value)
    assert message.startswith("accounts/default/instances: 400 {")
    assert "instance_id='i-web': already exists in this model" in message
    assert message in SECTION.replace("\n", " ").replace("`", "")


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
