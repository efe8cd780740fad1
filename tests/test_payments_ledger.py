"""The ledger against the real database: entries balance or the commit fails, history is
append-only, balances that may not go negative never do under concurrency, every entry is
hash-chained, and ``python -m nexgate payments verify-ledger`` finds tampering."""
from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from nexgate.domain.payments import ledger
from nexgate.domain.payments import ledger_repository as repository
from nexgate.domain.payments.ledger import Cause, Line
from nexgate.errors import Conflict
from tests import cli
from tests.support.payments import conn, connect, connections, own_database  # noqa: F401 (conn)

CAUSE = Cause.operator("test-operator", "a test movement")


async def _accounts(conn, currency="TZS"):
    """A fresh user's payable account and the Selcom clearing account."""
    user = await ledger.owned_account(conn, kind=ledger.USER_PAYABLE, owner_id=uuid.uuid4(), currency=currency)
    clearing = await ledger.platform_account(conn, kind=ledger.PROVIDER_CLEARING, currency=currency, provider="selcom")
    return user, clearing


async def _pay_in(conn, account, clearing, amount, currency="TZS"):
    async with conn.transaction():
        return await ledger.post(conn, kind="test.pay_in", cause=CAUSE, lines=[
            Line(clearing, currency, -amount), Line(account, currency, amount)])


async def _link(conn, entry_id):
    return await conn.fetchrow("SELECT position, prev_hash, hash FROM ledger_chain WHERE entry_id = $1", entry_id)


async def test_a_balanced_entry_moves_both_balances_and_joins_the_chain(conn):
    user, clearing = await _accounts(conn)
    await ledger.chain_all(conn)
    before = await ledger.balance(conn, clearing)
    entry = await _pay_in(conn, user, clearing, 5_000)

    assert await ledger.balance(conn, user) == 5_000
    assert await ledger.balance(conn, clearing) == before - 5_000  # a clearing account goes negative
    # Committed, queued for the chain: the clearing account's row moves when it is chained, its
    # balance as read includes it at once.
    assert await _link(conn, entry.id) is None
    assert await conn.fetchval("SELECT balance FROM ledger_accounts WHERE id = $1", clearing) == before
    assert await repository.account_drift(conn) == []  # a queued entry's clearing lines are not drift
    assert await ledger.chain_all(conn) >= 1
    assert await conn.fetchval("SELECT balance FROM ledger_accounts WHERE id = $1", clearing) == before - 5_000
    assert await ledger.balance(conn, clearing) == before - 5_000
    assert await repository.count_queued(conn) == 0
    stored = await ledger.entry(conn, entry.id)
    assert [(line.account_id, line.amount) for line in stored.lines] == [(clearing, -5_000), (user, 5_000)]
    assert stored.cause == CAUSE
    link = await _link(conn, entry.id)
    assert link is not None
    row = await repository.entry(conn, entry.id)
    lines = await conn.fetch("SELECT line_no, account_id, currency, amount FROM ledger_lines WHERE entry_id = $1 ORDER BY line_no", entry.id)
    assert bytes(link["hash"]) == ledger.link_hash(bytes(link["prev_hash"]), row, lines)


async def test_the_python_encoding_is_the_databases(conn):
    user, clearing = await _accounts(conn, "KES")
    cause = Cause.user(uuid.uuid4(), "malipo ya oda | ✓ — 100%")
    async with conn.transaction():
        entry = await ledger.post(conn, kind="test.pay_in", cause=cause,
                                  lines=[Line(clearing, "KES", -7), Line(user, "KES", 7)])
    in_sql = await conn.fetchval("SELECT ledger_entry_encoding(e) FROM ledger_entries e WHERE id = $1", entry.id)
    lines = await conn.fetch("SELECT line_no, account_id, currency, amount FROM ledger_lines WHERE entry_id = $1 ORDER BY line_no", entry.id)
    assert ledger.encoding(await repository.entry(conn, entry.id), lines) == in_sql.encode()


