DROP TABLE payment_hold_releases;
