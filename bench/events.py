"""Events at the door, through the real server: a rush of buyers for the last tickets, ticket
issuing with its signing in the process pool while the event loop's lag is measured, and
check-ins at a steady rate across hardware scanners and self check-in kiosks.

``python -m bench.events [--buyers N] [--tickets N] [--issue N] [--rate N] [--seconds S] [--devices N]``

It makes its own databases and Redis prefix (dropped afterwards), writes its users and sessions
as ``bench.ws`` does, and serves Nexgate with the loop-lag probe (``bench.probed``: what ``nexgate
serve --workers none`` serves). The organizer makes one in-person event through the REST API, step
by step, whose one day starts in ten minutes (its doors open), with two free ticket types: ``--tickets`` of
"Rush" (one per order) and enough of "Block" (ten per order). Then:

1. **rush**: ``--buyers`` buyers check out one Rush ticket each, all at once, each with its
   Idempotency-Key: exactly ``--tickets`` are issued (counted in the database too), every other
   buyer a 409 ``sold_out``/``insufficient_tickets``.
2. **issue**: ``--issue`` tickets of Block, ten per checkout, 20 checkouts at a time; the tickets
   issued per second (each signed with RSA-PSS in the process pool) and the loop's lag p99 while
   they are (target under 20 ms).
3. **check-in**: half of ``--devices`` are hardware scanners (REST with their API key), half
   self check-in kiosks (paired by the organizer, each on its own WebSocket); every issued ticket
   is scanned once (the first five of each device unmeasured, ten devices at a time), then
   ``--rate`` scans a second spread over the devices in turn, each timed from its
   send to its answer (the kiosk's ``ack``, the scanner's response): p99 against the target 20 ms,
   and every scan admitted.

Prints each phase, whether the targets are met, and last a JSON line with every figure.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import json
import os
import sys
import time
import uuid
from collections import Counter

import aiohttp

from bench.load import free_port, running
from bench.payments import Timed, _bearer, _gather_limited, _line, _positive
from bench.ws import _server_env, run_in_own_databases, seed
from nexgate.config import Config
from nexgate.db import Database

TARGET_LAG_P99_MS = 20.0
TARGET_SCAN_P99_MS = 20.0
BLOCK_PER_ORDER = 10
WARM_SCANS_PER_DEVICE = 5


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
    parser.add_argument("--tickets", type=_positive, default=100, help="Rush tickets on sale (default 100)")
    parser.add_argument("--issue", type=_positive, default=1000, help="Block tickets issued, ten an order (default 1000)")
    parser.add_argument("--rate", type=_positive, default=200, help="check-in scans per second (default 200)")
    parser.add_argument("--devices", type=_positive, default=10, help="scanners and kiosks, half each (default 10)")
    return parser


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    config = Config.from_env(database_url=databases["core"], notify_database_url=databases["notify"],
                             redis_prefix=prefix)
    block_orders = -(-args.issue // BLOCK_PER_ORDER)
    seeded = await seed(config, run, sessions=args.buyers + 1, users=args.buyers + 1)  # the last one organizes
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = await Database.connect("core", databases["core"], min_size=1, max_size=2)
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120))
    env = {**_server_env(run, databases, prefix), "NEXGATE_CHECKOUTS_PER_MINUTE": "10000"}
    print(f"bench.events: {args.buyers} buyers at once for {args.tickets} tickets; {args.issue} tickets issued; "
          f"{args.rate} scans/s over {args.devices} scanners and kiosks", flush=True)
    try:
        async with running([sys.executable, "-m", "bench.probed", "--port", str(port)], f"{base}/health/live",
                           env=env):
            organizer = _bearer(seeded.tokens[-1])
            event = await _event(session, base, organizer, args, block_orders)
            rush = await _rush(session, base, seeded, args, event)
            issued = await _issue(session, base, seeded, args, event, block_orders)
            counts = await _counts(database, event, args)
            scans = await _check_in(session, base, organizer, args, event, rush["codes"] + issued["codes"])
    finally:
        await session.close()
        await database.pool.close()
    problems = rush["problems"] + issued["problems"] + counts["problems"] + scans["problems"]
    lag_p99, scan_p99 = issued["loop_lag"]["p99_ms"], scans["figures"]["all"]["p99_ms"]
    targets_met = {"loop_lag_p99": lag_p99 is not None and lag_p99 < TARGET_LAG_P99_MS,
                   "scan_p99": scan_p99 is not None and scan_p99 < TARGET_SCAN_P99_MS}
    summary = {
        "bench": "events", "buyers": args.buyers, "tickets": args.tickets, "issue": args.issue, "rate": args.rate,
        "devices": args.devices, "cpus": os.cpu_count(), "load_at_start": load_at_start,
        "load": [round(x, 2) for x in os.getloadavg()], "rush": rush["figures"], "rush_answers": rush["answers"],
        "counts": {k: v for k, v in counts.items() if k != "problems"}, "issue_figures": issued["figures"],
        "loop_lag": issued["loop_lag"], "check_in": scans["figures"], "check_in_answers": scans["answers"],
        "targets": {"loop_lag_p99_ms": TARGET_LAG_P99_MS, "scan_p99_ms": TARGET_SCAN_P99_MS},
        "targets_met": targets_met, "problems": problems, "clean": not problems,
    }
    print(f"loop lag p99 while issuing {lag_p99} ms against {TARGET_LAG_P99_MS} ms: "
          f"{'met' if targets_met['loop_lag_p99'] else 'MISSED'}; scan-to-answer p99 {scan_p99} ms against "
          f"{TARGET_SCAN_P99_MS} ms: {'met' if targets_met['scan_p99'] else 'MISSED'}; "
          f"{'clean' if not problems else 'PROBLEMS'}", flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return summary


async def _call(session, method: str, url: str, headers: dict, expect: int, **kwargs) -> dict:
    async with session.request(method, url, headers=headers, **kwargs) as response:
        body = await response.json()
        if response.status != expect:
            raise RuntimeError(f"{method} {url}: {response.status} {body}")
        return body


async def _event(session, base: str, organizer: dict, args, block_orders: int) -> dict:
    """The organizer's event, made step by step and published: one day, starting in ten minutes
    (its doors, open an hour before, are open), two free ticket types."""
    made = await _call(session, "POST", f"{base}/api/events/drafts", organizer, 201)
    path = f"{base}/api/events/{made['id']}"
    categories = (await _call(session, "GET", f"{base}/api/events/categories", {}, 200))["items"]
    await _call(session, "PUT", f"{path}/basics", organizer, 200, json={
        "title": "Bench Tamasha", "description": "A rush at the door.", "category_id": categories[0]["id"]})
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    await _call(session, "PUT", f"{path}/schedule", organizer, 200, json={
        "time_zone": "Africa/Dar_es_Salaam",
        "days": [{"starts_at": (now + datetime.timedelta(minutes=10)).isoformat(),
                  "ends_at": (now + datetime.timedelta(hours=6)).isoformat()}]})
    await _call(session, "PUT", f"{path}/place", organizer, 200, json={
        "format": "in_person", "venue_name": "Diamond Jubilee Hall", "latitude": -6.7924, "longitude": 39.2083,
        "venue_address": {"line1": "Ali Hassan Mwinyi Rd", "city": "Dar es Salaam", "region": "Dar es Salaam",
                          "country": "TZ"}})
    await _call(session, "PUT", f"{path}/tickets", organizer, 200, json={"ticket_types": [
        {"kind": "free", "name": "Rush", "quantity": args.tickets, "per_order_limit": 1},
        {"kind": "free", "name": "Block", "quantity": block_orders * BLOCK_PER_ORDER,
         "per_order_limit": BLOCK_PER_ORDER}]})
    event = await _call(session, "POST", f"{path}/publish", organizer, 200)
    types = {ticket_type["name"]: ticket_type["id"] for ticket_type in event["ticket_types"]}
    return {"id": event["id"], "day_id": event["days"][0]["id"], "rush": types["Rush"], "block": types["Block"]}


async def _checkout(session, base: str, token: str, event: dict, ticket_type: str, quantity: int):
    headers = {**_bearer(token), "Idempotency-Key": str(uuid.uuid4())}
    body = {"lines": [{"ticket_type_id": ticket_type, "quantity": quantity}]}
    started = time.perf_counter()
    async with session.post(f"{base}/api/events/{event['id']}/checkout", json=body, headers=headers) as response:
        answer = await response.json()
    return response.status, answer, time.perf_counter() - started


def _codes(answer: dict) -> list[str]:
    return [ticket["qr"] for ticket in answer["tickets"]]


async def _rush(session, base: str, seeded, args, event: dict) -> dict:
    """Every buyer's checkout of one Rush ticket at once; each answer timed from its send. First,
    unmeasured, the buyers' connections are opened."""
    await asyncio.gather(*(_call(session, "GET", f"{base}/health/live", {}, 200) for _ in range(args.buyers)))
    timed = {"all": Timed(), "issued": Timed(), "refused": Timed()}
    answers: list[tuple[int, dict]] = []

    async def buy(buyer: int) -> None:
        status, answer, elapsed = await _checkout(session, base, seeded.tokens[buyer], event, event["rush"], 1)
        for name in ("all", "issued" if status == 201 else "refused"):
            timed[name].latencies.append(elapsed)
            timed[name].statuses[status] += 1
        answers.append((status, answer))

    started = time.perf_counter()
    await asyncio.gather(*(buy(buyer) for buyer in range(args.buyers)))
    for value in timed.values():
        value.seconds = time.perf_counter() - started
    codes = Counter(answer["error"]["code"] if status != 201 else "issued" for status, answer in answers)
    figures = {name: value.figures() for name, value in timed.items()}
    for name in ("all", "issued", "refused"):
        print(f"rush {name:<8} {_line(figures[name])}", flush=True)
    print(f"rush answers: {dict(codes)}", flush=True)
    problems = []
    refused = codes["sold_out"] + codes["insufficient_tickets"]
    if codes["issued"] != args.tickets or refused != args.buyers - args.tickets:
        problems.append(f"expected {args.tickets} issued and {args.buyers - args.tickets} sold out: {dict(codes)}")
    won = [code for status, answer in answers if status == 201 for code in _codes(answer)]
    return {"figures": figures, "answers": dict(codes), "codes": won, "problems": problems}