async def test_an_unbalanced_entry_fails_at_commit_and_leaves_nothing(conn):
    user, clearing = await _accounts(conn)
    entry_id = uuid.uuid4()
    transaction = conn.transaction()
    await transaction.start()
    # Past the domain's own check, straight to the statement that writes an entry.
    await repository.write_entry(conn, entry_id=entry_id, kind="test.bad", cause_kind="operator", cause_id="t",
                                 reason="unbalanced", reverses=None, account_ids=[clearing, user],
                                 currencies=["TZS", "TZS"], amounts=[-100, 90])
    with pytest.raises(asyncpg.CheckViolationError, match="does not balance: its lines sum to TZS -10"):
        await transaction.commit()
    assert await repository.entry(conn, entry_id) is None
    assert await ledger.balance(conn, user) == 0


async def test_raw_sql_cannot_commit_an_unbalanced_or_one_line_entry(conn):
    user, _ = await _accounts(conn)
    for amounts, message in (([100, -90], "does not balance"), ([100], "has 1 line")):
        entry_id = uuid.uuid4()
        with pytest.raises(asyncpg.CheckViolationError, match=message):
            async with conn.transaction():
                await conn.execute("INSERT INTO ledger_entries (id, kind, cause_kind, cause_id, reason)"
                                   " VALUES ($1, 'raw', 'operator', 'psql', 'by hand')", entry_id)
                for n, amount in enumerate(amounts, 1):
                    await conn.execute("INSERT INTO ledger_lines VALUES ($1, $2, $3, 'TZS', $4)", entry_id, n, user, amount)
        assert await repository.entry(conn, entry_id) is None
    with pytest.raises(asyncpg.CheckViolationError, match="has 0 line"):
        await conn.execute("INSERT INTO ledger_entries (id, kind, cause_kind, cause_id, reason)"
                           " VALUES ($1, 'raw', 'operator', 'psql', 'no lines')", uuid.uuid4())


async def test_entries_lines_and_links_refuse_update_delete_and_late_lines(conn):
    user, clearing = await _accounts(conn)
    entry = await _pay_in(conn, user, clearing, 300)
    # Queued for the chain: it leaves the queue only into the chain, and takes no late line.
    for statement, refusal in (("DELETE FROM ledger_unchained WHERE entry_id = $1", "only into the chain"),
                               ("UPDATE ledger_unchained SET entry_id = entry_id WHERE entry_id = $1", "append-only"),
                               ("INSERT INTO ledger_lines VALUES ($1, 3, $2, 'TZS', 1)", "is committed")):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match=refusal):
            await conn.execute(statement, *((entry.id, user) if "$2" in statement else (entry.id,)))
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await conn.execute("TRUNCATE ledger_unchained")
    await ledger.chain_all(conn)
    for statement in (
        "UPDATE ledger_lines SET amount = amount * 2 WHERE entry_id = $1",
        "DELETE FROM ledger_lines WHERE entry_id = $1",
        "UPDATE ledger_entries SET reason = 'rewritten' WHERE id = $1",
        "DELETE FROM ledger_entries WHERE id = $1",
        "UPDATE ledger_chain SET hash = prev_hash WHERE entry_id = $1",
        "DELETE FROM ledger_chain WHERE entry_id = $1",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement, entry.id)
    for table in ("ledger_lines", "ledger_entries", "ledger_chain"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(f"TRUNCATE {table} CASCADE")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="is committed"):
        await conn.execute("INSERT INTO ledger_lines VALUES ($1, 3, $2, 'TZS', 1)", entry.id, user)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only its balance changes"):
        await conn.execute("UPDATE ledger_accounts SET kind = 'platform_fees' WHERE id = $1", user)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only its balance changes"):
        await conn.execute("DELETE FROM ledger_accounts WHERE id = $1", user)
    assert [line.amount for line in (await ledger.entry(conn, entry.id)).lines] == [-300, 300]


