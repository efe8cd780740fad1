"""What a payment costs Nexgate: ``--payments`` concurrent initiations (``POST /api/payments``,
each with its own Idempotency-Key) sent together with as many duplicates (the same key and body),
then ``--callbacks`` provider success callbacks, each checked, re-queried against the sandbox and
credited by the server: half fired ``--concurrency`` at a time (what the server can do), half at
``--rate`` a second (the target's rate); beside them, in the same run, what the callback path
cannot go below: one status query of the sandbox, and one PostgreSQL transaction: ``SELECT 1``,
and the credit's own transaction (``settlement.apply`` of ``--floor`` more payments, with the
sandbox's answer, called from the bench: the callback's transaction without its HTTP, its
checks or its status query).

``python -m bench.payments [--payments N] [--callbacks N] [--floor N] [--users N] [--concurrency N]
[--rate R] [--provider daraja|selcom|tembo] [--workers NAMES] [--worker-processes NAMES]``

It makes its own databases and Redis prefix (dropped afterwards), writes its users and sessions
as ``bench.ws`` does, runs the provider's sandbox in a process of its own on a free port, and
starts the real server (``python -m nexgate serve --workers
outbox-relay,payments_live,payments-ledger-chain``) pointed at it; ``--worker-processes`` runs
workers as ``nexgate worker NAME`` processes beside it instead. Every payer's number ends in
``25`` (providers/README.md: the sandbox never calls back), so no callback comes but the
bench's: the sandbox settles each payment (``complete``) and hands the bench the callback it
would have sent (``sandbox.callback``), which the bench POSTs to the URL the server gave the
sandbox. After the callbacks it waits for their downstream work: every credit's
``payments.payment.succeeded`` handled by ``payments_live``. Prints a line per figure, whether
the targets are met, and last a JSON line with every figure.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
import asyncpg

from bench.load import _percentile_ms, free_port, running
from bench.messages import _cpu_seconds, _services_cpu
from bench.ws import _server_env, run_in_own_databases, seed
from nexgate.config import Config, env_name
from nexgate.db import Database, init_connection, keep_session
from nexgate.domain.payments import holds, ledger
from nexgate.domain.payments import payments as payments_domain
from nexgate.domain.payments import settlement
from nexgate.domain.payments.ledger import Cause
from nexgate.providers.daraja_sandbox import DarajaSandbox
from nexgate.providers.mobile_money import Kind
from nexgate.providers.mobile_money_sandbox import MobileMoneySandbox
from nexgate.providers.payment_providers import PaymentProviders
from nexgate.providers.selcom_sandbox import SelcomSandbox
from nexgate.providers.tembo_sandbox import TemboSandbox
from nexgate.workers import parse_names

TARGET_CALLBACKS_PER_S = 300
TARGET_CALLBACK_P99_MS = 100
PAYMENTS_PER_MINUTE = 10_000  # the configuration's maximum; spec 004's 5 a minute per user is not what is measured
# What a callback leaves to workers: the events' relay to the bus, the payer's devices told (and
# the receipt), the entry's link in the ledger's hash chain; in the server's process, or each in
# a process of its own beside it (``--worker-processes``, the scaled-out layout of docs/operations.md).
SERVER_WORKERS = "outbox-relay,payments_live,payments-ledger-chain"
WORKER_PROCESSES = "none"
LIVE_GROUP = "payments_live"
TOLD_WAIT_S = 120
SECRET = "bench-callback-secret"
AMOUNT = 150_000  # minor units: 1,500 KES or TZS
NEVER_CALLED_BACK = "25"  # the payer's last two digits (providers/README.md)


@dataclasses.dataclass(frozen=True)
class Provider:
    sandbox: type[MobileMoneySandbox]
    prefix: str  # of the payers' numbers: the operator that routes to this provider
    currency: str


PROVIDERS = {
    "daraja": Provider(DarajaSandbox, "+25470", "KES"),  # Safaricom
    "selcom": Provider(SelcomSandbox, "+25575", "TZS"),  # Vodacom TZ, Selcom by the default routing
    "tembo": Provider(TemboSandbox, "+25571", "TZS"),  # Tigo (Mixx by Yas), TemboPlus by the default routing
}


@dataclasses.dataclass
class Timed:
    """Latencies (seconds) of one kind of request, and what the responses were."""

    latencies: list[float] = dataclasses.field(default_factory=list)
    statuses: Counter = dataclasses.field(default_factory=Counter)
    seconds: float = 0.0

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        return {"count": len(ordered), "seconds": round(self.seconds, 3),
                "per_s": round(len(ordered) / self.seconds, 1) if self.seconds else None,
                "p50_ms": _percentile_ms(ordered, 0.50), "p99_ms": _percentile_ms(ordered, 0.99),
                "max_ms": _percentile_ms(ordered, 1.0), "statuses": {str(k): v for k, v in sorted(self.statuses.items())}}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    summary = run_in_own_databases("bench.payments", measure, args)
    if summary is None:
        return 1
    print(json.dumps(summary), flush=True)
    return 0 if summary["clean"] else 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.payments", description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=_positive, default=1000,
                        help="distinct initiations, each sent twice at once, then called back (default 1000)")
    parser.add_argument("--callbacks", type=_positive, default=2000,
                        help="payments called back: the initiated ones, and more begun unmeasured (default 2000)")
    parser.add_argument("--floor", type=_positive, default=500,
                        help="payments more, credited by the bench itself: the credit's transaction alone "
                             "(default 500)")
    parser.add_argument("--users", type=_positive, default=100, help="payers, round robin (default 100)")
    parser.add_argument("--concurrency", type=_positive, default=20,
                        help="callbacks (and floor queries) in flight at once in the first half (default 20)")
    parser.add_argument("--rate", type=_positive_rate, default=float(TARGET_CALLBACKS_PER_S),
                        help=f"callbacks a second in the second half (default {TARGET_CALLBACKS_PER_S}, the target)")
    parser.add_argument("--provider", choices=sorted(PROVIDERS), default="daraja", help="(default daraja)")
    parser.add_argument("--workers", default=SERVER_WORKERS,
                        help=f"the server's own workers (default {SERVER_WORKERS}: the events' relay, their "
                             f"push to devices, the ledger's chain)")
    parser.add_argument("--worker-processes", default=WORKER_PROCESSES,
                        help=f"workers each run as `nexgate worker NAME` beside the server (default "
                             f"{WORKER_PROCESSES}); `--workers none --worker-processes {SERVER_WORKERS}` is "
                             f"the scaled-out layout")
    return parser


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict:
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    provider = PROVIDERS[args.provider]
    config = Config.from_env(database_url=databases["core"], notify_database_url=databases["notify"], redis_prefix=prefix)
    seeded = await seed(config, run, sessions=args.users, users=args.users)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = await Database.connect("core", databases["core"], min_size=1, max_size=config.db_pool_max)
    # Idle connections closed before the server closes them (aiohttp serves with a 75 s keep-alive):
    # on a loaded machine a phase can take longer, and a reused connection the server closed is reset.
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120))
    print(f"bench.payments: {args.payments} payments by {args.users} users through {args.provider}, "
          f"payments.attempts raised to {PAYMENTS_PER_MINUTE} a minute per user for the bench "
          f"(NEXGATE_PAYMENTS_PER_MINUTE; the spec's 5 would refuse all but 5 x {args.users})", flush=True)
    try:
        async with SandboxProcess(args.provider) as sandbox:
            settings = {**sandbox.settings, "payments_callback_url": f"{base}/api/payments/callbacks",
                        f"{args.provider}_callback_secret": SECRET, "payments_per_minute": PAYMENTS_PER_MINUTE,
                        "payments_reconcile_after_s": 86_400, "payments_sandbox": False}
            env = {**_server_env(run, databases, prefix),
                   **{env_name(name): _env_value(value) for name, value in settings.items()}}
            argv = [sys.executable, "-m", "nexgate", "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--workers", args.workers]
            async with contextlib.AsyncExitStack() as stack:
                workers = [await stack.enter_async_context(running(
                    [sys.executable, "-m", "nexgate", "worker", name], None, env=env))
                    for name in parse_names(args.worker_processes)]
                server = await stack.enter_async_context(running(argv, f"{base}/health/live", env=env))
                prepared = await _prepare(session, database, base, provider, seeded, args)
                initiations = await _initiate(session, base, prepared, seeded, args.payments)
                duplicates = await _duplicates_check(database, sandbox, initiations, args.payments)
                await _begin_more(session, base, prepared, seeded, args)
                callbacks = await _call_back(session, database, sandbox, server.pid, [w.pid for w in workers], args)
                callbacks["told"] = await _told(database, callbacks.pop("answered_at"), args)
                callbacks["problems"] += callbacks["told"]["problems"]
                callbacks["problems"] += [f"the worker process {name} stopped (status {worker.returncode})"
                                          for name, worker in zip(parse_names(args.worker_processes), workers)
                                          if worker.returncode is not None]
                floor = await _floor(session, database, config, sandbox, callbacks.pop("settled"),
                                     callbacks.pop("held"), args)
    finally:
        await session.close()
        await database.pool.close()
    summary = {
        "bench": "payments", "provider": args.provider, "payments": args.payments, "callbacks_fired": args.callbacks,
        "users": args.users, "concurrency": args.concurrency, "rate": args.rate, "workers": args.workers,
        "worker_processes": args.worker_processes,
        "payments_per_minute": PAYMENTS_PER_MINUTE, "cpus": os.cpu_count(),
        "load_at_start": load_at_start, "load": [round(x, 2) for x in os.getloadavg()], "prepare_s": prepared["seconds"],
        "initiations": initiations["figures"], "duplicates": duplicates, "callbacks": callbacks, "floor": floor,
        "targets": {"callbacks_per_s": TARGET_CALLBACKS_PER_S, "callback_p99_ms": TARGET_CALLBACK_P99_MS},
    }
    saturated, paced = callbacks["saturated"], callbacks["paced"]
    summary["targets_met"] = bool(
        saturated["per_s"] and saturated["per_s"] >= TARGET_CALLBACKS_PER_S
        and paced["p99_ms"] is not None and paced["p99_ms"] < TARGET_CALLBACK_P99_MS
        and args.rate >= TARGET_CALLBACKS_PER_S)
    summary["clean"] = not (duplicates["problems"] or callbacks["problems"] or initiations["problems"]
                            or floor["problems"])
    _say_targets(summary)
    return summary


class SandboxProcess:
    """The provider's sandbox on a free port in a process of its own (so that the bench's load does
    not slow its answers to the server), steered through a pipe: ``settings`` (``Config``
    overrides pointing at it), ``prompts()`` (the reference of every collection it was asked
    for) and ``settle()`` (every pending collection completed; the callback it would send for
    each, with its key and reference)."""

    def __init__(self, provider: str):
        self.provider = provider
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self.process = context.Process(target=_sandbox_main, args=(provider, child), daemon=True)
        self.settings: dict = {}

    async def __aenter__(self) -> SandboxProcess:
        self.process.start()
        self.settings = await self._ask(None)
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self.process.is_alive():
            self._pipe.send("stop")
        await asyncio.get_running_loop().run_in_executor(None, self.process.join, 15)
        if self.process.is_alive():
            self.process.kill()

    async def _ask(self, command: str | None):
        if command is not None:
            self._pipe.send(command)
        if not await asyncio.get_running_loop().run_in_executor(None, self._pipe.poll, 60):
            raise RuntimeError(f"the {self.provider} sandbox process did not answer {command or 'its start'}")
        answer = self._pipe.recv()
        if isinstance(answer, Exception):
            raise RuntimeError(f"the {self.provider} sandbox process: {answer!r}")
        return answer

    async def prompts(self) -> list[str]:
        return await self._ask("prompts")

    async def settle(self) -> list[tuple[str, str, str, dict, bytes]]:
        return await self._ask("settle")


def _sandbox_main(provider: str, pipe) -> None:
    import uvloop

    uvloop.run(_sandbox_serve(provider, pipe))


async def _sandbox_serve(provider: str, pipe) -> None:
    sandbox = PROVIDERS[provider].sandbox(late_s=3600, hold_s=30)
    await sandbox.start()
    loop = asyncio.get_running_loop()
    try:
        pipe.send(sandbox.settings())
        while (command := await loop.run_in_executor(None, pipe.recv)) != "stop":
            try:
                pipe.send(await _sandbox_command(sandbox, command))
            except Exception as error:  # noqa: BLE001 - told to the bench, which stops
                pipe.send(error)
    finally:
        await sandbox.stop()


async def _sandbox_command(sandbox: MobileMoneySandbox, command: str):
    collections = [p for p in sandbox.payments.values() if p.kind == "collection"]
    if command == "prompts":
        return [p.reference for p in collections]
    if command == "settle":
        pending = [p for p in collections if p.state == "pending"]
        for payment in pending:
            sandbox.complete(payment.key)
        deadline = time.monotonic() + 30
        while any(p.state == "pending" for p in pending) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return [(p.key, p.reference, p.callback_url, *sandbox.callback(p, failure=None))
                for p in pending if p.state == "succeeded"]
    raise ValueError(f"unknown command {command!r}")


def _env_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def _gather_limited(limit: int, jobs: Sequence[Callable[[], Awaitable]]) -> list:
    """Each job's result, at most ``limit`` running at once, in the jobs' order."""
    results: list = [None] * len(jobs)
    next_job = iter(range(len(jobs)))

    async def worker() -> None:
        for index in next_job:
            results[index] = await jobs[index]()

    await asyncio.gather(*(worker() for _ in range(min(limit, len(jobs)))))
    return results


async def _open_loop(count: int, rate: float, send: Callable[[int, float], Awaitable]) -> None:
    """``send(n, due)`` for n in 0..count-1, each started at its due time (``perf_counter``)
    ``n / rate`` s after the first whatever became of the earlier ones; returns once all ended."""
    started = time.perf_counter()
    tasks = []
    for n in range(count):
        due = started + n / rate
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(send(n, due)))
    await asyncio.gather(*tasks)


def _positive_rate(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("a positive number a second")
    return value


# preparing: a payment method per payer (REST), a hold per payment (the domain functions)

async def _prepare(session, database: Database, base: str, provider: Provider, seeded, args) -> dict:
    started = time.perf_counter()
    numbers = random.sample(range(100_000), args.users)

    async def add_method(user: int):
        phone = f"{provider.prefix}{numbers[user]:05d}{NEVER_CALLED_BACK}"
        async with session.post(f"{base}/api/payments/methods", json={"phone": phone},
                                headers={**_bearer(seeded.tokens[user]), "Idempotency-Key": str(uuid.uuid4())}) as response:
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"adding the payment method {phone}: {response.status} {body}")
            return body["id"]

    methods = await _gather_limited(10, [lambda user=user: add_method(user) for user in range(args.users)])

    async def open_hold(n: int) -> uuid.UUID:
        async with database.transaction("bench.open_hold") as conn:
            hold = await holds.open_hold(conn, payable_kind="commerce.order", payable_id=uuid.uuid4(),
                                         currency=provider.currency, expected_amount=AMOUNT,
                                         cause=Cause.operator("bench", "an order to pay"))
            await payments_domain.allow_payer(conn, hold_id=hold.id, user_id=uuid.UUID(seeded.user_ids[n % args.users]))
        return hold.id

    count = max(args.payments, args.callbacks) + args.floor
    hold_ids = await _gather_limited(database.pool.get_max_size(), [lambda n=n: open_hold(n) for n in range(count)])
    seconds = round(time.perf_counter() - started, 2)
    print(f"prepared {args.users} payment methods (REST) and {count} holds (holds.open_hold) in {seconds} s",
          flush=True)
    return {"methods": methods, "holds": hold_ids, "currency": provider.currency, "seconds": seconds}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# initiations: every distinct one and its duplicate at once

def _payment_request(prepared: dict, seeded, n: int) -> tuple[dict, dict]:
    """The body and headers of the payment into the n-th hold, by its payer, with a new key."""
    user = n % len(prepared["methods"])
    body = {"hold_id": str(prepared["holds"][n]), "amount": AMOUNT, "currency": prepared["currency"],
            "method_id": prepared["methods"][user]}
    return body, {**_bearer(seeded.tokens[user]), "Idempotency-Key": str(uuid.uuid4())}


async def _initiate(session, base: str, prepared: dict, seeded, count: int) -> dict:
    # Open the connections first (unmeasured): the measured requests then start at once instead
    # of queueing at the server's listen backlog.
    await asyncio.gather(*(_get(session, f"{base}/health/live") for _ in range(2 * count)))
    requests = []
    for n in range(count):
        body, headers = _payment_request(prepared, seeded, n)
        requests += [(n, "distinct", body, headers), (n, "duplicate", body, headers)]
    timed = {"distinct": Timed(), "duplicate": Timed(), "all": Timed()}
    answers: dict[int, dict[str, tuple[int, dict]]] = {n: {} for n in range(count)}

    async def send(n: int, which: str, body: dict, headers: dict) -> None:
        started = time.perf_counter()
        async with session.post(f"{base}/api/payments", json=body, headers=headers) as response:
            answer = await response.json()
        elapsed = time.perf_counter() - started
        for name in (which, "all"):
            timed[name].latencies.append(elapsed)
            timed[name].statuses[response.status] += 1
        answers[n][which] = response.status, answer

    started = time.perf_counter()
    await asyncio.gather(*(send(*request) for request in requests))
    for value in timed.values():
        value.seconds = time.perf_counter() - started
    problems, payment_ids = [], {}
    for n, pair in answers.items():
        (status, first), (again, second) = pair["distinct"], pair["duplicate"]
        ids = {answer.get("id") for code, answer in ((status, first), (again, second)) if code == 202}
        if len(ids) != 1 or not ({status, again} <= {202, 409}):
            problems.append(f"payment {n}: answered {status} {first} and {again} {second}")
            continue
        for code, answer in ((status, first), (again, second)):
            if code == 409 and answer.get("error", {}).get("code") != "idempotency_key_in_use":
                problems.append(f"payment {n}: 409 {answer}")
        payment_ids[n] = ids.pop()
    figures = {name: value.figures() for name, value in timed.items()}
    for name in ("distinct", "duplicate", "all"):
        print(f"initiations {name:<9} {_line(figures[name])}", flush=True)
    replayed = sum(1 for pair in answers.values() if pair["duplicate"][0] == 202 and pair["distinct"][0] == 202)
    print(f"initiations: {len(payment_ids)} payments begun; of the duplicates {replayed} got the first answer "
          f"again (202, the same payment), {timed['duplicate'].statuses[409] + timed['distinct'].statuses[409]} "
          f"409 idempotency_key_in_use (the first still running); {len(problems)} problems", flush=True)
    for problem in problems[:5]:
        print(f"  problem: {problem}", file=sys.stderr)
    return {"figures": figures, "payment_ids": payment_ids, "problems": problems, "replayed": replayed}


async def _get(session, url: str) -> None:
    async with session.get(url) as response:
        await response.read()


def _line(figures: dict) -> str:
    return (f"{figures['count']:5d} in {figures['seconds']:.2f} s ({figures['per_s']}/s)  p50 {figures['p50_ms']} ms  "
            f"p99 {figures['p99_ms']} ms  max {figures['max_ms']} ms  statuses {figures['statuses']}")


async def _duplicates_check(database: Database, sandbox: SandboxProcess, initiations: dict, expected: int) -> dict:
    """One payment row, one sandbox prompt and nothing credited for each distinct key."""
    async with database.connection() as conn:
        rows = await conn.fetchval("SELECT count(*) FROM payments")
        doubled = await conn.fetchval(
            "SELECT count(*) FROM (SELECT hold_id FROM payments GROUP BY hold_id HAVING count(*) > 1) AS d")
        fundings = await conn.fetchval("SELECT count(*) FROM payment_hold_fundings")
        entries = await conn.fetchval("SELECT count(*) FROM ledger_entries WHERE kind = 'hold.funded'")
    prompts = Counter(await sandbox.prompts())
    found = {"payment_rows": rows, "holds_with_two_payments": doubled, "sandbox_prompts": sum(prompts.values()),
             "references_prompted_twice": sum(1 for n in prompts.values() if n > 1), "fundings": fundings,
             "funding_entries": entries}
    problems = []
    if rows != expected or doubled or found["sandbox_prompts"] != expected or found["references_prompted_twice"]:
        problems.append(f"expected {expected} payments prompted once each: {found}")
    if fundings or entries:
        problems.append(f"credited before any callback: {found}")
    print(f"duplicates: {rows} payment rows for {expected} keys, {doubled} holds with two payments, "
          f"{found['sandbox_prompts']} prompts in the sandbox ({found['references_prompted_twice']} twice), "
          f"{fundings} fundings: {'none doubled' if not problems else 'PROBLEM'}", flush=True)
    return {**found, "problems": problems}


async def _begin_more(session, base: str, prepared: dict, seeded, args) -> None:
    """The payments called back beyond the initiated ones, and those the floor credits, begun 50
    at a time, not measured."""
    more = range(args.payments, max(args.payments, args.callbacks) + args.floor)
    if not more:
        return
    started = time.perf_counter()

    async def begin(n: int) -> None:
        body, headers = _payment_request(prepared, seeded, n)
        async with session.post(f"{base}/api/payments", json=body, headers=headers) as response:
            answer = await response.json()
        if response.status != 202:
            raise RuntimeError(f"beginning payment {n}: {response.status} {answer}")

    await _gather_limited(50, [lambda n=n: begin(n) for n in more])
    print(f"began {len(more)} more payments to call back or credit directly (not measured) in "
          f"{time.perf_counter() - started:.2f} s", flush=True)


# callbacks: each payment settled in the sandbox, then its callback fired by the bench

async def _call_back(session, database: Database, sandbox: SandboxProcess, server_pid: int, worker_pids: list[int],
                     args) -> dict:
    settled = await sandbox.settle()
    held, settled = settled[args.callbacks:], settled[:args.callbacks]  # the floor's, credited by the bench
    messages = [(url, headers, body) for _, _, url, headers, body in settled]
    half = len(messages) // 2
    problems = []

    async def fire(timed: Timed, url: str, headers: dict, body: bytes, since: float | None = None) -> None:
        started = time.perf_counter() if since is None else since
        async with session.post(url, data=body, headers={"Content-Type": "application/json", **headers}) as response:
            await response.read()
        timed.latencies.append(time.perf_counter() - started)
        timed.statuses[response.status] += 1

    saturated, paced = Timed(), Timed()
    waits = {}
    pids = Pids(server_pid, worker_pids, sandbox.process.pid)
    started = time.perf_counter()
    async with _sampling_waits(database) as waits["saturated"]:
        await _gather_limited(args.concurrency, [lambda m=m: fire(saturated, *m) for m in messages[:half]])
    saturated.seconds = time.perf_counter() - started
    cpu = {"saturated": pids.per(len(saturated.latencies))}
    drained = await _drained(database, args)


    # Open loop: each callback sent at its time whatever became of the earlier ones, and timed
    # from then (a late send counts against the server, not hidden).
    pids = Pids(server_pid, worker_pids, sandbox.process.pid)
    started = time.perf_counter()
    later = messages[half:]
    async with _sampling_waits(database) as waits["paced"]:
        await _open_loop(len(later), args.rate, lambda n, due: fire(paced, *later[n], since=due))
    paced.seconds = time.perf_counter() - started
    answered_at = time.time()
    cpu["paced"] = pids.per(len(paced.latencies))

    figures = {"saturated": saturated.figures(), "paced": paced.figures()}
    figures["saturated"]["drained_s"] = drained
    async with database.connection() as conn:
        fundings = await conn.fetchval("SELECT count(*) FROM payment_hold_fundings")
        distinct = await conn.fetchval(
            "SELECT count(DISTINCT (provider, provider_transaction_id)) FROM payment_hold_fundings")
        succeeded = await conn.fetchval("SELECT count(*) FROM payments WHERE status = 'succeeded'")
        funded_holds = await conn.fetchval("SELECT count(*) FROM payment_holds WHERE state = 'funded'")
        verification = await ledger.verify(conn)
    found = {"fundings": fundings, "distinct_transactions": distinct, "payments_succeeded": succeeded,
             "holds_funded": funded_holds, "ledger_ok": verification.ok, "ledger_entries": verification.entries,
             "ledger_problem": verification.problem}
    if len(messages) != args.callbacks or len(held) != args.floor:
        problems.append(f"{args.callbacks + args.floor - len(messages) - len(held)} payments did not settle "
                        f"in the sandbox")
    expected = len(messages)
    if not (fundings == distinct == succeeded == funded_holds == expected) or not verification.ok:
        problems.append(f"expected {expected} credited once each: {found}")
    for name, value in figures.items():
        if set(value["statuses"]) != {"200"}:
            problems.append(f"{name} callback answers: {value['statuses']}")
    print(f"callbacks at concurrency {args.concurrency}:   {_line(figures['saturated'])}", flush=True)
    if drained is not None:
        print(f"callbacks at concurrency {args.concurrency}: their events handled by {LIVE_GROUP} {drained} s after "
              f"the last answer; the paced half began then", flush=True)
    print(f"callbacks sent {args.rate:g} a second: {_line(figures['paced'])}", flush=True)
    for name in ("saturated", "paced"):
        print(f"callbacks ({name}): CPU a callback: {_cpu_text(cpu[name])}", flush=True)
        print(f"callbacks ({name}): the server's PostgreSQL connections, sampled every {WAIT_SAMPLE_S * 1000:g} ms: "
              f"{_waits_text(waits[name])}", flush=True)
    print(f"credited: {fundings} fundings ({distinct} distinct provider transactions), {succeeded} payments "
          f"succeeded, {funded_holds} holds funded, ledger verify: {'ok' if verification.ok else verification.problem} "
          f"({verification.entries} entries): {'each once' if not problems else 'PROBLEM'}", flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return {**figures, "cpu": cpu, "waits": {name: dict(value) for name, value in waits.items()}, **found,
            "problems": problems, "answered_at": answered_at,
            "settled": [(key, reference) for key, reference, *_ in settled], "held": held}


# Each credit's payments.payment.succeeded with when payments_live handled it and when the relay took it.
TOLD_QUERY = ("SELECT count(*) AS events, count(p.event_id) AS handled,"
              " extract(epoch FROM max(p.processed_at)) AS last_at,"
              " array_agg(extract(epoch FROM p.processed_at - o.created_at)) FILTER (WHERE p.event_id IS NOT NULL) AS lags,"
              " array_agg(extract(epoch FROM o.published_at - o.created_at)) FILTER (WHERE o.published_at IS NOT NULL)"
              "   AS relayed"
              "  FROM outbox o LEFT JOIN processed_events p ON p.event_id = o.id AND p.consumer = $1"
              " WHERE o.routing_key = 'payments.payment.succeeded'")


async def _drained(database: Database, args) -> float | None:
    """How long until every credit so far was handled by the payer's-devices group (when it runs):
    the paced half is measured at its own rate, not while the saturated half's events still queue
    behind it. None when the group does not run (or did not catch up in ``TOLD_WAIT_S``)."""
    if LIVE_GROUP not in (*parse_names(args.workers), *parse_names(args.worker_processes)):
        return None
    started, deadline = time.perf_counter(), time.monotonic() + TOLD_WAIT_S
    async with database.connection() as conn:
        while time.monotonic() < deadline:
            row = await conn.fetchrow(TOLD_QUERY, LIVE_GROUP)
            if row["handled"] == row["events"]:
                return round(time.perf_counter() - started, 3)
            await asyncio.sleep(0.05)
    return None


async def _told(database: Database, answered_at: float, args) -> dict:
    """The callbacks' downstream work, waited for (``TOLD_WAIT_S`` at most): each credit's
    ``payments.payment.succeeded`` relayed to the bus and handled by the payer's-devices group,
    counted in its ``processed_events``, timed from the credit's transaction to its handling; and
    when the last was handled after the last callback's answer."""
    deadline = time.monotonic() + TOLD_WAIT_S
    async with database.connection() as conn:
        while (row := await conn.fetchrow(TOLD_QUERY, LIVE_GROUP))["handled"] < row["events"] \
                and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    lags = sorted(float(x) for x in row["lags"] or ())
    relayed = sorted(float(x) for x in row["relayed"] or ())
    told = {"events": row["events"], "handled": row["handled"],
            "p50_ms": _percentile_ms(lags, 0.50), "p99_ms": _percentile_ms(lags, 0.99),
            "relayed_p50_ms": _percentile_ms(relayed, 0.50), "relayed_p99_ms": _percentile_ms(relayed, 0.99),
            "last_after_s": round(float(row["last_at"]) - answered_at, 3) if row["last_at"] else None,
            "problems": []}
    if row["handled"] != row["events"] or row["events"] != args.callbacks:
        told["problems"].append(f"{row['handled']} of {row['events']} payments.payment.succeeded handled by "
                                f"{LIVE_GROUP} within {TOLD_WAIT_S} s, for {args.callbacks} callbacks")
    print(f"told: {row['handled']} of {row['events']} payments.payment.succeeded handled by {LIVE_GROUP} "
          f"(workers: {args.worker_processes} in their own processes, {args.workers} in the server's), from the "
          f"credit p50 {told['p50_ms']} ms p99 {told['p99_ms']} ms (of which taken by the relay p50 "
          f"{told['relayed_p50_ms']} ms p99 {told['relayed_p99_ms']} ms); the last {told['last_after_s']} s after "
          f"the last callback's answer", flush=True)
    return told


