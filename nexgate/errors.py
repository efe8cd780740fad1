"""One error type for the whole platform.

Domain code raises these; the REST error middleware and the WebSocket gateway render
them in the same envelope: ``{"error": {"code", "message", "details"}}``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

E = TypeVar("E", bound="DomainError")


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}

    @classmethod
    def fields(cls: type[E], where: str, problems: Mapping[str, Any], *, message: str | None = None,
               code: str | None = None, **details: Any) -> E:
        """The error naming every bad field of the ``where`` ("body", "query", a frame):
        ``details.fields`` maps each field to its messages (a lone message becomes a list of
        one; a nested field maps to its own fields), as REST and WebSocket both answer."""
        named = {field: [problem] if isinstance(problem, str) else problem for field, problem in problems.items()}
        message = message or f"Invalid fields in the {where}: {', '.join(sorted(map(str, named)))}"
        return cls(message, code=code, details={"fields": named, **details})

    def envelope(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class Invalid(DomainError):
    status = 422
    code = "invalid"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class Unavailable(DomainError):
    status = 503
    code = "unavailable"


class Internal(DomainError):
    """What a client is told of a failure on our side (a bug, a database or Redis error):
    nothing of its internals, only how to find it in the logs."""

    status = 500
    code = "internal"

    def __init__(self, identified_by: str = "the request id"):
        super().__init__(f"Something went wrong on our side; {identified_by} identifies it.")
