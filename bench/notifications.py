"""The notification service under load: events turned into notifications per second by one
``notifications`` worker, the latency from a source transaction's commit to the in-app
notification on the recipient's WebSocket at a steady rate, and 1,000 follows of one user
(one grouped notification, the count exact); beside each figure, in the same run, what it
cannot go below.

``python -m bench.notifications [--events 2000] [--rate 200] [--duration 10] [--warmup 2]
[--grouped 1000]``

It makes its own databases, Redis prefix and RabbitMQ namespace (all removed afterwards), writes
its users and sessions as ``bench.ws`` does, and starts the real processes: the server
(``python -m nexgate serve --workers outbox-relay``: the WebSockets and the outbox's relay to
RabbitMQ) and one worker (``python -m nexgate worker notifications``: the consumer group that
turns events into notifications); with the push channel on main, the server also runs the
``notifications_push`` group and the grouped recipient's browser subscribes on the Web Push
sandbox, run by the bench. The events are ``users.follow.created``, written to the
outbox by the bench's own core transactions (``bus.emit``), as the users area's follow does.
The recipients' devices are ``LiveSession``s on ``/ws`` in a load process of their own
(``python -m bench.notifications client PLAN``). Prints a line per figure, whether the targets
are met, and last a JSON line with every figure (bench/README.md says what each one means).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from bench.load import ROOT, ServerFailed, _percentile_ms, _stop, free_port, running
from bench.messages import _cpu_seconds, _services_cpu
from bench.payments import WAIT_SAMPLE_S, _gather_limited, _positive, _sampling_waits, _waits_text
from bench.ws import _load, _raise_open_files_limit, _server_env, run_in_own_databases, seed
from nexgate import bus
from nexgate.config import Config
from nexgate.db import Database
from nexgate.domain.notifications.live import NOTIFICATION_CREATED, NOTIFICATION_UPDATED
from nexgate.domain.users.events import FOLLOW_CREATED

TARGET_RATE = 200  # events a second
TARGET_P99_MS = 250  # commit to the frame on the recipient's device, at TARGET_RATE
TARGET_GROUPED_ROWS = 1
PUSHES_PER_WINDOW = 1
WORKER = "notifications"
SERVER_WORKERS = "outbox-relay"
PUSH_WORKER = "notifications_push"
PUSH_MODULE = ROOT / "nexgate" / "domain" / "notifications" / "push.py"
WARM_EVENTS = 20  # told end to end before anything is measured: the worker's pools and caches
POLL_S = 0.01
DRAIN_TIMEOUT_S = 60.0
CONNECT_CONCURRENCY = 32
FLOOR_SERIAL = 200
FLOOR_CONCURRENT = 1000
TOLD = (NOTIFICATION_CREATED, NOTIFICATION_UPDATED)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["client"]:
        import uvloop

        uvloop.run(_client(argv[1]))
        return 0
    args = _parser().parse_args(argv)
    _raise_open_files_limit()
    summary = run_in_own_databases("bench.notifications", measure, args)
    if summary is None:
        return 1
    print(json.dumps(summary), flush=True)
    return 0 if summary["clean"] else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.notifications", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=_positive, default=2000,
                        help="events written to the outbox in one transaction for the throughput (default 2000)")
    parser.add_argument("--rate", type=float, default=float(TARGET_RATE),
                        help=f"events a second for the latency (default {TARGET_RATE}, the target's)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds of the latency (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of paced events before the measured ones, not counted (default 2)")
    parser.add_argument("--grouped", type=_positive, default=1000,
                        help="follows of one user, each its own transaction, 10 at a time (default 1000)")
    return parser


# -- the run -----------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict[str, Any]:
    load_start = _load()
    print(f"load average at start: {load_start}", flush=True)
    config = Config.from_env(database_url=databases["core"], notify_database_url=databases["notify"],
                             redis_prefix=prefix, bus_namespace=f"nexgate-bench-{run}")
    paced = math.ceil(args.rate * (args.warmup + args.duration))
    live_count = paced + 1  # a device for each paced event's recipient, and the grouped one's
    pool_count = max(args.events + 1, args.grouped, paced) + WARM_EVENTS + 1
    seeded = await seed(config, run, sessions=live_count, users=live_count + pool_count)
    live, others = seeded.user_ids[:live_count], seeded.user_ids[live_count:]
    print(f"seeded {len(seeded.user_ids)} users, {live_count} with a session, in {seeded.seconds} s; the worker "
          f"holds {config.bus_prefetch} deliveries at once (NEXGATE_BUS_PREFETCH) on a notify pool of "
          f"{config.db_pool_max} (NEXGATE_DB_POOL_MAX); the relay polls every {config.outbox_poll_ms} ms when idle",
          flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    push = PushChannel() if PushChannel.on_main() else None
    env = {**_server_env(run, databases, prefix), **(push.env if push else {})}
    server_argv = [sys.executable, "-m", "nexgate", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", SERVER_WORKERS + (f",{PUSH_WORKER}" if push else "")]
    core = await Database.connect("core", databases["core"], min_size=2, max_size=config.db_pool_max)
    notify = await Database.connect("notify", databases["notify"], min_size=2, max_size=config.db_pool_max)
    try:
        async with _serving(push), running(server_argv, f"{base}/health/live", env=env) as server, \
                _worker(config, env) as worker, \
                _devices(base, [(user, seeded.tokens[n]) for n, user in enumerate(live)]) as devices:
            pids = {"server": server.pid, "worker": worker.pid}
            if push:
                await _consuming(config, PUSH_WORKER, server, "the server's notifications_push group")
                await push.subscribe(base, seeded.tokens[paced])
                print(f"push        the grouped recipient's browser subscribed on the Web Push sandbox "
                      f"({push.sandbox.url}); the server runs the {PUSH_WORKER} group", flush=True)
            # warm-up: a few events told end to end (the worker's connections, the first queries)
            warm = [(others[-1], others[-2 - n]) for n in range(WARM_EVENTS)]
            await _emit_in_one_transaction(core, warm)
            await _until(lambda: _count(notify, "SELECT count(*) FROM notifications"), WARM_EVENTS, "the warm-up")
            throughput = await _throughput(core, notify, pids,
                                           [(others[n], others[n + 1]) for n in range(args.events)])
            latency = await _latency(core, notify, devices, pids, args, [(others[n], live[n]) for n in range(paced)])
            grouped = await _grouped(core, notify, devices, pids, others[:args.grouped], live[paced], push)
            floor = await _floor(config, notify)
    finally:
        await core.pool.close()
        await notify.pool.close()
    summary = {"bench": "notifications", "cpus": os.cpu_count(), "load_start": load_start,
               "events": args.events, "rate": args.rate, "duration_s": args.duration, "warmup_s": args.warmup,
               "grouped_events": args.grouped, "prefetch": config.bus_prefetch, "pool": config.db_pool_max,
               "outbox_poll_ms": config.outbox_poll_ms, "throughput": throughput, "latency": latency, "grouped": grouped,
               "floor": floor, "load_end": _load(),
               "targets": {"rate": TARGET_RATE, "p99_ms": TARGET_P99_MS, "grouped_rows": TARGET_GROUPED_ROWS,
                           "pushes_per_window": PUSHES_PER_WINDOW}}
    summary["targets_met"] = _targets(summary)
    summary["clean"] = not (throughput["problems"] or latency["problems"] or grouped["problems"])
    print(f"load average at end: {summary['load_end']}", flush=True)
    return summary


@contextlib.asynccontextmanager
async def _serving(push: PushChannel | None) -> AsyncIterator[None]:
    if push is None:
        yield
        return
    await push.sandbox.start()
    try:
        yield
    finally:
        await push.sandbox.stop()


@contextlib.asynccontextmanager
async def _worker(config: Config, env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m nexgate worker notifications``, ready once its queue has a consumer; stopped on exit."""
    argv = [sys.executable, "-m", "nexgate", "worker", WORKER]
    with tempfile.TemporaryFile() as output:
        process = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, env=env, stdout=output, stderr=output)
        try:
            await _consuming(config, WORKER, process, " ".join(argv), output)
            yield process
        finally:
            await _stop(process)


