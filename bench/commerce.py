"""Checkout under a rush: ``--buyers`` buyers at once for ``--units`` units of one variant (buy
now, pickup), through the real server: exactly ``--units`` orders placed and, once paid, paid,
none oversold, every other buyer a clear 409 ``out_of_stock``; the checkout-to-pending latency
(the ``POST /api/checkout`` answer, its order ``pending_payment`` with its stock reserved and its
hold open) against the target p99 < 150 ms.

``python -m bench.commerce [--buyers N] [--units N] [--provider selcom|tembo] [--rate R] [--sustained N]``

It makes its own databases and Redis prefix (dropped afterwards), writes its users and sessions
as ``bench.ws`` does, a shop (with pickup) and one active product with one variant of
``--units`` units on hand as the catalogue leaves them, runs the provider's sandbox in a process
of its own (``bench.payments.SandboxProcess``) and starts the real server (``python -m nexgate
serve --workers outbox-relay,commerce_checkout``) pointed at it. The buyers' checkouts are sent
all at once, each with its Idempotency-Key, after their connections are opened (unmeasured). Then
each buyer who got an order pays it as the app does (a mobile money method, ``POST /api/payments``
for the order's total); every payer's number ends in ``25`` (the sandbox never calls back), so the
bench settles them in the sandbox and fires the callbacks itself, and waits for the
``commerce_checkout`` group to mark the orders paid. Last, ``--sustained`` checkouts of another
variant in stock for all are sent open loop at ``--rate`` a second and timed from when each was
due: the latency a buyer sees below the server's rate, beside the burst's. Prints the counts and
figures, whether the target is met in the rush and at the rate, and last a JSON line with every
figure.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import Counter

import aiohttp

from bench.load import free_port, running
from bench.payments import (
    NEVER_CALLED_BACK, PROVIDERS, SECRET, Pids, SandboxProcess, Timed, _bearer, _cpu_text, _env_value, _gather_limited,
    _line, _open_loop, _positive, _positive_rate,
)
from bench.ws import _server_env, run_in_own_databases, seed
from nexgate.config import Config, env_name
from nexgate.db import Database

TARGET_PENDING_P99_MS = 150
WORKERS = "outbox-relay,commerce_checkout"
PRICE = 150_000  # minor units: TZS 1,500
PAID_WAIT_S = 120
RATE = 100.0
SUSTAINED = 1000


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.units > args.buyers:
        print("bench.commerce: --units is at most --buyers", file=sys.stderr)
        return 2
    summary = run_in_own_databases("bench.commerce", measure, args)
    if summary is None:
        return 1
    print(json.dumps(summary), flush=True)
    return 0 if summary["clean"] else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.commerce", description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=_positive, default=1000, help="buyers checking out at once (default 1000)")
    parser.add_argument("--units", type=_positive, default=100, help="units of the one variant (default 100)")
    parser.add_argument("--provider", choices=("selcom", "tembo"), default="selcom",
                        help="who collects the winners' payments (TZS; default selcom)")
    parser.add_argument("--workers", default=WORKERS, help=f"the server's workers (default {WORKERS})")
    parser.add_argument("--rate", type=_positive_rate, default=RATE,
                        help=f"checkouts a second in the sustained phase after the rush (default {RATE:g})")
    parser.add_argument("--sustained", type=_count, default=SUSTAINED,
                        help=f"checkouts in the sustained phase, all in stock (default {SUSTAINED}; 0 skips it)")
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("0 or more")
    return value


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    provider = PROVIDERS[args.provider]
    config = Config.from_env(database_url=databases["core"], notify_database_url=databases["notify"],
                             redis_prefix=prefix)
    seeded = await seed(config, run, sessions=args.buyers + 1, users=args.buyers + 1)  # the last one sells
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = await Database.connect("core", databases["core"], min_size=1, max_size=config.db_pool_max)
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120))
    print(f"bench.commerce: {args.buyers} buyers at once for {args.units} units of one variant, paid through "
          f"{args.provider}", flush=True)
    try:
        async with SandboxProcess(args.provider) as sandbox:
            settings = {**sandbox.settings, "payments_callback_url": f"{base}/api/payments/callbacks",
                        f"{args.provider}_callback_secret": SECRET, "payments_reconcile_after_s": 86_400,
                        "payments_sandbox": False}
            env = {**_server_env(run, databases, prefix),
                   **{env_name(name): _env_value(value) for name, value in settings.items()}}
            argv = [sys.executable, "-m", "nexgate", "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--workers", args.workers]
            async with running(argv, f"{base}/health/live", env=env) as server:
                shop_id, product_id, variant_id = await _catalogue(database, seeded, args.units)
                await _warm_up(session, base, database, seeded, args, shop_id)
                rush = await _rush(session, base, seeded, args, shop_id, product_id, variant_id)
                paying = await _pay(session, base, sandbox, provider, seeded, rush)
                counts = await _counts(database, variant_id, args)
                sustained = await _sustained(session, base, database, seeded, args, shop_id,
                                             (server.pid, [], sandbox.process.pid))
    finally:
        await session.close()
        await database.pool.close()
    figures = rush["timed"]
    summary = {
        "bench": "commerce", "buyers": args.buyers, "units": args.units, "provider": args.provider,
        "workers": args.workers, "cpus": os.cpu_count(), "load_at_start": load_at_start,
        "load": [round(x, 2) for x in os.getloadavg()], "checkout": figures, "answers": rush["answers"],
        "payments": paying["figures"], "counts": counts, "sustained": sustained["figures"],
        "targets": {"checkout_to_pending_p99_ms": TARGET_PENDING_P99_MS},
    }
    problems = list(counts["problems"]) + rush["problems"] + paying["problems"] + sustained["problems"]
    summary["problems"] = problems
    summary["clean"] = not problems
    p99 = figures["placed"]["p99_ms"]
    summary["targets_met"] = p99 is not None and p99 < TARGET_PENDING_P99_MS
    steady = sustained["figures"]["p99_ms"] if sustained["figures"] else None
    summary["sustained_target_met"] = steady is not None and steady < TARGET_PENDING_P99_MS
    print(f"checkout-to-pending p99 {p99} ms in the rush, {steady} ms at {args.rate:g}/s, against the target "
          f"{TARGET_PENDING_P99_MS} ms: rush {'met' if summary['targets_met'] else 'MISSED'}, sustained "
          f"{'met' if summary['sustained_target_met'] else 'MISSED'}; {'clean' if not problems else 'PROBLEMS'}",
          flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return summary


async def _get(session, url: str, headers: dict | None = None) -> None:
    async with session.get(url, headers=headers or {}) as response:
        await response.read()


async def _catalogue(database: Database, seeded, units: int) -> tuple[str, str, str]:
    """The seller's open shop with pickup, and one active product with one variant of ``units`` on hand."""
    seller = uuid.UUID(seeded.user_ids[-1])
    shop_id = uuid.uuid4()
    async with database.transaction("bench.catalogue") as conn:
        await conn.execute("INSERT INTO shops (id, owner_id, handle, name, currency, pickup, pickup_note) "
                           "VALUES ($1, $2, $3, 'Duka la Bench', 'TZS', true, 'Stall 12')",
                           shop_id, seller, f"bench_{uuid.uuid4().hex[:10]}")
        await conn.execute("INSERT INTO shop_staff (shop_id, user_id, role) VALUES ($1, $2, 'owner')", shop_id, seller)
    product_id, variant_id = await _product(database, shop_id, "KT-BENCH", units)
    return str(shop_id), product_id, variant_id


