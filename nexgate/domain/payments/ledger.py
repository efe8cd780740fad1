"""The double-entry ledger (docs/payments.md, "The ledger").

Every movement of money is one journal entry of two or more lines, each adding its amount
(integer minor units, positive or negative) to one account's balance; the lines of an entry
sum to zero in each currency. PostgreSQL enforces that at COMMIT (a deferred constraint
trigger), refuses any UPDATE or DELETE of entries and lines (a correction is ``reverse``), and
queues each committed entry for a sha256 hash chain, which ``chain_pending`` appends it to
after the commit, in batches (the ``payments-ledger-chain`` worker): one lock on the chain's
head a batch, not one held through every ledger commit. ``verify`` chains what is queued, then
re-checks all of it.

Non-negativity: every account but a provider's clearing account must stay >= 0. ``post``
locks the accounts it touches in account id order (``SELECT ... ORDER BY id FOR UPDATE``),
checks the new balances, and only then writes. Locks rather than a conditional ``UPDATE ...
WHERE balance + delta >= 0``: an entry touches several accounts, and a conditional update that
refused one of them would already have moved the others in the same statement; checking under
the locks first refuses the whole entry with nothing written, so a caller (commerce, events)
can catch the ``Conflict`` and go on with its own transaction. The fixed order means two
entries over the same accounts wait for each other instead of deadlocking. A CHECK constraint
on the balance is the backstop.

An entry that only adds to the one account it touches that may not go negative (a payment into
a hold: a clearing account gives, the hold's escrow account takes) has nothing to check and
nothing to order: ``post`` writes it in one statement, whose UPDATE locks that one row, and the
account and its currency are checked by the lines' foreign key. A provider's clearing account
is known as one by its id once the database has named it so (``platform_account``,
``clearing_account_read``): an account's kind never changes. Its balance moves when the entry
is chained (every payment through a provider moves its one clearing row, which no ledger
transaction then holds locked).

Only the payments area calls this module; other areas call the hold functions (``holds``).
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import asyncpg

from ...errors import Conflict, NotFound
from . import ledger_repository as repository

CURRENCIES = ("TZS", "KES", "UGX")
PROVIDERS = ("daraja", "selcom", "tembo")
CAUSE_KINDS = ("user", "provider_callback", "worker", "operator")

USER_PAYABLE = "user_payable"
ESCROW_HOLD = "escrow_hold"
PLATFORM_FEES = "platform_fees"
PROVIDER_CLEARING = "provider_clearing"
REFUNDS_IN_FLIGHT = "refunds_in_flight"
PAYOUTS_IN_FLIGHT = "payouts_in_flight"
# The only accounts whose balance may go below zero: a provider's clearing account is negative
# by what the provider collected for us and has not yet settled.
MAY_GO_NEGATIVE = frozenset({PROVIDER_CLEARING})

GENESIS = bytes(32)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Cause:
    """Who or what caused an entry: ``kind`` (user, provider_callback, worker, operator), an id
    (the user's id, ``provider:transaction``, the worker's or operator's name) and why."""

    kind: str
    id: str
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in CAUSE_KINDS:
            raise ValueError(f"cause kind {self.kind!r} is not one of {', '.join(CAUSE_KINDS)}")
        if not 1 <= len(self.id) <= 200 or not 1 <= len(self.reason) <= 500:
            raise ValueError("a cause needs an id (1-200 characters) and a reason (1-500 characters)")

    @classmethod
    def user(cls, user_id: uuid.UUID, reason: str) -> Cause:
        return cls("user", str(user_id), reason)

    @classmethod
    def provider_callback(cls, provider: str, transaction_id: str, reason: str) -> Cause:
        return cls("provider_callback", f"{provider}:{transaction_id}", reason)

    @classmethod
    def worker(cls, name: str, reason: str) -> Cause:
        return cls("worker", name, reason)

    @classmethod
    def operator(cls, name: str, reason: str) -> Cause:
        return cls("operator", name, reason)


@dataclasses.dataclass(frozen=True)
class Line:
    account_id: uuid.UUID
    currency: str
    amount: int  # added to the account's balance, in minor units


@dataclasses.dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    kind: str
    cause: Cause
    lines: tuple[Line, ...]
    reverses: uuid.UUID | None
    created_at: datetime.datetime


# accounts

# The ids of provider clearing accounts, as the database named them (an account's id and kind
# never change: the ledger_accounts_balance_only trigger).
_clearing_ids: set[uuid.UUID] = set()


def clearing_account_read(account_id: uuid.UUID | None) -> uuid.UUID:
    """For a repository statement that read a provider's clearing account by its kind: its id,
    remembered as a clearing account's."""
    if account_id is None:
        raise ValueError("no such provider clearing account")
    _clearing_ids.add(account_id)
    return account_id


async def platform_account(conn, *, kind: str, currency: str, provider: str | None = None) -> uuid.UUID:
    """The platform's own account of ``kind`` in ``currency`` (fees, refunds or payouts in flight,
    a provider's clearing account), made by the migration."""
    _check_currency(currency)
    if (kind == PROVIDER_CLEARING) != (provider is not None) or (provider and provider not in PROVIDERS):
        raise ValueError(f"no platform account {kind!r} for provider {provider!r}")
    found = await repository.account_id(conn, kind=kind, currency=currency, provider=provider)
    if found is None:
        raise ValueError(f"no platform account {kind!r} in {currency}")
    return clearing_account_read(found) if kind == PROVIDER_CLEARING else found


async def owned_account(conn, *, kind: str, owner_id: uuid.UUID, currency: str) -> uuid.UUID:
    """A user's payable account or a hold's escrow account in ``currency``, made on first use."""
    _check_currency(currency)
    if kind not in (USER_PAYABLE, ESCROW_HOLD):
        raise ValueError(f"{kind!r} accounts have no owner")
    found = await repository.account_id(conn, kind=kind, currency=currency, owner_id=owner_id)
    if found is None:
        await repository.insert_account(conn, kind=kind, currency=currency, owner_id=owner_id)
        found = await repository.account_id(conn, kind=kind, currency=currency, owner_id=owner_id)
    return found


async def owned_balances(conn, *, kind: str, owner_id: uuid.UUID) -> dict[str, int]:
    """The balance in each currency of a user's payable accounts (or a hold's escrow account), by
    currency; a currency it never used is absent."""
    return await repository.owned_balances(conn, kind=kind, owner_id=owner_id)


async def balance(conn, account_id: uuid.UUID) -> int:
    row = await repository.account(conn, account_id)
    if row is None:
        raise NotFound("No such ledger account", code="account_not_found")
    return row["balance"]


def _check_currency(currency: str) -> None:
    if currency not in CURRENCIES:
        raise ValueError(f"currency {currency!r} is not one of {', '.join(CURRENCIES)}")


# entries

async def post(conn: asyncpg.Connection, *, kind: str, cause: Cause, lines: Sequence[Line],
               reverses: uuid.UUID | None = None) -> Entry:
    """Write one journal entry in the caller's transaction. Raises ``Conflict``
    (``insufficient_balance``, naming the account, its balance and the change) with nothing
    written when an account that may not go negative would."""
    if not conn.is_in_transaction():
        raise RuntimeError("ledger.post runs inside the caller's transaction")
    _check_balanced(lines)
    changes = _changes(lines)
    if _to_check(changes):
        locked = await repository.lock_accounts(conn, sorted(changes))
        if len(locked) != len(changes):
            raise ValueError(f"unknown ledger account(s): {sorted(set(changes) - {row['id'] for row in locked})}")
        for row in locked:
            _check_allowed(row, changes[row["id"]], [line.currency for line in lines if line.account_id == row["id"]])
    entry_id = uuid.uuid4()
    created_at = await repository.write_entry(
        conn, entry_id=entry_id, kind=kind, cause_kind=cause.kind, cause_id=cause.id, reason=cause.reason,
        reverses=reverses, account_ids=[line.account_id for line in lines],
        currencies=[line.currency for line in lines], amounts=[line.amount for line in lines],
    )
    return Entry(entry_id, kind, cause, tuple(lines), reverses, created_at)


def unchecked_entry(kind: str, cause: Cause, lines: Sequence[Line]) -> dict[str, Any]:
    """The columns of an entry with nothing to lock or check (it only adds to the one account it
    touches that may not go negative: a payment into a hold), for a statement that writes it
    beside the rows it belongs with (holds' ``record_funding``), as ``write_entry`` would."""
    _check_balanced(lines)
    if _to_check(_changes(lines)):
        raise ValueError(f"a {kind} entry that takes from an account that may not go negative is posted by post()")
    return {"entry_id": uuid.uuid4(), "entry_kind": kind, "cause_kind": cause.kind, "cause_id": cause.id,
            "reason": cause.reason, "account_ids": [line.account_id for line in lines],
            "currencies": [line.currency for line in lines], "amounts": [line.amount for line in lines]}


def _changes(lines: Sequence[Line]) -> dict[uuid.UUID, int]:
    changes: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        changes[line.account_id] += line.amount
    return changes


def _to_check(changes: dict[uuid.UUID, int]) -> bool:
    """Whether the accounts must be locked and checked first: some account not known to be a
    clearing account gives, or more than one such account is touched (locked in id order)."""
    others = [change for account_id, change in changes.items() if account_id not in _clearing_ids]
    return len(others) > 1 or any(change < 0 for change in others)


def _check_balanced(lines: Sequence[Line]) -> None:
    """The commit-time trigger is the rule; this names a caller's mistake before any SQL runs."""
    if len(lines) < 2:
        raise ValueError("a journal entry needs at least two lines")
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if type(line.amount) is not int or line.amount == 0:
            raise ValueError(f"a line's amount is a non-zero integer of minor units, not {line.amount!r}")
        _check_currency(line.currency)
        totals[line.currency] += line.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise ValueError(f"the lines do not balance: they sum to {unbalanced}")


def _check_allowed(account: asyncpg.Record, change: int, currencies: list[str]) -> None:
    if any(currency != account["currency"] for currency in currencies):
        raise ValueError(f"ledger account {account['id']} is in {account['currency']}, not {currencies}")
    if account["kind"] not in MAY_GO_NEGATIVE and account["balance"] + change < 0:
        raise Conflict(
            f"The {account['kind']} account holds {account['balance']} {account['currency']}; "
            f"it cannot give {-change}",
            code="insufficient_balance",
            details={"account_id": str(account["id"]), "balance": account["balance"], "change": change,
                     "currency": account["currency"]},
        )


async def entry(conn, entry_id: uuid.UUID) -> Entry:
    row = await repository.entry(conn, entry_id)
    if row is None:
        raise NotFound("No such journal entry", code="entry_not_found")
    lines = tuple(Line(r["account_id"], r["currency"], r["amount"]) for r in await repository.entry_lines(conn, entry_id))
    return Entry(row["id"], row["kind"], Cause(row["cause_kind"], row["cause_id"], row["reason"]), lines,
                 row["reverses"], row["created_at"])


async def reverse(conn: asyncpg.Connection, *, entry_id: uuid.UUID, cause: Cause) -> Entry:
    """The correction of an entry: a new entry of its lines negated, naming it. An entry is
    reversed once (``Conflict`` ``entry_already_reversed``); a reversal that would take an
    account below zero is refused like any entry. An entry that moved a hold's escrow account is
    not reversed (``Conflict`` ``entry_moves_a_hold``): the hold keeps its own amounts, and its
    money is corrected by refunding or releasing it."""
    async with conn.transaction():
        original = await entry(conn, entry_id)
        if await repository.touches_kind(conn, entry_id=entry_id, kind=ESCROW_HOLD):
            raise Conflict("This entry moved a hold's money; refund or release the hold instead",
                           code="entry_moves_a_hold", details={"entry_id": str(entry_id)})
        if await repository.reversal_of(conn, entry_id) is not None:
            raise Conflict("This entry is already reversed", code="entry_already_reversed",
                           details={"entry_id": str(entry_id)})
        lines = [Line(line.account_id, line.currency, -line.amount) for line in original.lines]
        return await post(conn, kind="reversal", cause=cause, lines=lines, reverses=entry_id)


# the chain

CHAIN_BATCH = 500


async def chain_pending(conn, *, batch_size: int = CHAIN_BATCH) -> int:
    """Append up to ``batch_size`` committed entries, oldest queued first, to the hash chain, in
    one transaction under the chain head's lock (whoever else chains meanwhile waits, then takes
    the entries after); how many. Each entry's clearing-account lines move their balances then."""
    async with conn.transaction():
        return await repository.chain_pending(conn, batch_size)


async def chain_all(conn, *, batch_size: int = CHAIN_BATCH) -> int:
    """Every entry committed before the call appended to the chain, a batch a transaction."""
    chained = 0
    while (batch := await chain_pending(conn, batch_size=batch_size)) == batch_size:
        chained += batch
    return chained + batch


# verification

@dataclasses.dataclass(frozen=True)
class Verification:
    entries: int
    accounts: int
    head_position: int
    problem: str | None  # the first thing found wrong, naming the entry or account; None: all is well
    queued: int  # entries committed while it ran, not chained yet (checked when they are)

    @property
    def ok(self) -> bool:
        return self.problem is None


def encoding(entry_row, lines) -> bytes:
    """The canonical text of an entry and its lines that the chain hashes (version 1), as
    ``ledger_entry_encoding`` in migration 0012 writes it."""
    micros = (entry_row["created_at"] - _EPOCH) // datetime.timedelta(microseconds=1)
    head = "|".join([
        "v1", str(entry_row["id"]), entry_row["kind"], entry_row["cause_kind"],
        f"{len(entry_row['cause_id'])}:{entry_row['cause_id']}", f"{len(entry_row['reason'])}:{entry_row['reason']}",
        str(entry_row["reverses"]) if entry_row["reverses"] else "-", str(micros),
    ])
    body = "".join(f"|{line['line_no']}|{line['account_id']}|{line['currency']}|{line['amount']}" for line in lines)
    return (head + body).encode()


def link_hash(prev_hash: bytes, entry_row, lines) -> bytes:
    return hashlib.sha256(prev_hash + hashlib.sha256(encoding(entry_row, lines)).digest()).digest()


async def verify(conn: asyncpg.Connection, *, batch_size: int = 1000) -> Verification:
    """Chain every entry committed so far, then walk the hash chain from its start, recomputing
    each link from the entry and its lines, check every entry balances, then that every
    account's stored balance is the sum of its lines and every hold's amounts agree with its
    escrow account; all in one snapshot. Stops at the first problem."""
    await chain_all(conn)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        checked, problem, position = await _verify_chain(conn, batch_size)
        head = await repository.chain_head(conn)
        accounts = await repository.count_accounts(conn)
        if problem is None and (head["position"], bytes(head["hash"])) != position:
            problem = f"the chain head (position {head['position']}) is not the last link (position {position[0]})"
        if problem is None and (unchained := await repository.unchained_entry(conn)) is not None:
            problem = f"entry {unchained} is not in the chain"
        if problem is None:
            problem = await _verify_balances(conn)
        queued = await repository.count_queued(conn)
    return Verification(checked, accounts, head["position"], problem, queued)


async def _verify_chain(conn, batch_size: int) -> tuple[int, str | None, tuple[int, bytes]]:
    position, prev_hash, checked = 0, GENESIS, 0
    while page := await repository.chain_after(conn, position=position, batch_size=batch_size):
        lines_by_entry: dict[uuid.UUID, list] = defaultdict(list)
        for line in await repository.lines_of_entries(conn, [row["id"] for row in page]):
            lines_by_entry[line["entry_id"]].append(line)
        for row in page:
            lines = lines_by_entry[row["id"]]
            problem = _link_problem(row, lines, position, prev_hash)
            if problem:
                return checked, problem, (position, prev_hash)
            position, prev_hash, checked = row["position"], bytes(row["hash"]), checked + 1
    return checked, None, (position, prev_hash)


def _link_problem(row, lines, position: int, prev_hash: bytes) -> str | None:
    where = f"entry {row['id']} (chain position {row['position']})"
    if row["position"] != position + 1:
        return f"{where}: the chain skips from position {position} to {row['position']}"
    if bytes(row["prev_hash"]) != prev_hash:
        return f"{where}: its previous hash is not the hash of position {position}"
    if bytes(row["hash"]) != link_hash(prev_hash, row, lines):
        return f"{where}: its hash does not match its contents (the entry or its lines were changed)"
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        totals[line["currency"]] += line["amount"]
    if len(lines) < 2 or any(totals.values()):
        return f"{where}: its lines do not balance ({dict(totals)})"
    return None


async def _verify_balances(conn) -> str | None:
    drift = await repository.account_drift(conn)
    if drift:
        row = drift[0]
        owner = f" of {row['owner_id']}" if row["owner_id"] else f" of {row['provider']}" if row["provider"] else ""
        return (f"account {row['id']} ({row['kind']}{owner}, {row['currency']}): stored balance {row['balance']} "
                f"but its lines sum to {row['lines_total']}")
    negative = await repository.negative_restricted_account(conn)
    if negative is not None:
        return f"account {negative}: its balance is below zero and it may not go negative"
    hold = await repository.hold_drift(conn)
    if hold is not None:
        return (f"hold {hold['id']}: its amounts say it holds {hold['held']} but its escrow account's "
                f"balance is {hold['balance']}")
    return None
