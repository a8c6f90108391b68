"""An "ensure running" routine, as ops scripts and autoscalers write it, and a broken twin.

``ensure_running`` starts an instance if it is Stopped, retries on the
answers a healthy ECS gives under load or in a race (``IncorrectInstanceStatus``,
``InternalError``, ``Throttling``), polls until the instance is Running, and
gives up after a bound. It talks to anything with ``call(action, params)``
that returns the documented response body and raises an exception carrying
the error ``code``: an SDK client behind a thin adapter, or
``lifecycle.testing.ModelClient`` in tests.

``ensure_all_running`` does the same for many instances the way Terraform and
the Ansible modules do: one StartInstances (``SuccessFirst``) for the Stopped
ones, then DescribeInstances polls, page by page. Its broken twin
``ensure_all_running_broken`` reads the first page only; the harness finds
that with a fleet of 11.

``ensure_running_broken`` looks just as reasonable and passes every test
without faults. It retries a start that failed with ``InternalError`` at
once, without looking again, and takes ``IncorrectInstanceStatus`` on that
retry as final. When the ``InternalError`` was a lost response (the start
*did* happen), the retry finds the instance already Starting, and the routine
gives up on an instance that is about to be Running. ``tests/test_examples.py``
shows the harness finding that, shrunk to one lost response.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Final, Protocol


class EcsClient(Protocol):
    """The calls the routine needs, by documented action and parameter names."""

    def call(self, action: str, params: Mapping[str, object]) -> Mapping[str, object]:
        """Send one call; return the response body or raise an error with ``.code``."""
        ...  # pragma: no cover


class GaveUp(Exception):
    """The instance was not Running within the routine's bounds."""


#: Answers worth retrying: a race with another status change, or a transient fault.
RETRYABLE: Final = frozenset({"IncorrectInstanceStatus", "InternalError", "Throttling"})


def error_code(error: BaseException) -> str | None:
    """The ECS error code an exception carries, if any."""
    code = getattr(error, "code", None)
    return str(code) if code is not None else None


def describe_status(client: EcsClient, instance_id: str) -> str:
    """The instance's status, as DescribeInstanceStatus lists it.

    Raises:
        LookupError: if the listing does not include the instance (no such instance).
    """
    body = client.call("DescribeInstanceStatus", {"InstanceId": [instance_id]})
    wrapper = body.get("InstanceStatuses")
    items = wrapper.get("InstanceStatus", []) if isinstance(wrapper, Mapping) else []
    for item in items:
        if isinstance(item, Mapping) and item.get("InstanceId") == instance_id:
            return str(item.get("Status"))
    raise LookupError(f"{instance_id} does not exist")


def ensure_running(
    client: EcsClient,
    instance_id: str,
    *,
    sleep: Callable[[float], None],
    attempts: int = 5,
    poll_interval: float = 10.0,
    max_wait: float = 900.0,
) -> None:
    """Make sure ``instance_id`` is Running: start it if Stopped, then wait for it.

    Args:
        client: The ECS client.
        instance_id: The instance.
        sleep: Waits the given seconds (``time.sleep``, or ``ModelClient.sleep``).
        attempts: Retryable failures tolerated before giving up.
        poll_interval: Seconds between polls.
        max_wait: Seconds of polling before giving up.

    Raises:
        GaveUp: after ``attempts`` retryable failures or ``max_wait`` seconds.
        Exception: the client's error for any other code (a locked, expired or
            unpaid instance will not start however often it is asked).
    """
    failures = 0
    waited = 0.0
    while True:
        try:
            status = describe_status(client, instance_id)
            if status == "Running":
                return
            if status == "Stopped":
                client.call("StartInstance", {"InstanceId": instance_id})
        except Exception as error:
            if error_code(error) not in RETRYABLE:
                raise
            # Whatever happened (a race, a throttle, a lost response), look again
            # before deciding: the next poll shows what the start really did.
            failures += 1
            if failures >= attempts:
                raise GaveUp(
                    f"{instance_id}: {failures} failures, last {error_code(error)}"
                ) from error
        if waited >= max_wait:
            raise GaveUp(f"{instance_id}: not Running after {waited:g} s")
        sleep(poll_interval)
        waited += poll_interval


def ensure_running_broken(
    client: EcsClient,
    instance_id: str,
    *,
    sleep: Callable[[float], None],
    attempts: int = 5,
    poll_interval: float = 10.0,
    max_wait: float = 900.0,
) -> None:
    """Like ``ensure_running``, with a bug: it does not survive a lost response.

    On ``InternalError`` from StartInstance it sends StartInstance again at
    once; if that answers ``IncorrectInstanceStatus`` it gives up. After a lost
    response the instance is already Starting, so it always gives up.
    """
    failures = 0
    waited = 0.0
    while True:
        try:
            status = describe_status(client, instance_id)
            if status == "Running":
                return
            if status == "Stopped":
                _start_with_retry(client, instance_id, attempts)
        except Exception as error:
            if error_code(error) not in RETRYABLE:
                raise
            failures += 1
            if failures >= attempts:
                raise GaveUp(
                    f"{instance_id}: {failures} failures, last {error_code(error)}"
                ) from error
        if waited >= max_wait:
            raise GaveUp(f"{instance_id}: not Running after {waited:g} s")
        sleep(poll_interval)
        waited += poll_interval