WAIT_SAMPLE_S = 0.02
# What asyncpg asks a new connection the first time it sends a jsonb: not the credit's statements.
INTROSPECTION = ("typeinfo_tree", "current_setting('jit')", "set_config('jit'")


@contextlib.asynccontextmanager
async def _sampling_waits(database: Database):
    """While the block runs, what the other connections to the bench's database are doing, every
    ``WAIT_SAMPLE_S``: counts by state (``active``, ``idle in transaction``: waiting for the
    server's next statement) and wait event (``Lock:transactionid``: a row another transaction
    holds locked, ``IO:WALSync``, ``LWLock:...``); ``idle`` connections are left out."""
    counts: Counter = Counter()
    stop = asyncio.Event()

    async def sample() -> None:
        async with database.pool.acquire() as conn:
            while not stop.is_set():
                for row in await conn.fetch(
                        "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"
                        " AND backend_type = 'client backend'"):
                    wait = f" {row['wait_event_type']}:{row['wait_event']}" if row["wait_event_type"] else ""
                    counts[f"{row['state']}{wait}"] += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), WAIT_SAMPLE_S)

    task = asyncio.create_task(sample())
    try:
        yield counts
    finally:
        stop.set()
        await task


def _waits_text(counts: Counter) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in counts.most_common(6))


