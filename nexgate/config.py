"""Every setting of Nexgate, read from ``NEXGATE_*`` environment variables.

Defaults work on a developer machine with local PostgreSQL, Redis and RabbitMQ.
A bad value stops start-up with a ``ConfigError`` that names the variable.
"""
from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PREFIX = "NEXGATE_"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        scheme = raw.split("://", 1)[0] if "://" in raw else ""
        if scheme not in schemes:
            raise ValueError(f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return raw

    return parse


def _origin(raw: str) -> str:
    """scheme://host[:port] of an HTTP service addressed at its root (an S3 endpoint)."""
    parts = urlsplit(_url("http", "https")(raw))
    if not parts.netloc or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be http(s)://host[:port] with no path")
    return raw.rstrip("/")


def _optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda raw: parse(raw) if raw else raw


def _word_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _network_list(raw: str) -> tuple[str, ...]:
    """Addresses and CIDR networks, each checked by the standard library's ``ipaddress``."""
    return tuple(str(ipaddress.ip_network(part, strict=False)) for part in _word_list(raw))


def _name(raw: str) -> str:
    if not raw or not all(c.isalnum() or c in "-_." for c in raw):
        raise ValueError("may hold only letters, digits, '-', '_' and '.'")
    return raw


def _region(raw: str) -> str:
    if len(raw) != 2 or not raw.isalpha():
        raise ValueError("must be a two-letter country code such as TZ, KE or UG")
    return raw.upper()


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
    return level


def _choice_int(*choices: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.strip().isdigit() or int(raw) not in choices:
            raise ValueError(f"must be one of {', '.join(map(str, choices))}")
        return int(raw)

    return parse


def _nonempty(raw: str) -> str:
    if not raw:
        raise ValueError("must not be empty")
    return raw


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return raw

    return parse


def _integer_list(low: int, high: int) -> Callable[[str], tuple[int, ...]]:
    def parse(raw: str) -> tuple[int, ...]:
        values = tuple(sorted({_integer(low, high)(part) for part in _word_list(raw)}))
        if not values:
            raise ValueError("must list at least one number")
        return values

    return parse


def _clock(raw: str) -> datetime.time:
    """A local wall-clock time, HH:MM (or HH:MM:SS)."""
    try:
        value = datetime.time.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("must be a time of day, HH:MM (08:00)") from None
    if value.tzinfo is not None:
        raise ValueError("must be a local time of day, with no offset")
    return value


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _vapid_private_key(raw: str) -> str:
    from .providers.webpush import check_vapid_private_key

    return check_vapid_private_key(raw)


def _path_secret(raw: str) -> str:
    if len(raw) < 16 or not re.fullmatch(r"[A-Za-z0-9_-]+", raw):
        raise ValueError("must be at least 16 letters, digits, - or _ (a URL path segment nobody can guess)")
    return raw


def _vapid_subject(raw: str) -> str:
    if not (raw.startswith("mailto:") and "@" in raw) and not raw.startswith("https://"):
        raise ValueError("must be a mailto: address or an https:// URL")
    return raw


# Tanzanian mobile money wallets and the providers that can collect from each (spec
# providers.md: TemboPlus has no Vodacom collection channel).
TZ_WALLET_PROVIDERS = {"vodacom": ("selcom",), "tigo": ("selcom", "tembo"), "airtel": ("selcom", "tembo"),
                       "halotel": ("selcom", "tembo")}


def _tz_wallet_routing(raw: str) -> tuple[str, ...]:
    """``operator:provider`` for each Tanzanian wallet, comma-separated, each wallet once."""
    routes = {}
    for entry in _word_list(raw):
        operator, _, provider = entry.partition(":")
        if operator not in TZ_WALLET_PROVIDERS or operator in routes:
            raise ValueError(f"{entry!r}: name each of {', '.join(TZ_WALLET_PROVIDERS)} once, as operator:provider")
        if provider not in TZ_WALLET_PROVIDERS[operator]:
            raise ValueError(f"{entry!r}: {operator} is collected by {' or '.join(TZ_WALLET_PROVIDERS[operator])}")
        routes[operator] = provider
    if missing := [operator for operator in TZ_WALLET_PROVIDERS if operator not in routes]:
        raise ValueError(f"no provider for {', '.join(missing)}")
    return tuple(f"{operator}:{provider}" for operator, provider in routes.items())


PAYOUT_CURRENCIES = ("TZS", "KES", "UGX")


def _minor_per_currency(raw: str) -> tuple[str, ...]:
    """``CURRENCY:minor units`` for each of TZS, KES and UGX, comma-separated, each once."""
    amounts = {}
    for entry in _word_list(raw):
        currency, _, minor = entry.partition(":")
        if currency not in PAYOUT_CURRENCIES or currency in amounts:
            raise ValueError(f"{entry!r}: name each of {', '.join(PAYOUT_CURRENCIES)} once, as CURRENCY:minor units")
        amounts[currency] = _integer(1, 10**15)(minor)
    if missing := [currency for currency in PAYOUT_CURRENCIES if currency not in amounts]:
        raise ValueError(f"no amount for {', '.join(missing)}")
    return tuple(f"{currency}:{minor}" for currency, minor in amounts.items())


def _rating(raw: str) -> float:
    """A rating threshold: 1 to 5, at most two decimals (compared exactly, in hundredths)."""
    if not re.fullmatch(r"[1-5](\.[0-9]{1,2})?", raw.strip()) or not 1 <= float(raw) <= 5:
        raise ValueError(f"expected a rating from 1 to 5 with at most two decimals, got {raw!r}")
    return float(raw)


def _setting(default: Any, parse: Callable[[str], Any], doc: str) -> Any:
    return dataclasses.field(default=default, metadata={"parse": parse, "doc": doc})


@dataclasses.dataclass(frozen=True)
class Config:
    host: str = _setting("0.0.0.0", str, "Address the HTTP server binds to")
    port: int = _setting(8080, _integer(1, 65535), "Port the HTTP server listens on")
    public_url: str = _setting(
        "http://localhost:8080", _url("http", "https"),
        "Base URL clients reach this server at: every URL the server and its workers hand out is built on it "
        "(media files, links in emails, the OpenAPI document's server). Set it wherever the server is not "
        "reached at http://localhost:8080, or those URLs do not work; serve warns at start-up when it is left "
        "at this default but listens elsewhere",
    )
    web_url: str = _setting(
        "http://localhost:8080", _url("http", "https"), "Base URL of the web client (password-reset links open there)"
    )
    database_url: str = _setting(
        "postgresql://postgres@127.0.0.1:5432/nexgate", _url("postgresql", "postgres"), "Core PostgreSQL database"
    )
    notify_database_url: str = _setting(
        "postgresql://postgres@127.0.0.1:5432/nexgate_notify",
        _url("postgresql", "postgres"),
        "Notification service's own PostgreSQL database",
    )
    db_pool_min: int = _setting(2, _integer(1, 100), "Minimum connections per database pool")
    db_pool_max: int = _setting(10, _integer(1, 500), "Maximum connections per database pool")
    rush_concurrency: int = _setting(
        4, _integer(1, 500), "Requests of one rush route (a checkout) handled at once per process; the rest wait "
                             "their turn in arrival order"
    )
    db_slow_transaction_ms: int = _setting(
        500, _integer(0, 3_600_000),
        "A database transaction taking longer than this is logged with its name and duration, in ms (0: every one)",
    )
    redis_url: str = _setting("redis://127.0.0.1:6379/0", _url("redis", "rediss", "unix"), "Redis")
    redis_prefix: str = _setting("nexgate", _name, "Prefix of every Redis key this deployment writes")
    amqp_url: str = _setting("amqp://guest:guest@127.0.0.1:5672/", _url("amqp", "amqps"), "RabbitMQ")
    bus_namespace: str = _setting("nexgate", _name, "Prefix of the RabbitMQ exchange and queue names")
    bus_prefetch: int = _setting(32, _integer(1, 10_000), "Unacknowledged messages a consumer holds at once")
    bus_max_attempts: int = _setting(5, _integer(1, 20), "Deliveries of a message before it goes to the dead-letter queue")
    bus_retry_base_ms: int = _setting(1000, _integer(1, 3_600_000), "First retry delay; each later one is 4 times longer")
    outbox_poll_ms: int = _setting(
        50, _integer(10, 60_000), "How often an idle outbox relay looks for new events, in ms (a busy one does not wait)"
    )
    scheduler_poll_ms: int = _setting(
        1000, _integer(10, 60_000), "How often the scheduler looks for due scheduled jobs (escrow timers, ...), in ms"
    )
    smtp_host: str = _setting("127.0.0.1", str, "SMTP server for outgoing email")
    smtp_port: int = _setting(1025, _integer(1, 65535), "SMTP port")
    smtp_username: str = _setting("", str, "SMTP user name (empty: no authentication)")
    smtp_password: str = _setting("", str, "SMTP password")
    smtp_starttls: bool = _setting(False, _boolean, "Upgrade the SMTP connection with STARTTLS")
    smtp_sandbox_dir: str = _setting(
        "", str, "If set, the server itself runs a local SMTP sandbox on NEXGATE_SMTP_HOST:PORT keeping mail in this Maildir"
    )
    email_from: str = _setting("Nexgate <no-reply@nexgate.local>", str, "From address of outgoing email")
    cors_origins: tuple[str, ...] = _setting((), _word_list, "Comma-separated origins allowed by CORS (* for any)")
    max_body_bytes: int = _setting(1_048_576, _integer(1024, 1 << 31), "Largest request body accepted, in bytes")
    body_timeout_s: int = _setting(
        60, _integer(1, 3600),
        "Seconds a request body may go without new bytes before the server answers 408 and closes the connection",
    )
    cpu_workers: int = _setting(2, _integer(1, 64), "Processes in the pool for CPU-bound work")
    access_token_ttl_s: int = _setting(900, _integer(60, 86_400), "Lifetime of an access token (JWT), in seconds")
    refresh_token_ttl_s: int = _setting(
        7 * 86_400, _integer(3600, 365 * 86_400), "Lifetime of a session's refresh token, in seconds"
    )
    argon2_time_cost: int = _setting(3, _integer(1, 20), "Argon2id passes over memory when hashing a password")
    argon2_memory_kib: int = _setting(65_536, _integer(1024, 4_194_304), "Argon2id memory per hash, in KiB")
    argon2_parallelism: int = _setting(4, _integer(1, 16), "Argon2id lanes per hash")
    auth_rate_per_minute: int = _setting(
        10, _integer(1, 100_000), "Requests per minute one IP may make to each auth endpoint with a limit (the auth.* limits)"
    )
    api_requests_per_hour: int = _setting(
        1000, _integer(1, 100_000_000), "Authenticated REST requests one user may make per hour (spec 003)"
    )
    follows_per_hour: int = _setting(50, _integer(1, 1_000_000), "Follows and unfollows one user may make per hour")
    sms_codes_per_hour: int = _setting(
        5, _integer(1, 1000), "Verification and reset codes texted to one phone number per hour"
    )
    posts_per_hour: int = _setting(50, _integer(1, 1_000_000), "Posts one user may create per hour (drafts included)")
    comments_per_hour: int = _setting(
        100, _integer(1, 1_000_000), "Comments and replies one user may write per hour"
    )
    likes_per_hour: int = _setting(
        200, _integer(1, 1_000_000), "Likes and unlikes (of posts and comments) one user may make per hour"
    )
    payments_per_minute: int = _setting(
        5, _integer(1, 10_000), "Payments one user may begin per minute"
    )
    product_listings_per_hour: int = _setting(
        100, _integer(1, 1_000_000), "Products one user may list (in any of their shops) per hour"
    )
    checkouts_per_minute: int = _setting(
        20, _integer(1, 10_000), "Checkouts one user may make per minute (a retry answered from its Idempotency-Key counts too)"
    )
    notifications_pushes_per_minute: int = _setting(
        5, _integer(1, 10_000),
        "Pushes one person may be sent per minute (the notifications.pushes limit); beyond it a non-critical push "
        "is not sent (its notification stays in the in-app centre)",
    )
    payments_tz_routing: tuple[str, ...] = _setting(
        ("vodacom:selcom", "tigo:tembo", "airtel:tembo", "halotel:tembo"), _tz_wallet_routing,
        "Which provider collects from each Tanzanian wallet (operator:provider, comma-separated; providers: selcom, "
        "tembo). The default sends Vodacom M-Pesa through Selcom (TemboPlus cannot collect from it) and Mixx by "
        "Yas (tigo), Airtel Money and HaloPesa (halotel) through TemboPlus; a change applies to every payment "
        "begun after it, with methods added before it too",
    )
    login_failures_before_lockout: int = _setting(
        5, _integer(1, 1000), "Failed logins on one account (within 15 minutes) before it is locked out"
    )
    login_failures_per_ip: int = _setting(
        30, _integer(1, 100_000),
        "Failed logins from one IP (within 15 minutes) before it is locked out; higher than per account "
        "because many phones share one carrier NAT address",
    )
    login_lockout_s: int = _setting(60, _integer(1, 86_400), "First lockout; each further one doubles, up to a day")
    idempotency_key_ttl_s: int = _setting(
        86_400, _integer(60, 30 * 86_400),
        "How long the answer to an Idempotency-Key is kept and replayed, in seconds; after that the key is new again",
    )
    idempotency_lease_s: int = _setting(
        120, _integer(1, 3600),
        "How long an attempt still running holds its Idempotency-Key, in seconds: a retry in that time answers 409 "
        "idempotency_key_in_use; after it (the server that ran it died, say) a retry runs again",
    )
    phone_region: str = _setting("TZ", _region, "Country assumed for phone numbers written without +country code")
    trusted_proxies: tuple[str, ...] = _setting(
        (), _word_list, "Comma-separated proxy addresses whose X-Forwarded-For names the client's IP"
    )
    cookie_secure: bool = _setting(True, _boolean, "Mark the refresh-token cookie Secure (HTTPS only)")
    sms_api_url: str = _setting(
        "https://api.africastalking.com", _url("http", "https"),
        "Africa's Talking API base URL for outgoing SMS (https://api.sandbox.africastalking.com for their sandbox)",
    )
    sms_username: str = _setting("", str, "Africa's Talking app user name (empty: no SMS can be sent)")
    sms_api_key: str = _setting("", str, "Africa's Talking API key")
    sms_sender_id: str = _setting("", str, "Registered sender id or short code SMS come from (empty: the account's default)")
    sms_sandbox: bool = _setting(
        False, _boolean,
        "Run a local Africa's Talking sandbox in the server on NEXGATE_SMS_API_URL's host and port, accepting "
        "NEXGATE_SMS_USERNAME and NEXGATE_SMS_API_KEY",
    )
    sms_sandbox_dir: str = _setting("", str, "Directory where the SMS sandbox appends what it receives (messages.jsonl)")
    sms_delivery_reports_secret: str = _setting(
        "", _optional(_path_secret),
        "Secret last segment of the delivery reports URL set in the Africa's Talking dashboard: "
        "NEXGATE_PUBLIC_URL/api/notifications/sms/delivery-reports/{this}; empty: reports are not accepted (404)",
    )
    push_vapid_private_key: str = _setting(
        "", _optional(_vapid_private_key),
        "VAPID private key Web Push is signed with (the raw P-256 key, base64url: python -m nexgate push vapid-keys "
        "makes one); empty: no Web Push is sent and subscribing answers 503 push_unavailable",
    )
    push_vapid_subject: str = _setting(
        "", _optional(_vapid_subject),
        "Contact the push services may reach the operator at (VAPID sub: mailto:... or https://...); empty: "
        "NEXGATE_PUBLIC_URL if it is https, else mailto:push@ its host",
    )
    push_endpoint_hosts: tuple[str, ...] = _setting(
        ("fcm.googleapis.com", "*.push.services.mozilla.com", "*.notify.windows.com", "*.push.apple.com"), _word_list,
        "Comma-separated hosts (*.domain for its subdomains) a Web Push subscription's endpoint may be on: the "
        "browsers' push services; the server POSTs only there",
    )
    push_ttl_s: int = _setting(
        86_400, _integer(0, 28 * 86_400), "Seconds a push service keeps a push for a device that is offline (TTL)"
    )
    push_timeout_ms: int = _setting(10_000, _integer(10, 120_000), "Timeout of each request to a push service")
    push_max_attempts: int = _setting(
        6, _integer(1, 50), "Attempts at one push delivery before it is failed and parked in the dead-letter queue"
    )
    push_retry_base_ms: int = _setting(
        30_000, _integer(1, 3_600_000),
        "Wait after a push's first temporary failure (429, 5xx, timeout); each later wait is twice as long, and at "
        "least the push service's Retry-After",
    )
    push_retry_max_ms: int = _setting(3_600_000, _integer(1, 86_400_000), "Longest wait between two attempts at a push")
    push_subscriptions_max: int = _setting(
        20, _integer(1, 1000),
        "Push subscriptions (browsers' and apps' together) one user may have; registering one more drops the one "
        "registered least recently",
    )
    push_sandbox: bool = _setting(
        False, _boolean,
        "Run a local Web Push service sandbox in the server on NEXGATE_PUSH_SANDBOX_URL's host and port "
        "(nexgate/providers/webpush_sandbox.py); its endpoints are then accepted whatever NEXGATE_PUSH_ENDPOINT_HOSTS says",
    )
    push_sandbox_url: str = _setting("http://127.0.0.1:8034", _url("http", "https"), "Where the push sandbox listens")
    push_sandbox_dir: str = _setting("", str, "Directory where the push sandbox appends the pushes it decrypted (messages.jsonl)")
    fcm_service_account: str = _setting(
        "", str,
        "Path of the Firebase service account's JSON key file FCM pushes to the apps are sent with (HTTP v1 API); "
        "empty: no FCM push is sent and registering a token answers 503 fcm_unavailable",
    )
    fcm_api_url: str = _setting("https://fcm.googleapis.com", _url("http", "https"), "FCM HTTP v1 API base URL")
    fcm_sandbox: bool = _setting(
        False, _boolean,
        "Run a local FCM and OAuth token sandbox in the server on NEXGATE_FCM_API_URL's host and port; it writes its "
        "service account to NEXGATE_FCM_SERVICE_ACCOUNT (nexgate/providers/fcm_sandbox.py)",
    )
    notifications_daily_digest_at: datetime.time = _setting(
        datetime.time(8), _clock,
        "Local time (HH:MM, in each recipient's time zone) the daily email digest goes at, to those whose email "
        "choice for a category is daily_digest",
    )
    notifications_weekly_digest_day: str = _setting(
        "monday", _choice(*WEEKDAYS), "Local weekday the weekly email digest goes on (monday ... sunday)"
    )
    notifications_weekly_digest_at: datetime.time = _setting(
        datetime.time(8), _clock, "Local time (HH:MM) the weekly email digest goes at on its weekday"
    )
    payments_callback_url: str = _setting(
        "", _optional(_url("http", "https")),
        "Base URL the payment providers POST callbacks to, as {this}/{provider}/{secret}/{collection|payout}; "
        "empty: NEXGATE_PUBLIC_URL + /api/payments/callbacks",
    )
    payments_provider_timeout_s: int = _setting(
        15, _integer(1, 120), "Timeout of each request to a payment provider (Daraja, Selcom, TemboPlus), in seconds"
    )
    payments_max_minor: int = _setting(
        100_000_000, _integer(1, 10**15),
        "Largest payment one may begin, in minor units of its currency (100,000,000: 1,000,000 KES or TZS)",
    )
    payments_reconcile_after_s: int = _setting(
        60, _integer(1, 86_400),
        "Seconds a payment may stay pending before reconciliation first asks its provider; each further "
        "check waits twice as long, up to NEXGATE_PAYMENTS_RECONCILE_BACKOFF_MAX_S",
    )
    payments_reconcile_backoff_max_s: int = _setting(
        900, _integer(1, 86_400), "Longest wait between two reconciliation checks of one pending payment, in seconds"
    )
    payments_expire_after_s: int = _setting(
        3600, _integer(1, 30 * 86_400),
        "Age after which a payment its provider still calls pending, unknown or unreachable is expired",
    )
    payments_reconcile_poll_ms: int = _setting(
        1000, _integer(10, 600_000), "How often the payments reconciler looks for pending payments due a check"
    )
    payments_chain_poll_ms: int = _setting(
        200, _integer(10, 60_000),
        "How often an idle payments-ledger-chain worker looks for committed ledger entries to chain, in ms",
    )
    payments_payout_minimum: tuple[str, ...] = _setting(
        ("TZS:500000", "KES:10000", "UGX:5000"), _minor_per_currency,
        "Smallest payout of a balance, per currency in minor units (CURRENCY:minor, comma-separated): TZS 5,000, "
        "KES 100 and UGX 5,000 by default; what reaches the phone is this less the provider's fee",
    )
    payments_callback_allowed_ips: tuple[str, ...] = _setting(
        (), _network_list,
        "Comma-separated addresses or networks (CIDR) payment callbacks may come from (empty: any; the secret "
        "path segment is checked either way)",
    )
    payments_sandbox: bool = _setting(
        False, _boolean,
        "Run local Daraja, Selcom and TemboPlus sandboxes in the server on the hosts and ports of "
        "NEXGATE_DARAJA_BASE_URL, NEXGATE_SELCOM_BASE_URL and NEXGATE_TEMBO_BASE_URL, accepting the credentials "
        "set here (nexgate/providers/README.md)",
    )
    payments_sandbox_answer_s: int = _setting(
        2, _integer(0, 3600), "Seconds a payment sandbox waits before it settles a payment and calls back (the payer's PIN)"
    )
    payments_sandbox_late_s: int = _setting(
        30, _integer(0, 86_400), "Seconds a payment sandbox waits before a late callback (payer numbers ending in 22, 25)"
    )
    commerce_order_complete_after_shipping_s: int = _setting(
        14 * 86_400, _integer(1, 90 * 86_400),
        "Seconds after shipping at which an order the buyer has neither confirmed nor disputed completes by itself "
        "(its hold released to the seller)",
    )
    commerce_order_complete_after_delivery_s: int = _setting(
        3 * 86_400, _integer(1, 90 * 86_400),
        "Seconds after the buyer confirms delivery at which an order not disputed completes (its hold released to "
        "the seller): the buyer's time to dispute",
    )
    commerce_reservation_s: int = _setting(
        900, _integer(60, 86_400),
        "How long checkout reserves an order's stock for its payment, in seconds: an order still unpaid then is "
        "cancelled and its stock released (a payment landing later is refunded)",
    )
    events_reservation_s: int = _setting(
        900, _integer(60, 86_400),
        "How long a ticket checkout holds its tickets for the payment, in seconds: an order still unpaid then is "
        "cancelled and its tickets put back on sale (a payment landing later is refunded)",
    )
    events_key_bits: int = _setting(
        2048, _choice_int(2048, 3072),
        "Size in bits of a new ticket signing key (RSA, RSA-PSS SHA-256): 2048 keeps the QR code small, 3072 is "
        "stronger and denser",
    )
    events_key_passphrase: str = _setting(
        "nexgate-development-only", _nonempty,
        "Passphrase that encrypts the ticket signing keys' private keys in the database (set your own in production; "
        "changing it makes the existing keys unusable for signing: rotate first)",
    )
    daraja_base_url: str = _setting(
        "https://sandbox.safaricom.co.ke", _url("http", "https"),
        "Daraja (M-Pesa Kenya) API base URL (production: https://api.safaricom.co.ke)",
    )
    daraja_consumer_key: str = _setting("", str, "Daraja app consumer key")
    daraja_consumer_secret: str = _setting("", str, "Daraja app consumer secret")
    daraja_shortcode: str = _setting("174379", str, "M-Pesa paybill or till number payers pay to (STK push)")
    daraja_passkey: str = _setting("", str, "Lipa na M-Pesa Online passkey of the short code")
    daraja_transaction_type: str = _setting(
        "CustomerPayBillOnline", _choice("CustomerPayBillOnline", "CustomerBuyGoodsOnline"),
        "STK push transaction type: CustomerPayBillOnline (paybill) or CustomerBuyGoodsOnline (till)",
    )
    daraja_b2c_shortcode: str = _setting("600000", str, "M-Pesa short code B2C payouts are paid from")
    daraja_initiator_name: str = _setting("", str, "Daraja B2C initiator user name")
    daraja_initiator_password: str = _setting("", str, "Daraja B2C initiator password (sent RSA-encrypted)")
    daraja_certificate: str = _setting(
        "", str, "Path of Safaricom's PEM certificate (or public key) the initiator password is encrypted to"
    )
    daraja_callback_secret: str = _setting("", str, "Secret path segment of Daraja's callback URLs")
    selcom_base_url: str = _setting("https://apigw.selcommobile.com/v1", _url("http", "https"), "Selcom API gateway base URL")
    selcom_api_key: str = _setting("", str, "Selcom API key")
    selcom_api_secret: str = _setting("", str, "Selcom API secret (signs requests; checks webhook digests)")
    selcom_vendor: str = _setting("", str, "Selcom vendor (till) id")
    selcom_pin: str = _setting("", str, "Selcom vendor PIN authorising wallet cash-in payouts")
    selcom_callback_secret: str = _setting("", str, "Secret path segment of Selcom's webhook URLs")
    tembo_base_url: str = _setting(
        "https://sandbox.temboplus.com/tembo/v1", _url("http", "https"),
        "TemboPlus API base URL (production: https://api.temboplus.com/tembo/v1)",
    )
    tembo_account_id: str = _setting("", str, "TemboPlus account id (x-account-id)")
    tembo_secret_key: str = _setting("", str, "TemboPlus secret key (x-secret-key)")
    tembo_payout_account: str = _setting("", str, "TemboPlus wallet account number payouts are paid from (accountNo)")
    tembo_callback_secret: str = _setting("", str, "Secret path segment of TemboPlus's callback URLs")
    oauth_google_client_ids: tuple[str, ...] = _setting(
        (), _word_list,
        "Comma-separated Google OAuth client ids (web, Android, iOS) whose ID tokens sign users in; empty: "
        "Google sign-in is off",
    )
    oauth_google_jwks_url: str = _setting(
        "https://www.googleapis.com/oauth2/v3/certs", _url("http", "https"), "Google's ID-token signing keys (JWKS)"
    )
    oauth_apple_client_ids: tuple[str, ...] = _setting(
        (), _word_list,
        "Comma-separated Apple app bundle ids and Services IDs whose ID tokens sign users in; empty: Apple sign-in is off",
    )
    oauth_apple_jwks_url: str = _setting(
        "https://appleid.apple.com/auth/keys", _url("http", "https"), "Apple's ID-token signing keys (JWKS)"
    )
    oauth_facebook_app_id: str = _setting("", str, "Facebook app id; empty: Facebook sign-in is off")
    oauth_facebook_app_secret: str = _setting("", str, "Facebook app secret (checks users' access tokens)")
    oauth_facebook_graph_url: str = _setting(
        "https://graph.facebook.com/v19.0", _url("http", "https"), "Facebook Graph API base URL, with its version"
    )
    oauth_jwks_cache_s: int = _setting(
        3600, _integer(60, 7 * 86_400), "How long Google's and Apple's signing keys are cached (in Redis), in seconds"
    )
    oauth_jwks_refetch_floor_s: int = _setting(
        60, _integer(1, 86_400),
        "Shortest time between two fetches of a provider's keys when a token names a key id not in the cache",
    )
    oauth_http_timeout_s: int = _setting(10, _integer(1, 120), "Timeout of each request to a sign-in provider, in seconds")
    ws_auth_timeout_s: int = _setting(5, _integer(1, 120), "Seconds a new WebSocket has to send its auth frame")
    ws_heartbeat_s: int = _setting(
        30, _integer(2, 600), "Seconds between the server's WebSocket pings; a peer silent for half of it is dropped"
    )
    ws_max_frame_bytes: int = _setting(
        65_536, _integer(256, 1_048_576), "Largest client frame answered normally; larger ones get a frame_too_large error"
    )
    ws_hard_frame_bytes: int = _setting(
        1_048_576, _integer(1024, 16_777_216), "Largest client frame read at all; a larger one closes the socket (1009)"
    )
    ws_send_queue: int = _setting(
        256, _integer(8, 100_000), "Frames queued for one WebSocket; a client that falls further behind is disconnected"
    )
    ws_frames_per_second: int = _setting(20, _integer(1, 10_000), "Client frames per second one WebSocket may send")
    ws_frame_burst: int = _setting(40, _integer(1, 100_000), "Client frames one WebSocket may send in a burst")
    ws_max_strikes: int = _setting(
        20, _integer(1, 10_000), "Refused client frames within a minute before the WebSocket is closed (4008)"
    )
    ws_drain_timeout_s: int = _setting(5, _integer(1, 300), "Seconds the server gives WebSockets to close on shutdown")
    realtime_stream_length: int = _setting(
        1000, _integer(10, 1_000_000), "Events kept (approximately) in each user's stream for resume"
    )
    realtime_stream_ttl_s: int = _setting(
        7 * 86_400, _integer(60, 365 * 86_400), "A user's event stream is dropped after this long without events"
    )
    presence_ttl_s: int = _setting(
        60, _integer(5, 3600), "Seconds a connection counts as online without its server refreshing it"
    )
    messages_per_hour: int = _setting(
        100, _integer(1, 10_000_000), "Direct messages (sent or forwarded) one user may send per hour"
    )
    message_edit_window_s: int = _setting(
        900, _integer(0, 7 * 86_400), "Seconds after sending during which a direct message can be edited"
    )
    commerce_review_edit_window_s: int = _setting(
        14 * 86_400, _integer(0, 365 * 86_400), "Seconds after writing it during which a buyer may change a review"
    )
    events_feedback_window_s: int = _setting(
        3 * 86_400, _integer(1, 90 * 86_400),
        "Seconds after an event completes during which attendees' reviews may hold its ticket money: when it "
        "closes the holds are released to the organizer net of the fee, or held for an operator (docs/events.md, "
        "\"Money\")",
    )
    events_release_min_rating: float = _setting(
        3.0, _rating,
        "An event whose reviews written in the feedback window average below this (1 to 5, up to two decimals) "
        "has its ticket money held for an operator instead of released, if there are at least "
        "NEXGATE_EVENTS_RELEASE_MIN_REVIEWS of them",
    )
    events_release_min_reviews: int = _setting(
        3, _integer(1, 100_000),
        "How many reviews in the feedback window it takes for their average to hold an event's ticket money",
    )
    events_kiosk_pairing_code_ttl_s: int = _setting(
        600, _integer(60, 86_400), "Seconds a check-in kiosk's pairing code waits for the organizer to pair it"
    )
    events_kiosk_pairings_per_minute: int = _setting(
        10, _integer(1, 100_000), "Kiosk pairings one IP may ask for per minute (POST /api/kiosks)"
    )
    events_offline_clock_skew_s: int = _setting(
        300, _integer(0, 86_400),
        "Seconds an offline scanner's clock may run ahead of the server's: an uploaded scan later than that is refused",
    )
    social_feed_max_items: int = _setting(
        800, _integer(20, 100_000), "Post ids kept in each user's home feed in Redis (newest first; older pages are read "
        "from the database)",
    )
    social_feed_active_days: int = _setting(
        7, _integer(1, 365),
        "Days after their last home feed read during which a user counts as active: their feed is kept in Redis and "
        "new posts are fanned out to it; after that it expires and is rebuilt from the database on their next read",
    )
    social_fanout_max_followers: int = _setting(
        50_000, _integer(0, 1_000_000_000),
        "Accounts with more followers than this are not fanned out on write: their posts are merged into their "
        "followers' home feeds when read",
    )
    social_fanout_chunk: int = _setting(
        1000, _integer(10, 100_000), "Followers read and pushed to at a time when a post is fanned out",
    )
    social_explore_window_hours: int = _setting(
        72, _integer(1, 24 * 365), "How far back explore looks for public posts to rank",
    )
    social_explore_candidates: int = _setting(
        1000, _integer(20, 100_000), "The newest public posts of explore's window that it ranks by engagement",
    )
    media_storage: str = _setting(
        "local", _choice("local", "s3"),
        "Where media is stored: local (files under NEXGATE_MEDIA_LOCAL_DIR, served by the app) or s3 (MinIO or any S3 API)",
    )
    media_local_dir: str = _setting("var/media", str, "Directory of the local media store")
    media_public_url: str = _setting(
        "", str,
        "Base URL of public media (a CDN in front of the bucket or of /media); empty: the app's own /media on "
        "NEXGATE_PUBLIC_URL for local storage, the bucket's own URL for s3",
    )
    s3_endpoint: str = _setting("http://127.0.0.1:9000", _origin, "S3 API endpoint (MinIO)")
    s3_public_endpoint: str = _setting(
        "", _optional(_origin),
        "S3 API endpoint as clients reach it, for the URLs of media (signed URLs are made for it); "
        "empty: NEXGATE_S3_ENDPOINT",
    )
    s3_access_key: str = _setting("minioadmin", str, "S3 access key")
    s3_secret_key: str = _setting("minioadmin", str, "S3 secret key")
    s3_bucket: str = _setting("nexgate-media", _name, "S3 bucket holding every media object")
    s3_region: str = _setting("us-east-1", str, "S3 region of the bucket")
    media_max_image_bytes: int = _setting(10 * 1024 * 1024, _integer(1024, 1 << 31), "Largest image upload, in bytes")
    media_max_video_bytes: int = _setting(100 * 1024 * 1024, _integer(1024, 1 << 34), "Largest video upload, in bytes")
    media_max_pixels: int = _setting(
        40_000_000, _integer(10_000, 1_000_000_000),
        "Most pixels an image may declare; larger ones (decompression bombs) are refused before decoding",
    )
    media_uploads_per_hour: int = _setting(
        120, _integer(1, 1_000_000), "Upload requests (and resumable uploads begun) one user may make per hour"
    )
    media_max_files: int = _setting(10, _integer(1, 100), "Files one upload request may carry")
    media_url_ttl_s: int = _setting(
        900, _integer(30, 7 * 86_400), "Lifetime of a signed URL of private media (message attachments), in seconds"
    )
    media_video_heights: tuple[int, ...] = _setting(
        (480, 720), _integer_list(144, 2160), "Comma-separated heights videos are transcoded to (never upscaled)"
    )
    media_transcode_concurrency: int = _setting(
        1, _integer(1, 64), "Videos one media worker transcodes at once (each FFmpeg uses every core)"
    )
    log_level: str = _setting("INFO", _log_level, "Logging level")
    log_json: bool = _setting(True, _boolean, "Write logs as JSON lines")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            variable = env_name(field.name)
            raw = environ.get(variable)
            if raw is None:
                continue
            try:
                values[field.name] = field.metadata["parse"](raw)
            except ValueError as error:
                raise ConfigError(f"{variable}={raw!r} is invalid: {error}") from None
        values.update(overrides)
        return cls(**values)

    def payout_minimum(self, currency: str) -> int:
        """The smallest payout in ``currency``, in minor units (``payments_payout_minimum``)."""
        return dict((c, int(m)) for c, _, m in (entry.partition(":") for entry in self.payments_payout_minimum))[currency]

    @property
    def payments_callback_base(self) -> str:
        """The base of every payment provider's callback URL (``payments_callback_url`` or its default)."""
        return (self.payments_callback_url or self.public_url.rstrip("/") + "/api/payments/callbacks").rstrip("/")

    @property
    def sms_delivery_reports_url(self) -> str | None:
        """Where Africa's Talking POSTs delivery reports (None without a secret)."""
        if not self.sms_delivery_reports_secret:
            return None
        return f"{self.public_url.rstrip('/')}/api/notifications/sms/delivery-reports/{self.sms_delivery_reports_secret}"

    @property
    def push_subject(self) -> str:
        """The VAPID ``sub`` claim: ``push_vapid_subject`` or its default."""
        if self.push_vapid_subject:
            return self.push_vapid_subject
        public = urlsplit(self.public_url)
        return self.public_url.rstrip("/") if public.scheme == "https" else f"mailto:push@{public.hostname or 'localhost'}"

    def __post_init__(self) -> None:
        if self.db_pool_min > self.db_pool_max:
            raise ConfigError(f"{env_name('db_pool_min')} must not exceed {env_name('db_pool_max')}")


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()


def documented_settings() -> list[tuple[str, Any, str]]:
    """(variable, default, description) for every setting, for .env.example and docs."""
    return [(env_name(f.name), f.default, f.metadata["doc"]) for f in dataclasses.fields(Config)]


LOCAL_HOSTS = frozenset({"", "0.0.0.0", "::", "127.0.0.1", "::1", "localhost"})


def default_public_url_problem(config: Config) -> str | None:
    """Why URLs handed out with the default public URL cannot reach a server bound to
    ``config.host:config.port``, or None when they can or the URL was set."""
    default = urlsplit(Config.public_url)
    if config.public_url != Config.public_url:
        return None
    if config.port == default.port and config.host in LOCAL_HOSTS:
        return None
    return (
        f"{env_name('public_url')} is left at its default {Config.public_url} but this server listens on "
        f"{config.host}:{config.port}: the media URLs and email links it hands out will not reach it. "
        f"Set {env_name('public_url')} to the URL clients reach this server at"
    )


def redacted_url(url: str) -> str:
    """The URL with its password hidden, fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)
