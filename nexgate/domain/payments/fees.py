"""The platform fee of a release (docs/payments.md, "Fees").

Rates are integer basis points (1/100 of a percent) in ``payment_fee_rates``, by payable area
and seller tier; a hold takes its rate when it is opened, so what the seller agreed to is what
they are charged. The default, made by migration 0012, is 500 (5%) for every area and tier.

Rounding: the fee of a payee's gross share is rounded half up to a whole minor unit, in the
platform's favour on an exact half: ``(gross * bps + 5000) // 10000``. The payee gets
``gross - fee``, so the lines of the release sum to zero exactly.
"""
from __future__ import annotations

DEFAULT_TIER = "standard"


def fee_for(gross: int, basis_points: int) -> int:
    return (gross * basis_points + 5000) // 10000

