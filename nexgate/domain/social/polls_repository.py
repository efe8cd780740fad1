"""Polls' votes, voters and results (sql/social/polls.sql); the poll itself is written with its
post (posts_repository.insert_poll)."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

import asyncpg

from ...sql import all_rows, queries

_sql = queries("social")


async def poll_for_vote(conn, poll_id: uuid.UUID) -> asyncpg.Record | None:
    """The poll, its row held for the transaction."""
    return await _sql.poll_for_vote(conn, poll_id=poll_id)


async def poll_by_id(conn, poll_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.poll_by_id(conn, poll_id=poll_id)


async def options(conn, poll_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.poll_options, conn, poll_id=poll_id)


async def choices(conn, poll_id: uuid.UUID, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The options the user chose."""
    return [row["option_id"] for row in await all_rows(_sql.poll_choices, conn, poll_id=poll_id, user_id=user_id)]


async def insert_voter(conn, poll_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the voter is new (False: they voted already)."""
    return bool(await _sql.poll_insert_voter(conn, poll_id=poll_id, user_id=user_id))


async def voter_changed(conn, poll_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await _sql.poll_voter_changed(conn, poll_id=poll_id, user_id=user_id)


async def insert_votes(conn, poll_id: uuid.UUID, user_id: uuid.UUID, option_ids: Sequence[uuid.UUID]) -> None:
    await _sql.poll_insert_votes(conn, poll_id=poll_id, user_id=user_id, option_ids=list(option_ids))


async def delete_votes(conn, poll_id: uuid.UUID, user_id: uuid.UUID, option_ids: Sequence[uuid.UUID]) -> None:
    await _sql.poll_delete_votes(conn, poll_id=poll_id, user_id=user_id, option_ids=list(option_ids))


async def count_option_votes(conn, poll_id: uuid.UUID, option_ids: Sequence[uuid.UUID], delta: int) -> None:
    await _sql.poll_count_option_votes(conn, poll_id=poll_id, option_ids=list(option_ids), delta=delta)


async def count_votes(conn, poll_id: uuid.UUID, *, votes: int, voters: int) -> None:
    """The poll's totals moved: ``votes`` choices, ``voters`` people."""
    await _sql.poll_count_votes(conn, poll_id=poll_id, votes=votes, voters=voters)


async def close(conn, poll_id: uuid.UUID) -> None:
    await _sql.poll_close(conn, poll_id=poll_id)


async def option_voters(conn, poll_id: uuid.UUID, option_id: uuid.UUID, hidden: Sequence[uuid.UUID],
                        after: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.poll_option_voters, conn, poll_id=poll_id, option_id=option_id,
                          hidden_user_ids=list(hidden), after_at=after[0], after_id=after[1], limit=limit)


async def polls_of_posts(conn, post_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    return await all_rows(_sql.poll_results_of_posts, conn, post_ids=list(post_ids))


async def options_of_polls(conn, poll_ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    return await all_rows(_sql.poll_options_of_polls, conn, poll_ids=list(poll_ids))


async def choices_in_polls(conn, poll_ids: Sequence[uuid.UUID], user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.poll_choices_in_polls, conn, poll_ids=list(poll_ids), user_id=user_id)
