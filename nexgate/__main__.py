"""``python -m nexgate serve | worker NAME | migrate | check | settings | keys ... | deadletters list|replay
| users reconcile | social reconcile
| payments verify-ledger|reconcile|show|resolve``."""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import shlex
import signal
import sys
import uuid
from collections.abc import Mapping

from . import logs, migrations, workers
from .config import Config, ConfigError, documented_settings, env_name
from .db import UnmigratedDatabase
from .platform import DependencyUnavailable


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None, *,
         configure_logging: bool = True) -> int:
    """Run one command; its exit status. ``environ``: the variables the settings are read from
    (``os.environ`` by default). The tests run commands other than ``serve`` and ``worker`` in their
    own process with their settings (``tests/cli.py``), and keep its logging as it is."""
    args = _parser().parse_args(argv)
    try:
        config = Config.from_env(environ, **_overrides(args))
        if configure_logging:
            logs.configure(config.log_level, config.log_json)
        return args.command(config, args) or 0
    except (ConfigError, DependencyUnavailable, UnmigratedDatabase, workers.UnknownWorker) as error:
        print(f"nexgate: {error}", file=sys.stderr)
        return 1


def _overrides(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in ("host", "port") if getattr(args, name, None) is not None}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nexgate", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve REST and WebSockets (and workers)")
    serve.add_argument("--host", help="bind address (NEXGATE_HOST)")
    serve.add_argument("--port", type=int, help="port (NEXGATE_PORT)")
    serve.add_argument(
        "--workers", default="all", help=f"all, none or a comma-separated list of: {', '.join(workers.names())}"
    )
    serve.set_defaults(command=serve_command)

    worker = commands.add_parser("worker", help="run one worker without the HTTP server")
    worker.add_argument("name", choices=workers.names())
    worker.set_defaults(command=worker_command)

    commands.add_parser("migrate", help="create both databases if missing and apply migrations").set_defaults(
        command=migrate_command
    )
    commands.add_parser("check", help="say which dependencies are reachable").set_defaults(command=check_command)
    settings = commands.add_parser("settings", help="print every setting with its meaning and default (.env.example)")
    settings.set_defaults(command=settings_command)

    keys = commands.add_parser("keys", help="list, rotate or retire the keys that sign access tokens")
    key_actions = keys.add_subparsers(required=True, metavar="ACTION")
    key_actions.add_parser("list", help="every key, live or retired").set_defaults(command=keys_list_command)
    key_actions.add_parser("rotate", help="add a key; it signs from now on, the old ones still verify").set_defaults(
        command=keys_rotate_command
    )
    retire = key_actions.add_parser("retire", help="stop accepting tokens signed by a key")
    retire.add_argument("kid")
    retire.set_defaults(command=keys_retire_command)

    push = commands.add_parser("push", help="Web Push: make the server's VAPID key")
    push_actions = push.add_subparsers(required=True, metavar="ACTION")
    vapid = push_actions.add_parser(
        "vapid-keys", help="print a new VAPID key pair: the private key for NEXGATE_PUSH_VAPID_PRIVATE_KEY, and its public key")
    vapid.add_argument("--private-only", action="store_true", help="print the private key alone (for a script)")
    vapid.set_defaults(command=push_vapid_keys_command)

    deadletters = commands.add_parser("deadletters", help="inspect or replay a consumer group's dead letters")
    actions = deadletters.add_subparsers(required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="show the dead letters (they stay where they are)")
    listing.add_argument("--group", choices=list(workers.consumer_groups()), help="one group (default: all)")
    listing.set_defaults(command=deadletters_list_command)
    replay = actions.add_parser("replay", help="put dead letters back on their group's queue")
    replay.add_argument("--group", choices=list(workers.consumer_groups()), required=True)
    replay.add_argument("--id", action="append", dest="ids", help="only this message id (repeatable)")
    replay.set_defaults(command=deadletters_replay_command)

    users = commands.add_parser("users", help="maintain the users area's data")
    user_actions = users.add_subparsers(required=True, metavar="ACTION")
    user_actions.add_parser(
        "reconcile", help="recount every user's followers and following from the follows and fix drift"
    ).set_defaults(command=users_reconcile_command)

    social = commands.add_parser("social", help="maintain the social area's data")
    social_actions = social.add_subparsers(required=True, metavar="ACTION")
    social_actions.add_parser(
        "reconcile", help="recount every post's, comment's and collection's counters and every user's likes received "
                          "and posts from their rows and fix drift"
    ).set_defaults(command=social_reconcile_command)

    payments = commands.add_parser("payments", help="operate the payments area")
    payment_actions = payments.add_subparsers(required=True, metavar="ACTION")
    payment_actions.add_parser(
        "verify-ledger", help="check the ledger's hash chain and that every balance is the sum of its lines"
    ).set_defaults(command=payments_verify_ledger_command)
    payment_actions.add_parser(
        "reconcile", help="ask the providers about the pending payments due a check, settle them, print what became of each"
    ).set_defaults(command=payments_reconcile_command)
    show = payment_actions.add_parser(
        "show", help="one payment, refund or payout: its row, timeline and journal entries with their lines")
    show.add_argument("payment_id", type=uuid.UUID, help="a payment's id, or a refund's or payout's")
    show.set_defaults(command=payments_show_command)
    resolve = payment_actions.add_parser(
        "resolve", help="resolve a payment flagged for review (credit its hold or fail it), or a refund or payout "
                        "(paid, or returned to where its money came from)")
    resolve.add_argument("payment_id", type=uuid.UUID, help="a payment's id (--credit, --fail) or a refund's or "
                                                            "payout's (--paid, --returned)")
    outcome = resolve.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--credit", dest="outcome", action="store_const", const="credit",
                         help="fund its hold as a verified callback would")
    outcome.add_argument("--fail", dest="outcome", action="store_const", const="fail", help="mark it failed")
    outcome.add_argument("--paid", dest="outcome", action="store_const", const="paid",
                         help="a refund or payout reached the phone: settle it")
    outcome.add_argument("--returned", dest="outcome", action="store_const", const="returned",
                         help="a refund or payout did not reach the phone: its money goes back")
    resolve.add_argument("--reason", required=True, help="why (recorded in the journal and the timeline)")
    resolve.add_argument("--operator", required=True, help="who resolves it (the journal entry's cause)")
    resolve.set_defaults(command=payments_resolve_command)
    return parser


