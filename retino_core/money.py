"""Money is a Decimal with its currency; floats never carry an amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Numeric

#: Amounts: 14 digits, 2 decimals (HUF and CZK fit; all our currencies have two minor digits).
AmountColumn = Numeric(14, 2, asdecimal=True)
#: Quantities may be fractional (Shoptet sells by the metre), three decimals.
QuantityColumn = Numeric(12, 3, asdecimal=True)
#: VAT rate in percent, e.g. 21.00.
RateColumn = Numeric(5, 2, asdecimal=True)

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """Parse an amount from a platform's string or int; refuse floats, which cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("amounts must not be floats")
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value).strip())


def quantize_amount(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if len(self.currency) != 3:
            raise ValueError("Money.currency must be an ISO 4217 code")

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{quantize_amount(self.amount)} {self.currency}"
