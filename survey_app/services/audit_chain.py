"""A hash chain over the audit log, so that a rewritten or deleted row is visible.

The triggers stop UPDATE and DELETE through the app, but the table's owner can drop
them (docs/operations.md, "Database roles", keeps the app's own role from doing so).
The chain is the second line: each row stores `prev_hash`, the `row_hash` of the row
before it (by id), and its own `row_hash`, a SHA-256 of its content and `prev_hash`.
Changing a row breaks its own hash; deleting one breaks the next row's link.
`flask --app survey_app audit verify` walks the chain and names the first broken row.

Writers are serialised while they read the chain's head and add their row: on
PostgreSQL with a transaction-scoped advisory lock (held until commit, so the next
writer reads the committed head), on SQLite by taking the database's write lock first.
Limit: deleting the newest rows leaves a shorter valid chain; `audit verify` prints the
head hash so that it can be noted elsewhere (a ticket, a signed mail) and compared.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

GENESIS = "0" * 64
# pg_advisory_xact_lock key: "SIPASAUD" as a 64-bit integer.
ADVISORY_LOCK_KEY = int.from_bytes(b"SIPASAUD", "big") - (1 << 63)


def canonical_detail(detail: Any) -> Any:
    """The detail as it will read back from the JSON column (tuples become lists, keys
    strings), so that the hash computed now matches the one computed at verification."""
    return None if detail is None else json.loads(json.dumps(detail, default=str))


def row_digest(prev_hash: str, at: datetime, username: str | None, role: str | None,
               action: str, object_type: str | None, object_id: str | None,
               detail: Any) -> str:
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds") if at else None
    content = [prev_hash, stamp, username, role, action, object_type, object_id, detail]
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lock_and_read_head(connection: sa.Connection) -> str:
    """Serialise writers of the chain until the end of the transaction; the head's hash."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                           {"k": ADVISORY_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        # A write statement (matching no row) takes SQLite's write lock for the rest of
        # the transaction, so no other process can add a row after we read the head.
        connection.execute(sa.text("UPDATE audit_log SET id = id WHERE 0"))
    head = connection.execute(sa.text(
        "SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1")).scalar()
    return head or GENESIS


@dataclass
class Break:
    row_id: int
    reason: str


def verify(connection: sa.Connection, audit_table: sa.Table) -> tuple[int, str, Break | None]:
    """Walk the chain in id order: (rows checked, head hash, first break or None)."""
    prev = GENESIS
    checked = 0
    rows = connection.execute(sa.select(audit_table).order_by(audit_table.c.id))
    for row in rows:
        if row.prev_hash != prev:
            return checked, prev, Break(row.id, "prev_hash does not match the row before "
                                                "(a row was deleted or inserted out of order)")
        expected = row_digest(row.prev_hash, row.at, row.username, row.role, row.action,
                              row.object_type, row.object_id, row.detail)
        if row.row_hash != expected:
            return checked, prev, Break(row.id, "row_hash does not match the row's content "
                                                "(the row was changed)")
        prev = row.row_hash
        checked += 1
    return checked, prev, None
