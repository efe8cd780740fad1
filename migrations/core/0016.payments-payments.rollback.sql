DROP TABLE payment_early_callbacks;
DROP TABLE payment_timeline;
DROP TABLE payments;
DROP TABLE payment_hold_payers;
