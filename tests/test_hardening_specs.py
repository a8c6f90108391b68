"""The hardening decisions in ``specs/wire.toml`` (throttling, framing) are what the wire does."""

from __future__ import annotations

import lifecycle
from lifecycle import Action, ErrorCode
from lifecycle.wire import _server, _signature
from tests.wire_helpers import WIRE


def test_the_throttling_row_is_the_documented_one_in_every_action() -> None:
    row = WIRE["throttling"]
    assert (row["code"], row["http_status"], row["message"]) == (
        _signature.THROTTLING,
        _signature.THROTTLING_STATUS,
        _signature.THROTTLING_MESSAGE,
    )
    for action in Action:
        entry = lifecycle.error_table(action)[ErrorCode.THROTTLING]
        assert (ErrorCode.THROTTLING.value, entry.http_status, entry.message) == (
            row["code"],
            row["http_status"],
            row["message"],
        )


def test_the_server_s_bounds_are_the_documented_ones() -> None:
    row = WIRE["throttling"]
    assert row["listen_backlog"] == _server.LISTEN_BACKLOG
    assert row["listen_backlog"] == _server._HTTPServer.request_queue_size
    assert row["max_connections"] == _server.MAX_CONNECTIONS
