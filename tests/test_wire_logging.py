"""What ``serve --log`` prints: one line per answer naming the action and the code, for V2
and V3 alike, and no parameter value anywhere (issue 11, item 7)."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, serve
from tests.wire_helpers import AK, SK, body_json, v2_request, v3_request

CREDENTIALS = [Credential(name="alice", access_key_id=AK, access_key_secret=SK)]


@pytest.fixture
def app() -> WireApp:
    app = WireApp(CREDENTIALS, WireConfig())
    app.accounts["alice"].model.create_instance("i-1", status="Stopped")
    return app


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "lifecycle.wire"]


@pytest.mark.parametrize("signed", [v2_request, v3_request], ids=["v2", "v3"])
def test_each_answer_is_one_line_naming_the_action_status_code_and_request_id(
    app: WireApp, caplog: pytest.LogCaptureFixture, signed: Callable[..., WireRequest]
) -> None:
    # V3 names the action only in its x-acs-action header.
    caplog.set_level(logging.INFO, logger="lifecycle.wire")
    make = signed
    ok = app.handle(make("StartInstance", {"InstanceId": "i-1"}))
    refused = app.handle(make("StartInstance", {"InstanceId": "i-nowhere"}))
    assert lines(caplog) == [
        f"StartInstance 200 OK {body_json(ok)['RequestId']}",
        f"StartInstance 404 InvalidInstanceId.NotFound {body_json(refused)['RequestId']}",
    ]


def test_a_request_with_no_action_is_logged_without_one(
    app: WireApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lifecycle.wire")
    answer = app.handle(v2_request("Explode"))
    assert lines(caplog) == [f"- 404 InvalidAction.NotFound {body_json(answer)['RequestId']}"]


def test_the_access_line_leaves_the_query_string_out(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lifecycle.wire")
    app = WireApp(CREDENTIALS, WireConfig(verify=False))
    with serve(app) as server:
        url = (
            f"{server.url}/?Action=ModifyInstanceAttribute&Password=Passw0rd%21x&Version=2014-05-26"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        refused.value.close()
    logged = "\n".join(lines(caplog))
    assert "Passw0rd" not in logged
    assert '"GET / HTTP/1.1" 404' in logged