async def _consuming(config: Config, group: str, process, what: str, output=None) -> None:
    """Wait until ``group``'s queue has a consumer (an event published before the queue is bound
    would be routed nowhere); ServerFailed if ``process`` exits or a minute goes by first."""
    import aio_pika

    from nexgate.bus.broker import Topology

    queue = Topology(config.bus_namespace, config.bus_max_attempts, config.bus_retry_base_ms).queue(group)
    deadline = time.monotonic() + 60
    async with await aio_pika.connect(config.amqp_url, timeout=5) as connection:
        channel = await connection.channel()
        while True:
            if process.returncode is not None or time.monotonic() > deadline:
                said = ""
                if output is not None:
                    output.seek(0)
                    said = output.read().decode(errors="replace").strip()[-4000:]
                raise ServerFailed(f"{what} has no consumer on {queue}:\n{said}")
            with contextlib.suppress(aio_pika.exceptions.ChannelClosed):
                declared = await channel.declare_queue(queue, passive=True)
                if declared.declaration_result.consumer_count:
                    return
            if channel.is_closed:  # a passive declaration of a missing queue closes the channel
                channel = await connection.channel()
            await asyncio.sleep(0.1)


async def _emit_in_one_transaction(core: Database, pairs: Sequence[tuple[str, str]]) -> None:
    async with core.transaction("bench.follows") as conn:
        for follower, followee in pairs:
            await bus.emit(conn, FOLLOW_CREATED, {"follower_id": follower, "followee_id": followee})


