"""Direct messages under load: send-to-receive latency with 1,000 connected users exchanging
500 messages a second through one server process, then with each conversation's two sides on
two server processes; and the conversation list of a user with 1,000 conversations and a
history page of a long conversation, read through the API.

``python -m bench.messages [--users 1000] [--rate 500] [--duration 10] [--warmup 2]
[--clients 2] [--conversations 1000] [--history 10000] [--samples 300]``

It makes its own databases and Redis prefix (dropped afterwards), writes the users, devices
and sessions straight into them with ``bench.ws.seed`` (no Argon2 for 1,000 logins), and the
conversations and the reading user's history with ``COPY``. The servers are
``python -m bench.ws serve``: ``nexgate serve --workers none`` plus the event-loop lag probe of
``bench.probed`` (the message rate limit raised for the run). The users are
held by ``--clients`` load processes (``python -m bench.messages client PLAN``), each user a
``LiveSession`` on ``/ws``; users 2k and 2k+1 share a one-to-one conversation and each sends
its partner ``message.send`` frames, round robin, at ``--rate`` in all. Latency is from just
before the frame is written to the partner's device reading ``messages.message.created``
(both timed with the machine's monotonic clock). Prints each phase, then a JSON line.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import os
import sys
import tempfile
import time
import uuid
from typing import Any

import aiohttp
import orjson

from bench.load import ROOT, free_port, running
from bench.ws import (Server, _latency_figures, _load, _raise_open_files_limit, _server_argv, _server_env,
                      run_in_own_databases, seed)
from nexgate.config import Config

TARGET_SEND_P99_MS = 50
TARGET_READ_P99_MS = 20
CONNECT_CONCURRENCY = 32


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["client"]:
        import uvloop

        print(orjson.dumps(uvloop.run(_client(argv[1]))).decode(), flush=True)  # after {"connected": n}
        return 0
    args = _parser().parse_args(argv)
    if args.users < 2 or args.users % 2:
        raise SystemExit("bench.messages: --users must be an even number, at least 2")
    _raise_open_files_limit()
    summary = run_in_own_databases("bench.messages", measure, args)
    if summary is None:
        return 1
    print(json.dumps(summary), flush=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.messages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="connected users, in pairs (default 1000)")
    parser.add_argument("--rate", type=float, default=500.0, help="messages per second in all (default 500)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds of each phase (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each phase (default 2)")
    parser.add_argument("--clients", type=int, default=2, help="load processes holding the users (default 2)")
    parser.add_argument("--conversations", type=int, default=1000,
                        help="conversations of the user whose list is read (default 1000)")
    parser.add_argument("--history", type=int, default=10_000, help="messages of the conversation read back (default 10000)")
    parser.add_argument("--samples", type=int, default=300, help="timed requests of each read (default 300)")
    return parser


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict[str, Any]:
    summary: dict[str, Any] = {"bench": "messages", "cpus": os.cpu_count(), "load_start": _load(),
                               "users": args.users, "rate": args.rate, "duration_s": args.duration,
                               "clients": args.clients}
    config = Config.from_env(database_url=databases["core"], notify_database_url=databases["notify"],
                             redis_prefix=prefix)
    seeded = await seed(config, run, args.users, args.users)
    pairs, heavy = await seed_conversations(config, run, seeded.user_ids, args.conversations, args.history)
    print(f"seeded {args.users} users, {len(pairs)} pairs and a reader with {args.conversations} conversations "
          f"in {seeded.seconds} s + conversations", flush=True)
    env = {**_server_env(run, databases, prefix), "NEXGATE_MESSAGES_PER_HOUR": "10000000"}
    port_a, port_b = free_port(), free_port()
    url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    async with aiohttp.ClientSession() as http:
        async with running(_server_argv(port_a), f"{url_a}/health/live", env=env) as process_a:
            server_a = Server("A", port_a, process_a, http)
            one = await exchange(args, seeded, pairs, [server_a, server_a])
            _say("one process", one)
            async with running(_server_argv(port_b), f"{url_b}/health/live", env=env) as process_b:
                two = await exchange(args, seeded, pairs, [server_a, Server("B", port_b, process_b, http)])
                _say("two processes", two)
            reads = await read_phase(url_a, seeded.tokens[0], heavy, args.samples)
    for name, figures in reads.items():
        verdict = "met" if figures["p99_ms"] is not None and figures["p99_ms"] < TARGET_READ_P99_MS else "MISSED"
        print(f"{name}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms "
              f"(target p99 < {TARGET_READ_P99_MS} ms: {verdict})", flush=True)
    summary.update({"one_process": one, "two_processes": two, **reads, "load_end": _load()})
    return summary


def _say(phase: str, figures: dict[str, Any]) -> None:
    latency = figures["latency"]
    verdict = "met" if latency["p99_ms"] is not None and latency["p99_ms"] < TARGET_SEND_P99_MS else "MISSED"
    lag = ", ".join(f"{name} p99 {value['p99_ms']} ms max {value['max_ms']} ms" for name, value in figures["loop_lag"].items())
    print(f"{phase}: {figures['sent']} messages at {figures['rate']}/s, {latency['received']} received "
          f"(lost {figures['lost']}, errors {figures['errors']}): send-to-receive p50 {latency['p50_ms']} ms, "
          f"p99 {latency['p99_ms']} ms (target p99 < {TARGET_SEND_P99_MS} ms: {verdict}); event-loop lag {lag}; "
          f"server CPU {figures['server_cpu_ms_per_message']} ms a message (PostgreSQL "
          f"{figures['postgres_cpu_ms_per_message']} ms, Redis {figures['redis_cpu_ms_per_message']} ms, load processes "
          f"{figures['load_cpu_ms_per_message']} ms; machine {figures['machine_busy_pct']}% busy)",
          flush=True)


# -- seeding ---------------------------------------------------------------------------------


async def seed_conversations(config: Config, run: str, user_ids: list[str], conversations: int,
                             history: int) -> tuple[list[str], dict[str, str]]:
    """A one-to-one conversation for each pair of users (2k, 2k+1); and for user 0, ``conversations``
    more with new users, three messages each, the first of them ``history`` messages long."""
    import asyncpg

    from nexgate.db import init_connection

    now = datetime.datetime.now(datetime.UTC)
    pool = await asyncpg.create_pool(config.database_url, min_size=1, max_size=2, init=init_connection)
    try:
        async with pool.acquire() as conn, conn.transaction():
            pairs = [(uuid.UUID(user_ids[k]), uuid.UUID(user_ids[k + 1])) for k in range(0, len(user_ids), 2)]
            reader = uuid.UUID(user_ids[0])
            others = [uuid.uuid4() for _ in range(conversations)]
            await conn.copy_records_to_table("users", columns=["id", "username", "display_name", "email"], records=[
                (u, f"dm_{run}_{n}", f"Mteja {n}", f"dm{n}_{run}@bench.example") for n, u in enumerate(others)])
            rows, members, messages = [], [], []
            for a, b in pairs:
                cid = uuid.uuid4()
                rows.append((cid, "direct", min(a, b), max(a, b), 0, None, now))
                members += [(cid, a), (cid, b)]
            heavy: dict[str, str] = {}
            for n, other in enumerate(others):
                cid = uuid.uuid4()
                count = history if n == 0 else 3
                at = now - datetime.timedelta(minutes=n)
                rows.append((cid, "direct", min(reader, other), max(reader, other), count, at, at))
                members += [(cid, reader), (cid, other)]
                messages += [(uuid.uuid4(), cid, seq, (reader, other)[seq % 2], "text",
                              f"Habari ya bidhaa namba {seq}", at - datetime.timedelta(seconds=count - seq))
                             for seq in range(1, count + 1)]
                heavy.setdefault("history", str(cid))
            await conn.copy_records_to_table("conversations", columns=[
                "id", "kind", "user_low", "user_high", "last_seq", "last_message_at", "created_at"], records=rows)
            await conn.copy_records_to_table("conversation_members", columns=["conversation_id", "user_id"],
                                             records=members)
            await conn.copy_records_to_table("messages", columns=[
                "id", "conversation_id", "seq", "sender_id", "kind", "body", "created_at"], records=messages)
            await conn.execute("ANALYZE")
    finally:
        await pool.close()
    return [str(row[0]) for row in rows[:len(pairs)]], heavy


# -- the exchange ----------------------------------------------------------------------------


async def exchange(args: argparse.Namespace, seeded, pairs: list[str], servers: list[Server]) -> dict[str, Any]:
    """Every user on ``servers[index % 2]`` sends its partner messages; figures from every load
    process, and the servers' event-loop lag from when every user was connected."""
    users = [{"token": seeded.tokens[n], "user_id": seeded.user_ids[n], "conversation_id": pairs[n // 2],
              "url": servers[n % 2].url} for n in range(args.users)]
    with tempfile.TemporaryDirectory() as folder:
        processes = []
        for c in range(args.clients):
            plan = {"users": [u for n, u in enumerate(users) if (n // 2) % args.clients == c],
                    "rate": args.rate / args.clients, "warmup": args.warmup, "duration": args.duration}
            path = os.path.join(folder, f"plan-{c}.json")
            with open(path, "wb") as out:
                out.write(orjson.dumps(plan))
            processes.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.messages", "client", path, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                limit=2**26))
        for process in processes:
            await _line(process)  # {"connected": n}
        distinct = list({server.name: server for server in servers}.values())
        for server in distinct:
            await server.reset_lag()
        cpu_before = {server.name: _cpu_seconds(server.process.pid) for server in distinct}
        machine_before, services_before = _machine_cpu(), _services_cpu()
        replies = [await _line(process) for process in processes]
        machine = [after - before for after, before in zip(_machine_cpu(), machine_before)]
        services = {name: seconds - services_before.get(name, 0.0) for name, seconds in _services_cpu().items()}
        lag = {server.name: await server.lag() for server in distinct}
        cpu = {server.name: _cpu_seconds(server.process.pid) - cpu_before[server.name] for server in distinct}
        for process in processes:
            await process.wait()
    latencies = [x for reply in replies for x in reply["latencies"]]
    sent = sum(r["sent"] for r in replies)
    return {"sent": sent, "rate": round(sum(r["rate"] for r in replies), 1), "errors": sum(r["errors"] for r in replies),
            "lost": sum(r["measured"] for r in replies) - len(latencies), "latency": _latency_figures(latencies),
            "ack": _latency_figures([x for reply in replies for x in reply["acks"]]), "loop_lag": lag,
            "server_cpu_ms_per_message": round(1000 * sum(cpu.values()) / max(sent, 1), 3),
            "load_cpu_ms_per_message": round(1000 * sum(r["cpu_s"] for r in replies) / max(sent, 1), 3),
            **{f"{name}_cpu_ms_per_message": round(1000 * seconds / max(sent, 1), 3) for name, seconds in services.items()},
            "machine_busy_pct": round(100 * machine[0] / max(machine[1], 1), 1)}


def _machine_cpu() -> tuple[int, int]:
    """Busy and total jiffies of every CPU so far (/proc/stat; idle and iowait are not busy)."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


SERVICES = {"postgres": "postgres", "redis-server": "redis", "beam.smp": "rabbitmq"}


def _services_cpu() -> dict[str, float]:
    """CPU seconds so far of every PostgreSQL, Redis and RabbitMQ process on the machine, by
    service (the bench's databases and queues are the busy ones while it runs)."""
    seconds = dict.fromkeys(SERVICES.values(), 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            name, used = _stat(int(entry))
        except OSError:  # ended meanwhile
            continue
        if name in SERVICES:
            seconds[SERVICES[name]] += used
    return seconds


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    return _stat(pid)[1]


def _stat(pid: int) -> tuple[str, float]:
    """A process's command name and the user and system CPU seconds it has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    fields = text.rsplit(")", 1)[1].split()
    return text[text.index("(") + 1:text.rindex(")")], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _line(process) -> dict[str, Any]:
    line = await process.stdout.readline()
    if not line:
        raise RuntimeError(f"load process {process.pid} exited with {await process.wait()}")
    return orjson.loads(line)


async def _client(plan_path: str) -> dict[str, Any]:
    """One load process: connect its users, send at its share of the rate, time what arrives."""
    from nexgate.client import LiveSession, NexgateClient

    with open(plan_path, "rb") as plan_file:
        plan = orjson.loads(plan_file.read())
    latencies: list[float] = []

    class TimedLive(LiveSession):
        def _receive(self, frame: dict[str, Any]) -> None:
            if frame.get("type") == "event":
                self.position = frame["position"]
                message = frame["data"].get("message") or {}
                if frame["event"] == "messages.message.created" and message.get("sender_id") != self.user_id:
                    sent_at, _, measured = message["text"].partition("|")
                    if measured == "m":
                        latencies.append(time.monotonic() - float(sent_at))
            elif frame.get("type") in ("ack", "error"):
                super()._receive(frame)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:  # a socket per user
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def connect(user: dict[str, Any]) -> TimedLive:
            api = NexgateClient(user["url"], session=http)
            api.tokens = {"access_token": user["token"]}
            live = TimedLive(api, reconnect=False)
            live.user_id = user["user_id"]
            async with gate:
                await live.connect()
            return live

        sessions = await asyncio.gather(*(connect(user) for user in plan["users"]))
        # The load generator's own collections would stall its reading and show as latency.
        gc.collect()
        gc.freeze()
        gc.disable()
        print(orjson.dumps({"connected": len(sessions)}).decode(), flush=True)
        cpu_started = time.process_time()
        figures = await _send(plan, sessions)
        figures["cpu_s"] = time.process_time() - cpu_started
        await asyncio.sleep(1.0)  # stragglers
        for live in sessions:
            await live.close()
    return {**figures, "latencies": latencies}


async def _send(plan: dict[str, Any], sessions: list) -> dict[str, Any]:
    rate, acks, errors, tasks = plan["rate"], [], [0], set()
    users = plan["users"]

    async def fire(n: int, measured: bool) -> None:
        live, user = sessions[n % len(sessions)], users[n % len(sessions)]
        started = time.monotonic()
        try:
            await live.call("message.send", conversation_id=user["conversation_id"], client_id=uuid.uuid4().hex,
                            text=f"{started:.6f}|{'m' if measured else 'w'}")
            acks.append(time.monotonic() - started)
        except Exception:
            errors[0] += 1

    total = int(rate * (plan["warmup"] + plan["duration"]))
    warmup = int(rate * plan["warmup"])
    begun = time.monotonic()
    for n in range(total):
        delay = begun + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(fire(n, n >= warmup))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    elapsed = time.monotonic() - begun
    if tasks:
        await asyncio.gather(*tasks)
    return {"sent": total, "measured": total - warmup, "rate": round(total / elapsed, 1), "errors": errors[0],
            "acks": acks}


# -- reads -----------------------------------------------------------------------------------


async def read_phase(url: str, token: str, heavy: dict[str, str], samples: int) -> dict[str, Any]:
    """The reader's conversation list, page after page (20 a page), and the long conversation's
    history, 50 a page, from the newest back, one request at a time."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base_url=url, headers=headers) as http:
        lists = await _walk(http, "/api/conversations", {"limit": 20}, samples)
        history = await _walk(http, f"/api/conversations/{heavy['history']}/messages", {"limit": 50}, samples)
    return {"conversation_list": lists, "history_page": history}


async def _walk(http: aiohttp.ClientSession, path: str, params: dict, samples: int) -> dict[str, Any]:
    latencies, cursor = [], None
    for _ in range(samples):
        started = time.perf_counter()
        async with http.get(path, params={**params, **({"cursor": cursor} if cursor else {})}) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status} {body}")
        latencies.append(time.perf_counter() - started)
        cursor = body["next_cursor"]
    return _latency_figures(latencies)


if __name__ == "__main__":
    sys.exit(main())
