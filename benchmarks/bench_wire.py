"""Benchmark: the CPU one ECS call costs through each SDK, and the server's share of it.

Run it from the repository root with the test dependencies installed (the SDKs)::

    python benchmarks/bench_wire.py            # about half a minute on a slow 2-core VM
    python benchmarks/bench_wire.py --quick    # fewer calls: a few seconds

Every row makes the same call, ``RebootInstance`` of a Running instance with
``Durations.immediate()`` (Running -> Starting -> Running within the call, so
every call succeeds and leaves the instance as it found it), through more and
more layers:

1. ``EcsModel.reboot_instance(id)``: the model alone;
2. ``EcsModel.call("RebootInstance", {...})``: by documented name, as the wire calls it;
3. ``WireApp.handle(request)`` with verification off: parse, dispatch, render JSON;
4. ``WireApp.handle(request)`` with a V3-signed request: plus signing (client
   side, in the loop) and verifying;
5. ``http.client`` on a kept-alive connection to a ``serve``d app, V2-signed;
6. the same, V3-signed;
7. the Tea SDK (``alibabacloud-ecs20140526``), V3 signing, its default;
8. the Tea SDK with ``signature_algorithm="v2"``;
9. the old SDK (``aliyun-python-sdk-ecs`` on ``aliyun-python-sdk-core``).

Rows 5-9 talk to a real server on a loopback port, each on its own kept-alive
connection; the server runs in this process (its threads share the GIL with
the client), as it does in tests. Every figure is CPU time, never wall time
(this machine is shared and noisy): the first table is the process's CPU per
call, every thread (client and server) included. The second splits the
server's CPU per request for rows 5-9: the application's share (``WireApp``'s
WSGI call, timed in the handler thread with ``time.thread_time``: everything
after ``http.server`` hands the request over) and the server's own share
(parsing the request line and headers, building the WSGI ``environ``, writing
the answer), which is the process's CPU less the client thread's and the
application's. Each figure is the median of several batches; the rows are
shuffled round by round so a slow spell of the machine hits them alike.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alibabacloud_ecs20140526 import models as tea_models
from alibabacloud_ecs20140526.client import Client as TeaClient
from alibabacloud_tea_openapi import models as tea_openapi
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

from lifecycle import Durations, EcsModel
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, serve
from tests.wire_helpers import v2_params, v3_headers, v3_request

AK, SK = "LTAI-bench", "bench-secret"
INSTANCE = "i-bench"


class _TimedApp(WireApp):
    """The app, adding up the thread CPU time of its WSGI calls: the application's share."""

    cpu = 0.0

    def __call__(self, environ: Mapping[str, Any], start_response: Any) -> list[bytes]:
        start = time.thread_time()
        try:
            return super().__call__(environ, start_response)
        finally:
            # One request at a time: the client waits for each answer.
            self.cpu += time.thread_time() - start


def _app(verify: bool, kind: type[WireApp] = WireApp) -> WireApp:
    app = kind(
        [Credential(name="bench", access_key_id=AK, access_key_secret=SK)],
        WireConfig(verify=verify),
        durations=Durations.immediate(),
    )
    app.accounts["bench"].model.create_instance(INSTANCE, status="Running")
    return app


@dataclass
class _Row:
    name: str
    call: Callable[[], object]
    calls: int
    #: The signature version a served row's requests carry; ``None`` for in-process rows.
    signature: str | None = None
    cpu: list[float] = field(default_factory=list)
    app: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)


def _batch(row: _Row, served: _TimedApp) -> None:
    """One timed batch of ``row``: microseconds of CPU per call, split as above."""
    served.cpu = 0.0
    process, client = time.process_time(), time.thread_time()
    for _ in range(row.calls):
        row.call()
    process, client = time.process_time() - process, time.thread_time() - client
    row.cpu.append(process / row.calls * 1e6)
    if row.signature is not None:
        row.app.append(served.cpu / row.calls * 1e6)
        row.server.append((process - client - served.cpu) / row.calls * 1e6)


def _median(values: Iterable[float]) -> float:
    return statistics.median(values)


