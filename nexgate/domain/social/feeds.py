"""The feeds (docs/social.md, "Feeds"): home, explore, a user's posts, a hashtag's posts.

Every feed pages the same way: a source answers rows past a key (newest first, or explore's
rank), the users area's visibility keeps the rows whose authors the viewer may see
(``visible_authors``: no block either way, no mute, public or followed), and
``posts.visible_posts`` keeps the posts the viewer may see (their visibility and state) and
makes their views. What is filtered out is made up from the source's next rows, so a page is
full while the feed has more; the cursor is the key of the last row shown (or, after rounds
that kept nothing, of the last row looked at), so pages neither repeat nor skip.

The home feed is read from the viewer's Redis sorted set (``feed_store``), filled by the fan-out
worker (``fanout``), with the posts of the big accounts the viewer follows (more than
``NEXGATE_SOCIAL_FANOUT_MAX_FOLLOWERS`` followers, never fanned out) merged in as it is read; a
viewer with no built set (back after ``NEXGATE_SOCIAL_FEED_ACTIVE_DAYS``, or lost by Redis) is
read from the database while the set is rebuilt, and so is the tail past what the set holds.
"""
from __future__ import annotations

import asyncio
import datetime
import math
import uuid
from collections.abc import Awaitable, Callable

from ...errors import Forbidden, NotFound
from ...pagination import NEWEST_FIRST, Keyset, Page
from ...platform import Platform
from ..users import audience, visibility
from . import feeds_repository as repository
from . import posts
from .feed_store import FeedStore
from .feeds_repository import FeedRow

MAX_ROUNDS = 5  # source reads one page may make while visibility filters rows out
REBUILD_ON_FOLLOW = 40  # an account just followed: its newest posts merged into a built feed
EXPLORE = Keyset("explore", (datetime.datetime, float, uuid.UUID),
                 (datetime.datetime.min.replace(tzinfo=datetime.timezone.utc), math.inf, uuid.UUID(int=(1 << 128) - 1)))

# A source: the rows past a key, at most n, and the key to read on from (None: no more rows).
Source = Callable[[tuple, int], Awaitable[tuple[list[FeedRow], tuple | None]]]
# The rows whose authors the viewer may see, in order.
Keep = Callable[[list[FeedRow]], Awaitable[list[FeedRow]]]


def store(platform: Platform) -> FeedStore:
    config = platform.config
    return FeedStore(platform.redis, max_items=config.social_feed_max_items,
                     active_s=config.social_feed_active_days * 86_400)


async def _page(platform: Platform, viewer_id: uuid.UUID | None, keyset: Keyset, after: tuple, limit: int,
                source: Source, keep: Keep, position: Callable[[FeedRow], tuple]) -> Page[dict]:
    shown: list[tuple[FeedRow, dict]] = []
    batch = limit + 1
    for _ in range(MAX_ROUNDS):
        rows, next_after = await source(after, batch)
        kept = await keep(rows)
        views = {str(view["id"]): view for view in await posts.visible_posts(platform, viewer_id, [r.id for r in kept])}
        shown += [(row, views[str(row.id)]) for row in kept if str(row.id) in views]
        if len(shown) > limit or next_after is None:
            break
        after = next_after
    if len(shown) > limit:
        return Page([view for _, view in shown[:limit]], keyset.encode(position(shown[limit - 1][0])))
    # Every row up to next_after was looked at: the next page reads on from there.
    return Page([view for _, view in shown], None if next_after is None else keyset.encode(next_after))


def _from_rows(rows: list[FeedRow], n: int) -> tuple[list[FeedRow], tuple | None]:
    return rows, (rows[-1].position() if len(rows) >= n and rows else None)


def _visible_to(platform: Platform, viewer_id: uuid.UUID | None) -> Keep:
    """Rows whose creator the viewer may see (the users area's feed rule)."""
    async def keep(rows: list[FeedRow]) -> list[FeedRow]:
        visible = await visibility.visible_authors(platform, viewer_id, (r.author_id for r in rows))
        return [r for r in rows if r.author_id in visible]
    return keep


# Home

