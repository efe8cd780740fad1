from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import orjson


class MalformedEvent(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Event:
    """``type`` is the routing key, ``<area>.<thing>.<verb>`` in the past tense."""

    id: uuid.UUID
    type: str
    payload: dict[str, Any]
    occurred_at: datetime.datetime

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"id": str(self.id), "type": self.type, "occurred_at": self.occurred_at.isoformat(), "payload": self.payload}
        )

    @classmethod
    def from_json(cls, body: bytes) -> Event:
        try:
            data = orjson.loads(body)
            return cls(
                id=uuid.UUID(data["id"]),
                type=data["type"],
                payload=data["payload"],
                occurred_at=datetime.datetime.fromisoformat(data["occurred_at"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise MalformedEvent(f"not an event: {error}") from None
