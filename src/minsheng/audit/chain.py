"""Hashing and appending links of the audit chain, and verifying it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from minsheng.audit.models import AuditEvent, AuditHead
from minsheng.core.db import Actor, utcnow

GENESIS = "0" * 64
_events = cast(Table, AuditEvent.__table__)
_head = cast(Table, AuditHead.__table__)


def canonical(data: Any) -> str:
    """JSON that hashes the same on every machine and database."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def link_hash(row: dict[str, Any]) -> str:
    occurred: dt.datetime = row["occurred_at"]
    material = canonical(
        [
            row["seq"],
            occurred.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            row["actor_kind"],
            row["actor_id"],
            row["actor_label"],
            row["action"],
            row["object_type"],
            row["object_id"],
            row["summary"],
            row["client_addr"],
            row["prev_hash"],
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _insert_head_once(conn: Connection) -> Any:
    values = {"id": 1, "last_seq": 0, "last_hash": GENESIS}
    if conn.dialect.name == "postgresql":
        return pg_insert(_head).values(**values).on_conflict_do_nothing(index_elements=["id"])
    return sqlite_insert(_head).values(**values).on_conflict_do_nothing(index_elements=["id"])


@dataclass(frozen=True)
class Entry:
    action: str
    object_type: str
    object_id: str
    summary: dict[str, Any]


def append(conn: Connection, actor: Actor, entries: list[Entry]) -> None:
    """Appends entries in order, locking the head so concurrent writers queue up behind it."""
    if not entries:
        return
    head_query = select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == 1)
    if conn.dialect.name == "postgresql":
        head_query = head_query.with_for_update()
    head = conn.execute(head_query).first()
    if head is None:
        # The first writers race to create the head: one inserts, the others wait, then lock it.
        conn.execute(_insert_head_once(conn))
        head = conn.execute(head_query).one()
    seq, prev = head.last_seq, head.last_hash
    now = utcnow()
    rows = []
    for entry in entries:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            "occurred_at": now,
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "actor_label": actor.label[:200],
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "summary": canonical(entry.summary),
            "client_addr": actor.client_addr,
            "prev_hash": prev,
        }
        row["hash"] = prev = link_hash(row)
        rows.append(row)
    conn.execute(insert(_events), rows)
    conn.execute(update(_head).where(_head.c.id == 1).values(last_seq=seq, last_hash=prev))


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    seq: int
    reason: str


def _rows(conn: Connection, batch: int = 2000) -> Iterator[Any]:
    last = 0
    while True:
        chunk = conn.execute(
            select(_events).where(_events.c.seq > last).order_by(_events.c.seq).limit(batch)
        ).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify(conn: Connection, progress: Any = None) -> tuple[int, Break | None]:
    """Walks the chain from the start; returns rows checked and the first break, if any."""
    expected_seq, prev, checked = 1, GENESIS, 0
    for row in _rows(conn):
        data = dict(row._mapping)
        if data["seq"] != expected_seq:
            return checked, Break(expected_seq, f"缺少第 {expected_seq} 条记录（链条被截断）")
        if data["prev_hash"] != prev:
            return checked, Break(data["seq"], "与上一条记录的链接不符")
        if link_hash(data) != data["hash"]:
            return checked, Break(data["seq"], "记录内容被修改（哈希不符）")
        prev, expected_seq, checked = data["hash"], expected_seq + 1, checked + 1
        if progress is not None:
            progress(1)
    head = conn.execute(select(_head).where(_head.c.id == 1)).first()
    last_seq = head.last_seq if head else 0
    if last_seq != checked or (head is not None and head.last_hash != prev):
        return checked, Break(
            checked + 1, f"链尾应为第 {last_seq} 条，实际只有 {checked} 条（末尾被截断）"
        )
    return checked, None