def _start_with_retry(client: EcsClient, instance_id: str, attempts: int) -> None:
    for _ in range(attempts):
        try:
            client.call("StartInstance", {"InstanceId": instance_id})
            return
        except Exception as error:
            if error_code(error) != "InternalError":
                if error_code(error) == "IncorrectInstanceStatus":
                    # BUG: "the instance cannot be started" -- but it is already starting.
                    raise GaveUp(f"{instance_id} cannot be started") from error
                raise
    raise GaveUp(f"{instance_id}: StartInstance kept failing")


# -- a fleet, the way Terraform and the Ansible modules drive one -------------------


def fleet_statuses(client: EcsClient, instance_ids: list[str]) -> dict[str, str]:
    """Every named instance's status, as DescribeInstances lists them, page by page.

    Raises:
        LookupError: naming the instances the listing does not include.
    """
    statuses: dict[str, str] = {}
    number = 1
    while True:
        body = client.call(
            "DescribeInstances",
            {
                "RegionId": "cn-hangzhou",
                "InstanceIds": json.dumps(instance_ids),
                "PageNumber": number,
                "PageSize": 10,
            },
        )
        statuses.update(_listed(body))
        if number * 10 >= int(str(body.get("TotalCount", 0))):
            break
        number += 1
    missing = [i for i in instance_ids if i not in statuses]
    if missing:
        raise LookupError(f"{', '.join(missing)} do not exist")
    return statuses


def ensure_all_running(
    client: EcsClient,
    instance_ids: list[str],
    *,
    sleep: Callable[[float], None],
    attempts: int = 5,
    poll_interval: float = 10.0,
    max_wait: float = 900.0,
) -> None:
    """Make sure every one of ``instance_ids`` is Running: start the Stopped ones with
    one StartInstances (``SuccessFirst``), then poll DescribeInstances until all run.

    A per-instance ``IncorrectInstanceStatus`` is a race (the instance moved on
    since the listing): the next poll shows where it went. Any other
    per-instance code is final for that instance.

    Raises:
        GaveUp: after ``attempts`` retryable failures or ``max_wait`` seconds.
        RefusedError: naming each instance that will not start and its code.
        LookupError: naming the instances that do not exist.
        Exception: the client's error for any other request-level code.
    """
    _ensure_all(client, instance_ids, fleet_statuses, sleep, attempts, poll_interval, max_wait)


def ensure_all_running_broken(
    client: EcsClient,
    instance_ids: list[str],
    *,
    sleep: Callable[[float], None],
    attempts: int = 5,
    poll_interval: float = 10.0,
    max_wait: float = 900.0,
) -> None:
    """Like ``ensure_all_running``, with a bug: it reads only the first page of
    DescribeInstances, so it takes the 11th instance for one that does not exist."""
    _ensure_all(
        client, instance_ids, fleet_statuses_broken, sleep, attempts, poll_interval, max_wait
    )


def _ensure_all(
    client: EcsClient,
    instance_ids: list[str],
    read: Callable[[EcsClient, list[str]], dict[str, str]],
    sleep: Callable[[float], None],
    attempts: int,
    poll_interval: float,
    max_wait: float,
) -> None:
    failures = 0
    waited = 0.0
    while True:
        try:
            statuses = read(client, instance_ids)
            if all(status == "Running" for status in statuses.values()):
                return
            stopped = [i for i in instance_ids if statuses[i] == "Stopped"]
            if stopped:
                body = client.call(
                    "StartInstances",
                    {
                        "RegionId": "cn-hangzhou",
                        "InstanceId": stopped,
                        "BatchOptimization": "SuccessFirst",
                    },
                )
                refused = {
                    str(entry.get("InstanceId")): str(entry.get("Code"))
                    for entry in _entries(body)
                    if str(entry.get("Code")) not in ("200", "IncorrectInstanceStatus")
                }
                if refused:
                    raise RefusedError(refused)
        except RefusedError:
            raise
        except Exception as error:
            if error_code(error) not in RETRYABLE:
                raise
            failures += 1
            if failures >= attempts:
                raise GaveUp(f"{failures} failures, last {error_code(error)}") from error
        if waited >= max_wait:
            raise GaveUp(f"not all Running after {waited:g} s")
        sleep(poll_interval)
        waited += poll_interval


def fleet_statuses_broken(client: EcsClient, instance_ids: list[str]) -> dict[str, str]:
    """Like ``fleet_statuses``, with a bug: it reads the first page only (10 instances)."""
    body = client.call(
        "DescribeInstances", {"RegionId": "cn-hangzhou", "InstanceIds": json.dumps(instance_ids)}
    )
    statuses = _listed(body)  # BUG: TotalCount may be more than one page holds
    missing = [i for i in instance_ids if i not in statuses]
    if missing:
        raise LookupError(f"{', '.join(missing)} do not exist")
    return statuses


class RefusedError(Exception):
    """StartInstances refused some instances for good: ``refused`` maps each to its code."""

    def __init__(self, refused: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{i}: {code}" for i, code in sorted(refused.items())))
        self.refused = dict(refused)


def _listed(body: Mapping[str, object]) -> dict[str, str]:
    wrapper = body.get("Instances")
    items = wrapper.get("Instance", []) if isinstance(wrapper, Mapping) else []
    return {
        str(item.get("InstanceId")): str(item.get("Status"))
        for item in items
        if isinstance(item, Mapping)
    }


def _entries(body: Mapping[str, object]) -> list[Mapping[str, object]]:
    wrapper = body.get("InstanceResponses")
    items = wrapper.get("InstanceResponse", []) if isinstance(wrapper, Mapping) else []
    return [item for item in items if isinstance(item, Mapping)]
