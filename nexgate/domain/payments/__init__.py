"""Payments: payment methods (mobile money numbers, tokenised cards), the double-entry ledger,
escrow holds, payments into them through the mobile money providers, and refunds and payouts
back out to phones (docs/payments.md)."""
