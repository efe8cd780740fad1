"""Home feeds in Redis (docs/social.md, "Feeds"): one sorted set per user, ``feed:home:<user>``,
of post ids scored by their publication time in microseconds since the epoch (exact in a
double until the year 2255), newest kept, at most ``NEXGATE_SOCIAL_FEED_MAX_ITEMS``.

A set also holds one marker at +inf: ``~built`` once it was filled from the database,
``~building`` while it is. Fan-out adds a post only to the sets that exist, so only *active*
users get pushes: a set expires ``NEXGATE_SOCIAL_FEED_ACTIVE_DAYS`` after its owner's last read
(each read renews it); a user who returns after that, or whose set Redis lost, has no set and
is read from the database while theirs is rebuilt. Rebuilding first creates the set with
``~building``, so posts fanned out meanwhile land in it, then merges the database's newest
posts and swaps the marker to ``~built``: no post published during a rebuild is lost.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence

from ...redis import Redis

BUILT = "~built"
BUILDING = "~building"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

# KEYS: the feeds; ARGV: score, member, cap. Adds to each feed that exists, keeps the newest
# cap (and its marker); answers the indexes (1-based) of the feeds it added to.
_PUSH = """
local reached = {}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, ARGV[1], ARGV[2])
    redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(ARGV[3]) + 2))
    reached[#reached + 1] = i
  end
end
return reached
"""
# KEYS: the feeds; ARGV: the members to take out.
_REMOVE = """
for _, key in ipairs(KEYS) do
  redis.call('ZREM', key, unpack(ARGV))
end
return 0
"""
# KEYS[1]: the feed; ARGV: max score (inclusive, or "(+inf" below the markers), count, ttl.
# Answers false without a built feed, else {member, score, ...} after renewing its expiry.
_READ = """
if redis.call('ZSCORE', KEYS[1], '~built') == false then
  return false
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', 0, ARGV[2])
"""
# KEYS[1]: the feed; ARGV: cap, then score, member pairs. Merges them into a built feed (an
# account just followed); answers 0 for a feed that is not built.
_MERGE = """
if redis.call('ZSCORE', KEYS[1], '~built') == false then
  return 0
end
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[1]) + 2))
return 1
"""
# KEYS[1]: the feed; ARGV[1]: ttl. Marks it building unless it is built or building; answers
# 1 if this caller is to build it.
_BEGIN = """
if redis.call('ZSCORE', KEYS[1], '~built') or redis.call('ZSCORE', KEYS[1], '~building') then
  return 0
end
redis.call('ZADD', KEYS[1], 'inf', '~building')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""
# KEYS[1]: the feed; ARGV: ttl, cap, then score, member pairs. Merges them, keeps the newest cap
# and marks it built.
_FINISH = """
for i = 3, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZREM', KEYS[1], '~building')
redis.call('ZADD', KEYS[1], 'inf', '~built')
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


def score_of(moment: datetime.datetime) -> int:
    """A publication time as a feed score: whole microseconds since the epoch."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment_of(score: float) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(microseconds=int(score))


class FeedStore:
    def __init__(self, redis: Redis, *, max_items: int, active_s: int):
        self.redis = redis
        self.max_items = max_items
        self.active_s = active_s
        self._push = redis.script(_PUSH)
        self._remove = redis.script(_REMOVE)
        self._read = redis.script(_READ)
        self._begin = redis.script(_BEGIN)
        self._finish = redis.script(_FINISH)
        self._merge = redis.script(_MERGE)

    def key(self, user_id: uuid.UUID) -> str:
        return self.redis.key("feed", "home", str(user_id))

    async def push(self, user_ids: Sequence[uuid.UUID], post_id: uuid.UUID,
                   published_at: datetime.datetime) -> list[uuid.UUID]:
        """Add the post to the feeds of those users that have one (the active); those users."""
        if not user_ids:
            return []
        reached = await self._push(keys=[self.key(u) for u in user_ids],
                                   args=[score_of(published_at), str(post_id), self.max_items])
        return [user_ids[int(i) - 1] for i in reached]

    async def remove(self, user_ids: Iterable[uuid.UUID], post_ids: Iterable[uuid.UUID]) -> None:
        keys, members = [self.key(u) for u in user_ids], [str(p) for p in post_ids]
        if keys and members:
            await self._remove(keys=keys, args=members)

    async def read(self, user_id: uuid.UUID, before: tuple[datetime.datetime, uuid.UUID],
                   count: int) -> list[tuple[datetime.datetime, uuid.UUID]] | None:
        """Up to ``count`` entries past ``before`` (newest first), or None if the user has no built
        feed. Entries at the cursor's own time are asked for too and those not past it dropped,
        so ties of one microsecond page by id as the database does."""
        at, after_id = before
        # The markers sit at +inf: a first page reads below them.
        bound = "(+inf" if at == datetime.datetime.max.replace(tzinfo=datetime.timezone.utc) else score_of(at)
        extra = 0
        while True:
            raw = await self._read(keys=[self.key(user_id)], args=[bound, count + extra, self.active_s])
            if raw is None or raw is False:
                return None
            entries = []
            for member, score in zip(raw[0::2], raw[1::2]):
                member = member.decode() if isinstance(member, bytes) else member
                if member.startswith("~"):
                    continue
                entries.append((moment_of(float(score)), uuid.UUID(member)))
            past = [(t, i) for t, i in entries if (t, i) < (at, after_id)]
            dropped = len(entries) - len(past)
            # Entries at the cursor's time that were not past it took places: ask again for more.
            if dropped == 0 or len(raw) // 2 < count + extra:
                return past[:count]
            extra += dropped

    async def begin_rebuild(self, user_id: uuid.UUID) -> bool:
        """Mark the user's feed as being rebuilt; False if it is built, or another rebuild runs."""
        return bool(await self._begin(keys=[self.key(user_id)], args=[self.active_s]))

    async def finish_rebuild(self, user_id: uuid.UUID, entries: Iterable[tuple[datetime.datetime, uuid.UUID]]) -> None:
        args: list = [self.active_s, self.max_items]
        for moment, post_id in entries:
            args += (score_of(moment), str(post_id))
        await self._finish(keys=[self.key(user_id)], args=args)

    async def merge(self, user_id: uuid.UUID, entries: Iterable[tuple[datetime.datetime, uuid.UUID]]) -> bool:
        """Merge posts into the user's feed if it is built (False if it is not)."""
        args: list = [self.max_items]
        for moment, post_id in entries:
            args += (score_of(moment), str(post_id))
        return len(args) > 1 and bool(await self._merge(keys=[self.key(user_id)], args=args))

    async def forget(self, user_id: uuid.UUID) -> None:
        """Drop the user's feed (as Redis losing it would)."""
        await self.redis.client.delete(self.key(user_id))
