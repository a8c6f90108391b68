"""Benchmark: the CPU one ECS call costs through each SDK, and the server's share of it.

Run it from the repository root with the test dependencies installed (the SDKs)::

    python benchmarks/bench_wire.py            # about half a minute on a slow 2-core VM
    python benchmarks/bench_wire.py --quick    # fewer calls: a few seconds
    python benchmarks/bench_wire.py --one-core # client and server(s) on one CPU (Linux)

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
connection, in two arrangements, each row measured in both:

* **in-process**: the server runs in this process (its threads share the GIL
  and the CPU caches with the client), as it does in tests;
* **own process**: the server runs in a child process, as ``lifecycle serve``
  runs it (``WireServer.serve_forever`` in the main thread, a thread per
  connection; ``serve``'s default running clock), and the clients stay here.
  The child answers each line on its stdin with its counters; it is stopped by
  closing that pipe (or, failing that, killed by its pid).

Every figure is CPU time, never wall time (this machine is shared and noisy):
the first table is the CPU per call of every thread involved (this process's,
plus the child's for the own-process rows). The second splits the server's
CPU per request: the application's share (``WireApp``'s WSGI call, timed in
the handler thread with ``time.thread_time``: everything after
``http.server`` hands the request over) and the server's own share (parsing
the request line and headers, building the WSGI ``environ``, writing the
answer): in-process, the process's CPU less the client thread's and the
application's; in its own process, the server process's CPU less the
application's. Each figure is the median of several batches; the rows are
shuffled round by round so a slow spell of the machine hits them alike.
Nothing is asserted.

Where the scheduler puts the server's thread moves the split: on the client's
CPU (a busy machine), the client's work leaves the server's caches cold and a
process switch costs more than a thread switch; on the other CPU (an idle
machine), the server keeps its caches but pays for the cross-CPU wake-ups.
``--one-core`` pins this process and the child to one CPU, for figures that
do not depend on it.
"""

from __future__ import annotations

import _thread
import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lifecycle import Durations, EcsModel
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest, WireServer, serve
from lifecycle.wire._accounts import Accounts, ServerClock

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


def _app(verify: bool, kind: type[WireApp] = WireApp, time_scale: float = 0.0) -> WireApp:
    accounts = Accounts(
        [Credential(name="bench", access_key_id=AK, access_key_secret=SK)],
        clock=ServerClock(time_scale=time_scale),
        durations=Durations.immediate(),
    )
    app = kind(accounts, WireConfig(verify=verify))
    app.accounts["bench"].model.create_instance(INSTANCE, status="Running")
    return app


class _Meter(Protocol):
    def read(self) -> tuple[float, float, float]:
        """Seconds of CPU so far: every thread involved, the application's, the server's own."""


class _Process:
    """This process's CPU alone: the rows without a server."""

    def read(self) -> tuple[float, float, float]:
        return time.process_time(), 0.0, 0.0


class _InProcess:
    """The counters of this process, where the client and a ``_TimedApp``'s server both run."""

    def __init__(self, served: _TimedApp) -> None:
        self.served = served

    def read(self) -> tuple[float, float, float]:
        # Called from the client thread: the process less this thread is the server.
        process, client, app = time.process_time(), time.thread_time(), self.served.cpu
        return process, app, process - client - app


class _Child:
    """The server in a child process (``--serve-child``), and its counters."""

    def __init__(self) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-child"]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self._stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        self._stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        self.endpoint = self._stdout.readline().strip()
        if not self.endpoint:
            self.stop()
            raise RuntimeError("the benchmark's server process did not start")

    def read(self) -> tuple[float, float, float]:
        self._stdin.write("\n")
        self._stdin.flush()
        app, process = map(float, self._stdout.readline().split())
        return time.process_time() + process, app, process - app

    def stop(self) -> None:
        """Stop the child (this process's own, by its pid): EOF on its stdin, else kill."""
        self._stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stdout.close()


