"""The SQL of reviews (``sql/commerce/reviews.sql``): it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("commerce")


@dataclasses.dataclass(frozen=True)
class Review:
    id: uuid.UUID
    order_id: uuid.UUID
    product_id: uuid.UUID
    shop_id: uuid.UUID
    buyer_id: uuid.UUID
    rating: int
    body: str | None
    reply: str | None
    replied_by: uuid.UUID | None
    replied_at: datetime.datetime | None
    created_at: datetime.datetime
    edited_at: datetime.datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Review | None:
        return None if row is None else cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class Listed:
    """A review as lists show it: with its author's card and its photos' ids, and its place."""

    review: Review
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    verified_at: datetime.datetime | None
    media_ids: list[uuid.UUID]
    k: int

    def position(self) -> tuple[int, datetime.datetime, uuid.UUID]:
        return self.k, self.review.created_at, self.review.id


@dataclasses.dataclass(frozen=True)
class Rating:
    count: int
    total: int
    stars: list[int]  # how many of each star, 1 to 5


async def order_line(conn, order_id: uuid.UUID, product_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.order_line(conn, order_id=order_id, product_id=product_id)


async def insert_review(conn, **fields) -> uuid.UUID | None:
    row = await _sql.insert_review(conn, **fields)
    return None if row is None else row["id"]


async def lock_review(conn, review_id: uuid.UUID) -> Review | None:
    return Review.from_row(await _sql.lock_review(conn, id=review_id))


async def update_review(conn, review_id: uuid.UUID, rating: int, body: str | None) -> None:
    await _sql.update_review(conn, id=review_id, rating=rating, body=body)


async def set_reply(conn, review_id: uuid.UUID, reply: str, replied_by: uuid.UUID) -> bool:
    return bool(await _sql.set_reply(conn, id=review_id, reply=reply, replied_by=replied_by))


async def replace_media(conn, review_id: uuid.UUID, media_ids: list[uuid.UUID]) -> None:
    await _sql.replace_media(conn, review_id=review_id, media_ids=media_ids)


async def reviews_page(conn, *, product_id: uuid.UUID | None = None, shop_id: uuid.UUID | None = None,
                       review_id: uuid.UUID | None = None, sort: str, hidden_author_ids: list[uuid.UUID], after: tuple,
                       limit: int) -> list[Listed]:
    found = []
    async for row in _sql.reviews_page(conn, product_id=product_id, shop_id=shop_id, review_id=review_id, sort=sort,
                                       hidden_author_ids=hidden_author_ids, after_k=after[0], after_at=after[1],
                                       after_id=after[2], limit=limit):
        found.append(Listed(Review.from_row(row), row["username"], row["display_name"], row["avatar_media_id"],
                            row["verified_at"], list(row["media_ids"]), row["k"]))
    return found


def _rating(row: asyncpg.Record | None) -> Rating:
    return Rating(0, 0, [0] * 5) if row is None else Rating(row["rating_count"], row["rating_sum"],
                                                            list(row["rating_stars"]))


async def product_rating(conn, product_id: uuid.UUID) -> Rating:
    return _rating(await _sql.product_rating(conn, product_id=product_id))


async def shop_rating(conn, shop_id: uuid.UUID) -> Rating:
    return _rating(await _sql.shop_rating(conn, shop_id=shop_id))