async def _product(database: Database, shop_id: uuid.UUID, sku: str, units: int) -> tuple[str, str]:
    product_id, variant_id = uuid.uuid4(), uuid.uuid4()
    async with database.transaction("bench.product") as conn:
        await conn.execute("INSERT INTO products (id, shop_id, name, currency, state, published_at) "
                           "VALUES ($1, $2, 'Kitenge cha Kariakoo', 'TZS', 'active', now())", product_id, shop_id)
        await conn.execute("INSERT INTO product_variants (id, product_id, shop_id, sku, price, stock_on_hand) "
                           "VALUES ($1, $2, $3, $4, $5, $6)", variant_id, product_id, shop_id, sku, PRICE, units)
    return str(product_id), str(variant_id)


def _buy_now(session, base: str, token: str, shop_id: str, product: tuple[str, str]):
    """One unit of the product's variant, bought now for pickup, under a new Idempotency-Key."""
    body = {"items": [{"product_id": product[0], "variant_id": product[1], "quantity": 1}],
            "pickup_shop_ids": [shop_id]}
    headers = {**_bearer(token), "Idempotency-Key": str(uuid.uuid4())}
    return session.post(f"{base}/api/checkout", json=body, headers=headers)


async def _warm_up(session, base: str, database: Database, seeded, args, shop_id: str) -> None:
    """Unmeasured: checkouts of two other variants, one in stock and one sold out, twice the
    server's pool size at a time, so that every connection of its pool has run both paths (its
    statements prepared) before the rush."""
    wide = 2 * Config.from_env().db_pool_max
    count = min(args.buyers, 2 * wide)
    in_stock = await _product(database, uuid.UUID(shop_id), "KT-WARM", count)
    sold_out = await _product(database, uuid.UUID(shop_id), "KT-GONE", 0)
    started = time.perf_counter()

    async def check_out(buyer: int, product: tuple[str, str]) -> None:
        async with _buy_now(session, base, seeded.tokens[buyer], shop_id, product) as response:
            await response.read()

    await _gather_limited(wide, [lambda buyer=buyer, product=product: check_out(buyer, product)
                                 for buyer in range(count) for product in (in_stock, sold_out)])
    print(f"warm-up: {2 * count} checkouts of other variants ({count} placed, {count} sold out), {wide} at a time, "
          f"in {time.perf_counter() - started:.2f} s (not measured)", flush=True)


