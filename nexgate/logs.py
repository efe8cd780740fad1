"""Structured logging: one JSON object per line, each carrying the request id in force,
and nothing secret in any line: whatever logger wrote it, the message, the traceback and the
extra fields are scrubbed of password hashes, tokens, codes and secrets (an asyncpg error's
DETAIL carries the whole failing row)."""
from __future__ import annotations

import contextvars
import logging
import re
import sys
import time

import orjson

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

REDACTED = "<redacted>"
_SECRET_VALUES = re.compile(
    r"(?<=Failing row contains \()[\s\S]*?(?=\)\.?(?:\n|$))"  # PostgreSQL's DETAIL of a refused row: all of it
    r"|\$argon2(?:id|i|d)\$[\w$=,+/.]*"  # an Argon2 hash, whole or cut short
    r"|\\x[0-9a-fA-F]{16,}"  # bytea as PostgreSQL prints it (a token's digest)
    r"|(?P<word>[\w.-]{16,})"  # a long word: a JWT, a digest, a random token or a TOTP secret? (_is_secret says)
)
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{40,}")
_BASE32_SECRET = re.compile(r"[A-Z2-7]{16,}")
_SECRET_FIELD = re.compile(
    r"(?i)(\b\w*(?:password|passwd|secret|token|api_?key|salt|otp|_hash"
    r"|(?:sms|email|phone|verification|recovery|reset|backup|mfa)_?codes?)\w*[\"']?\s*[:=]\s*[\"']?|\bbearer\s+)"
    r"[^\s\"',;&)}\]]+"
)


def scrub(text: str) -> str:
    """``text`` with every secret it holds replaced by ``<redacted>``."""
    text = _SECRET_VALUES.sub(_redact, text)
    if "=" in text or ":" in text or "earer" in text:  # the hot path (an access log line) has none
        text = _SECRET_FIELD.sub(rf"\1{REDACTED}", text)
    return text


def _redact(match: re.Match) -> str:
    word = match.group("word")
    if word is None:
        return REDACTED  # a failing row, a hash, a bytea
    return REDACTED if _is_secret(word.rstrip(".")) else word


def _is_secret(word: str) -> bool:
    if word.startswith("eyJ") and word.count(".") == 2:
        return True  # a JWT
    if "." in word:
        return False
    if _HEX_DIGEST.fullmatch(word) or _BASE32_SECRET.fullmatch(word):
        return True
    return (len(word) >= 32 and any(c.isupper() for c in word) and any(c.islower() for c in word)
            and any(c.isdigit() for c in word))  # a random URL-safe token, never a UUID or a word


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return orjson.dumps(entry, default=str).decode()


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = scrub(super().format(record))
        rid = request_id.get()
        return f"{line} [request_id={rid}]" if rid else line


def configure(level: str = "INFO", as_json: bool = True) -> None:
    # Every request writes an access-log line, so what the logging module does for each record
    # counts: no line here shows the caller's file and line, thread or process, and looking them
    # up (a walk up the stack, getpid, the current thread) was a third of a line's cost (the
    # logging HOWTO's "Optimization").
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's own access log is replaced by ours (middlewares.access_log).
    logging.getLogger("aiohttp.access").propagate = False
    for noisy in ("aio_pika", "yoyo"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # aiormq logs every refused connection as an ERROR with a traceback; aio_pika's robust
    # connection already reports reconnects, and start-up failures get our one-line message.
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)
