"""``lifecycle.errors``: the exception tree and the error catalogue."""

from __future__ import annotations

import pytest

import lifecycle
from lifecycle.errors import ApiError, ErrorCode, InvalidArgument, LifecycleError, SpecError


def test_the_root_cannot_be_raised_directly() -> None:
    with pytest.raises(TypeError, match="abstract"):
        LifecycleError("no")


def test_every_library_exception_shares_the_root() -> None:
    for kind in (ApiError, InvalidArgument, SpecError):
        assert issubclass(kind, LifecycleError)


def test_invalid_argument_is_also_a_type_error_and_a_value_error() -> None:
    assert issubclass(InvalidArgument, TypeError)
    assert issubclass(InvalidArgument, ValueError)


def test_api_error_carries_the_documented_payload() -> None:
    model = lifecycle.EcsModel(seed=3)
    with pytest.raises(ApiError) as caught:
        model.start_instance("i-missing")
    error = caught.value
    entry = lifecycle.error_table("StartInstance")[ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND]
    assert (error.http_status, error.message) == (entry.http_status, entry.message)
    assert error.action is lifecycle.Action.START_INSTANCE
    assert str(error) == (
        f"404 InvalidInstanceId.NotFound: The specified InstanceId does not exist. "
        f"(RequestId: {error.request_id})"
    )
    assert error.to_dict() == {
        "RequestId": error.request_id,
        "Code": "InvalidInstanceId.NotFound",
        "Message": "The specified InstanceId does not exist.",
    }
    assert "http_status=404" in repr(error)


def test_the_same_code_carries_each_actions_own_status_and_message() -> None:
    start = lifecycle.error_table("StartInstance")[ErrorCode.DISK_ERROR]
    reboot = lifecycle.error_table("RebootInstance")[ErrorCode.DISK_ERROR]
    stop = lifecycle.error_table("StopInstance")[ErrorCode.DISK_ERROR]
    assert (start.http_status, start.message) == (403, "Incorrect Disk Status")
    assert (reboot.http_status, reboot.message) == (403, "IncorrectDiskStatus.")
    assert (stop.http_status, stop.message) == (400, "IncorrectDiskStatus.")


def test_error_table_is_read_only() -> None:
    table = lifecycle.error_table("StartInstance")
    with pytest.raises(TypeError):
        table[ErrorCode.DISK_ERROR] = table[ErrorCode.DISK_ERROR]  # type: ignore[index]


def test_error_codes_are_the_documented_strings() -> None:
    assert ErrorCode("InvalidInstanceId.NotFound") is ErrorCode.INVALID_INSTANCE_ID_NOT_FOUND
    assert str(ErrorCode.DISK_ERROR) == "DiskError"
