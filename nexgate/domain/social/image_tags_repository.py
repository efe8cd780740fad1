"""Tags on a post's images (sql/social/image_tags.sql)."""
from __future__ import annotations

import decimal
import uuid

import asyncpg

from ...sql import all_rows, queries

_sql = queries("social")


async def hold_media(conn, post_id: uuid.UUID, media_id: uuid.UUID) -> bool:
    """Whether the media is the post's, its row held for the caller's transaction."""
    return await _sql.image_tag_hold_media(conn, post_id=post_id, media_id=media_id) is not None


async def is_post_media(conn, post_id: uuid.UUID, media_id: uuid.UUID) -> bool:
    return await _sql.image_tag_post_media(conn, post_id=post_id, media_id=media_id) is not None


async def count(conn, post_id: uuid.UUID, media_id: uuid.UUID) -> int:
    return await _sql.image_tag_count(conn, post_id=post_id, media_id=media_id)


async def insert(conn, *, id: uuid.UUID, post_id: uuid.UUID, media_id: uuid.UUID, kind: str,
                 user_id: uuid.UUID | None, product_id: uuid.UUID | None, shop_id: uuid.UUID | None,
                 x: decimal.Decimal, y: decimal.Decimal, created_by: uuid.UUID) -> bool:
    """Whether it was written (False: that target is tagged on the image already)."""
    return await _sql.image_tag_insert(conn, id=id, post_id=post_id, media_id=media_id, kind=kind, user_id=user_id,
                                       product_id=product_id, shop_id=shop_id, x=x, y=y,
                                       created_by=created_by) is not None


async def delete(conn, tag_id: uuid.UUID, post_id: uuid.UUID, media_id: uuid.UUID) -> bool:
    return await _sql.image_tag_delete(conn, tag_id=tag_id, post_id=post_id, media_id=media_id) is not None


async def by_id(conn, tag_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.image_tag_by_id(conn, tag_id=tag_id)


async def of_media(conn, post_id: uuid.UUID, media_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.image_tags_of_media, conn, post_id=post_id, media_id=media_id)
