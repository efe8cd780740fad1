"""Tickets under a rush, through the real server: ``--buyers`` buyers at once for ``--tickets``
free tickets of one ticket type (each checkout signs its ticket in the process pool and issues it
in its own transaction): exactly ``--tickets`` issued, none oversold, every other buyer a clear
409 ``sold_out``; then ``--issue`` tickets issued by checkouts ``--concurrency`` at a time
(``--per-order`` tickets each), for the issuing throughput and the event loop's lag while they
are signed and written (target p99 < 20 ms).

``python -m bench.events [--buyers N] [--tickets N] [--issue N] [--per-order N] [--concurrency N]``

It makes its own databases and Redis prefix (dropped afterwards), writes its users and sessions
as ``bench.ws`` does and a published event with its day and two free ticket types as publishing
leaves them, and serves the real app with the loop-lag probe (``bench.probed``, no workers: the
free checkout's answer carries its tickets). Prints the counts and figures, whether the targets
are met, and last a JSON line with every figure. The check-in part of issue 19's figures (scans
a second, scan-to-kiosk p99) belongs to the check-in lane's own phase, not measured here.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import sys
import time
import uuid
from collections import Counter

import aiohttp

from bench.load import free_port, running
from bench.payments import Timed, _bearer, _gather_limited, _positive
from bench.ws import _server_env, run_in_own_databases, seed
from nexgate.config import Config
from nexgate.db import Database

LAG_TARGET_MS = 20.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.tickets > args.buyers:
        print("bench.events: --tickets is at most --buyers", file=sys.stderr)
        return 2
    summary = run_in_own_databases("bench.events", measure, args)
    if summary is None:
        return 1
    print(json.dumps(summary), flush=True)
    return 0 if summary["clean"] else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.events", description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=_positive, default=1000, help="buyers checking out at once (default 1000)")
    parser.add_argument("--tickets", type=_positive, default=100, help="tickets of the rushed type (default 100)")
    parser.add_argument("--issue", type=_positive, default=1000, help="tickets issued for the throughput (default 1000)")
    parser.add_argument("--per-order", type=_positive, default=1, help="tickets per checkout when issuing (default 1)")
    parser.add_argument("--concurrency", type=_positive, default=50, help="checkouts at once when issuing (default 50)")
    return parser


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    config = Config.from_env(database_url=databases["core"], notify_database_url=databases["notify"],
                             redis_prefix=prefix)
    seeded = await seed(config, run, sessions=args.buyers + 1, users=args.buyers + 1)  # the last one organizes
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = await Database.connect("core", databases["core"], min_size=1, max_size=4)
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300))
    print(f"bench.events: {args.buyers} buyers at once for {args.tickets} free tickets, then {args.issue} tickets "
          f"issued {args.concurrency} checkouts at a time", flush=True)
    try:
        argv = [sys.executable, "-m", "bench.probed", "--port", str(port)]
        async with running(argv, f"{base}/health/live", env=_server_env(run, databases, prefix)):
            event_id, rushed, issued = await _event(database, seeded, args)
            await _warm_up(session, base, seeded, args, event_id, issued)
            rush = await _rush(session, base, seeded, args, event_id, rushed)
            issuing = await _issue(session, base, seeded, args, event_id, issued)
            counts = await _counts(database, event_id, rushed, issued, args)
    finally:
        await session.close()
        await database.pool.close()
    problems = counts["problems"] + rush["problems"] + issuing["problems"]
    lag = issuing["loop_lag"]
    summary = {
        "bench": "events", "buyers": args.buyers, "tickets": args.tickets, "issue": args.issue,
        "per_order": args.per_order, "concurrency": args.concurrency, "cpus": os.cpu_count(),
        "load_at_start": load_at_start, "load": [round(x, 2) for x in os.getloadavg()],
        "rush": rush["timed"], "answers": rush["answers"], "issuing": issuing["figures"], "loop_lag": lag,
        "counts": counts, "targets": {"loop_lag_p99_ms": LAG_TARGET_MS}, "problems": problems,
        "clean": not problems,
    }
    summary["targets_met"] = lag.get("p99_ms") is not None and lag["p99_ms"] < LAG_TARGET_MS
    print(f"event-loop lag p99 {lag.get('p99_ms')} ms while issuing, against the target {LAG_TARGET_MS} ms: "
          f"{'met' if summary['targets_met'] else 'MISSED'}; {'clean' if not problems else 'PROBLEMS'}", flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return summary


async def _event(database: Database, seeded, args) -> tuple[str, str, str]:
    """A published one-day event of the last seeded user, in two days, with a free type of
    ``--tickets`` (one per order) for the rush and one of ``--issue`` for the throughput."""
    organizer = uuid.UUID(seeded.user_ids[-1])
    event_id, day_id, rushed, issued = (uuid.uuid4() for _ in range(4))
    starts = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    async with database.transaction("bench.event") as conn:
        await conn.execute(
            "INSERT INTO events (id, organizer_id, state, title, description, format, currency, venue_name, starts_at,"
            " ends_at, published_at, steps_done) VALUES ($1, $2, 'published', 'Bench Night', 'A bench event',"
            " 'in_person', 'TZS', 'Mlimani City Hall', $3, $4, now(), '{basics,schedule,place,tickets}')",
            event_id, organizer, starts, starts + datetime.timedelta(hours=8))
        await conn.execute("INSERT INTO event_days (id, event_id, number, starts_at, ends_at) VALUES ($1, $2, 1, $3, $4)",
                           day_id, event_id, starts, starts + datetime.timedelta(hours=8))
        for type_id, name, quantity, limit, position in ((rushed, "Rush", args.tickets, 1, 0),
                                                         (issued, "Entry", args.issue + 1000, 100, 1)):
            await conn.execute("INSERT INTO ticket_types (id, event_id, name, kind, price, quantity, per_order_limit,"
                               " position) VALUES ($1, $2, $3, 'free', 0, $4, $5, $6)",
                               type_id, event_id, name, quantity, limit, position)
            await conn.execute("INSERT INTO ticket_type_days (ticket_type_id, day_id) VALUES ($1, $2)", type_id, day_id)
    return str(event_id), str(rushed), str(issued)


async def _check_out(session, base: str, token: str, event_id: str, type_id: str, quantity: int):
    body = {"lines": [{"ticket_type_id": type_id, "quantity": quantity}]}
    headers = {**_bearer(token), "Idempotency-Key": str(uuid.uuid4())}
    started = time.perf_counter()
    async with session.post(f"{base}/api/events/{event_id}/checkout", json=body, headers=headers) as response:
        answer = await response.json()
    return response.status, answer, time.perf_counter() - started


async def _warm_up(session, base: str, seeded, args, event_id: str, issued: str) -> None:
    """Unmeasured: each buyer lists their tickets once (connections opened, the server's pool
    filled, statements prepared), and 50 tickets are issued (the signing key made, each pool
    process's copy of it decrypted)."""
    started = time.perf_counter()

    async def tickets(buyer: int) -> None:
        async with session.get(f"{base}/api/tickets", headers=_bearer(seeded.tokens[buyer])) as response:
            await response.read()

    await _gather_limited(50, [lambda buyer=buyer: tickets(buyer) for buyer in range(args.buyers)])
    first = await _check_out(session, base, seeded.tokens[0], event_id, issued, 1)  # makes the first key
    if first[0] != 201:
        raise RuntimeError(f"the first checkout answered {first[0]}: {first[1]}")
    await _gather_limited(10, [lambda n=n: _check_out(session, base, seeded.tokens[n], event_id, issued, 1)
                               for n in range(1, 50)])
    print(f"warm-up: {args.buyers} ticket lists and 50 tickets issued in {time.perf_counter() - started:.2f} s "
          f"(not measured)", flush=True)


async def _rush(session, base: str, seeded, args, event_id: str, rushed: str) -> dict:
    await asyncio.gather(*(_ping(session, base) for _ in range(args.buyers)))  # the connections for the rush
    timed = {"all": Timed(), "issued": Timed(), "refused": Timed()}
    answers = []

    async def one(buyer: int) -> None:
        status, answer, elapsed = await _check_out(session, base, seeded.tokens[buyer], event_id, rushed, 1)
        for name in ("all", "issued" if status == 201 else "refused"):
            timed[name].latencies.append(elapsed)
            timed[name].statuses[status] += 1
        answers.append((status, answer))

    started = time.perf_counter()
    await asyncio.gather(*(one(buyer) for buyer in range(args.buyers)))
    for value in timed.values():
        value.seconds = time.perf_counter() - started
    codes = Counter("issued" if status == 201 else answer["error"]["code"] for status, answer in answers)
    problems = []
    if codes["issued"] != args.tickets:
        problems.append(f"{codes['issued']} buyers got a ticket, not {args.tickets}")
    if set(codes) - {"issued", "sold_out"}:
        problems.append(f"unexpected answers: {dict(codes)}")
    tickets = [answer["tickets"] for status, answer in answers if status == 201]
    if any(len(found) != 1 or not found[0]["qr"] for found in tickets):
        problems.append("an issued checkout did not answer its one signed ticket")
    figures = {name: value.figures() for name, value in timed.items()}
    print(f"rush: {args.buyers} buyers at once: {codes['issued']} issued, {codes['sold_out']} sold_out "
          f"(answers {dict(codes)}); issued p50 {figures['issued']['p50_ms']} ms p99 {figures['issued']['p99_ms']} ms, "
          f"refused p99 {figures['refused']['p99_ms']} ms, all in {figures['all']['seconds']} s", flush=True)
    return {"timed": figures, "answers": dict(codes), "problems": problems}


async def _ping(session, base: str) -> None:
    async with session.get(f"{base}/health/live") as response:
        await response.read()


async def _issue(session, base: str, seeded, args, event_id: str, issued: str) -> dict:
    orders = -(-args.issue // args.per_order)
    async with session.post(f"{base}/bench/loop-lag") as response:
        await response.read()
    timed = Timed()

    async def one(n: int) -> None:
        status, _, elapsed = await _check_out(session, base, seeded.tokens[n % args.buyers], event_id, issued,
                                              args.per_order)
        timed.latencies.append(elapsed)
        timed.statuses[status] += 1

    started = time.perf_counter()
    await _gather_limited(args.concurrency, [lambda n=n: one(n) for n in range(orders)])
    timed.seconds = time.perf_counter() - started
    async with session.get(f"{base}/bench/loop-lag") as response:
        lag = await response.json()
    figures = timed.figures()
    tickets = timed.statuses[201] * args.per_order
    figures["tickets"] = tickets
    figures["tickets_per_s"] = round(tickets / timed.seconds, 1) if timed.seconds else None
    problems = [] if timed.statuses[201] == orders else [f"issuing: {dict(timed.statuses)} of {orders} checkouts"]
    print(f"issuing: {tickets} tickets in {orders} checkouts, {args.concurrency} at a time, in {figures['seconds']} s "
          f"({figures['tickets_per_s']} tickets/s); checkout p50 {figures['p50_ms']} ms p99 {figures['p99_ms']} ms; "
          f"event-loop lag p50 {lag['p50_ms']} ms p99 {lag['p99_ms']} ms max {lag['max_ms']} ms", flush=True)
    return {"figures": figures, "loop_lag": lag, "problems": problems}


async def _counts(database: Database, event_id: str, rushed: str, issued: str, args) -> dict:
    async with database.connection() as conn:
        rows = {row["ticket_type_id"]: row["count"] for row in await conn.fetch(
            "SELECT ticket_type_id, count(*) FROM tickets WHERE event_id = $1 GROUP BY ticket_type_id",
            uuid.UUID(event_id))}
        committed = await conn.fetchval("SELECT committed FROM ticket_types WHERE id = $1", uuid.UUID(rushed))
        codes = await conn.fetchval("SELECT count(DISTINCT code) FROM tickets WHERE event_id = $1", uuid.UUID(event_id))
        total = await conn.fetchval("SELECT count(*) FROM tickets WHERE event_id = $1", uuid.UUID(event_id))
    counts = {"rushed_issued": rows.get(uuid.UUID(rushed), 0), "rushed_committed": committed,
              "issued": rows.get(uuid.UUID(issued), 0), "distinct_codes": codes, "tickets": total}
    problems = []
    if counts["rushed_issued"] != args.tickets or committed != args.tickets:
        problems.append(f"the rushed type has {counts['rushed_issued']} tickets and {committed} committed, "
                        f"not {args.tickets}")
    if codes != total:
        problems.append("two tickets share a short code")
    counts["problems"] = problems
    print(f"counts: {counts['rushed_issued']} of the rushed type issued ({committed} committed, 0 oversold: "
          f"{'yes' if committed <= args.tickets else 'NO'}), {counts['issued']} of the other, "
          f"{codes} distinct short codes", flush=True)
    return counts


if __name__ == "__main__":
    sys.exit(main())
