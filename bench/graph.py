"""The social graph at size: generate users and follows straight into a fresh database with
COPY, then time the visibility check, followers pages of the most followed accounts (first and
deep pages, through a running server) and suggested users for accounts that follow 500.

``python -m bench.graph [--users 100000] [--follows 5000000] [--hubs 3] [--following 500]
[--samples 500] [--keep]``

It makes its own databases (``nexgate_bench_<run>_core`` / ``_notify``, dropped afterwards
unless ``--keep``), migrates them as ``python -m nexgate migrate`` does, loads the graph and
serves Nexgate (``serve --workers none``) on it. Every timed call is made one at a time, so the
figures are latencies, not throughput. Targets (p99): visibility 10 ms, followers page 20 ms,
suggestions 100 ms.
"""
from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import asyncpg
import uvloop

from bench.auth import PASSWORD, _bench_databases, _server_env
from bench.load import ServerFailed, _percentile_ms, free_port, nexgate_server, running
from nexgate import migrations
from nexgate.config import Config
from nexgate.db import init_connection
from nexgate.domain.users import pages, visibility

TARGETS_MS = {"visibility": 10.0, "followers_page": 20.0, "suggestions": 100.0}
FIRST = ("Amina", "Baraka", "Neema", "Juma", "Zawadi", "Halima", "Emmanuel", "Grace", "Salim", "Rehema", "Daudi",
         "Upendo", "Faraja", "Mwajuma", "Kassim", "Imani", "Joseph", "Wanjiru", "Otieno", "Achieng")
LAST = ("Mollel", "Kweka", "Said", "Mushi", "Njoroge", "Kamau", "Odhiambo", "Massawe", "Lyimo", "Mrema", "Swai",
        "Ochieng", "Mwangi", "Shirima", "Temba", "Minja", "Kimaro", "Mbwambo", "Urassa", "Nyerere")
GRAPH_TABLES = ("user_follows", "user_follow_requests", "user_blocks", "user_mutes")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run = uuid.uuid4().hex[:8]
    databases = _bench_databases(Config.from_env(), run)
    try:
        for name, url in databases.items():
            migrations.apply(url, name)
        summary = uvloop.run(bench(args, run, databases))
    except (ServerFailed, RuntimeError) as error:
        print(f"bench.graph: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {databases['core']}", file=sys.stderr)
        else:
            for url in databases.values():
                migrations.drop_database(url)
    print(json.dumps(summary), flush=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.graph", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="accounts (default 100000)")
    parser.add_argument("--follows", type=int, default=5_000_000, help="follows in all (default 5000000)")
    parser.add_argument("--hubs", type=int, default=3, help="accounts every other account follows (default 3)")
    parser.add_argument("--following", type=int, default=500, help="follows of each suggestions viewer (default 500)")
    parser.add_argument("--viewers", type=int, default=3, help="accounts signed in through the API (default 3)")
    parser.add_argument("--samples", type=int, default=500, help="timed calls per measurement (default 500)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the databases (to EXPLAIN ANALYZE on them)")
    return parser


async def bench(args: argparse.Namespace, run: str, databases: dict[str, str]) -> dict:
    rng = random.Random(args.seed)
    conn = await asyncpg.connect(databases["core"])
    try:
        started = time.perf_counter()
        ids = await _load_users(conn, args.users, rng)
        edges = await _load_follows(conn, ids, args.follows, args.hubs, rng)
        load_s = round(time.perf_counter() - started, 1)
        print(f"generated {len(ids)} users and {edges} follows in {load_s} s", flush=True)
    finally:
        await conn.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with running(nexgate_server(port), f"{base}/health/live", env=_server_env(run, databases)):
        async with aiohttp.ClientSession(base_url=base, timeout=aiohttp.ClientTimeout(total=60)) as session:
            viewers = [await _register(session, f"bench_{run}_{n}") for n in range(args.viewers)]
            pool = await asyncpg.create_pool(databases["core"], min_size=1, max_size=2, init=init_connection)
            try:
                async with pool.acquire() as conn:
                    await _follow_many(conn, [v["id"] for v in viewers], ids, args.following, rng)
                    figures = {
                        "visibility": await _visibility(conn, ids, args.samples, rng),
                        **await _followers_pages(session, conn, viewers[0], ids[: args.hubs], args.samples, rng),
                    }
                figures["suggestions"] = await _suggestions(session, viewers, args.samples)
                figures["search"] = await _search(session, viewers[0], args.samples)
            finally:
                await pool.close()
    for name, figure in figures.items():
        print(f"{name:<22} p50 {figure['p50_ms']:.2f} ms  p99 {figure['p99_ms']:.2f} ms  ({figure['calls']} calls)")
    met = {name: all(figures[key]["p99_ms"] < target for key in figures if key.startswith(name))
           for name, target in TARGETS_MS.items()}
    print("targets (p99): " + ", ".join(f"{name} < {TARGETS_MS[name]:.0f} ms {'met' if ok else 'MISSED'}"
                                        for name, ok in met.items()), flush=True)
    return {"bench": "graph", "cpus": os.cpu_count(), "users": len(ids), "follows": edges, "hubs": args.hubs,
            "viewer_following": args.following, "load_s": load_s, **figures, "targets_ms": TARGETS_MS,
            "targets_met": met}


# generation

async def _load_users(conn: asyncpg.Connection, count: int, rng: random.Random) -> list[uuid.UUID]:
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)]
    now = datetime.datetime.now(datetime.timezone.utc)
    rows = ((user_id, f"user{n:06d}", f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"user{n:06d}@bench.example",
             now - datetime.timedelta(days=rng.randrange(1, 1000))) for n, user_id in enumerate(ids))
    await conn.copy_records_to_table("users", records=rows, columns=("id", "username", "display_name", "email",
                                                                      "created_at"))
    return ids