async def test_an_account_that_may_not_go_negative_refuses_the_whole_entry(conn):
    user, clearing = await _accounts(conn)
    await _pay_in(conn, user, clearing, 1_000)
    fees = await ledger.platform_account(conn, kind=ledger.PLATFORM_FEES, currency="TZS")
    fees_before = await ledger.balance(conn, fees)
    async with conn.transaction():
        with pytest.raises(Conflict) as refused:
            await ledger.post(conn, kind="test.pay_out", cause=CAUSE, lines=[
                Line(fees, "TZS", 1), Line(user, "TZS", -1_001), Line(clearing, "TZS", 1_000)])
        # The caller's transaction goes on: nothing of the refused entry was written.
        assert await ledger.balance(conn, fees) == fees_before
    assert refused.value.code == "insufficient_balance"
    assert refused.value.details == {"account_id": str(user), "balance": 1_000, "change": -1_001, "currency": "TZS"}
    assert await ledger.balance(conn, user) == 1_000


@pytest.mark.parametrize("kind", [ledger.PLATFORM_FEES, ledger.REFUNDS_IN_FLIGHT, ledger.PAYOUTS_IN_FLIGHT])
async def test_an_entry_whose_one_protected_account_gives_is_checked_first(conn, kind):
    # Only a provider's clearing account may go negative: an entry between a platform account
    # and one is checked (and refused with nothing written), not left to the CHECK constraint.
    _, clearing = await _accounts(conn)
    account = await ledger.platform_account(conn, kind=kind, currency="TZS")
    held = await ledger.balance(conn, account)
    async with conn.transaction():
        with pytest.raises(Conflict) as refused:
            await ledger.post(conn, kind="test.overdraw", cause=CAUSE, lines=[
                Line(account, "TZS", -(held + 1)), Line(clearing, "TZS", held + 1)])
    assert refused.value.code == "insufficient_balance"
    assert await ledger.balance(conn, account) == held


async def test_the_database_refuses_a_negative_balance_the_domain_did_not_check(conn):
    user, _ = await _accounts(conn)
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("UPDATE ledger_accounts SET balance = -1 WHERE id = $1", user)


async def test_concurrent_withdrawals_never_take_an_account_below_zero(config, conn):
    user, clearing = await _accounts(conn)
    await _pay_in(conn, user, clearing, 1_000)

    async def withdraw(connection):
        async with connection.transaction():
            await ledger.post(connection, kind="test.pay_out", cause=CAUSE,
                              lines=[Line(user, "TZS", -300), Line(clearing, "TZS", 300)])

    async with connections(config.database_url, 6) as opened:
        results = await asyncio.gather(*(withdraw(c) for c in opened), return_exceptions=True)
    assert sum(result is None for result in results) == 3
    assert all(isinstance(result, Conflict) for result in results if result is not None)
    assert await ledger.balance(conn, user) == 100


async def test_concurrent_entries_and_chainers_make_one_unforked_chain(config, conn):
    accounts = [await _accounts(conn) for _ in range(8)]
    async with connections(config.database_url, 8) as opened:
        entries = await asyncio.gather(*(_pay_in(c, user, clearing, 10) for c, (user, clearing) in zip(opened, accounts)))
        # Chainers at once, one entry each: they take turns at the head, none takes an entry twice.
        await asyncio.gather(*(ledger.chain_pending(c, batch_size=1) for c in opened))
    await ledger.chain_all(conn)
    positions = await conn.fetch("SELECT position, prev_hash, hash FROM ledger_chain ORDER BY position")
    assert [row["position"] for row in positions] == list(range(1, len(positions) + 1))
    for previous, row in zip(positions, positions[1:]):
        assert row["prev_hash"] == previous["hash"]
    chained = {row["entry_id"] for row in await conn.fetch("SELECT entry_id FROM ledger_chain")}
    assert {entry.id for entry in entries} <= chained
    assert (await ledger.verify(conn)).ok