async def _rush(session, base: str, seeded, args, shop_id: str, product_id: str, variant_id: str) -> dict:
    """Every buyer's checkout at once; each answer timed from its send. First, unmeasured, each
    buyer reads their cart once (the connections opened, the server's database pool filled and
    its statements prepared), then the connections for the rush are opened."""
    await _gather_limited(50, [lambda buyer=buyer: _get(session, f"{base}/api/cart", _bearer(seeded.tokens[buyer]))
                               for buyer in range(args.buyers)])
    await asyncio.gather(*(_get(session, f"{base}/health/live") for _ in range(args.buyers)))
    timed = {"all": Timed(), "placed": Timed(), "refused": Timed()}
    answers: list[tuple[int, int, dict]] = []

    async def check_out(buyer: int) -> None:
        started = time.perf_counter()
        async with _buy_now(session, base, seeded.tokens[buyer], shop_id, (product_id, variant_id)) as response:
            answer = await response.json()
        elapsed = time.perf_counter() - started
        for name in ("all", "placed" if response.status == 201 else "refused"):
            timed[name].latencies.append(elapsed)
            timed[name].statuses[response.status] += 1
        answers.append((buyer, response.status, answer))

    started = time.perf_counter()
    await asyncio.gather(*(check_out(buyer) for buyer in range(args.buyers)))
    for value in timed.values():
        value.seconds = time.perf_counter() - started
    codes = Counter(answer["error"]["code"] if status != 201 else "placed" for _, status, answer in answers)
    figures = {name: value.figures() for name, value in timed.items()}
    for name in ("all", "placed", "refused"):
        print(f"checkouts {name:<8} {_line(figures[name])}", flush=True)
    print(f"checkout answers: {dict(codes)}", flush=True)
    problems = []
    if codes["placed"] != args.units or codes["out_of_stock"] != args.buyers - args.units:
        problems.append(f"expected {args.units} placed and {args.buyers - args.units} out_of_stock: {dict(codes)}")
    won = [(buyer, answer["orders"][0]) for buyer, status, answer in answers if status == 201]
    return {"timed": figures, "answers": dict(codes), "won": won, "problems": problems}


async def _pay(session, base: str, sandbox: SandboxProcess, provider, seeded, rush: dict) -> dict:
    """Each winner pays their order's total as the app does; the sandbox settles, the bench calls back."""
    numbers = random.sample(range(100_000), len(rush["won"]))
    problems: list[str] = []

    async def pay(n: int, buyer: int, order: dict) -> None:
        headers = _bearer(seeded.tokens[buyer])
        phone = f"{provider.prefix}{numbers[n]:05d}{NEVER_CALLED_BACK}"
        async with session.post(f"{base}/api/payments/methods", json={"phone": phone},
                                headers={**headers, "Idempotency-Key": str(uuid.uuid4())}) as response:
            method = await response.json()
        body = {"hold_id": order["hold_id"], "amount": order["total"], "currency": order["currency"],
                "method_id": method["id"]}
        async with session.post(f"{base}/api/payments", json=body,
                                headers={**headers, "Idempotency-Key": str(uuid.uuid4())}) as response:
            if response.status != 202:
                problems.append(f"paying order {order['id']}: {response.status} {await response.text()}")

    started = time.perf_counter()
    await _gather_limited(20, [lambda n=n, won=won: pay(n, *won) for n, won in enumerate(rush["won"])])
    begun = time.perf_counter() - started
    settled = await sandbox.settle()
    timed = Timed()

    async def fire(url: str, headers: dict, body: bytes) -> None:
        sent = time.perf_counter()
        async with session.post(url, data=body, headers={"Content-Type": "application/json", **headers}) as response:
            await response.read()
        timed.latencies.append(time.perf_counter() - sent)
        timed.statuses[response.status] += 1

    started = time.perf_counter()
    await _gather_limited(20, [lambda m=m: fire(*m[2:]) for m in settled])
    timed.seconds = time.perf_counter() - started
    figures = {"begun_s": round(begun, 2), "callbacks": timed.figures()}
    print(f"payments: {len(rush['won'])} begun in {begun:.2f} s; callbacks {_line(figures['callbacks'])}", flush=True)
    return {"figures": figures, "problems": problems}