async def home(platform: Platform, viewer_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page[dict]:
    """The viewer's home feed: the posts and reposts of the accounts they follow (with the posts
    those accounts accepted to co-author) and their own, newest first."""
    feeds = store(platform)
    after = NEWEST_FIRST.decode(cursor)
    big: list[uuid.UUID] | None = None
    following: list[uuid.UUID] | None = None

    async def big_accounts() -> list[uuid.UUID]:
        nonlocal big
        if big is None:
            big = await audience.followed_with_followers_over(platform, viewer_id,
                                                              platform.config.social_fanout_max_followers)
        return big

    async def authors() -> list[uuid.UUID]:
        nonlocal following
        if following is None:
            following = [viewer_id, *await audience.following_ids(platform, viewer_id)]
        return following

    async def from_database(after: tuple, n: int) -> tuple[list[FeedRow], tuple | None]:
        async with platform.core.connection() as conn:
            return _from_rows(await repository.posts_by_authors(conn, await authors(), after, n), n)

    async def source(after: tuple, n: int) -> tuple[list[FeedRow], tuple | None]:
        entries, big_ids = await asyncio.gather(feeds.read(viewer_id, after, n), big_accounts())
        if entries is None and after == NEWEST_FIRST.start:
            return await _rebuild(platform, feeds, viewer_id, await authors(), set(big_ids), n)
        if entries is None or len(entries) < n:
            # No built feed (a later page while it is rebuilt), or past what it holds.
            return await from_database(after, n)
        async with platform.core.connection() as conn:
            big_rows = await repository.posts_by_authors(conn, big_ids, after, n) if big_ids else []
            places = sorted({*entries, *(r.position() for r in big_rows)}, reverse=True)[:n]
            found = await repository.feed_rows(conn, [post_id for _, post_id in places])
        found.update({r.id: r for r in big_rows})
        # A post deleted since it was pushed is not found: it is skipped, its place still counted.
        return [found[post_id] for _, post_id in places if post_id in found], places[-1]

    async def keep(rows: list[FeedRow]) -> list[FeedRow]:
        visible = await visibility.visible_authors_followed(platform, viewer_id,
                                                            (a for r in rows for a in r.author_ids))
        # Shown through an author the viewer follows (or is) and may see; whether its creator is
        # muted or blocked (visible_posts checks blocks of every author).
        return [r for r in rows if r.author_id in visible
                and any(a == viewer_id or visible.get(a) for a in r.author_ids)]

    return await _page(platform, viewer_id, NEWEST_FIRST, after, limit, source, keep, FeedRow.position)


async def _rebuild(platform: Platform, feeds: FeedStore, viewer_id: uuid.UUID, authors: list[uuid.UUID],
                   big: set[uuid.UUID], n: int) -> tuple[list[FeedRow], tuple | None]:
    """A first page for a viewer without a built feed, read from the database; their feed is
    rebuilt from the same read (the newest ``max_items`` posts of the accounts fanned out to it)
    unless another read is rebuilding it."""
    mine = await feeds.begin_rebuild(viewer_id)
    async with platform.core.connection() as conn:
        rows = await repository.posts_by_authors(conn, authors, NEWEST_FIRST.start,
                                                 max(n, feeds.max_items) if mine else n)
    if mine:
        await feeds.finish_rebuild(viewer_id, (r.position() for r in rows
                                               if not set(r.author_ids) <= big or r.author_id == viewer_id))
    return _from_rows(rows[:n], n)


# A user's posts

async def user_posts(platform: Platform, viewer_id: uuid.UUID | None, user_id: uuid.UUID, *,
                     cursor: str | None, limit: int) -> Page[dict]:
    """The user's published posts and reposts, with those they accepted to co-author, newest
    first. 404 ``user_not_found`` for no such user or one who blocked the viewer, 403
    ``user_blocked`` for one the viewer blocked, 403 ``private_account`` for a private account
    the viewer does not follow (as the users area's other lists)."""
    after = NEWEST_FIRST.decode(cursor)
    if viewer_id != user_id:
        async with platform.core.connection() as conn:
            rel = await visibility.relationship_in(conn, viewer_id, user_id)
        visibility.require_profile(rel)
        if not visibility.content_visible(rel):
            raise Forbidden("This account is private: only its followers see its posts", code="private_account")

    async def source(after: tuple, n: int) -> tuple[list[FeedRow], tuple | None]:
        async with platform.core.connection() as conn:
            return _from_rows(await repository.posts_by_authors(conn, [user_id], after, n), n)

    return await _page(platform, viewer_id, NEWEST_FIRST, after, limit, source, _visible_to(platform, viewer_id),
                       FeedRow.position)


# Hashtags

async def hashtag(platform: Platform, tag: str) -> repository.Hashtag:
    """A hashtag by its text (any letter case, with or without its '#'); 404 ``hashtag_not_found``."""
    async with platform.core.connection() as conn:
        found = await repository.hashtag_by_tag(conn, normalize_tag(tag))
    if found is None:
        raise NotFound("No such hashtag", code="hashtag_not_found")
    return found


def normalize_tag(tag: str) -> str:
    return tag.removeprefix("#").lower()


async def hashtag_posts(platform: Platform, viewer_id: uuid.UUID | None, tag: str, *, cursor: str | None,
                        limit: int) -> Page[dict]:
    """A hashtag's published posts the viewer may see, newest first."""
    after = NEWEST_FIRST.decode(cursor)
    found = await hashtag(platform, tag)

    async def source(after: tuple, n: int) -> tuple[list[FeedRow], tuple | None]:
        async with platform.core.connection() as conn:
            return _from_rows(await repository.posts_of_hashtag(conn, found.id, after, n), n)

    return await _page(platform, viewer_id, NEWEST_FIRST, after, limit, source, _visible_to(platform, viewer_id),
                       FeedRow.position)


# Explore

async def explore(platform: Platform, viewer_id: uuid.UUID | None, *, cursor: str | None, limit: int,
                  now: datetime.datetime | None = None) -> Page[dict]:
    """Recent public posts of people the viewer does not follow (nor the viewer's own), by
    engagement decayed by age; anonymous viewers see every public account's. Every page of one
    walk ranks as of its first page's time (carried in the cursor), so the order holds."""
    at, score, after_id = EXPLORE.decode(cursor)
    if cursor is None:
        at = now or datetime.datetime.now(datetime.timezone.utc)
    config = platform.config
    window_start = at - datetime.timedelta(hours=config.social_explore_window_hours)

    async def source(after: tuple, n: int) -> tuple[list[FeedRow], tuple | None]:
        async with platform.core.connection() as conn:
            rows = await repository.explore(conn, window_start=window_start, at=at, before=after[1:], limit=n,
                                            candidates=config.social_explore_candidates)
        return rows, ((at, rows[-1].score, rows[-1].id) if len(rows) >= n and rows else None)

    async def keep(rows: list[FeedRow]) -> list[FeedRow]:
        everyone = {a for r in rows for a in r.author_ids}
        visible = await visibility.visible_authors(platform, viewer_id, everyone)
        followed = set() if viewer_id is None else await audience.followed_among(platform, viewer_id, everyone)
        return [r for r in rows if r.author_id in visible
                and not any(a == viewer_id or a in followed for a in r.author_ids)]

    return await _page(platform, viewer_id, EXPLORE, (at, score, after_id), limit, source, keep,
                       lambda row: (at, row.score, row.id))


