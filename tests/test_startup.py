"""Start-up as an operator meets it: configuration errors, missing dependencies,
unmigrated databases, ``migrate`` and ``check``."""
from __future__ import annotations

import dataclasses
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from nexgate import migrations
from nexgate.app import create_app
from nexgate.config import Config, ConfigError, default_public_url_problem
from nexgate.db import UnmigratedDatabase
from tests import cli


def test_bad_variable_is_named():
    with pytest.raises(ConfigError, match="NEXGATE_PORT='eighty' is invalid"):
        Config.from_env({"NEXGATE_PORT": "eighty"})
    with pytest.raises(ConfigError, match="NEXGATE_REDIS_URL"):
        Config.from_env({"NEXGATE_REDIS_URL": "localhost:6379"})
    with pytest.raises(ConfigError, match="NEXGATE_DB_POOL_MIN must not exceed NEXGATE_DB_POOL_MAX"):
        Config.from_env({"NEXGATE_DB_POOL_MIN": "20", "NEXGATE_DB_POOL_MAX": "5"})


def test_defaults_suit_a_developer_machine():
    config = Config.from_env({})
    assert config.port == 8080
    assert config.database_url.endswith("/nexgate") and config.notify_database_url.endswith("/nexgate_notify")


async def test_serve_with_a_bad_variable_exits_with_one_line(config):
    code, out, err = await cli.run(config, "serve", NEXGATE_BUS_MAX_ATTEMPTS="0")
    assert code == 1
    assert err.strip().splitlines() == ["nexgate: NEXGATE_BUS_MAX_ATTEMPTS='0' is invalid: must be between 1 and 20"]


@pytest.mark.parametrize(
    "variable, url, named",
    [
        ("NEXGATE_REDIS_URL", "redis://127.0.0.1:1/0", "Redis at redis://127.0.0.1:1/0 is unreachable"),
        ("NEXGATE_AMQP_URL", "amqp://guest:guest@127.0.0.1:1/", "RabbitMQ at amqp://guest:***@127.0.0.1:1/ is unreachable"),
        ("NEXGATE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nexgate", "PostgreSQL core database at"),
    ],
)
async def test_dependency_down_at_start_up_is_one_line_naming_it(config, variable, url, named):
    code, out, err = await cli.run(config, "serve", "--port", "0", "--workers", "none", **{variable: url})
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], err


def _fresh_database_urls(config: Config) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    rename = lambda url, name: urlunsplit(urlsplit(url)._replace(path=f"/nexgate_fresh_{suffix}_{name}"))  # noqa: E731
    return {"database_url": rename(config.database_url, "core"), "notify_database_url": rename(config.notify_database_url, "notify")}


def _migration_ids(database: str) -> list[str]:
    folder = migrations.MIGRATIONS_ROOT / database
    return sorted(p.name.removesuffix(".sql") for p in folder.glob("*.sql") if not p.name.endswith(".rollback.sql"))


async def test_server_refuses_an_unmigrated_database_then_migrate_fixes_it(config, aiohttp_client):
    fresh = dataclasses.replace(config, **_fresh_database_urls(config))
    try:
        migrations.create_database_if_missing(fresh.database_url)
        migrations.create_database_if_missing(fresh.notify_database_url)
        with pytest.raises(UnmigratedDatabase, match=r"pending migration.*run `python -m nexgate migrate`"):
            await aiohttp_client(create_app(fresh))

        code, out, err = await cli.run(fresh, "migrate")
        assert code == 0, err
        assert out.splitlines() == [f"{database}: applied {', '.join(_migration_ids(database))}" for database in ("core", "notify")]
        code, out, _ = await cli.run(fresh, "migrate")
        assert out.splitlines() == ["core: up to date", "notify: up to date"]

        client = await aiohttp_client(create_app(fresh))
        assert (await client.get("/health/ready")).status == 200
    finally:
        migrations.drop_database(fresh.database_url)
        migrations.drop_database(fresh.notify_database_url)


async def test_migrate_creates_missing_databases(config):
    fresh = dataclasses.replace(config, **_fresh_database_urls(config))
    try:
        code, out, err = await cli.run_process(fresh, "migrate")  # `python -m nexgate` itself, logging and all
        assert code == 0, err
        assert "core: applied" in out and "notify: applied" in out
    finally:
        migrations.drop_database(fresh.database_url)
        migrations.drop_database(fresh.notify_database_url)


async def test_check_says_what_is_reachable(config, smtp_sandbox):
    code, out, _ = await cli.run(dataclasses.replace(config, smtp_port=smtp_sandbox.port), "check")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["ok"] * 6
    assert [" ".join(line.split()[1:3]) for line in lines][:2] == ["postgres core", "postgres notify"]

    code, out, _ = await cli.run(config, "check", NEXGATE_REDIS_URL="redis://127.0.0.1:1/0")
    assert code == 1
    redis_line = next(line for line in out.splitlines() if " redis " in line)
    assert redis_line.startswith("DOWN") and "127.0.0.1:1" in redis_line


DEFAULT_PUBLIC_URL = Config.public_url


async def test_serve_warns_when_the_default_public_url_does_not_reach_it(config):
    port = cli.free_port()
    err = await cli.serve_until_live(config, port, "--workers", "none", NEXGATE_PUBLIC_URL=DEFAULT_PUBLIC_URL)
    warnings = [line for line in err.splitlines() if "NEXGATE_PUBLIC_URL" in line]
    assert len(warnings) == 1, err
    assert " WARNING " in warnings[0]
    assert f"left at its default {DEFAULT_PUBLIC_URL} but this server listens on 0.0.0.0:{port}" in warnings[0]
    assert "media URLs and email links it hands out will not reach it" in warnings[0]


async def test_serve_is_quiet_about_a_public_url_that_was_set(config):
    port = cli.free_port()
    err = await cli.serve_until_live(config, port, "--workers", "none", NEXGATE_PUBLIC_URL=f"http://localhost:{port}")
    assert "NEXGATE_PUBLIC_URL" not in err, err


@pytest.mark.parametrize(
    "host, port, warned",
    [("0.0.0.0", 8080, False), ("127.0.0.1", 8080, False), ("0.0.0.0", 9000, True), ("10.0.0.5", 8080, True)],
)
def test_the_default_public_url_reaches_only_a_local_server_on_8080(host, port, warned):
    assert bool(default_public_url_problem(Config(host=host, port=port))) is warned
    assert default_public_url_problem(Config(host=host, port=port, public_url="https://api.example.com")) is None


def test_a_worker_process_tunes_the_garbage_collector_as_serve_does(config):
    # With the defaults, a worker's collections stalled every delivery it held (bench.notifications).
    from nexgate.__main__ import worker_app
    from nexgate.app import tune_for_serving, tune_gc

    assert tune_gc in tune_for_serving(create_app(config, worker_names=[])).on_startup
    assert tune_gc in worker_app(config, "notifications").on_startup