def _serve_child() -> None:
    """The child: a ``_TimedApp`` served as ``lifecycle serve`` serves (``prepare``'s pieces,
    with ``serve``'s defaults: a running clock, the control surface on), in the foreground.

    Prints its endpoint, then answers each line on stdin with the application's
    and the process's CPU seconds so far; at EOF, stops as Ctrl-C stops ``serve``.
    """
    app = _app(verify=True, kind=_TimedApp, time_scale=1.0)
    assert isinstance(app, _TimedApp)
    server = WireServer(app, host="127.0.0.1", port=0)
    print(server.endpoint, flush=True)

    def counters() -> None:
        for _ in sys.stdin:
            print(f"{app.cpu!r} {time.process_time()!r}", flush=True)
        _thread.interrupt_main()

    threading.Thread(target=counters, name="bench-counters", daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


#: The two arrangements of the served rows.
IN_PROCESS = "in-process"
OWN_PROCESS = "own process"


@dataclass
class _Row:
    name: str
    call: Callable[[], object]
    calls: int
    meter: _Meter
    #: The signature version a served row's requests carry; ``None`` for in-process rows.
    signature: str | None = None
    #: ``IN_PROCESS`` or ``OWN_PROCESS`` for a served row.
    arrangement: str | None = None
    cpu: list[float] = field(default_factory=list)
    app: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)


def _batch(row: _Row) -> None:
    """One timed batch of ``row``: microseconds of CPU per call, split as above."""
    cpu, app, own = row.meter.read()
    for _ in range(row.calls):
        row.call()
    cpu_after, app_after, own_after = row.meter.read()
    row.cpu.append((cpu_after - cpu) / row.calls * 1e6)
    if row.signature is not None:
        row.app.append((app_after - app) / row.calls * 1e6)
        row.server.append((own_after - own) / row.calls * 1e6)


def _median(values: Iterable[float]) -> float:
    return statistics.median(values)


def _local_rows(batch: int) -> list[_Row]:
    """Rows 1-4: in this thread, no server."""
    from tests.wire_helpers import v3_request  # noqa: PLC0415 (not in the server's process)

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
    meter = _Process()
    return [
        _Row(
            "EcsModel.reboot_instance (the model alone)",
            lambda: model.reboot_instance(INSTANCE),
            batch,
            meter,
        ),
        _Row(
            'EcsModel.call("RebootInstance", {...})',
            lambda: model.call("RebootInstance", {"InstanceId": INSTANCE}),
            batch,
            meter,
        ),
        _Row(
            "WireApp.handle, verification off",
            lambda: open_app.handle(unsigned),
            batch // 4,
            meter,
        ),
        _Row(
            "WireApp.handle, V3 signed (sign + verify)",
            lambda: signed_app.handle(
                v3_request("RebootInstance", {"InstanceId": INSTANCE}, key=AK, secret=SK)
            ),
            batch // 10,
            meter,
        ),
    ]


