"""Table rows that only a behaviour shows, pinned against specs/.

Each test here was written for a survivor of ``python -m tools.table_mutation``
(``docs/development.md``, "Mutation testing"): a row of ``lifecycle/_spec.py``
that could change with every test still passing. The expectations are read
from ``specs/operations/``, never from the model's tables.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from lifecycle import Durations, EcsModel
from tests.reference import operation

#: The spec's time format (``yyyy-MM-ddTHH:mmZ``) in strftime's spelling.
_JAVA_TO_STRFTIME = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M"}


def _strftime(java: str) -> str:
    return re.sub("|".join(_JAVA_TO_STRFTIME), lambda m: _JAVA_TO_STRFTIME[m.group()], java)


@pytest.mark.parametrize(
    ("action", "method", "listed"),
    [
        ("DescribeInstanceStatus", "describe_instance_status", "InstanceStatuses"),
        ("DescribeInstances", "describe_instances", "Instances"),
    ],
)
def test_a_describe_without_page_size_shows_the_documented_default_page(
    action: str, method: str, listed: str
) -> None:
    # Survivor: the PageSize parameter's default (DescribeInstanceStatus) one off. The
    # Python methods pass their own default; a request without PageSize (the wire's
    # path, model.call) reads the table's.
    default = operation(action)["default_page_size"]
    model = EcsModel(durations=Durations.immediate())
    model.create_instances(default + 2, id_prefix="i-", status="Running")
    via_method: dict[str, Any] = getattr(model, method)().to_dict()
    body: dict[str, Any] = model.call(action, {"RegionId": "cn-hangzhou"}).to_dict()
    assert {k: v for k, v in body.items() if k != "RequestId"} == {
        k: v for k, v in via_method.items() if k != "RequestId"
    }
    (items,) = body[listed].values()
    assert (body["PageSize"], body["PageNumber"], body["TotalCount"]) == (default, 1, default + 2)
    assert len(items) == default


@pytest.mark.parametrize(
    "shown",
    [
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:59Z",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ],
)
def test_an_expiry_is_shown_on_the_documented_epoch_to_the_minute(shown: str) -> None:
    # Survivor: EPOCH one second off. Times are floored to the minute before the
    # epoch is added, so it shows only where a time stops being showable: the
    # last second of year 9999, which the format can still write.
    spec = operation("DescribeInstances")["response"]
    epoch = datetime.fromisoformat(spec["epoch"].replace("Z", "+00:00"))
    when = datetime.fromisoformat(shown.replace("Z", "+00:00"))
    model = EcsModel(durations=Durations.immediate())
    instance = model.create_instance(
        status="Stopped", charge_type="PrePaid", expired_time=(when - epoch).total_seconds()
    )
    (item,) = model.describe_instances(instance_ids=[instance]).instances
    assert item.expired_time == when.strftime(_strftime(spec["time_format"]))