def _cpu_text(cpu: dict) -> str:
    return (f"server {cpu['server_ms']} ms, worker processes {cpu['workers_ms']} ms, PostgreSQL "
            f"{cpu['postgres_ms']} ms, Redis {cpu['redis_ms']} ms, RabbitMQ {cpu['rabbitmq_ms']} ms, "
            f"sandbox {cpu['sandbox_ms']} ms")


class Pids:
    """The CPU the server, the worker processes (together), every PostgreSQL, Redis and RabbitMQ
    process and the sandbox have used since it was made; ``per(count)``: milliseconds of it a
    callback."""

    def __init__(self, server: int, workers: list[int], sandbox: int):
        self.processes = {"server": [server], "workers": workers, "sandbox": [sandbox]}
        self.before = self._now()

    def _now(self) -> dict[str, float]:
        return {**{name: sum(map(_cpu_seconds, pids)) for name, pids in self.processes.items()}, **_services_cpu()}

    def per(self, count: int) -> dict:
        now, count = self._now(), max(count, 1)
        return {f"{name}_ms": round(1000 * (now[name] - self.before[name]) / count, 3) for name in now}


# the floor: what one callback cannot go below

async def _floor(session, database: Database, config: Config, sandbox: SandboxProcess, settled: list, held: list,
                 args) -> dict:
    """The client's ``collection_status`` of each settled payment, timed alone, as the server asks it;
    as many PostgreSQL transactions (``SELECT 1``) through a pool of the server's size, and ones
    updating one shared row; and the credit's transaction of each ``held`` payment alone."""
    client = PaymentProviders.from_config(dataclasses.replace(config, **sandbox.settings), session)[args.provider]
    payments = settled[:max(1000, args.concurrency)]
    status = Timed()

    async def query(payment: tuple[str, str]) -> None:
        key, reference = payment
        started = time.perf_counter()
        answer = await client.collection_status(reference=reference, provider_id=key)
        status.latencies.append(time.perf_counter() - started)
        status.statuses[answer.state.value] += 1

    await query(payments[0])  # the client's log-in, not counted
    status = Timed()
    started = time.perf_counter()
    await _gather_limited(args.concurrency, [lambda p=p: query(p) for p in payments])
    status.seconds = time.perf_counter() - started
    transaction = Timed()

    async def select_one() -> None:
        started = time.perf_counter()
        async with database.transaction("bench.floor") as conn:
            await conn.fetchval("SELECT 1")
        transaction.latencies.append(time.perf_counter() - started)
        transaction.statuses["ok"] += 1

    started = time.perf_counter()
    await _gather_limited(args.concurrency, [select_one for _ in payments])
    transaction.seconds = time.perf_counter() - started
    async with database.connection() as conn:
        await conn.execute("CREATE TABLE bench_shared_row (id int PRIMARY KEY, n bigint NOT NULL);"
                           " INSERT INTO bench_shared_row VALUES (1, 0)")
    shared = Timed()

    async def update_shared() -> None:
        started = time.perf_counter()
        async with database.transaction("bench.floor") as conn:
            await conn.execute("UPDATE bench_shared_row SET n = n + 1 WHERE id = 1")
        shared.latencies.append(time.perf_counter() - started)
        shared.statuses["ok"] += 1

    started = time.perf_counter()
    await _gather_limited(args.concurrency, [update_shared for _ in payments])
    shared.seconds = time.perf_counter() - started
    credit, statements, problems = await _credit_alone(database, config, client, held, args)
    floor = {"status_query": status.figures(), "transaction": transaction.figures(),
             "shared_row_transaction": shared.figures(), "credit_transaction": credit.figures(),
             "credit_statements": round(statements / max(len(held), 1), 1), "problems": problems}
    print(f"floor: {args.provider} status query (collection_status) {_line(floor['status_query'])}", flush=True)
    print(f"floor: one PostgreSQL transaction (SELECT 1), pool of {database.pool.get_max_size()}: "
          f"{_line(floor['transaction'])}", flush=True)
    print(f"floor: one PostgreSQL transaction updating one row every transaction updates (as each funding "
          f"updates its provider's clearing account): {_line(floor['shared_row_transaction'])}", flush=True)
    print(f"floor: the credit's transaction alone (settlement.apply with the sandbox's answer, from the bench, "
          f"{floor['credit_statements']} statements each, BEGIN and COMMIT included): "
          f"{_line(floor['credit_transaction'])}", flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return floor


async def _credit_alone(database: Database, config: Config, client, held: list,
                        args) -> tuple[Timed, int, list[str]]:
    """Each held payment credited as its callback would credit it, without the HTTP: its callback
    read by the client and its status answer asked first (not timed), then ``settlement.apply``
    timed alone, ``--concurrency`` at a time, through a pool of the server's size that counts the
    statements. Then every one of them must be credited once."""
    async with database.connection() as conn:  # the sandbox knows a payment by its key (the provider's id)
        rows = await conn.fetch("SELECT id, reference, provider_transaction_id FROM payments"
                                " WHERE provider_transaction_id = ANY($1) OR reference = ANY($2)",
                                [key for key, *_ in held], [reference for _, reference, *_ in held])
    ids = {**{row["reference"]: row["id"] for row in rows}, **{row["provider_transaction_id"]: row["id"] for row in rows}}
    prepared = []
    for key, reference, _, headers, body in held:
        reported = client.read_callback(Kind.COLLECTION, headers=headers, body=body)
        answer = await settlement.ask(client.collection_status(reference=reference, provider_id=key))
        prepared.append((ids.get(key) or ids[reference], answer, reported))
    credit, statements = Timed(), Counter()

    async def counted(connection) -> None:  # a pool of the server's size whose statements are counted
        await init_connection(connection)
        connection.add_query_logger(lambda logged: statements.update(
            () if any(text in logged.query for text in INTROSPECTION) else ("statement",)))

    pool = await asyncpg.create_pool(config.database_url, min_size=1, max_size=database.pool.get_max_size(),
                                     init=counted, reset=keep_session)
    crediting = Database("core", pool)

    async def apply(payment_id, answer, reported) -> None:
        started = time.perf_counter()
        payment = await settlement.apply(crediting, config, payment_id, answer, by=settlement.CALLBACK,
                                         reported=reported)
        credit.latencies.append(time.perf_counter() - started)
        credit.statuses[payment.status] += 1

    try:
        async with crediting.connection() as conn:  # the pool's connections opened first, unmeasured
            await conn.fetchval("SELECT 1")
        statements.clear()
        started = time.perf_counter()
        await _gather_limited(args.concurrency, [lambda p=p: apply(*p) for p in prepared])
        credit.seconds = time.perf_counter() - started
    finally:
        await pool.close()
    problems = []
    async with database.connection() as conn:
        credited = await conn.fetchval(
            "SELECT count(*) FROM payments p JOIN payment_hold_fundings f ON f.id = p.funding_id"
            " WHERE p.id = ANY($1) AND p.status = 'succeeded'", list(ids.values()))
        verification = await ledger.verify(conn)
    if credited != len(held) or set(credit.statuses) != {"succeeded"} or not verification.ok:
        problems.append(f"the floor's {len(held)} payments: {credited} credited, {dict(credit.statuses)}, "
                        f"ledger {'ok' if verification.ok else verification.problem}")
    return credit, statements["statement"], problems


def _say_targets(summary: dict) -> None:
    saturated, paced, floor = summary["callbacks"]["saturated"], summary["callbacks"]["paced"], summary["floor"]
    verdict = "met" if summary["targets_met"] else "MISSED"
    print(f"targets: {TARGET_CALLBACKS_PER_S} callbacks/s with p99 < {TARGET_CALLBACK_P99_MS} ms on this "
          f"{summary['cpus']}-core machine: {saturated['per_s']}/s at concurrency {summary['concurrency']} "
          f"(p99 {saturated['p99_ms']} ms), p99 {paced['p99_ms']} ms at {summary['rate']:g}/s: {verdict}; "
          f"the limit beside it: a status query alone p50 {floor['status_query']['p50_ms']} ms "
          f"p99 {floor['status_query']['p99_ms']} ms ({floor['status_query']['per_s']}/s at the same concurrency), "
          f"a PostgreSQL transaction p50 {floor['transaction']['p50_ms']} ms p99 {floor['transaction']['p99_ms']} ms, "
          f"one updating a shared row {floor['shared_row_transaction']['per_s']}/s, "
          f"the credit's transaction alone p50 {floor['credit_transaction']['p50_ms']} ms "
          f"p99 {floor['credit_transaction']['p99_ms']} ms ({floor['credit_transaction']['per_s']}/s); "
          f"load average {summary['load_at_start']} at the start, {summary['load']} at the end", flush=True)


if __name__ == "__main__":
    sys.exit(main())
