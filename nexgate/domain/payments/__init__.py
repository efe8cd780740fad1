"""Payments: payment methods (mobile money numbers, tokenised cards), the double-entry ledger,
escrow holds, and (later) payments, refunds and payouts through the mobile money providers
(docs/payments.md)."""
