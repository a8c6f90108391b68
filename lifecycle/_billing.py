"""The account and its billing: balance, the minimum for starting, arrears.

The rules read the account as ``Fact`` flags that apply to every PostPaid
instance of the account; they are folded once, whenever the account changes,
so a call pays one OR for them.
"""

from __future__ import annotations

from decimal import Decimal

from ._params import bool_arg, money
from ._spec import Fact
from ._views import AccountView


class Billing:
    """One account's billing state and the facts it implies for PostPaid instances."""

    __slots__ = ("balance", "facts", "in_arrears", "minimum")

    def __init__(self, balance: object, minimum: object, in_arrears: object) -> None:
        self.balance = money("balance", balance)
        self.minimum = money("minimum_start_balance", minimum)
        self.in_arrears = bool_arg("in_arrears", in_arrears)
        self.facts = 0
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