async def _issue(session, base: str, seeded, args, event: dict, orders: int) -> dict:
    """``orders`` checkouts of ten Block tickets, 20 at a time, with the loop's lag measured."""
    timed = Timed()
    codes: list[str] = []
    problems: list[str] = []

    async def buy(n: int) -> None:
        quantity = min(BLOCK_PER_ORDER, args.issue - n * BLOCK_PER_ORDER)
        status, answer, elapsed = await _checkout(session, base, seeded.tokens[n % args.buyers], event,
                                                  event["block"], quantity)
        timed.latencies.append(elapsed)
        timed.statuses[status] += 1
        if status != 201:
            problems.append(f"a checkout of {quantity} Block tickets: {status} {answer}")
        else:
            codes.extend(_codes(answer))

    await _call(session, "POST", f"{base}/bench/loop-lag", {}, 200)
    started = time.perf_counter()
    await _gather_limited(20, [lambda n=n: buy(n) for n in range(orders)])
    timed.seconds = time.perf_counter() - started
    lag = await _call(session, "GET", f"{base}/bench/loop-lag", {}, 200)
    per_s = round(len(codes) / timed.seconds, 1)
    figures = {"checkouts": timed.figures(), "tickets": len(codes), "tickets_per_s": per_s}
    print(f"issue    {len(codes)} tickets in {timed.seconds:.2f} s ({per_s}/s); checkouts {_line(figures['checkouts'])}",
          flush=True)
    print(f"loop lag while issuing: p50 {lag['p50_ms']} ms p99 {lag['p99_ms']} ms max {lag['max_ms']} ms", flush=True)
    return {"figures": figures, "loop_lag": {k: lag[k] for k in ("samples", "p50_ms", "p99_ms", "max_ms")},
            "codes": codes, "problems": problems}


