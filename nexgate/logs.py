"""Structured logging: one JSON object per line, each carrying the request id in force,
and nothing secret in any line: whatever logger wrote it, the message, the traceback and the
extra fields are scrubbed of password hashes, tokens, codes and secrets (an asyncpg error's
DETAIL carries the whole failing row)."""
from __future__ import annotations

import asyncio
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


_second: tuple[int, str] = (-1, "")  # the last second formatted, and its text


def _timestamp(created: float) -> str:
    global _second
    whole = int(created)
    if whole != _second[0]:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int(created % 1 * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": _timestamp(record.created),
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


class LoopBatchingHandler(logging.StreamHandler):
    """A ``StreamHandler`` that, on an event loop's thread, writes its info and debug lines
    at most ``BATCH_S`` after they were logged, together: every request logs a line, and a
    write (and flush) a line was a tenth of a small response's CPU. Off the loop, and for
    warnings and worse (which a crash must not take with it), it writes at once, after what
    is waiting, as ``StreamHandler`` does; ``logging.shutdown`` at exit flushes the rest."""

    BATCH_S = 0.05

    def __init__(self, stream=None):
        super().__init__(stream)
        self._pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        loop = _running_loop()
        if loop is None or record.levelno >= logging.WARNING:
            self.flush()
            super().emit(record)
            return
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 -- logging's own contract: report, never raise
            self.handleError(record)
            return
        self._batch(line, loop)

    def write_line(self, line: str) -> None:
        """Write a line that is already formatted (``AccessLog``'s)."""
        loop = _running_loop()
        if loop is not None:
            self._batch(line, loop)
            return
        self.flush()
        with self.lock:
            self.stream.write(line + self.terminator)
            self.stream.flush()

    def _batch(self, line: str, loop: asyncio.AbstractEventLoop) -> None:
        with self.lock:
            if not self._pending:
                loop.call_later(self.BATCH_S, self.flush)
            self._pending.append(line)

    def flush(self) -> None:
        if not self._pending:
            super().flush()
            return
        with self.lock:
            lines, self._pending = self._pending, []
            try:
                self.stream.write(self.terminator.join(lines) + self.terminator)
                self.stream.flush()
            except Exception:  # noqa: BLE001
                self.handleError(logging.makeLogRecord({"msg": lines[0]}))


class AccessLog:
    """The access log: one line a response, with its method, path, route, status, duration and
    peer. Where ``configure`` set up JSON lines, the line is built and handed to the handler
    directly, the same line ``JsonFormatter`` would write for the record: a ``LogRecord``, the
    logging module's dispatch and a formatter that scrubs every field cost 40-50 us a response
    on the server, a seventh of an authenticated read's CPU (bench/README.md). Anywhere else (a
    plain-text log, the tests' capture), it is an ordinary record of the ``nexgate.access``
    logger."""

    def __init__(self, name: str = "nexgate.access"):
        self.logger = logging.getLogger(name)

    def write(self, method: str, path: str, route: str, status: int, seconds: float, remote: str | None) -> None:
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        fields = {"method": method, "path": path, "route": route, "status": status,
                  "duration_ms": round(seconds * 1000, 2), "remote": remote}
        handler = _json_lines
        if handler is None or handler not in logging.root.handlers or logger.handlers or not logger.propagate:
            logger.info("%s %s %d", method, path, status, extra=fields)
            return
        fields["path"] = path = scrub(path)  # the method is a token, the route ours, the peer an address
        entry = {"ts": _timestamp(time.time()), "level": "info", "logger": logger.name,
                 "msg": f"{method} {path} {status}"}
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        entry.update(fields)
        handler.write_line(orjson.dumps(entry).decode())


_json_lines: LoopBatchingHandler | None = None  # the handler configure() set up for JSON lines


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def configure(level: str = "INFO", as_json: bool = True) -> None:
    # Every request writes an access-log line, so what the logging module does for each record
    # counts: no line here shows the caller's file and line, thread or process, and looking them
    # up (a walk up the stack, getpid, the current thread) was a third of a line's cost (the
    # logging HOWTO's "Optimization").
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    global _json_lines
    handler = LoopBatchingHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _json_lines = handler if as_json else None
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
