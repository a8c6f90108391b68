"""Benchmark: what one ECS call costs through each official SDK, against the model call alone.

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
6. the Tea SDK (``alibabacloud-ecs20140526``), V3 signing, its default;
7. the Tea SDK with ``signature_algorithm="v2"``;
8. the old SDK (``aliyun-python-sdk-ecs`` on ``aliyun-python-sdk-core``).

Rows 5-8 talk to a real server on a loopback port, each on its own kept-alive
connection; the server runs in this process (its threads share the GIL with
the client), as it does in tests. Each row's figure is the median of several
timed batches, in microseconds per call; rows are interleaved round by round
so a slow spell of the machine hits them alike. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alibabacloud_ecs20140526 import models as tea_models
from alibabacloud_ecs20140526.client import Client as TeaClient
from alibabacloud_tea_openapi import models as tea_openapi
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

from lifecycle import Durations, EcsModel
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, serve
from tests.wire_helpers import v2_params, v3_request

AK, SK = "LTAI-bench", "bench-secret"
INSTANCE = "i-bench"


def _app(verify: bool) -> WireApp:
    app = WireApp(
        [Credential(name="bench", access_key_id=AK, access_key_secret=SK)],
        WireConfig(verify=verify),
        durations=Durations.immediate(),
    )
    app.accounts["bench"].model.create_instance(INSTANCE, status="Running")
    return app


def _time(call: Callable[[], object], calls: int) -> float:
    """Microseconds per call over one batch."""
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - start) / calls * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 7
    batch_fast = 2_000 if args.quick else 20_000
    batch_http = 50 if args.quick else 300

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

    server_app = _app(verify=True)
    server = serve(server_app)
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    tea_config: dict[str, object] = {
        "access_key_id": AK,
        "access_key_secret": SK,
        "region_id": "cn-hangzhou",
        "endpoint": server.endpoint,
        "protocol": "http",
        "read_timeout": 10_000,
        "connect_timeout": 5_000,
    }
    tea_v3 = TeaClient(tea_openapi.Config(**tea_config))
    v2_config = tea_openapi.Config(**tea_config)
    v2_config.signature_algorithm = "v2"
    tea_v2 = TeaClient(v2_config)
    old = AcsClient(AK, SK, "cn-hangzhou", auto_retry=False, timeout=10, connect_timeout=5)

    def raw_http() -> None:
        query = urlencode(v2_params("RebootInstance", {"InstanceId": INSTANCE}, key=AK, secret=SK))
        connection.request("POST", "/?" + query)
        response = connection.getresponse()
        response.read()
        assert response.status == 200

    def old_sdk() -> None:
        request = RebootInstanceRequest()
        request.set_InstanceId(INSTANCE)
        request.set_endpoint(server.endpoint)
        request.set_protocol_type("http")
        old.do_action_with_exception(request)

    rows: list[tuple[str, Callable[[], object], int]] = [
        (
            "EcsModel.reboot_instance (the model alone)",
            lambda: model.reboot_instance(INSTANCE),
            batch_fast,
        ),
        (
            'EcsModel.call("RebootInstance", {...})',
            lambda: model.call("RebootInstance", {"InstanceId": INSTANCE}),
            batch_fast,
        ),
        ("WireApp.handle, verification off", lambda: open_app.handle(unsigned), batch_fast // 4),
        (
            "WireApp.handle, V3 signed (sign + verify)",
            lambda: signed_app.handle(
                v3_request("RebootInstance", {"InstanceId": INSTANCE}, key=AK, secret=SK)
            ),
            batch_fast // 10,
        ),
        ("http.client, keep-alive, V2 signed", raw_http, batch_http),
        (
            "Tea SDK (alibabacloud-ecs20140526), V3",
            lambda: tea_v3.reboot_instance(tea_models.RebootInstanceRequest(instance_id=INSTANCE)),
            batch_http,
        ),
        (
            'Tea SDK, signature_algorithm="v2"',
            lambda: tea_v2.reboot_instance(tea_models.RebootInstanceRequest(instance_id=INSTANCE)),
            batch_http,
        ),
        ("old SDK (aliyun-python-sdk-core + -ecs)", old_sdk, batch_http),
    ]
    results: dict[str, list[float]] = {name: [] for name, _, _ in rows}
    try:
        for _, call, _ in rows:  # warm up: imports, connections, caches
            for _ in range(20):
                call()
        for _ in range(rounds):
            for name, call, calls in rows:
                results[name].append(_time(call, calls))
    finally:
        connection.close()
        server.shutdown()

    yardstick = min(_time(lambda: sum(range(1000)), 1000) for _ in range(5))
    print(
        f"lifecycle.wire per-call cost, median of {rounds} batches "
        f"(sum(range(1000)) = {yardstick:.1f} µs)"
    )
    base = statistics.median(results[rows[0][0]])
    width = max(len(name) for name, _, _ in rows)
    print(f"{'path':<{width}}  {'µs/call':>9}  {'x model':>8}  {'calls/s':>8}")
    for name, _, _ in rows:
        median = statistics.median(results[name])
        print(f"{name:<{width}}  {median:>9.1f}  {median / base:>8.0f}  {1e6 / median:>8.0f}")


if __name__ == "__main__":
    main()
