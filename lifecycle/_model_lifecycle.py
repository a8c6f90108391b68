"""``EcsModel``'s birth, renewal and death: RunInstances, CreateInstance,
DeleteInstance(s), RenewInstance and ReActivateInstances, and the zone's prices
and stock they read. Each method is thin: it names its parameters, and
``_provision`` answers them as the docs say."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ._core import Core
from ._params import integer_arg, money
from ._spec import PERIODS
from ._status import Action
from ._views import (
    ActionResponse,
    CreateInstanceResponse,
    RenewInstanceResponse,
    RunInstancesResponse,
)
from .errors import InvalidArgument

if TYPE_CHECKING:
    from ._actions import Response

#: The most one unit of a subscription may cost (``set_price``).
MAX_PRICE = Decimal(10**12)


class LifecycleMixin:
    """Create, renew, reactivate and delete instances through the API (part of ``EcsModel``)."""

    _core: Core
    _lock: threading.RLock

    def _run(self, action: Action, values: Mapping[str, object]) -> Response:
        raise NotImplementedError

    # ------------------------------------------------------------ the zone
    def set_price(
        self,
        instance_type: str,
        price: Decimal | int | float | str,
        *,
        period_unit: str = "Month",
    ) -> None:
        """Set what one ``period_unit`` of a PrePaid ``instance_type`` costs (zero by default).

        RunInstances, CreateInstance and RenewInstance of a PrePaid instance
        take price x Period (x Amount) from the balance, and answer
        ``InsufficientBalance`` when it does not cover it.
        """
        if not isinstance(instance_type, str) or not instance_type:
            raise InvalidArgument(f"instance_type={instance_type!r}: expected a str")
        if period_unit not in PERIODS:
            raise InvalidArgument(f"period_unit={period_unit!r}: expected 'Week' or 'Month'")
        amount = money("price", price)
        if not 0 <= amount <= MAX_PRICE:
            # The API shows TradePrice as a JSON number: a price x 60 months x 100
            # instances must stay a finite float.
            raise InvalidArgument(f"price={price!r}: expected an amount from 0 to {MAX_PRICE:,}")
        with self._lock:
            self._core.billing.prices[(instance_type, period_unit)] = amount

    def set_stock(self, instance_type: str, count: int | None) -> None:
        """Set how many more ``instance_type`` instances the zone can create (``None``: no limit).

        RunInstances and CreateInstance take from it and DeleteInstance gives
        back; short of stock they answer ``OperationDenied.NoStock`` (or, with
        ``MinAmount``, create what the stock allows).
        """
        if not isinstance(instance_type, str) or not instance_type:
            raise InvalidArgument(f"instance_type={instance_type!r}: expected a str")
        with self._lock:
            stock = self._core.billing.stock
            if count is None:
                stock.pop(instance_type, None)
            else:
                stock[instance_type] = integer_arg("count", count, minimum=0)

    # --------------------------------------------------------- the actions
    def run_instances(
        self,
        *,
        instance_type: str | None = None,
        image_id: str | None = None,
        region_id: str = "cn-hangzhou",
        amount: int | str = 1,
        min_amount: int | str | None = None,
        instance_charge_type: str = "PostPaid",
        period: int | str | None = None,
        period_unit: str = "Month",
        auto_renew: bool | str = False,
        auto_renew_period: int | str | None = None,
        auto_pay: bool | str = True,
        instance_name: str | None = None,
        unique_suffix: bool | str = False,
        client_token: str | None = None,
        deletion_protection: bool | str = False,
        zone_id: str | None = None,
        image_family: str | None = None,
        launch_template_id: str | None = None,
        launch_template_name: str | None = None,
        dry_run: bool | str = False,
        extra: Mapping[str, object] | None = None,
    ) -> RunInstancesResponse:
        """RunInstances: create ``amount`` instances and start them.

        Each goes Pending -> Starting -> Running on the model's clock.

        Args:
            instance_type: For example ``ecs.g7.large`` (its family decides local disks).
            image_id: Required unless ``image_family`` or a launch template is given;
                not otherwise modelled.
            amount: 1 to 100.
            min_amount: With a short stock, create what it allows if at least this.
            instance_charge_type: ``PostPaid`` (default) or ``PrePaid``.
            period: PrePaid: ``Week`` 1-4, ``Month`` 1-9, 12, 24, 36, 48, 60;
                ``ExpiredTime`` is that far from now on the model's clock.
            auto_renew: PrePaid: mark it for the platform's automatic renewal
                (``auto_renew_period`` units, default 1), shown as
                ``instance(id).auto_renew``. Like the stop at expiry, the renewal
                itself is the platform's move, made when your simulator says: a
                RenewInstance (``lifecycle.simulation`` makes it nine days before
                expiry); the model never renews on its own.
            instance_name: The name, or ``prefix[begin,bits]suffix`` to number a batch.
            client_token: The same token with the same parameters answers the same
                instances again and creates none; with other parameters,
                ``IdempotentParameterMismatch``.
            deletion_protection: PostPaid only: DeleteInstance refuses it.
            zone_id: The model's one zone, ``cn-hangzhou-i``.
            dry_run: Check the request only; answers ``DryRunOperation``.
            extra: Any other documented RunInstances parameter by its documented
                name (``{"SecurityGroupId": "sg-1", "DataDisk.1.Size": "40"}``):
                accepted, not modelled.

        Raises:
            ApiError: the documented code of the first problem, and nothing is created.
            InvalidArgument: for a Python value no request could carry, or an
                ``extra`` name RunInstances does not document.
        """
        return self._run(  # type: ignore[return-value]
            Action.RUN_INSTANCES,
            {
                "region_id": region_id,
                "image_id": image_id,
                "instance_type": instance_type,
                "instance_charge_type": instance_charge_type,
                "period": period,
                "period_unit": period_unit,
                "auto_renew": auto_renew,
                "auto_renew_period": auto_renew_period,
                "instance_name": instance_name,
                "client_token": client_token,
                "deletion_protection": deletion_protection,
                "zone_id": zone_id,
                "image_family": image_family,
                "dry_run": dry_run,
                "amount": amount,
                "min_amount": min_amount,
                "auto_pay": auto_pay,
                "unique_suffix": unique_suffix,
                "launch_template_id": launch_template_id,
                "launch_template_name": launch_template_name,
                "extra": extra,
            },
        )

    def create_instance_api(
        self,
        *,
        instance_type: str | None = None,
        image_id: str | None = None,
        region_id: str = "cn-hangzhou",
        instance_charge_type: str = "PostPaid",
        period: int | str | None = None,
        period_unit: str = "Month",
        auto_renew: bool | str = False,
        auto_renew_period: int | str | None = None,
        instance_name: str | None = None,
        client_token: str | None = None,
        deletion_protection: bool | str = False,
        zone_id: str | None = None,
        image_family: str | None = None,
        dry_run: bool | str = False,
        extra: Mapping[str, object] | None = None,
    ) -> CreateInstanceResponse:
        """CreateInstance, the API action: one instance, Pending -> Stopped (start it yourself).

        Named apart from ``create_instance``, which places an instance in any
        condition for a test. Arguments as ``run_instances`` (no ``amount``);
        ``auto_renew=True`` needs ``auto_renew_period``, and an ``instance_name``
        must start with a letter.
        """
        return self._run(  # type: ignore[return-value]
            Action.CREATE_INSTANCE,
            {
                "region_id": region_id,
                "image_id": image_id,
                "instance_type": instance_type,
                "instance_charge_type": instance_charge_type,
                "period": period,
                "period_unit": period_unit,
                "auto_renew": auto_renew,
                "auto_renew_period": auto_renew_period,
                "instance_name": instance_name,
                "client_token": client_token,
                "deletion_protection": deletion_protection,
                "zone_id": zone_id,
                "image_family": image_family,
                "dry_run": dry_run,
                "extra": extra,
            },
        )

    def delete_instance(
        self,
        instance_id: str,
        *,
        force: bool | str = False,
        force_stop: bool | str = True,
        terminate_subscription: bool | str = False,
        dry_run: bool | str = False,
    ) -> ActionResponse:
        """DeleteInstance: release an instance; it is gone for good.

        Without ``force`` only a Stopped instance is released; with it, any but a
        Pending one (``force_stop``, the default, cuts the power: unflushed data is
        lost). A PrePaid instance is released only once expired, and only with
        ``terminate_subscription``. A security lock does not stop a release.

        Raises:
            ApiError: ``IncorrectInstanceStatus``, ``IncorrectInstanceStatus.Initializing``,
                ``ChargeTypeViolation``, ``InvalidOperation.DeletionProtection``,
                ``InvalidInstanceId.NotFound``, ``DryRunOperation``.
        """
        return self._run(  # type: ignore[return-value]
            Action.DELETE_INSTANCE,
            {
                "instance_id": instance_id,
                "force": force,
                "force_stop": force_stop,
                "terminate_subscription": terminate_subscription,
                "dry_run": dry_run,
            },
        )

    def delete_instances(
        self,
        instance_ids: Sequence[str],
        *,
        region_id: str = "cn-hangzhou",
        force: bool | str = False,
        force_stop: bool | str = True,
        terminate_subscription: bool | str = False,
        client_token: str | None = None,
        dry_run: bool | str = False,
    ) -> ActionResponse:
        """DeleteInstances: DeleteInstance on 1 to 100 instances, all or none.

        The first instance DeleteInstance would refuse refuses the whole request
        (``InvalidInstanceIds.NotFound`` for an unknown id); nothing is released.
        """
        return self._run(  # type: ignore[return-value]
            Action.DELETE_INSTANCES,
            {
                "region_id": region_id,
                "instance_ids": instance_ids,
                "force": force,
                "force_stop": force_stop,
                "terminate_subscription": terminate_subscription,
                "client_token": client_token,
                "dry_run": dry_run,
            },
        )

    def renew_instance(
        self,
        instance_id: str,
        *,
        period: int | str | None = None,
        period_unit: str = "Month",
        expected_renew_day: int | str | None = None,
        client_token: str | None = None,
    ) -> RenewInstanceResponse:
        """RenewInstance: extend a PrePaid instance's ``ExpiredTime`` by ``period``.

        Before expiry the new term starts at the old ``ExpiredTime``; after it, at
        the renewal. An instance the platform stopped at expiry starts again.

        Raises:
            ApiError: ``ChargeTypeViolation`` (PostPaid), ``InsufficientBalance``,
                ``InvalidPeriod``, ``InvalidPeriod.NotFound``, ... as documented.
        """
        return self._run(  # type: ignore[return-value]
            Action.RENEW_INSTANCE,
            {
                "instance_id": instance_id,
                "period": period,
                "period_unit": period_unit,
                "expected_renew_day": expected_renew_day,
                "client_token": client_token,
            },
        )

    def reactivate_instances(
        self, instance_id: str, *, region_id: str | None = None
    ) -> ActionResponse:
        """ReActivateInstances: start again a PostPaid instance stopped for overdue payment.

        It takes one instance, despite its name. The account must be out of
        arrears; the instance goes Stopped -> Starting -> Running.

        Raises:
            ApiError: ``ReopenInstance.InstanceStatusNotValid``,
                ``ReopenInstance.InstanceNotEnoughBalance``, ``InvalidPayType.NotSupport``
                (PrePaid), ``InstanceLockedForSecurity``, ``InvalidInstanceId.NotFound``.
        """
        return self._run(  # type: ignore[return-value]
            Action.REACTIVATE_INSTANCES, {"instance_id": instance_id, "region_id": region_id}
        )
