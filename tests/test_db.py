"""Named transactions: each one's duration in /metrics under its name, slow ones logged by name."""
from __future__ import annotations

import dataclasses
import logging

import pytest

from nexgate.keys import PLATFORM
from tests.support.users import follow, user


def _follows_timed(metrics: str) -> float:
    prefix = 'nexgate_db_transaction_duration_seconds_count{database="core",name="users.follow"} '
    lines = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(lines[0].removeprefix(prefix)) if lines else 0.0


async def test_a_named_transaction_shows_in_metrics_under_its_name(client):
    amina, baraka = await user(client), await user(client)
    assert _follows_timed(await (await client.get("/metrics")).text()) == 0
    await follow(client, baraka, amina["id"])
    assert _follows_timed(await (await client.get("/metrics")).text()) == 1


async def test_a_transaction_over_the_threshold_is_logged_with_its_name(make_client, config, caplog):
    client = await make_client(dataclasses.replace(config, db_slow_transaction_ms=0))
    amina, baraka = await user(client), await user(client)
    with caplog.at_level(logging.WARNING, logger="nexgate.db"):
        await follow(client, baraka, amina["id"])
    slow = [record for record in caplog.records if getattr(record, "transaction", None) == "users.follow"]
    assert len(slow) == 1
    assert slow[0].getMessage().startswith("slow transaction users.follow on the core database: ")
    assert slow[0].database == "core" and slow[0].duration_ms >= 0


async def test_a_transaction_under_the_threshold_is_not_logged(client, caplog):
    amina, baraka = await user(client), await user(client)
    with caplog.at_level(logging.WARNING, logger="nexgate.db"):
        await follow(client, baraka, amina["id"])
    assert not [record for record in caplog.records if record.name == "nexgate.db"]


@pytest.mark.parametrize("name", ["", "follow", "Users.Follow", "users.", "users follow"])
async def test_a_transaction_name_must_be_area_dot_what(client, name):
    with pytest.raises(ValueError, match="is not <area>.<what>"):
        async with client.app[PLATFORM].core.transaction(name):
            pass
