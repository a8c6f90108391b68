"""Under concurrency (issue 10, items 1 and 5): a client following the event feed's ``next``
sees every event exactly once while other threads change the model, and a nonce is
accepted once however many threads replay it at the same moment, one account's flood
never lets another's request replay, and no account gets more than its share.

Loops are bounded by counts, never by the clock; threads meet at barriers.
"""

from __future__ import annotations

import json
import threading
from collections import Counter

from lifecycle import Durations
from lifecycle.wire import Credential, WireApp, WireConfig, WireRequest
from tests.wire_helpers import AK, AK_B, SK, SK_B, body_json, v2_request

TOKEN = "concurrency-token"
CREDENTIALS = [
    Credential(name="alice", access_key_id=AK, access_key_secret=SK),
    Credential(name="bob", access_key_id=AK_B, access_key_secret=SK_B),
]


def read_feed(app: WireApp, after: int) -> tuple[list[int], int]:
    response = app.handle(
        WireRequest(
            method="GET",
            path="/_lifecycle/accounts/alice/events",
            query=f"after={after}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            remote_addr="127.0.0.1",
        )
    )
    assert response.status == 200
    answer = json.loads(response.body)
    return [event["number"] for event in answer["events"]], answer["next"]


def test_a_reader_following_next_sees_every_event_once_while_writers_run() -> None:
    app = WireApp(CREDENTIALS, WireConfig(), durations=Durations.immediate(), control_token=TOKEN)
    model = app.accounts["alice"].model
    writers, rounds = 6, 60
    ids = [model.create_instance(f"i-{n}", status="Stopped") for n in range(writers)]
    start = threading.Barrier(writers + 1)
    done = threading.Event()
    seen: list[int] = []

    def writer(instance_id: str) -> None:
        start.wait()
        for _ in range(rounds):
            model.start_instance(instance_id)
            model.stop_instance(instance_id)

    def reader() -> None:
        after = 0
        start.wait()
        for _ in range(100_000):  # bounded; ends once the writers are done and read out
            finished = done.is_set()
            numbers, after = read_feed(app, after)
            seen.extend(numbers)
            if finished:
                return

    threads = [threading.Thread(target=writer, args=(i,)) for i in ids]
    following = threading.Thread(target=reader)
    for thread in [*threads, following]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    following.join()
    total = app.accounts["alice"].events.read(0)[1]
    # Creation, then start and stop, each with its settling transition.
    assert total == writers + writers * rounds * 4
    assert seen == list(range(total))


def test_one_nonce_sent_by_many_threads_at_once_is_accepted_once() -> None:
    app = WireApp(CREDENTIALS, WireConfig(), durations=Durations.immediate())
    app.accounts["alice"].model.create_instance("i-1", status="Running")
    request = v2_request("RebootInstance", {"InstanceId": "i-1"}, nonce="the-one")
    threads = 16
    start = threading.Barrier(threads)
    codes: list[str] = []
    lock = threading.Lock()

    def replay() -> None:
        start.wait()
        answer = app.handle(request)
        with lock:
            codes.append("OK" if answer.status == 200 else body_json(answer)["Code"])

    workers = [threading.Thread(target=replay) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert Counter(codes) == {"OK": 1, "SignatureNonceUsed": threads - 1}


def test_floods_from_two_accounts_keep_to_their_shares_and_never_replay() -> None:
    share = 40
    app = WireApp(CREDENTIALS, WireConfig(max_nonces=2 * share))
    keys = {"alice": (AK, SK), "bob": (AK_B, SK_B)}
    per_thread, threads_per_account = 30, 4
    start = threading.Barrier(2 * threads_per_account)
    outcomes: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def flood(account: str, worker: int) -> None:
        key, secret = keys[account]
        requests = [
            v2_request(
                "DescribeInstanceStatus",
                {"RegionId": "r"},
                key=key,
                secret=secret,
                nonce=f"{account}-{worker}-{n}",
            )
            for n in range(per_thread)
        ]
        start.wait()
        for request in requests:
            first = app.handle(request)
            again = app.handle(request)  # a replay, at once, from the same thread
            code = "OK" if first.status == 200 else body_json(first)["Code"]
            replayed = "OK" if again.status == 200 else body_json(again)["Code"]
            with lock:
                outcomes[(account, code)] += 1
                outcomes[(account, f"replay {replayed}")] += 1

    workers = [
        threading.Thread(target=flood, args=(account, worker))
        for account in keys
        for worker in range(threads_per_account)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    sent = per_thread * threads_per_account
    for account in keys:
        assert outcomes[(account, "OK")] == share
        assert outcomes[(account, "Throttling")] == sent - share
        assert outcomes[(account, "replay OK")] == 0