def _local_rows(batch: int) -> list[_Row]:
    """Rows 1-4: in this thread, no server."""
    model = EcsModel(durations=Durations.immediate())
    model.create_instance(INSTANCE, status="Running")
    open_app = _app(verify=False)
    signed_app = _app(verify=True)
    unsigned_query = urlencode(
        {
            "Action": "RebootInstance",
            "Version": "2014-05-26",
            "Format": "JSON",
            "InstanceId": INSTANCE,
        }
    )
    unsigned = WireRequest(method="POST", query=unsigned_query)
    return [
        _Row(
            "EcsModel.reboot_instance (the model alone)",
            lambda: model.reboot_instance(INSTANCE),
            batch,
        ),
        _Row(
            'EcsModel.call("RebootInstance", {...})',
            lambda: model.call("RebootInstance", {"InstanceId": INSTANCE}),
            batch,
        ),
        _Row("WireApp.handle, verification off", lambda: open_app.handle(unsigned), batch // 4),
        _Row(
            "WireApp.handle, V3 signed (sign + verify)",
            lambda: signed_app.handle(
                v3_request("RebootInstance", {"InstanceId": INSTANCE}, key=AK, secret=SK)
            ),
            batch // 10,
        ),
    ]


def _served_rows(endpoint: str, batch: int, connections: dict[str, HTTPConnection]) -> list[_Row]:
    """Rows 5-9: clients of the server at ``endpoint``, on kept-alive ``connections``."""
    tea_config: dict[str, object] = {
        "access_key_id": AK,
        "access_key_secret": SK,
        "region_id": "cn-hangzhou",
        "endpoint": endpoint,
        "protocol": "http",
        "read_timeout": 10_000,
        "connect_timeout": 5_000,
    }
    tea_v3 = TeaClient(tea_openapi.Config(**tea_config))
    v2_config = tea_openapi.Config(**tea_config)
    v2_config.signature_algorithm = "v2"
    tea_v2 = TeaClient(v2_config)
    old = AcsClient(AK, SK, "cn-hangzhou", auto_retry=False, timeout=10, connect_timeout=5)

    def exchange(version: str, target: str, headers: Mapping[str, str]) -> None:
        connection = connections[version]
        connection.request("POST", target, headers=dict(headers))
        response = connection.getresponse()
        response.read()
        assert response.status == 200

    def raw_v2() -> None:
        query = urlencode(v2_params("RebootInstance", {"InstanceId": INSTANCE}, key=AK, secret=SK))
        exchange("v2", "/?" + query, {})

    def raw_v3() -> None:
        query = [("InstanceId", INSTANCE)]
        headers = v3_headers("RebootInstance", query, key=AK, secret=SK, host=endpoint)
        exchange("v3", "/?" + urlencode(query), headers)

    def old_sdk() -> None:
        request = RebootInstanceRequest()
        request.set_InstanceId(INSTANCE)
        request.set_endpoint(endpoint)
        request.set_protocol_type("http")
        old.do_action_with_exception(request)

    tea_request = tea_models.RebootInstanceRequest
    return [
        _Row("http.client, keep-alive, V2 signed", raw_v2, batch, "V2"),
        _Row("http.client, keep-alive, V3 signed", raw_v3, batch, "V3"),
        _Row(
            "Tea SDK (alibabacloud-ecs20140526), V3",
            lambda: tea_v3.reboot_instance(tea_request(instance_id=INSTANCE)),
            batch,
            "V3",
        ),
        _Row(
            'Tea SDK, signature_algorithm="v2"',
            lambda: tea_v2.reboot_instance(tea_request(instance_id=INSTANCE)),
            batch,
            "V2",
        ),
        _Row("old SDK (aliyun-python-sdk-core + -ecs)", old_sdk, batch, "V2"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 9
    served = _app(verify=True, kind=_TimedApp)
    assert isinstance(served, _TimedApp)
    server = serve(served)
    connections = {
        version: HTTPConnection(server.host, server.port, timeout=10) for version in ("v2", "v3")
    }
    rows = _local_rows(2_000 if args.quick else 20_000)
    rows += _served_rows(server.endpoint, 50 if args.quick else 300, connections)
    shuffle = random.Random(14)
    try:
        for row in rows:  # warm up: imports, connections, caches
            for _ in range(20):
                row.call()
        for _ in range(rounds):
            for row in shuffle.sample(rows, len(rows)):
                _batch(row, served)
    finally:
        for connection in connections.values():
            connection.close()
        server.shutdown()
    _report(rows, rounds)


def _report(rows: list[_Row], rounds: int) -> None:
    yardstick = min(_yardstick() for _ in range(5))
    print(
        f"lifecycle.wire CPU per call (every thread), median of {rounds} shuffled rounds "
        f"(sum(range(1000)) = {yardstick:.1f} µs)"
    )
    base = _median(rows[0].cpu)
    width = max(len(row.name) for row in rows)
    print(f"{'path':<{width}}  {'µs/call':>9}  {'x model':>8}  {'calls/CPU-s':>11}")
    for row in rows:
        median = _median(row.cpu)
        print(f"{row.name:<{width}}  {median:>9.1f}  {median / base:>8.0f}  {1e6 / median:>11.0f}")
    print()
    print("The server's CPU per signed request (µs, thread CPU): the application's share")
    print("(WireApp, after http.server hands the request over) beside http.server's own")
    print(f"{'client':<{width}}  {'sig':>3}  {'app':>7}  {'server':>7}  {'total':>7}")
    for row in rows:
        if row.signature is None:
            continue
        app, own = _median(row.app), _median(row.server)
        total = _median(a + s for a, s in zip(row.app, row.server, strict=True))
        line = f"{row.name:<{width}}  {row.signature:>3}  {app:>7.1f}  {own:>7.1f}  {total:>7.1f}"
        print(line)


def _yardstick() -> float:
    """Microseconds of thread CPU for ``sum(range(1000))``: how fast the machine is now."""
    start = time.thread_time()
    for _ in range(1000):
        sum(range(1000))
    return (time.thread_time() - start) / 1000 * 1e6


if __name__ == "__main__":
    main()