async def _emit_one(core: Database, follower: str, followee: str) -> tuple[float, uuid.UUID]:
    """One follow's event in a transaction of its own: the monotonic time its commit returned, and its id."""
    async with core.transaction("bench.follow") as conn:
        event_id = await bus.emit(conn, FOLLOW_CREATED, {"follower_id": follower, "followee_id": followee})
    return time.monotonic(), event_id


async def _count(database: Database, query: str, *args) -> int:
    async with database.connection() as conn:
        return await conn.fetchval(query, *args)


async def _until(count: Callable[[], Awaitable[int]], expected: int, what: str,
                 timeout: float = DRAIN_TIMEOUT_S) -> float:
    """Poll ``count`` until it reaches ``expected``; the monotonic time it did (RuntimeError after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while (found := await count()) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: {found} of {expected} after {timeout:.0f} s")
        await asyncio.sleep(POLL_S)
    return time.monotonic()


def _cpu_mark(pids: dict[str, int]) -> tuple[dict[str, float], dict[str, float]]:
    return {name: _cpu_seconds(pid) for name, pid in pids.items()}, _services_cpu()


def _cpu_per(count: int, pids: dict[str, int], mark) -> dict[str, float]:
    """CPU milliseconds an event cost each process of the run, and every PostgreSQL and Redis process."""
    processes, services = mark
    now = _services_cpu()
    count = max(count, 1)
    return {**{f"{name}_ms": round(1000 * (_cpu_seconds(pid) - processes[name]) / count, 3)
               for name, pid in pids.items()},
            **{f"{name}_ms": round(1000 * (now[name] - services[name]) / count, 3) for name in now}}


def _cpu_text(cpu: dict[str, float]) -> str:
    return (f"worker {cpu['worker_ms']} ms, server (relay, WebSockets) {cpu['server_ms']} ms, "
            f"PostgreSQL {cpu['postgres_ms']} ms, Redis {cpu['redis_ms']} ms")


# -- 1. throughput ------------------------------------------------------------------------------


async def _throughput(core: Database, notify: Database, pids: dict[str, int],
                      pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``pairs`` (distinct followers of distinct followees) written to the outbox in one
    transaction; from its commit until the relay published them all, and until every
    notification exists; the worker's own rate from its first notification to its last."""
    before = await _count(notify, "SELECT count(*) FROM notifications")
    recipients = [uuid.UUID(followee) for _, followee in pairs]
    started = time.perf_counter()
    await _emit_in_one_transaction(core, pairs)
    written_s = time.perf_counter() - started
    mark = _cpu_mark(pids)
    committed = time.monotonic()
    published = asyncio.create_task(_until(
        lambda: _count(core, "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"),
        len(pairs) + WARM_EVENTS, "the relay"))
    async with _sampling_waits(notify) as waits:
        told = await _until(lambda: _count(notify, "SELECT count(*) FROM notifications"), before + len(pairs),
                            "the notifications")
    relayed = await published
    cpu = _cpu_per(len(pairs), pids, mark)
    async with notify.connection() as conn:
        span = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT recipient_id) AS recipients,"
            " extract(epoch FROM max(created_at) - min(created_at)) AS seconds"
            " FROM notifications WHERE recipient_id = ANY($1::uuid[])", recipients)
    problems = []
    if span["n"] != len(pairs) or span["recipients"] != len(pairs):
        problems.append(f"{len(pairs)} events made {span['n']} notifications for {span['recipients']} recipients")
    all_s = told - committed
    worker_s = float(span["seconds"] or 0)
    figures = {"events": len(pairs), "write_s": round(written_s, 3), "relayed_after_s": round(relayed - committed, 3),
               "told_after_s": round(all_s, 3), "per_s": round(len(pairs) / all_s, 1),
               "relay_per_s": round(len(pairs) / max(relayed - committed, 1e-9), 1),
               "worker_span_s": round(worker_s, 3),
               "worker_per_s": round((len(pairs) - 1) / worker_s, 1) if worker_s else None,
               "cpu": cpu, "notify_waits": dict(waits), "problems": problems}
    print(f"throughput  {len(pairs)} events in one outbox transaction (written in {written_s:.2f} s): relay published "
          f"all {figures['relayed_after_s']} s after the commit ({figures['relay_per_s']}/s), every notification "
          f"told after {figures['told_after_s']} s: {figures['per_s']} events/s end to end; the worker's first to "
          f"last notification {figures['worker_span_s']} s: {figures['worker_per_s']}/s", flush=True)
    print(f"            CPU an event: {_cpu_text(cpu)}", flush=True)
    print(f"            the notify database's busy connections, sampled every {WAIT_SAMPLE_S * 1000:g} ms: "
          f"{_waits_text(waits)}", flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return figures


# -- 2. latency ---------------------------------------------------------------------------------


async def _latency(core: Database, notify: Database, devices: Devices, pids: dict[str, int], args: argparse.Namespace,
                   pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """One follow every 1/rate s, each its own transaction, sent when due whatever became of the
    earlier ones; each timed from its commit to its recipient's device reading the frame."""
    warm = math.ceil(args.rate * args.warmup)
    commits: dict[tuple[str, str], float] = {}
    late: list[float] = []
    tasks = []
    await devices.take()

    event_ids: dict[tuple[str, str], uuid.UUID] = {}

    async def follow(n: int, due: float) -> None:
        follower, followee = pairs[n]
        at, event_ids[(followee, follower)] = await _emit_one(core, follower, followee)
        commits[(followee, follower)] = at
        if n >= warm:
            late.append(at - due)

    begun = time.monotonic()
    mark = None
    for n in range(len(pairs)):
        if n == warm:
            mark = _cpu_mark(pids)
        due = begun + n / args.rate
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(follow(n, due)))
    await asyncio.gather(*tasks)
    sent_s = time.monotonic() - begun
    measured = len(pairs) - warm
    with contextlib.suppress(RuntimeError):  # what never arrives is counted as lost below
        await _until(devices.count, len(pairs), "the frames", timeout=30)
    cpu = _cpu_per(measured, pids, mark)
    records = await devices.take()
    index = {(followee, follower): n for n, (follower, followee) in enumerate(pairs)}
    seen = Counter((recipient, actor) for recipient, actor, *_ in records)
    frames = {key: at for key, at in _first_frames(records).items() if index.get(key, -1) >= warm}
    latencies = sorted(at - commits[key] for key, at in frames.items())
    # Over the target: by the second of the phase each was sent in (a stall of the machine shows
    # as one or two seconds, a queue the worker cannot drain as every second from some point on).
    slow = Counter(int((index[key] - warm) / args.rate) for key, at in frames.items()
                   if at - commits[key] > TARGET_P99_MS / 1000)
    stages = await _stages(core, notify, commits, event_ids, frames)
    problems = []
    lost = measured - len(latencies)
    doubled = sum(1 for count in seen.values() if count > 1)
    if lost or doubled:
        problems.append(f"{measured} paced events: {lost} frames lost, {doubled} shown twice")
    figures = {"events": measured, "warmup_events": warm, "rate": round(len(pairs) / sent_s, 1),
               "received": len(latencies), "lost": lost, "doubled": doubled,
               "p50_ms": _percentile_ms(latencies, 0.5), "p99_ms": _percentile_ms(latencies, 0.99),
               "max_ms": _percentile_ms(latencies, 1.0),
               "commit_late_p99_ms": _percentile_ms(sorted(late), 0.99), "stages": stages,
               "over_target_by_second": {str(second): n for second, n in sorted(slow.items())}, "cpu": cpu,
               "problems": problems}
    verdict = _verdict(figures["p99_ms"] is not None and figures["p99_ms"] < TARGET_P99_MS and not lost
                       and args.rate >= TARGET_RATE)
    print(f"latency     {measured} events at {figures['rate']}/s (after {warm} not counted), each its own "
          f"transaction, to {measured} devices: {len(latencies)} frames received, {lost} lost; commit to frame "
          f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms "
          f"(target p99 < {TARGET_P99_MS} ms at {TARGET_RATE}/s: {verdict}); commits late p99 "
          f"{figures['commit_late_p99_ms']} ms", flush=True)
    print(f"            where it goes (p50 / p99 ms): {_stages_text(stages)}", flush=True)
    print(f"            over {TARGET_P99_MS} ms: {sum(slow.values())} events, by the second of the phase they were sent "
          f"in: {dict(sorted(slow.items())) or 'none'}", flush=True)
    print(f"            CPU an event: {_cpu_text(cpu)}", flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return figures


def _first_frames(records: list[list]) -> dict[tuple[str, str], float]:
    first: dict[tuple[str, str], float] = {}
    for recipient, actor, _, at, _ in records:
        first.setdefault((recipient, actor), at)
    return first


STAGES = {
    "to_relay": "commit -> the relay's transaction that took it",
    "to_worker": "-> the worker's transaction for it begun",
    "to_device": "-> the frame read on the device",
}


async def _stages(core: Database, notify: Database, commits: dict, event_ids: dict, frames: dict) -> dict[str, Any]:
    """Each measured event's latency cut where the databases' clocks saw it: its outbox row's
    ``published_at`` (the start of the relay's transaction that locked it: the relay's poll), its
    notification's ``created_at`` (the start of the consumer's transaction: after the relay's
    publishing, the broker and the wait for a free consumer), then the frame read on the device
    (the consumer's handling, its Redis publish, the server's hub and socket). Wall-clock times
    of one machine, turned into the bench's monotonic clock."""
    offset = time.time() - time.monotonic()
    keys = [key for key in frames if key in event_ids]
    ids = [event_ids[key] for key in keys]
    async with core.connection() as conn:
        published = {row["id"]: row["published_at"].timestamp() - offset for row in await conn.fetch(
            "SELECT id, published_at FROM outbox WHERE id = ANY($1::uuid[])", ids)}
    told_ids = {uuid.uuid5(event_id, "new_follower"): event_id for event_id in ids}
    async with notify.connection() as conn:
        begun = {told_ids[row["id"]]: row["created_at"].timestamp() - offset for row in await conn.fetch(
            "SELECT id, created_at FROM notifications WHERE id = ANY($1::uuid[])", list(told_ids))}
    cuts: dict[str, list[float]] = {name: [] for name in STAGES}
    for key, event_id in zip(keys, ids):
        if event_id not in published or event_id not in begun:
            continue
        cuts["to_relay"].append(published[event_id] - commits[key])
        cuts["to_worker"].append(begun[event_id] - published[event_id])
        cuts["to_device"].append(frames[key] - begun[event_id])
    return {name: {"p50_ms": _percentile_ms(sorted(values), 0.5), "p99_ms": _percentile_ms(sorted(values), 0.99)}
            for name, values in cuts.items()}


def _stages_text(stages: dict[str, Any]) -> str:
    return ", ".join(f"{STAGES[name]} {value['p50_ms']} / {value['p99_ms']}" for name, value in stages.items())


# -- 3. grouping --------------------------------------------------------------------------------


async def _grouped(core: Database, notify: Database, devices: Devices, pids: dict[str, int], followers: list[str],
                   followee: str, push: PushChannel | None) -> dict[str, Any]:
    """``followers`` each follow ``followee`` in a transaction of their own, 10 at a time: one
    grouped notification, its count exact; the rows written, the frames and the pushes."""
    await devices.take()
    recipient = uuid.UUID(followee)
    mark = _cpu_mark(pids)
    started = time.monotonic()
    await _gather_limited(core.pool.get_max_size(),
                          [lambda f=f: _emit_one(core, f, followee) for f in followers])
    written = time.monotonic()
    problems = []
    try:
        done = await _until(lambda: _count(notify, "SELECT count(*) FROM notification_actors a JOIN notifications n"
                                                    " ON n.id = a.notification_id WHERE n.recipient_id = $1",
                                           recipient), len(followers), "the grouped follows")
    except RuntimeError as error:
        problems.append(str(error))
        done = time.monotonic()
    cpu = _cpu_per(len(followers), pids, mark)
    with contextlib.suppress(RuntimeError):
        await _until(devices.count, len(followers), "the grouped frames", timeout=10)
    frames = await devices.take()
    async with notify.connection() as conn:
        rows = await conn.fetch("SELECT id, actor_count, jsonb_array_length(actors) AS kept FROM notifications"
                                " WHERE recipient_id = $1", recipient)
        actors = await conn.fetchval("SELECT count(*) FROM notification_actors a JOIN notifications n"
                                     " ON n.id = a.notification_id WHERE n.recipient_id = $1", recipient)
        groups = await conn.fetchval("SELECT count(*) FROM notification_groups WHERE recipient_id = $1", recipient)
    pushes = None if push is None else await push.settled(core, notify, recipient)
    events = Counter(event for _, _, event, _, _ in frames)
    last_count = max((count for *_, count in frames), default=None)
    figures = {"events": len(followers), "write_s": round(written - started, 3),
               "written_per_s": round(len(followers) / max(written - started, 1e-9), 1),
               "told_after_s": round(done - started, 3),
               "per_s": round(len(followers) / max(done - started, 1e-9), 1),
               "notification_rows": len(rows), "actor_count": [row["actor_count"] for row in rows],
               "actors_kept": [row["kept"] for row in rows], "actor_rows": actors, "group_rows": groups,
               "frames": dict(events), "last_frame_actor_count": last_count, "pushes": pushes, "cpu": cpu,
               "problems": problems}
    if len(rows) != TARGET_GROUPED_ROWS or [row["actor_count"] for row in rows] != [len(followers)]:
        problems.append(f"{len(followers)} follows of one user: {len(rows)} rows, counts {figures['actor_count']}")
    verdict = _verdict(len(rows) == TARGET_GROUPED_ROWS and figures["actor_count"] == [len(followers)])
    print(f"grouped     {len(followers)} follows of one user, each its own transaction ({figures['written_per_s']}/s "
          f"committed), all told after {figures['told_after_s']} s ({figures['per_s']}/s, one group's row lock): "
          f"{len(rows)} notification row(s), actor_count {figures['actor_count']}, {actors} actor rows, "
          f"{figures['actors_kept'][0] if rows else 0} names kept (target one row, the count exact: {verdict})",
          flush=True)
    print(f"            frames on the recipient's device {dict(events)}, the last saying {last_count} followers; "
          f"pushes: {_pushes_text(pushes)}", flush=True)
    print(f"            CPU an event: {_cpu_text(cpu)}", flush=True)
    for problem in problems:
        print(f"  problem: {problem}", file=sys.stderr)
    return figures


class PushChannel:
    """Web Push as the grouped recipient's browser sees it, once main has the push channel
    (``nexgate/domain/notifications/push.py``): a VAPID key of the run's own, the push service's
    sandbox (``providers/webpush_sandbox.py``, in the bench process, on a free port: the
    server's only allowed endpoint host), the ``notifications_push`` group in the server, and a
    subscription the recipient registers through the API, as a browser's app does."""

    def __init__(self):
        from nexgate.providers.webpush import generate_vapid_private_key, vapid_public_key
        from nexgate.providers.webpush_sandbox import WebPushSandbox

        self.private_key = generate_vapid_private_key()
        self.public_key = vapid_public_key(self.private_key)
        self.sandbox = WebPushSandbox(host="127.0.0.1", port=free_port())
        self.subscription_id: str | None = None

    @classmethod
    def on_main(cls) -> bool:
        return PUSH_MODULE.exists()

    @property
    def env(self) -> dict[str, str]:
        return {"NEXGATE_PUSH_VAPID_PRIVATE_KEY": self.private_key, "NEXGATE_PUSH_ENDPOINT_HOSTS": self.sandbox.url,
                "NEXGATE_PUSH_SANDBOX": "false"}

    async def subscribe(self, base: str, token: str) -> None:
        import aiohttp

        browser = self.sandbox.subscribe(self.public_key)
        async with aiohttp.ClientSession() as http, http.post(
                f"{base}/api/notifications/push-subscriptions", json=browser.info(),
                headers={"Authorization": f"Bearer {token}"}) as response:
            if response.status != 201:
                raise RuntimeError(f"registering the push subscription: {response.status} {await response.text()}")
        self.subscription_id = browser.id

    async def settled(self, core: Database, notify: Database, recipient: uuid.UUID) -> dict[str, Any]:
        """Once the ``notifications_push`` group has handled every push the worker asked for
        (each ``notifications.push.requested`` in the outbox, claimed in ``processed_events``):
        what it recorded for the recipient and what the browser received."""
        requested = await _count(core, "SELECT count(*) FROM outbox WHERE routing_key = 'notifications.push.requested'")
        await _until(lambda: _count(notify, "SELECT count(*) FROM processed_events WHERE consumer = $1", PUSH_WORKER),
                     requested, "the push requests")
        with contextlib.suppress(RuntimeError):  # an attempt still due is shown as queued
            await _until(lambda: _count(notify, "SELECT (count(*) FILTER (WHERE status <> 'queued')) - count(*)"
                                                " FROM notification_deliveries WHERE recipient_id = $1", recipient),
                         0, "the push deliveries", timeout=10)
        async with notify.connection() as conn:
            deliveries = {row["status"]: row["n"] for row in await conn.fetch(
                "SELECT status, count(*) AS n FROM notification_deliveries WHERE recipient_id = $1 GROUP BY status",
                recipient)}
        received = self.sandbox.messages(self.subscription_id)
        return {"requested": requested, "deliveries": deliveries, "received": len(received),
                "topics": len({push.topic for push in received}),
                "last_text": received[-1].json().get("text") if received else None}


def _pushes_text(pushes: dict[str, Any] | None) -> str:
    if pushes is None:
        return "push channel not on main yet"
    return (f"{pushes['requested']} asked for by the worker, deliveries by status {pushes['deliveries']}, "
            f"{pushes['received']} received by the browser under {pushes['topics']} Topic(s) (one Topic: each "
            f"replaces the last on the device), the last reading {pushes['last_text']!r}")


# -- the floor ----------------------------------------------------------------------------------


async def _floor(config: Config, notify: Database) -> dict[str, Any]:
    """What one event cannot cost less than: the consumer's own transaction on the notify
    database (claiming the event id, nothing else), one updating a row every transaction
    updates (what one group's events cannot go faster than) and the live frame's publish to
    Redis (``Realtime.publish_to_user`` with a frame of the same size), one at a time and
    as many at a time as the worker has transactions at most (its pool's connections)."""
    concurrency = config.db_pool_max
    from nexgate.realtime import Realtime
    from nexgate.redis import Redis

    async def claim() -> None:
        async with notify.transaction("bench.floor") as conn:
            await conn.execute("INSERT INTO processed_events (consumer, event_id) VALUES ('bench.floor', $1)",
                               uuid.uuid4())

    redis = Redis.from_config(config)
    realtime = Realtime(redis, config)
    nobody = uuid.uuid4()
    frame = {"notification": {"id": str(uuid.uuid4()), "type": "new_follower", "category": "social", "critical": False,
                              "text": "ws_bench_1 started following you", "link": f"nexgate://users/{uuid.uuid4()}",
                              "object": {"type": "user", "id": str(nobody)},
                              "actors": [{"id": str(uuid.uuid4()), "name": "ws_bench_1"}], "actor_count": 1,
                              "params": {}, "read": False, "read_at": None,
                              "created_at": "2026-12-01T12:00:00+00:00", "updated_at": "2026-12-01T12:00:00+00:00"},
             "unread_count": 1}

    async with notify.connection() as conn:
        await conn.execute("CREATE TABLE bench_shared_row (id int PRIMARY KEY, n bigint NOT NULL);"
                           " INSERT INTO bench_shared_row VALUES (1, 0)")

    async def shared() -> None:
        async with notify.transaction("bench.floor") as conn:
            await conn.execute("UPDATE bench_shared_row SET n = n + 1 WHERE id = 1")

    async def publish() -> None:
        await realtime.publish_to_user(nobody, NOTIFICATION_CREATED, frame, event_id=uuid.uuid4())

    floor = {}
    try:
        for name, job in (("notify_transaction", claim), ("shared_row_transaction", shared),
                          ("redis_publish", publish)):
            await job()
            serial = []
            for _ in range(FLOOR_SERIAL):
                started = time.perf_counter()
                await job()
                serial.append(time.perf_counter() - started)
            serial.sort()
            started = time.perf_counter()
            await _gather_limited(concurrency, [job] * FLOOR_CONCURRENT)
            seconds = time.perf_counter() - started
            floor[name] = {"p50_ms": _percentile_ms(serial, 0.5), "p99_ms": _percentile_ms(serial, 0.99),
                           "per_s": round(FLOOR_CONCURRENT / seconds, 1)}
    finally:
        await redis.close()
    print(f"floor       one notify-DB transaction (claim an event id, as the consumer does first): "
          f"p50 {floor['notify_transaction']['p50_ms']} ms, p99 {floor['notify_transaction']['p99_ms']} ms, "
          f"{floor['notify_transaction']['per_s']}/s {concurrency} at a time", flush=True)
    print(f"floor       one notify-DB transaction updating the one row every transaction updates (as each grouped "
          f"event locks its group's row): p50 {floor['shared_row_transaction']['p50_ms']} ms, "
          f"{floor['shared_row_transaction']['per_s']}/s {concurrency} at a time", flush=True)
    print(f"floor       one live frame's publish to Redis (Realtime.publish_to_user): "
          f"p50 {floor['redis_publish']['p50_ms']} ms, p99 {floor['redis_publish']['p99_ms']} ms, "
          f"{floor['redis_publish']['per_s']}/s {concurrency} at a time", flush=True)
    return floor


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _targets(summary: dict[str, Any]) -> bool:
    """Each target's verdict, printed; whether all that this run could measure are met."""
    latency, grouped, floor, throughput = summary["latency"], summary["grouped"], summary["floor"], summary["throughput"]
    pushes = grouped["pushes"]
    verdicts = {
        "latency": bool(latency["p99_ms"] is not None and latency["p99_ms"] < TARGET_P99_MS and not latency["lost"]
                        and summary["rate"] >= TARGET_RATE),
        "grouped_rows": (grouped["notification_rows"] == TARGET_GROUPED_ROWS
                         and grouped["actor_count"] == [summary["grouped_events"]]),
    }
    if pushes is not None:
        verdicts["pushes"] = pushes["received"] <= PUSHES_PER_WINDOW
    summary["verdicts"] = verdicts
    print(f"targets: commit to device p99 < {TARGET_P99_MS} ms at {TARGET_RATE} events/s: {latency['p99_ms']} ms at "
          f"{latency['rate']}/s, {_verdict(verdicts['latency'])} (beside it: the worker told {throughput['worker_per_s']}"
          f" events/s at most in this run, a notify-DB transaction p50 {floor['notify_transaction']['p50_ms']} ms, a "
          f"Redis publish p50 {floor['redis_publish']['p50_ms']} ms); {summary['grouped_events']} grouped events in "
          f"one row, the count exact: {grouped['notification_rows']} row(s), count {grouped['actor_count']}, "
          f"{_verdict(verdicts['grouped_rows'])} (beside it: one shared row takes "
          f"{floor['shared_row_transaction']['per_s']} transactions/s); at most {PUSHES_PER_WINDOW} push a grouping "
          f"window: {_pushes_text(pushes)}"
          f"{', ' + _verdict(verdicts['pushes']) if 'pushes' in verdicts else ''}; load average {_load()}", flush=True)
    return all(verdicts.values())


# -- the recipients' devices --------------------------------------------------------------------


class Devices:
    """The load process holding one ``LiveSession`` per recipient, driven over its stdin."""

    def __init__(self, process):
        self.process = process

    async def call(self, cmd: str) -> dict[str, Any]:
        self.process.stdin.write(orjson.dumps({"cmd": cmd}) + b"\n")
        await self.process.stdin.drain()
        return await _reply(self.process)

    async def count(self) -> int:
        return (await self.call("count"))["count"]

    async def take(self) -> list[list]:
        """Every notification frame read since the last take: recipient, first actor, event,
        the monotonic time it was read, actor count."""
        return (await self.call("take"))["records"]


async def _reply(process) -> dict[str, Any]:
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError(f"the devices' load process exited (status {await process.wait()})")
    reply = orjson.loads(line)
    if "error" in reply:
        raise RuntimeError(f"the devices' load process: {reply['error']}")
    return reply


@contextlib.asynccontextmanager
async def _devices(base: str, users: list[tuple[str, str]]) -> AsyncIterator[Devices]:
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "plan.json"
        plan.write_bytes(orjson.dumps({"url": base, "users": users}))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.notifications", "client", str(plan), cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**26)
        try:
            started = time.perf_counter()
            connected = (await _reply(process))["connected"]
            print(f"devices     {connected} recipients connected to /ws in {time.perf_counter() - started:.2f} s",
                  flush=True)
            yield Devices(process)
        finally:
            if process.returncode is None:
                with contextlib.suppress(Exception):
                    process.stdin.write(b'{"cmd": "exit"}\n')
                    await process.stdin.drain()
                    await asyncio.wait_for(process.wait(), 30)
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _client(plan_path: str) -> None:
    """The load process: a ``LiveSession`` per recipient; the notification frames they read."""
    import aiohttp

    from nexgate.client import LiveSession, NexgateClient

    plan = orjson.loads(Path(plan_path).read_bytes())
    records: list[list] = []

    class TimedLive(LiveSession):
        def _receive(self, frame: dict[str, Any]) -> None:
            at = time.monotonic()
            if frame.get("type") == "event":
                self.position = frame["position"]
                if frame["event"] in TOLD:
                    told = frame["data"]["notification"]
                    actor = told["actors"][0]["id"] if told["actors"] else None
                    records.append([self.user_id, actor, frame["event"], at, told["actor_count"]])
            elif frame.get("type") in ("ack", "error"):
                super()._receive(frame)

    def say(answer: dict[str, Any]) -> None:
        sys.stdout.write(orjson.dumps(answer).decode() + "\n")
        sys.stdout.flush()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:  # a socket per device
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def connect(user_id: str, token: str) -> TimedLive:
            api = NexgateClient(plan["url"], session=http)
            api.tokens = {"access_token": token}
            live = TimedLive(api, reconnect=False)
            live.user_id = user_id
            async with gate:
                await live.connect()
            return live

        try:
            sessions = await asyncio.gather(*(connect(user, token) for user, token in plan["users"]))
        except Exception as error:  # noqa: BLE001 - told to the bench, which stops
            say({"error": f"connecting: {error!r}"})
            return
        gc.collect()  # the load process's own collections would stall its reading and pass for latency
        gc.freeze()
        gc.disable()
        say({"connected": len(sessions)})
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            cmd = orjson.loads(line)["cmd"]
            if cmd == "count":
                say({"count": len(records)})
            elif cmd == "take":
                taken, records[:] = list(records), []
                say({"records": taken})
            elif cmd == "exit":
                break
        for live in sessions:
            await live.close()


if __name__ == "__main__":
    sys.exit(main())
