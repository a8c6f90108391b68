"""An "ensure running" routine, as ops scripts and autoscalers write it, and a broken twin.

``ensure_running`` starts an instance if it is Stopped, retries on the
answers a healthy ECS gives under load or in a race (``IncorrectInstanceStatus``,
``InternalError``, ``Throttling``), polls until the instance is Running, and
gives up after a bound. It talks to anything with ``call(action, params)``
that returns the documented response body and raises an exception carrying
the error ``code``: an SDK client behind a thin adapter, or
``lifecycle.testing.ModelClient`` in tests.

``ensure_running_broken`` looks just as reasonable and passes every test
without faults. It retries a start that failed with ``InternalError`` at
once, without looking again, and takes ``IncorrectInstanceStatus`` on that
retry as final. When the ``InternalError`` was a lost response (the start
*did* happen), the retry finds the instance already Starting, and the routine
gives up on an instance that is about to be Running. ``tests/test_examples.py``
shows the harness finding that, shrunk to one lost response.
"""

from __future__ import annotations

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