def _use_uvloop() -> None:
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def serve_command(config: Config, args: argparse.Namespace) -> None:
    from aiohttp import web

    from .app import create_app, serve_options, tune_for_serving

    _use_uvloop()
    app = tune_for_serving(create_app(config, worker_names=workers.parse_names(args.workers)))
    web.run_app(app, **serve_options(config))


def worker_command(config: Config, args: argparse.Namespace) -> None:
    _use_uvloop()
    asyncio.run(_run_worker(config, args.name))


def worker_app(config: Config, name: str):
    """What ``worker NAME`` runs: the app, whose cleanup contexts open exactly what the worker
    needs (no HTTP site is started), with the garbage collector tuned as ``serve`` tunes it
    (app.tune_gc): with the defaults, the collections of a worker holding a full prefetch of
    deliveries stalled them all (bench.notifications: commit-to-device p99 370-710 ms at 200
    events a second, 110-145 ms tuned)."""
    from .app import create_app, tune_gc

    app = create_app(config, worker_names=[name])
    app.on_startup.append(tune_gc)
    return app


async def _run_worker(config: Config, name: str) -> None:
    from aiohttp import web

    runner = web.AppRunner(worker_app(config, name))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await runner.setup()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def migrate_command(config: Config, args: argparse.Namespace) -> None:
    for database, url in (("core", config.database_url), ("notify", config.notify_database_url)):
        applied = migrations.apply(url, database)
        print(f"{database}: {'applied ' + ', '.join(applied) if applied else 'up to date'}")


def check_command(config: Config, args: argparse.Namespace) -> int:
    from .check import check_all

    results = asyncio.run(check_all(config))
    width = max(len(name) for name, _, _ in results)
    for name, problem, where in results:
        print(f"{'ok  ' if problem is None else 'DOWN'}  {name:<{width}}  {where}{'' if problem is None else '  ' + problem}")
    return 0 if all(problem is None for _, problem, _ in results) else 1


def settings_command(config: Config, args: argparse.Namespace) -> None:
    sys.stdout.write(env_example())


def env_example() -> str:
    """The text of ``.env.example``: every setting's description, variable and default."""
    lines = [
        "# Every Nexgate setting, with its default: a variable left unset takes that value.",
        "# Generated by `python -m nexgate settings > .env.example`; the tests fail when it is out of date.",
    ]
    for variable, default, description in documented_settings():
        lines += ["", f"# {description}", f"{variable}={_env_value(default)}"]
    return "\n".join(lines) + "\n"


def _env_value(default: object) -> str:
    """A default as the variable's text, quoted for shells, env files and docker compose alike."""
    if isinstance(default, bool):
        text = "true" if default else "false"
    elif isinstance(default, tuple):
        text = ",".join(map(str, default))
    elif isinstance(default, datetime.time):
        text = default.isoformat("minutes" if not default.second else "seconds")
    else:
        text = str(default)
    return shlex.quote(text) if text else ""


