"""``EcsModel``'s fleet actions: DescribeInstances, DescribeInstanceAttribute and the
batch actions a real client polls and drives with. Each method is thin: it names
its parameters, and ``_actions`` answers them as the docs say."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ._status import Action, StoppedMode
from ._views import BatchResponse, DescribeInstanceAttributeResponse, DescribeInstancesResponse

if TYPE_CHECKING:
    from ._actions import Response


class FleetMixin:
    """Watch and drive many instances, as real clients do (part of ``EcsModel``)."""

    def _run(self, action: Action, values: Mapping[str, object]) -> Response:
        raise NotImplementedError

    def describe_instances(
        self,
        *,
        region_id: str = "cn-hangzhou",
        instance_ids: Sequence[str] | str | None = None,
        status: str | None = None,
        instance_charge_type: str | None = None,
        lock_reason: str | None = None,
        instance_type: str | None = None,
        instance_type_family: str | None = None,
        zone_id: str | None = None,
        instance_name: str | None = None,
        page_number: int | str = 1,
        page_size: int | str = 10,
        max_results: int | str | None = None,
        next_token: str | None = None,
        dry_run: bool | str = False,
    ) -> DescribeInstancesResponse:
        """DescribeInstances: the instances every given filter matches, a page at a time.

        Args:
            region_id: Required by the docs; the model is one region and does not compare it.
            instance_ids: Up to 100 ids, as a list or as the JSON array string the
                API takes (``'["i-a", "i-b"]'``). Unknown ids are simply absent;
                ``[]`` matches nothing.
            status: ``Pending``, ``Starting``, ``Running``, ``Stopping`` or ``Stopped``.
            instance_charge_type: ``PostPaid`` or ``PrePaid``.
            lock_reason: ``security`` or ``financial`` match what the model holds.
            instance_type: For example ``ecs.g7.large``.
            instance_type_family: For example ``ecs.g7``.
            zone_id: The model's zone (``cn-hangzhou-i``) matches every instance.
            instance_name: A name; ``*`` matches any run of characters.
            page_number: From 1 (page mode).
            page_size: 1 to 100 (page mode, default 10).
            max_results: Token mode: clamped to 10..100, as documented.
            next_token: Token mode: the ``next_token`` of the previous page.
            dry_run: Check the request only; answers ``DryRunOperation``.

        Raises:
            ApiError: ``MissingParameter``, ``InvalidParameter``,
                ``Abs.InvalidInstanceIds.MalFormed``,
                ``InvalidParameter.TooManyInstanceIds``, a filter's ``...NotFound``
                for a value outside its choices, or ``DryRunOperation``.
            InvalidArgument: for arguments of the wrong Python type.
        """
        return self._run(  # type: ignore[return-value]
            Action.DESCRIBE_INSTANCES,
            {
                "region_id": region_id,
                "instance_ids": instance_ids,
                "status": status,
                "instance_charge_type": instance_charge_type,
                "lock_reason": lock_reason,
                "instance_type": instance_type,
                "instance_type_family": instance_type_family,
                "zone_id": zone_id,
                "instance_name": instance_name,
                "page_number": page_number,
                "page_size": page_size,
                "max_results": max_results,
                "next_token": next_token,
                "dry_run": dry_run,
            },
        )

    def describe_instance_attribute(self, instance_id: str) -> DescribeInstanceAttributeResponse:
        """DescribeInstanceAttribute: one instance's documented attributes, status included.

        Raises:
            ApiError: ``InvalidInstanceId.NotFound`` for an unknown id.
        """
        return self._run(  # type: ignore[return-value]
            Action.DESCRIBE_INSTANCE_ATTRIBUTE, {"instance_id": instance_id}
        )

    def start_instances(
        self,
        instance_ids: Sequence[str],
        *,
        region_id: str = "cn-hangzhou",
        batch_optimization: str = "AllTogether",
        dry_run: bool | str = False,
    ) -> BatchResponse:
        """StartInstances: StartInstance on 1 to 100 instances in one request.

        ``AllTogether`` (default): all start or none does, and the request fails
        with the first failing instance's error. ``SuccessFirst``: each on its
        own; the response says per instance. One request, one RequestId.
        """
        return self._run(  # type: ignore[return-value]
            Action.START_INSTANCES,
            {
                "region_id": region_id,
                "instance_ids": instance_ids,
                "batch_optimization": batch_optimization,
                "dry_run": dry_run,
            },
        )

    def stop_instances(
        self,
        instance_ids: Sequence[str],
        *,
        region_id: str = "cn-hangzhou",
        batch_optimization: str = "AllTogether",
        force_stop: bool | str = False,
        stopped_mode: StoppedMode | str | None = None,
        dry_run: bool | str = False,
    ) -> BatchResponse:
        """StopInstances: StopInstance on 1 to 100 instances (see ``start_instances``)."""
        return self._run(  # type: ignore[return-value]
            Action.STOP_INSTANCES,
            {
                "region_id": region_id,
                "instance_ids": instance_ids,
                "batch_optimization": batch_optimization,
                "force_stop": force_stop,
                "stopped_mode": stopped_mode,
                "dry_run": dry_run,
            },
        )

    def reboot_instances(
        self,
        instance_ids: Sequence[str],
        *,
        region_id: str = "cn-hangzhou",
        batch_optimization: str = "AllTogether",
        force_reboot: bool | str = False,
        dry_run: bool | str = False,
    ) -> BatchResponse:
        """RebootInstances: RebootInstance on 1 to 100 instances (see ``start_instances``).

        ``force_reboot`` is the power cut ``ForceStop`` is for RebootInstance.
        """
        return self._run(  # type: ignore[return-value]
            Action.REBOOT_INSTANCES,
            {
                "region_id": region_id,
                "instance_ids": instance_ids,
                "batch_optimization": batch_optimization,
                "force_reboot": force_reboot,
                "dry_run": dry_run,
            },
        )
