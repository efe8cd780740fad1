-- depends: 0011.users-relationship-function
-- Payment methods (docs/payments.md, "Payment methods"): the mobile money numbers a user pays
-- with, and the cards Selcom's hosted checkout tokenised for them. Nexgate never holds a card
-- number: a card row keeps the provider's token, the brand and the last four digits, and the
-- CHECK on card_last4 refuses anything longer. A removed method keeps its row (removed_at),
-- so that the payments made with it still name it.

CREATE TABLE payment_methods (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('mobile_money', 'card')),
    country      text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    currency     text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    phone        text        CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    operator     text        CHECK (operator IN ('safaricom', 'vodacom', 'tigo', 'airtel', 'halotel')),
    card_token   text        CHECK (length(card_token) BETWEEN 1 AND 255),
    card_brand   text        CHECK (length(card_brand) BETWEEN 1 AND 32),
    card_last4   text        CHECK (card_last4 ~ '^[0-9]{4}$'),
    label        text        CHECK (length(label) BETWEEN 1 AND 40),
    is_default   boolean     NOT NULL DEFAULT false,
    verified_at  timestamptz,
    verified_by  text        CHECK (verified_by IN ('sms_code', 'payment', 'checkout')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    removed_at   timestamptz,
    CHECK ((verified_at IS NULL) = (verified_by IS NULL)),
    CHECK (NOT (is_default AND removed_at IS NOT NULL)),
    CHECK (CASE kind
           WHEN 'mobile_money' THEN phone IS NOT NULL AND operator IS NOT NULL
                                AND card_token IS NULL AND card_brand IS NULL AND card_last4 IS NULL
           WHEN 'card' THEN card_token IS NOT NULL AND card_brand IS NOT NULL AND card_last4 IS NOT NULL
                        AND phone IS NULL AND operator IS NULL
           END)
);
-- At most one default per user, and one live method per number per user.
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (user_id) WHERE is_default;
CREATE UNIQUE INDEX payment_methods_one_per_number ON payment_methods (user_id, phone)
    WHERE removed_at IS NULL AND kind = 'mobile_money';
CREATE INDEX payment_methods_of_user ON payment_methods (user_id, created_at) WHERE removed_at IS NULL;