async def _load_follows(conn: asyncpg.Connection, ids: list[uuid.UUID], total: int, hubs: int,
                        rng: random.Random) -> int:
    """Everyone follows the hubs; the other follows go to accounts chosen with Zipf-like
    popularity. Constraints and indexes are dropped for the COPY and rebuilt after it."""
    rebuild = await _drop_constraints_and_indexes(conn, "user_follows")
    count = 0

    async def rows() -> AsyncIterator[tuple]:
        nonlocal count
        n = len(ids)
        per_user = max(0, total - hubs * (n - 1)) / n
        cumulative = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(n - hubs)))
        popular = ids[hubs:]
        rng.shuffle(popular)
        times = _times(rng)
        for follower in ids:
            followees = {hub for hub in ids[:hubs] if hub != follower}
            want = len(followees) + round(rng.expovariate(1 / per_user)) if per_user else 0
            while len(followees) < min(want, n - 1):
                picks = rng.choices(popular, cum_weights=cumulative, k=want - len(followees))
                followees.update(p for p in picks if p != follower)
            for followee in followees:
                yield follower, followee, rng.choice(times)
            count += len(followees)

    await conn.copy_records_to_table("user_follows", records=rows(), columns=("follower_id", "followee_id",
                                                                              "created_at"))
    await _rebuild(conn, rebuild)
    await conn.execute("""
        UPDATE users u SET followers_count = coalesce(i.n, 0), following_count = coalesce(o.n, 0)
          FROM users x
          LEFT JOIN (SELECT followee_id AS id, count(*)::int AS n FROM user_follows GROUP BY 1) i ON i.id = x.id
          LEFT JOIN (SELECT follower_id AS id, count(*)::int AS n FROM user_follows GROUP BY 1) o ON o.id = x.id
         WHERE u.id = x.id""")
    # A few blocks and mutes, so that the checks have something to find.
    for table, columns in (("user_blocks", ("blocker_id", "blocked_id")), ("user_mutes", ("muter_id", "muted_id"))):
        pairs = {(rng.choice(ids), rng.choice(ids)) for _ in range(len(ids) // 50)}
        await conn.copy_records_to_table(table, records=[p for p in pairs if p[0] != p[1]], columns=columns)
    for table in ("users", *GRAPH_TABLES):
        await conn.execute(f"VACUUM ANALYZE {table}")
    return count


def _times(rng: random.Random) -> list[datetime.datetime]:
    now = datetime.datetime.now(datetime.timezone.utc)
    return [now - datetime.timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(100_000)]


async def _drop_constraints_and_indexes(conn: asyncpg.Connection, table: str) -> list[str]:
    """Drop the table's keys and indexes; the statements that put them back."""
    constraints = await conn.fetch("""
        SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
         WHERE conrelid = $1::regclass AND contype IN ('p', 'f', 'u')
         ORDER BY contype DESC""", table)  # keys (u, p) before the foreign keys (f) that may need them
    indexes = await conn.fetch("""
        SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition FROM pg_index
         WHERE indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)""",
                               table)
    for row in constraints:
        await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {row['conname']}")
    for row in indexes:
        await conn.execute(f"DROP INDEX {row['name']}")
    return ([f"ALTER TABLE {table} ADD CONSTRAINT {row['conname']} {row['definition']}" for row in constraints]
            + [row["definition"] for row in indexes])


async def _rebuild(conn: asyncpg.Connection, statements: list[str]) -> None:
    await conn.execute("SET maintenance_work_mem = '1GB'")
    await conn.execute("SET max_parallel_maintenance_workers = 2")
    for statement in statements:
        await conn.execute(statement)


async def _follow_many(conn: asyncpg.Connection, viewers: list[uuid.UUID], ids: list[uuid.UUID], count: int,
                       rng: random.Random) -> None:
    """Each viewer follows ``count`` accounts, half of them among the most followed."""
    popular = [row["id"] for row in await conn.fetch(
        "SELECT id FROM users ORDER BY followers_count DESC LIMIT $1", count * 4)]
    now = datetime.datetime.now(datetime.timezone.utc)
    for viewer in viewers:
        chosen = set(rng.sample(popular, count // 2))
        while len(chosen) < count:
            chosen.add(rng.choice(ids))
        chosen.discard(viewer)
        await conn.copy_records_to_table("user_follows", records=[
            (viewer, followee, now - datetime.timedelta(minutes=n)) for n, followee in enumerate(chosen)],
            columns=("follower_id", "followee_id", "created_at"))
        await conn.execute("""UPDATE users SET followers_count = followers_count + 1
                               WHERE id IN (SELECT followee_id FROM user_follows WHERE follower_id = $1)""", viewer)
        await conn.execute("UPDATE users SET following_count = $2 WHERE id = $1", viewer, len(chosen))
    await conn.execute("ANALYZE user_follows")


# measurements

async def _timed(calls: int, call: Callable[[int], Awaitable[None]]) -> dict:
    latencies = []
    for n in range(calls):
        began = time.perf_counter()
        await call(n)
        latencies.append(time.perf_counter() - began)
    ordered = sorted(latencies)
    return {"calls": calls, "p50_ms": _percentile_ms(ordered, 0.5), "p99_ms": _percentile_ms(ordered, 0.99)}


async def _visibility(conn: asyncpg.Connection, ids: list[uuid.UUID], calls: int, rng: random.Random) -> dict:
    """``visibility.relationship_in`` plus the content rule, as every other area asks it."""
    pairs = [(rng.choice(ids), rng.choice(ids) if n % 10 else ids[0]) for n in range(calls * 4)]

    async def ask(n: int) -> None:
        viewer, user = pairs[n]
        visibility.content_visible(await visibility.relationship_in(conn, viewer, user))

    return await _timed(calls * 4, ask)


async def _followers_pages(session: aiohttp.ClientSession, conn: asyncpg.Connection, viewer: dict,
                           hubs: list[uuid.UUID], calls: int, rng: random.Random) -> dict:
    """The first page of a hub's followers, and pages that start anywhere down the list."""
    headers = _bearer(viewer)
    deep = []
    for _ in range(calls):
        hub = rng.choice(hubs)
        followers = await conn.fetchval("SELECT followers_count FROM users WHERE id = $1", hub)
        row = await conn.fetchrow("""SELECT created_at, follower_id FROM user_follows WHERE followee_id = $1
                                      ORDER BY created_at DESC, follower_id DESC OFFSET $2 LIMIT 1""",
                                  hub, rng.randrange(followers // 100, followers - 21))
        deep.append((hub, pages.encode(row["created_at"], row["follower_id"])))

    async def page(hub: uuid.UUID, cursor: str | None) -> None:
        params = {"limit": "20", **({"cursor": cursor} if cursor else {})}
        async with session.get(f"/api/users/{hub}/followers", params=params, headers=headers) as response:
            body = await response.json()
            if response.status != 200 or len(body["items"]) != 20:
                raise RuntimeError(f"followers page: {response.status} {str(body)[:300]}")

    return {
        "followers_page_first": await _timed(calls, lambda n: page(hubs[n % len(hubs)], None)),
        "followers_page_deep": await _timed(calls, lambda n: page(*deep[n])),
    }


async def _suggestions(session: aiohttp.ClientSession, viewers: list[dict], calls: int) -> dict:
    async def suggest(n: int) -> None:
        async with session.get("/api/users/suggestions", params={"limit": "20"},
                               headers=_bearer(viewers[n % len(viewers)])) as response:
            body = await response.json()
            if response.status != 200 or not body["items"]:
                raise RuntimeError(f"suggestions: {response.status} {str(body)[:300]}")

    return await _timed(calls, suggest)


async def _search(session: aiohttp.ClientSession, viewer: dict, calls: int) -> dict:
    """No target: prefixes short and long, a display name, a misspelt surname."""
    queries = ("a", "ju", "user00042", "amina", "Neema Kweka", "molel", "user0123")

    async def search(n: int) -> None:
        params = {"q": queries[n % len(queries)], "limit": "20"}
        async with session.get("/api/search/users", params=params, headers=_bearer(viewer)) as response:
            if response.status != 200:
                raise RuntimeError(f"search: {response.status} {(await response.text())[:300]}")

    return await _timed(calls, search)


async def _register(session: aiohttp.ClientSession, username: str) -> dict:
    body = {"username": username, "display_name": username, "password": PASSWORD, "email": f"{username}@bench.example"}
    async with session.post("/api/auth/register", json=body) as response:
        payload = await response.json()
        if response.status != 201:
            raise RuntimeError(f"registering {username} failed: {response.status} {payload}")
    return {"id": uuid.UUID(payload["user"]["id"]), "token": payload["access_token"]}


def _bearer(viewer: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {viewer['token']}"}


if __name__ == "__main__":
    sys.exit(main())