def _with_core(config: Config, action):
    """Run ``action(conn)`` on the core database and return its result."""
    import asyncpg

    from .db import init_connection

    async def run():
        conn = await asyncpg.connect(config.database_url)
        await init_connection(conn)
        try:
            return await action(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


def push_vapid_keys_command(config: Config, args: argparse.Namespace) -> None:
    from .providers.webpush import generate_vapid_private_key, vapid_public_key

    private_key = generate_vapid_private_key()
    if args.private_only:
        print(private_key)
        return
    print(f"{env_name('push_vapid_private_key')}={private_key}")
    print(f"# public key (GET /api/notifications/push/vapid-public-key serves it): {vapid_public_key(private_key)}")


def keys_list_command(config: Config, args: argparse.Namespace) -> None:
    from .domain.auth import repository

    rows = _with_core(config, repository.all_signing_keys)
    signing = max((row for row in rows if row["retired_at"] is None), key=lambda r: r["created_at"], default=None)
    for row in rows:
        state = "signing" if row is signing else "verifying" if row["retired_at"] is None else "retired"
        print(f"{row['kid']}  {row['algorithm']}  {state:<9}  created {row['created_at'].isoformat()}")


def keys_rotate_command(config: Config, args: argparse.Namespace) -> None:
    from .domain.auth.keys import RELOAD_INTERVAL, rotate

    kid = _with_core(config, rotate)
    print(f"added key {kid}; every server signs with it within {RELOAD_INTERVAL:.0f} s. "
          f"Retire the previous key once its tokens have expired (NEXGATE_ACCESS_TOKEN_TTL_S).")


def keys_retire_command(config: Config, args: argparse.Namespace) -> int:
    from .domain.auth import repository

    async def retire(conn):
        live = await repository.live_signing_keys(conn)
        if [row["kid"] for row in live] == [args.kid]:
            return "it is the only live key; rotate first"
        return None if await repository.retire_signing_key(conn, args.kid) else "no live key has that id"

    problem = _with_core(config, retire)
    if problem:
        print(f"nexgate: cannot retire {args.kid}: {problem}", file=sys.stderr)
        return 1
    print(f"retired key {args.kid}; tokens it signed are refused")
    return 0


def users_reconcile_command(config: Config, args: argparse.Namespace) -> None:
    from .domain.users.follows import reconcile_counters

    drift = _with_core(config, reconcile_counters)
    for user in drift:
        changes = [f"{name} {old} -> {new}" for name, old, new in (
            ("followers", user.old_followers, user.followers), ("following", user.old_following, user.following))
            if old != new]
        print(f"{user.username}: {', '.join(changes)}")
    print(f"fixed {len(drift)} user(s)")


def social_reconcile_command(config: Config, args: argparse.Namespace) -> None:
    from .domain.social.counters import reconcile

    drift = _with_core(config, reconcile)
    for wrong in drift:
        print(f"{wrong.kind} {wrong.id}: {wrong.counter} {wrong.old} -> {wrong.new}")
    print(f"fixed {len(drift)} counter(s)")


def payments_verify_ledger_command(config: Config, args: argparse.Namespace) -> int:
    from .domain.payments.ledger import verify

    result = _with_core(config, verify)
    print(f"checked {result.entries} journal entr{'y' if result.entries == 1 else 'ies'} in the hash chain "
          f"(head at position {result.head_position}) and the balances of {result.accounts} account(s)"
          + (f"; {result.queued} more committed meanwhile, queued for the chain" if result.queued else ""))
    if result.problem:
        print(f"nexgate: the ledger is broken: {result.problem}", file=sys.stderr)
        return 1
    print("the ledger is intact: every link matches its entry, every entry balances, every balance is its lines' sum")
    return 0


def payments_reconcile_command(config: Config, args: argparse.Namespace) -> None:
    import aiohttp

    from .db import Database
    from .domain.payments.disbursements import disburse_due
    from .domain.payments.reconcile import reconcile_due
    from .providers.payment_providers import PaymentProviders

    @dataclasses.dataclass
    class Services:
        core: Database
        config: Config
        payment_providers: PaymentProviders

    async def run():
        database = await Database.connect("core", config.database_url, min_size=1, max_size=4)
        try:
            async with aiohttp.ClientSession() as session:
                providers = PaymentProviders.from_config(config, session)
                checked = await reconcile_due(database, config, providers)
                return checked, await disburse_due(Services(database, config, providers))
        finally:
            await database.pool.close()

    checked, disbursed = asyncio.run(run())
    for item in checked:
        payment = item.after
        print(f"{payment.id} {payment.provider} {payment.reference} {payment.amount} {payment.currency}: "
              f"{'settled ' + payment.status if item.settled else 'still pending, next check ' + payment.next_check_at.isoformat()}")
    print(f"asked about {len(checked)} pending payment(s), settled {sum(item.settled for item in checked)}")
    for disbursement in disbursed:
        print(f"{disbursement.id} {disbursement.kind} {disbursement.provider} {disbursement.reference} "
              f"{disbursement.amount} {disbursement.currency}: {disbursement.status} (request {disbursement.send})")
    print(f"sent or asked about {len(disbursed)} refund(s) and payout(s), settled "
          f"{sum(d.status != 'pending' for d in disbursed)}")


def _with_payments_database(config: Config, action):
    from .db import Database

    async def run():
        database = await Database.connect("core", config.database_url, min_size=1, max_size=2)
        try:
            return await action(database)
        finally:
            await database.pool.close()

    return asyncio.run(run())


def payments_show_command(config: Config, args: argparse.Namespace) -> int:
    from .domain.payments import disbursements, resolutions
    from .errors import DomainError

    async def either(database):
        try:
            return await resolutions.history(database, args.payment_id)
        except DomainError:
            return await disbursements.history(database, args.payment_id)

    try:
        found = _with_payments_database(config, either)
    except DomainError:
        print(f"nexgate: no payment, refund or payout {args.payment_id}", file=sys.stderr)
        return 1
    if isinstance(found, resolutions.History):
        payment, timeline, entries = found.payment, found.timeline, found.entries
        print(f"payment {payment.id} ({payment.reference}): {payment.status}, {payment.amount} {payment.currency} "
              f"(minor units) from {payment.payer_id} into hold {payment.hold_id}")
        print(f"  {payment.provider} {payment.msisdn}, transaction {payment.provider_transaction_id or '-'}, "
              f"receipt {payment.receipt or '-'}, prompt {payment.prompt}")
    else:
        payment, timeline, entries = found
        print(f"{payment.kind} {payment.id} ({payment.reference}): {payment.status}, {payment.amount} "
              f"{payment.currency} (minor units, fee {payment.fee}) to {payment.user_id}"
              + (f" out of hold {payment.hold_id}" if payment.hold_id else ""))
        print(f"  {payment.provider} {payment.msisdn}, transaction {payment.provider_transaction_id or '-'}, "
              f"receipt {payment.receipt or '-'}, request {payment.send}")
    if payment.review_reason:
        print(f"  review: {payment.review_reason}")
    print("timeline (callbacks and checks name what told them):")
    for step in timeline:
        print(f"  {step.at.isoformat()}  {step.step:<18} {step.status:<9} {step.note}")
    print("journal entries:" if entries else "journal entries: none (nothing credited)")
    for entry in entries:
        print(f"  {entry.id} {entry.kind} {entry.created_at.isoformat()} by {entry.cause.kind} "
              f"{entry.cause.id}: {entry.cause.reason}")
        for line in entry.lines:
            print(f"    {line.account_id} {line.amount:+d} {line.currency}")
    return 0


def payments_resolve_command(config: Config, args: argparse.Namespace) -> int:
    from .domain.payments import disbursements, resolutions
    from .errors import DomainError

    resolver = disbursements.resolve if args.outcome in disbursements.OUTCOMES else resolutions.resolve
    try:
        resolved = _with_payments_database(config, lambda database: resolver(
            database, args.payment_id, outcome=args.outcome, reason=args.reason, operator=args.operator))
    except DomainError as error:
        print(f"nexgate: cannot resolve {args.payment_id}: {error.message}", file=sys.stderr)
        return 1
    label = resolved.kind if resolver is disbursements.resolve else "payment"
    print(f"{label} {resolved.id} resolved by {args.operator}: {args.outcome}, now {resolved.status}")
    return 0


def deadletters_list_command(config: Config, args: argparse.Namespace) -> None:
    from .bus import Broker
    from .bus.deadletters import list_dead_letters

    async def run() -> None:
        broker = await _connect_broker(config)
        try:
            for group in [args.group] if args.group else list(workers.consumer_groups()):
                letters = await list_dead_letters(broker, group)
                print(f"{group}: {len(letters)} dead letter(s)")
                for letter in letters:
                    when = letter.failed_at.isoformat() if letter.failed_at else "?"
                    print(f"  {letter.message_id}  {letter.event_type}  attempts={letter.attempts}  failed_at={when}")
                    print(f"    error: {letter.error}")
        finally:
            await broker.close()

    asyncio.run(run())


def deadletters_replay_command(config: Config, args: argparse.Namespace) -> None:
    from .bus.deadletters import replay_dead_letters

    async def run() -> None:
        broker = await _connect_broker(config)
        try:
            replayed = await replay_dead_letters(broker, args.group, set(args.ids) if args.ids else None)
            print(f"{args.group}: replayed {len(replayed)} message(s)")
            for letter in replayed:
                print(f"  {letter.message_id}  {letter.event_type}")
        finally:
            await broker.close()

    asyncio.run(run())


async def _connect_broker(config: Config):
    from .bus import Broker

    try:
        return await Broker.connect(config)
    except Exception as error:
        raise DependencyUnavailable(f"RabbitMQ is unreachable: {error}") from None


if __name__ == "__main__":
    sys.exit(main())