async def _sustained(session, base: str, database: Database, seeded, args, shop_id: str,
                     processes: tuple[int, list[int], int]) -> dict:
    """Open loop after the rush: ``--sustained`` checkouts of a variant with stock for all, one
    sent every 1/``--rate`` s whatever became of the earlier ones, each buyer in turn, each timed
    from when it was due (a late send counts against the server). Each must be placed. With the
    CPU a checkout costs the server (its in-process workers included), PostgreSQL, Redis and
    the sandbox: a figure that compares across machines of different speed better than a rate."""
    if not args.sustained:
        return {"figures": None, "problems": []}
    product = await _product(database, uuid.UUID(shop_id), "KT-STEADY", args.sustained)
    timed = Timed()

    async def check_out(n: int, due: float) -> None:
        async with _buy_now(session, base, seeded.tokens[n % args.buyers], shop_id, product) as response:
            await response.read()
        timed.latencies.append(time.perf_counter() - due)
        timed.statuses[response.status] += 1

    started = time.perf_counter()
    cpu = Pids(*processes)
    await _open_loop(args.sustained, args.rate, check_out)
    timed.seconds = time.perf_counter() - started
    figures = {**timed.figures(), "cpu": cpu.per(args.sustained)}
    print(f"checkouts at {args.rate:g}/s {_line(figures)}", flush=True)
    print(f"checkouts at {args.rate:g}/s: CPU a checkout: {_cpu_text(figures['cpu'])}", flush=True)
    problems = []
    if timed.statuses[201] != args.sustained:
        problems.append(f"sustained: expected {args.sustained} placed: {dict(timed.statuses)}")
    return {"figures": figures, "problems": problems}


async def _counts(database: Database, variant_id: str, args) -> dict:
    """The orders placed and paid once the commerce_checkout group has taken up every payment."""
    deadline = time.monotonic() + PAID_WAIT_S
    variant = uuid.UUID(variant_id)
    while True:
        async with database.connection() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE o.state = 'paid') AS paid,"
                "       count(*) FILTER (WHERE o.state = 'pending_payment') AS pending,"
                "       count(*) AS placed, coalesce(sum(i.quantity) FILTER (WHERE o.state = 'paid'), 0) AS units_paid"
                "  FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.variant_id = $1", variant)
            stock = await conn.fetchrow("SELECT stock_on_hand, stock_committed FROM product_variants WHERE id = $1",
                                        variant)
        if row["paid"] >= args.units or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    counts = {"orders_placed": row["placed"], "orders_paid": row["paid"], "orders_pending": row["pending"],
              "units_paid": row["units_paid"], "on_hand": stock["stock_on_hand"],
              "committed": stock["stock_committed"],
              "oversold": max(0, row["units_paid"] - stock["stock_on_hand"],
                              stock["stock_committed"] - stock["stock_on_hand"])}
    problems = []
    if counts["orders_paid"] != args.units or counts["oversold"] or counts["committed"] != args.units:
        problems.append(f"expected exactly {args.units} orders paid, none oversold: {counts}")
    print(f"counts: {counts['orders_placed']} orders placed, {counts['orders_paid']} paid ({counts['units_paid']} "
          f"units), {counts['oversold']} oversold, stock {counts['on_hand']} on hand / {counts['committed']} committed",
          flush=True)
    return {**counts, "problems": problems}


if __name__ == "__main__":
    sys.exit(main())