def _served_rows(
    endpoint: str,
    batch: int,
    connections: dict[str, HTTPConnection],
    meter: _Meter,
    arrangement: str,
) -> list[_Row]:
    """Rows 5-9: clients of the server at ``endpoint``, on kept-alive ``connections``."""
    # Imported here, not in the server's process (``--serve-child``), which
    # loads what ``lifecycle serve`` loads and no more.
    from alibabacloud_ecs20140526 import models as tea_models  # noqa: PLC0415
    from alibabacloud_ecs20140526.client import Client as TeaClient  # noqa: PLC0415
    from alibabacloud_tea_openapi import models as tea_openapi  # noqa: PLC0415
    from aliyunsdkcore.client import AcsClient  # noqa: PLC0415
    from aliyunsdkecs.request.v20140526.RebootInstanceRequest import (  # noqa: PLC0415
        RebootInstanceRequest,
    )

    from tests.wire_helpers import v2_params, v3_headers  # noqa: PLC0415

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
    clients: list[tuple[str, Callable[[], object], str]] = [
        ("http.client, keep-alive, V2 signed", raw_v2, "V2"),
        ("http.client, keep-alive, V3 signed", raw_v3, "V3"),
        (
            "Tea SDK (alibabacloud-ecs20140526), V3",
            lambda: tea_v3.reboot_instance(tea_request(instance_id=INSTANCE)),
            "V3",
        ),
        (
            'Tea SDK, signature_algorithm="v2"',
            lambda: tea_v2.reboot_instance(tea_request(instance_id=INSTANCE)),
            "V2",
        ),
        ("old SDK (aliyun-python-sdk-core + -ecs)", old_sdk, "V2"),
    ]
    return [
        _Row(name, call, batch, meter, signature, arrangement) for name, call, signature in clients
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    parser.add_argument(
        "--one-core", action="store_true", help="run the client and the servers on one CPU"
    )
    parser.add_argument("--serve-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_child:
        _serve_child()
        return
    if args.one_core:  # before the child starts: it inherits the mask
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rounds = 3 if args.quick else 9
    served = _app(verify=True, kind=_TimedApp)
    assert isinstance(served, _TimedApp)
    server = serve(served)
    child = _Child()
    connections: list[HTTPConnection] = []

    def connect(endpoint: str) -> dict[str, HTTPConnection]:
        host, _, port = endpoint.rpartition(":")
        made = {version: HTTPConnection(host, int(port), timeout=10) for version in ("v2", "v3")}
        connections.extend(made.values())
        return made

    batch = 50 if args.quick else 300
    rows = _local_rows(2_000 if args.quick else 20_000)
    endpoint = server.endpoint
    rows += _served_rows(endpoint, batch, connect(endpoint), _InProcess(served), IN_PROCESS)
    rows += _served_rows(child.endpoint, batch, connect(child.endpoint), child, OWN_PROCESS)
    shuffle = random.Random(14)
    try:
        for row in rows:  # warm up: imports, connections, caches
            for _ in range(20):
                row.call()
        for _ in range(rounds):
            for row in shuffle.sample(rows, len(rows)):
                _batch(row)
    finally:
        for connection in connections:
            connection.close()
        server.shutdown()
        child.stop()
    _report(rows, rounds)


def _report(rows: list[_Row], rounds: int) -> None:
    yardstick = min(_yardstick() for _ in range(5))
    print(
        f"lifecycle.wire CPU per call (every thread, the server's process too), median of "
        f"{rounds} shuffled rounds (sum(range(1000)) = {yardstick:.1f} µs)"
    )
    base = _median(rows[0].cpu)
    names = [row.name + (f" [{row.arrangement}]" if row.arrangement else "") for row in rows]
    width = max(map(len, names))
    print(f"{'path':<{width}}  {'µs/call':>9}  {'x model':>8}  {'calls/CPU-s':>11}")
    for name, row in zip(names, rows, strict=True):
        median = _median(row.cpu)
        print(f"{name:<{width}}  {median:>9.1f}  {median / base:>8.0f}  {1e6 / median:>11.0f}")
    print()
    print("The server's CPU per signed request (µs, thread CPU): the application's share")
    print("(WireApp, after http.server hands the request over) beside http.server's own;")
    print(f"{IN_PROCESS}: the server in the client's process (as in tests); {OWN_PROCESS}:")
    print("the server in a process of its own, as `lifecycle serve` runs it")
    served = [row for row in rows if row.signature is not None]
    width = max(len(row.name) for row in served)
    arrangements = (IN_PROCESS, OWN_PROCESS)
    print(f"{'':<{width}}       " + "  ".join(f"{a:-^25}" for a in arrangements))
    columns = "  ".join(f"{'app':>7}  {'server':>7}  {'total':>7}" for _ in arrangements)
    print(f"{'client':<{width}}  {'sig':>3}  {columns}")
    for name in dict.fromkeys(row.name for row in served):
        figures = []
        for arrangement in arrangements:
            (row,) = (r for r in served if r.name == name and r.arrangement == arrangement)
            app, own = _median(row.app), _median(row.server)
            total = _median(a + s for a, s in zip(row.app, row.server, strict=True))
            figures.append(f"{app:>7.1f}  {own:>7.1f}  {total:>7.1f}")
        print(f"{name:<{width}}  {row.signature:>3}  {'  '.join(figures)}")


def _yardstick() -> float:
    """Microseconds of thread CPU for ``sum(range(1000))``: how fast the machine is now."""
    start = time.thread_time()
    for _ in range(1000):
        sum(range(1000))
    return (time.thread_time() - start) / 1000 * 1e6


if __name__ == "__main__":
    main()
