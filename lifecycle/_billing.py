"""The account and its billing: balance, the minimum for starting, arrears,
and what the zone sells: the price of a subscription per instance type and the
stock of each type.

The rules read the account as ``Fact`` flags that apply to every PostPaid
instance of the account; they are folded once, whenever the account changes,
so a call pays one OR for them.
"""

from __future__ import annotations

from decimal import Decimal

from ._params import bool_arg, money
from ._spec import Fact
from ._views import AccountView

_ZERO = Decimal(0)


class Billing:
    """One account's billing state and the facts it implies for PostPaid instances."""

    __slots__ = ("balance", "facts", "in_arrears", "minimum", "prices", "stock")

    def __init__(self, balance: object, minimum: object, in_arrears: object) -> None:
        self.balance = money("balance", balance)
        self.minimum = money("minimum_start_balance", minimum)
        self.in_arrears = bool_arg("in_arrears", in_arrears)
        self.facts = 0
        #: The price of one ``PeriodUnit`` of a PrePaid subscription, per
        #: ``(instance type, unit)``; zero for any not set.
        self.prices: dict[tuple[str, str], Decimal] = {}
        #: How many instances of a type the zone can still create; unlimited if not set.
        self.stock: dict[str, int] = {}
        self.refresh()

    def price(self, instance_type: str, unit: str, periods: int, count: int) -> Decimal:
        """What ``count`` subscriptions of ``periods`` units of ``instance_type`` cost."""
        return self.prices.get((instance_type, unit), _ZERO) * periods * count

    def in_stock(self, instance_type: str) -> int | None:
        """How many of ``instance_type`` can still be created (``None``: no limit)."""
        return self.stock.get(instance_type)

    def take(self, instance_type: str, count: int) -> None:
        """Take ``count`` of ``instance_type`` from the stock (created instances)."""
        left = self.stock.get(instance_type)
        if left is not None:
            self.stock[instance_type] = left - count

    def give_back(self, instance_type: str) -> None:
        """Return one released instance of ``instance_type`` to the stock."""
        left = self.stock.get(instance_type)
        if left is not None:
            self.stock[instance_type] = left + 1

    def charge(self, amount: Decimal) -> None:
        """Take ``amount`` from the balance (a subscription's price) and refold the facts."""
        if amount:
            self.balance -= amount
            self.refresh()

    def refresh(self) -> None:
        """Fold the account into its ``Fact`` flags (after any change)."""
        facts = 0
        if self.in_arrears:
            facts |= Fact.POSTPAID_IN_ARREARS
        if self.balance < self.minimum:
            facts |= Fact.POSTPAID_BALANCE_LOW
        self.facts = facts

    def set(
        self,
        *,
        balance: Decimal | None = None,
        minimum: Decimal | None = None,
        in_arrears: bool | None = None,
    ) -> None:
        """Change what is given (already checked) and refold the facts."""
        if balance is not None:
            self.balance = balance
        if minimum is not None:
            self.minimum = minimum
        if in_arrears is not None:
            self.in_arrears = in_arrears
        self.refresh()

    def view(self) -> AccountView:
        """The account as ``EcsModel.account`` shows it."""
        return AccountView(
            balance=self.balance, minimum_start_balance=self.minimum, in_arrears=self.in_arrears
        )