async def _counts(database: Database, event: dict, args) -> dict:
    async with database.connection() as conn:
        rows = await conn.fetch("SELECT t.name, t.quantity, t.committed, count(k.id) AS issued"
                                "  FROM ticket_types t LEFT JOIN tickets k ON k.ticket_type_id = t.id"
                                " WHERE t.event_id = $1 GROUP BY t.id", uuid.UUID(event["id"]))
    by_name = {row["name"]: row for row in rows}
    counts = {"rush_issued": by_name["Rush"]["issued"], "rush_committed": by_name["Rush"]["committed"],
              "block_issued": by_name["Block"]["issued"]}
    oversold = max(0, by_name["Rush"]["issued"] - by_name["Rush"]["quantity"])
    problems = []
    if counts["rush_issued"] != args.tickets or oversold or counts["rush_committed"] != args.tickets:
        problems.append(f"expected exactly {args.tickets} Rush tickets issued, none oversold: {counts}")
    print(f"counts: {counts['rush_issued']} Rush tickets issued of {args.tickets} ({oversold} oversold), "
          f"{counts['block_issued']} Block", flush=True)
    return {**counts, "oversold": oversold, "problems": problems}


class _Kiosk:
    """A self check-in kiosk on its own WebSocket, paired by the organizer; scans answered by their ack."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse):
        self.socket = socket
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            frame = json.loads(message.data)
            future = self.waiting.pop(frame.get("id"), None)
            if future is not None and not future.done():
                future.set_result(frame)

    async def scan(self, qr: str) -> dict:
        frame_id = next(self.ids)
        future = self.waiting[frame_id] = asyncio.get_running_loop().create_future()
        await self.socket.send_str(json.dumps({"type": "kiosk.scan", "id": frame_id, "qr": qr}))
        return await future

    async def close(self) -> None:
        await self.socket.close()
        self.reader.cancel()


async def _kiosk(session, base: str, organizer: dict, event: dict, n: int) -> _Kiosk:
    asked = await _call(session, "POST", f"{base}/api/kiosks", {}, 201)
    socket = await session.ws_connect(f"{base.replace('http', 'ws')}/ws")
    await socket.send_str(json.dumps({"type": "auth", "id": 0, "device": {"kind": "kiosk", "secret": asked["secret"]}}))
    ready = json.loads((await socket.receive()).data)
    if ready.get("type") != "ready":
        raise RuntimeError(f"kiosk {n}: {ready}")
    await _call(session, "POST", f"{base}/api/events/{event['id']}/kiosks", organizer, 201,
                json={"pairing_code": asked["pairing_code"], "day_id": event["day_id"], "gate": f"Gate {n}",
                      "name": f"Kiosk {n}"})
    return _Kiosk(socket)


async def _check_in(session, base: str, organizer: dict, args, event: dict, codes: list[str]) -> dict:
    """Every issued ticket scanned once, ``--rate`` a second, the devices taking turns."""
    scanners = []
    for n in range((args.devices + 1) // 2):
        made = await _call(session, "POST", f"{base}/api/events/{event['id']}/scanners", organizer, 201,
                           json={"name": f"Scanner {n}", "gate": f"Gate {n}"})
        scanners.append({"Authorization": f"Scanner {made['api_key']}"})
    kiosks = [await _kiosk(session, base, organizer, event, n) for n in range(args.devices // 2)]
    timed = {"all": Timed(), "scanner": Timed(), "kiosk": Timed()}
    answers: Counter = Counter()

    async def scan(n: int, qr: str) -> None:
        device = n % args.devices
        started = time.perf_counter()
        if device < len(scanners):
            kind = "scanner"
            async with session.post(f"{base}/api/scanner/checkins", json={"qr": qr},
                                    headers=scanners[device]) as response:
                answer = await response.json()
            outcome = "admitted" if response.status == 201 else answer["error"]["code"]
        else:
            kind = "kiosk"
            frame = await kiosks[device - len(scanners)].scan(qr)
            outcome = "admitted" if frame["type"] == "ack" else frame.get("error", {}).get("code", frame["type"])
        elapsed = time.perf_counter() - started
        for name in ("all", kind):
            timed[name].latencies.append(elapsed)
            timed[name].statuses[outcome] += 1
        answers[outcome] += 1

    # Unmeasured: each device's first scans (its connections to the pool opened, statements prepared).
    warm, codes = codes[:WARM_SCANS_PER_DEVICE * args.devices], codes[WARM_SCANS_PER_DEVICE * args.devices:]
    for n in range(0, len(warm), args.devices):
        await asyncio.gather(*(scan(n + m, qr) for m, qr in enumerate(warm[n:n + args.devices])))
    answers.clear()
    timed = {"all": Timed(), "scanner": Timed(), "kiosk": Timed()}
    tasks = []
    started = time.perf_counter()
    for n, qr in enumerate(codes):  # paced: scan n is sent at n / rate seconds
        delay = started + n / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(scan(n, qr)))
    await asyncio.gather(*tasks)
    for value in timed.values():
        value.seconds = time.perf_counter() - started
    for kiosk in kiosks:
        await kiosk.close()
    figures = {name: value.figures() for name, value in timed.items()}
    for name in ("all", "scanner", "kiosk"):
        print(f"check-in {name:<8} {_line(figures[name])}", flush=True)
    problems = [] if answers == Counter(admitted=len(codes)) else [
        f"expected all {len(codes)} scans admitted: {dict(answers)}"]
    return {"figures": figures, "answers": dict(answers), "problems": problems}


if __name__ == "__main__":
    sys.exit(main())