async def test_reverse_undoes_an_entry_once(conn):
    user, clearing = await _accounts(conn)
    entry = await _pay_in(conn, user, clearing, 2_500)
    async with conn.transaction():
        reversal = await ledger.reverse(conn, entry_id=entry.id, cause=Cause.operator("amina", "paid in by mistake"))
    assert reversal.reverses == entry.id
    assert [line.amount for line in reversal.lines] == [2_500, -2_500]
    assert await ledger.balance(conn, user) == 0
    with pytest.raises(Conflict) as again:
        async with conn.transaction():
            await ledger.reverse(conn, entry_id=entry.id, cause=CAUSE)
    assert again.value.code == "entry_already_reversed"


async def test_a_reversal_that_would_overdraw_is_refused(conn):
    user, clearing = await _accounts(conn)
    pay_in = await _pay_in(conn, user, clearing, 500)
    async with conn.transaction():
        await ledger.post(conn, kind="test.pay_out", cause=CAUSE, lines=[Line(user, "TZS", -200), Line(clearing, "TZS", 200)])
    with pytest.raises(Conflict) as refused:
        async with conn.transaction():
            await ledger.reverse(conn, entry_id=pay_in.id, cause=CAUSE)
    assert refused.value.code == "insufficient_balance"
    assert await ledger.balance(conn, user) == 300


async def test_post_outside_a_transaction_is_a_programming_error(conn):
    user, clearing = await _accounts(conn)
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        await ledger.post(conn, kind="test.x", cause=CAUSE, lines=[Line(clearing, "TZS", -1), Line(user, "TZS", 1)])


@pytest.mark.parametrize("lines, problem", [
    ([1], "at least two lines"), ([1, -1.0], "non-zero integer"), ([0, 0], "non-zero integer"), ([5, -4], "do not balance"),
])
async def test_post_names_a_malformed_entry(conn, lines, problem):
    user, clearing = await _accounts(conn)
    accounts = [user, clearing]
    with pytest.raises(ValueError, match=problem):
        async with conn.transaction():
            await ledger.post(conn, kind="test.x", cause=CAUSE,
                              lines=[Line(accounts[i], "TZS", amount) for i, amount in enumerate(lines)])


async def _tamper(url: str, statement: str, *args) -> None:
    """As a superuser who switches the ledger's triggers off for the session."""
    conn = await connect(url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(statement, *args)
    finally:
        await conn.close()


async def test_verify_ledger_passes_an_intact_ledger_and_names_what_was_tampered_with(config):
    with own_database(config) as own:
        conn = await connect(own.database_url)
        try:
            user, clearing = await _accounts(conn)
            first = await _pay_in(conn, user, clearing, 1_000)
            second = await _pay_in(conn, user, clearing, 2_000)
        finally:
            await conn.close()

        code, out, err = await cli.run(own, "payments", "verify-ledger")
        assert code == 0, err
        assert "checked 2 journal entries" in out and "the ledger is intact" in out

        # A line rewritten with the triggers off: the entry's hash no longer matches it.
        await _tamper(own.database_url, "UPDATE ledger_lines SET amount = amount * 10 WHERE entry_id = $1", second.id)
        code, out, err = await cli.run(own, "payments", "verify-ledger")
        assert code == 1
        assert f"entry {second.id} (chain position 2): its hash does not match its contents" in err
        await _tamper(own.database_url, "UPDATE ledger_lines SET amount = amount / 10 WHERE entry_id = $1", second.id)

        # A balance edited by hand: the account is named.
        await _tamper(own.database_url, "UPDATE ledger_accounts SET balance = balance + 1 WHERE id = $1", user)
        code, out, err = await cli.run(own, "payments", "verify-ledger")
        assert code == 1
        assert f"account {user} (user_payable" in err and "stored balance 3001 but its lines sum to 3000" in err
        await _tamper(own.database_url, "UPDATE ledger_accounts SET balance = balance - 1 WHERE id = $1", user)

        # An entry taken out of the chain: the next link's previous hash is no longer its predecessor's.
        await _tamper(own.database_url, "DELETE FROM ledger_chain WHERE entry_id = $1", first.id)
        code, out, err = await cli.run(own, "payments", "verify-ledger")
        assert code == 1
        assert f"entry {second.id} (chain position 2): the chain skips from position 0 to 2" in err
