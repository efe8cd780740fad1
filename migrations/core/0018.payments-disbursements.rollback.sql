DROP TABLE payment_payout_schedules;
DROP TABLE payment_disbursement_timeline;
DROP TABLE payment_disbursements;
DROP TABLE payment_payout_fees;
