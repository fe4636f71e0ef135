"""The audit trail: every ORM change is recorded, summaries hide secrets, and the hash chain
shows any edit or cut made behind the application's back."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from minsheng.accounts import passwords
from minsheng.accounts.models import StaffUser
from minsheng.audit import chain
from minsheng.audit.models import AuditEvent, AuditHead
from minsheng.audit.service import REDACTED
from minsheng.core.db import Actor, Database
from minsheng.org import service as org
from minsheng.org.models import Unit, UnitKind
from minsheng.org.schemas import UnitCreate, UnitUpdate

STAFF = Actor(kind="staff", id=42, label="管理员 王芳（wangfang）", client_addr="10.20.30.40")


def trail(database: Database, object_type: str, object_id: object) -> list[AuditEvent]:
    with database.session() as db:
        query = (
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq)
        )
        return list(db.scalars(query))


def verify(database: Database) -> tuple[int, chain.Break | None]:
    with database.engine.connect() as conn:
        return chain.verify(conn)


def make_units(database: Database, count: int, prefix: str = "审计测试局") -> list[int]:
    """One unit per transaction, so the chain grows link by link."""
    ids = []
    for n in range(count):
        with database.session(STAFF) as db:
            unit = org.create_unit(
                db, data=UnitCreate(name=f"{prefix}{n}", kind=UnitKind.department)
            )
            ids.append(unit.id)
    return ids


def last_seq(database: Database) -> int:
    with database.session() as db:
        return int(db.scalar(select(func.max(AuditEvent.seq))) or 0)


def drop_append_only_triggers(database: Database) -> None:
    """What a database administrator with full rights could do."""
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER audit_event_no_change ON audit_event"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))


def test_creating_a_unit_records_actor_action_object_and_new_values(database):
    with database.session(STAFF) as db:
        unit = org.create_unit(
            db,
            data=UnitCreate(
                name="昆山市审计测试局", kind=UnitKind.department, contact_phone="0512-57000001"
            ),
        )

    events = trail(database, "unit", unit.id)
    created = events[0]
    assert created.action == "create"
    assert (created.actor_kind, created.actor_id, created.actor_label) == ("staff", 42, STAFF.label)
    assert created.client_addr == "10.20.30.40"
    after = json.loads(created.summary)["after"]
    assert after["id"] == unit.id
    assert after["name"] == "昆山市审计测试局"
    assert after["kind"] == "department"
    assert after["contact_phone"] == "0512-57000001"
    # create_unit sets the materialised path once the id is known: that is a second, real change.
    assert [e.action for e in events] == ["create", "update"]
    assert json.loads(events[1].summary) == {"changes": {"path": ["/", f"/{unit.id}/"]}}


def test_updating_a_unit_records_only_changed_fields_with_before_and_after(database):
    with database.session(STAFF) as db:
        unit = org.create_unit(
            db,
            data=UnitCreate(
                name="昆山市审计测试局", kind=UnitKind.department, contact_phone="0512-57000001"
            ),
        )
    with database.session(Actor(kind="staff", id=7, label="督查员 李明")) as db:
        found = org.get_unit(db, unit_id=unit.id)
        data = UnitUpdate(
            name="昆山市审计测试局（更名）", kind=UnitKind.department, contact_phone="0512-57000002"
        )
        org.update_unit(db, unit=found, data=data)

    update = trail(database, "unit", unit.id)[-1]
    assert update.action == "update"
    assert (update.actor_id, update.actor_label) == (7, "督查员 李明")
    changes = json.loads(update.summary)["changes"]
    assert changes == {
        "name": ["昆山市审计测试局", "昆山市审计测试局（更名）"],
        "contact_phone": ["0512-57000001", "0512-57000002"],
    }


def test_deleting_a_unit_records_what_it_was(database):
    [unit_id] = make_units(database, 1)
    with database.session(Actor(kind="job", label="清理任务")) as db:
        db.delete(db.get(Unit, unit_id))

    deleted = trail(database, "unit", unit_id)[-1]
    assert deleted.action == "delete"
    assert deleted.actor_kind == "job" and deleted.actor_label == "清理任务"
    before = json.loads(deleted.summary)["before"]
    assert before["id"] == unit_id and before["name"] == "审计测试局0"


def test_rolled_back_change_leaves_no_audit_event(database):
    make_units(database, 1)
    before = last_seq(database)
    with pytest.raises(RuntimeError), database.session(STAFF) as db:
        org.create_unit(db, data=UnitCreate(name="不会保存的单位", kind=UnitKind.department))
        raise RuntimeError("request failed half-way")

    assert last_seq(database) == before
    assert verify(database) == (before, None)


def test_password_hash_is_redacted_and_phone_masked_in_summaries(database):
    secret_hash = passwords.hash_password("first-Password-2026")
    with database.session(STAFF) as db:
        user = StaffUser(
            username="wangqiang",
            display_name="王强",
            phone="13812345678",
            password_hash=secret_hash,
        )
        db.add(user)
    with database.session(STAFF) as db:
        found = db.get(StaffUser, user.id)
        found.password_hash = passwords.hash_password("second-Password-2026")
        found.phone = "13987654321"

    created, updated = trail(database, "staff_user", user.id)
    after = json.loads(created.summary)["after"]
    assert after["password_hash"] == REDACTED
    assert after["phone"] == "138****5678"
    assert after["username"] == "wangqiang"
    changes = json.loads(updated.summary)["changes"]
    assert changes["password_hash"] == [REDACTED, REDACTED]
    assert changes["phone"] == ["138****5678", "139****4321"]
    everything = created.summary + updated.summary
    assert "$argon2" not in everything
    assert "13812345678" not in everything and "13987654321" not in everything


def test_verify_passes_on_an_intact_chain(database):
    make_units(database, 4)
    checked, broken = verify(database)
    assert broken is None
    assert checked == last_seq(database) == 8  # each unit: create, then its path
    with database.session() as db:
        head = db.get(AuditHead, 1)
        last = db.get(AuditEvent, 8)
        assert head.last_seq == 8 and head.last_hash == last.hash


def test_database_refuses_update_of_audit_event(database):
    make_units(database, 1)
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET summary = '{}' WHERE seq = 1"))
    assert verify(database) == (2, None)


def test_database_refuses_delete_of_audit_event(database):
    make_units(database, 1)
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    assert verify(database) == (2, None)


def test_orm_cannot_edit_an_audit_event_either(database):
    make_units(database, 1)
    with pytest.raises(DBAPIError, match="append-only"), database.session() as db:
        db.get(AuditEvent, 1).actor_label = "别人"
    assert verify(database) == (2, None)


def test_verify_reports_the_seq_of_an_edited_summary(database):
    make_units(database, 3)
    drop_append_only_triggers(database)
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_event SET summary = :s WHERE seq = 3"), {"s": '{"after":{}}'}
        )

    checked, broken = verify(database)
    assert checked == 2
    assert broken is not None and broken.seq == 3
    assert "修改" in broken.reason


def test_verify_reports_an_edited_row_even_when_its_own_hash_is_recomputed(database):
    make_units(database, 3)
    drop_append_only_triggers(database)
    with database.engine.begin() as conn:
        row = dict(
            conn.execute(select(AuditEvent.__table__).where(AuditEvent.seq == 3)).one()._mapping
        )
        row["actor_label"] = "别人"
        conn.execute(
            text("UPDATE audit_event SET actor_label = :label, hash = :hash WHERE seq = 3"),
            {"label": "别人", "hash": chain.link_hash(row)},
        )

    checked, broken = verify(database)
    assert checked == 3
    assert broken is not None and broken.seq == 4
    assert "链接" in broken.reason


def test_verify_reports_the_gap_left_by_a_deleted_middle_row(database):
    make_units(database, 3)
    drop_append_only_triggers(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 4"))

    checked, broken = verify(database)
    assert checked == 3
    assert broken is not None and broken.seq == 4
    assert "缺少第 4 条" in broken.reason


def test_verify_reports_rows_cut_off_the_end_through_the_head(database):
    make_units(database, 3)
    drop_append_only_triggers(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > 4"))

    checked, broken = verify(database)
    assert checked == 4
    assert broken is not None and broken.seq == 5
    assert "末尾被截断" in broken.reason and "第 6 条" in broken.reason


def test_concurrent_writers_keep_one_unbroken_chain(database, database_url):
    """Two processes' worth of writers (own engines) start together on an empty chain."""
    per_thread = 12
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(prefix: str) -> None:
        own = Database(database_url)
        try:
            barrier.wait(timeout=30)
            for n in range(per_thread):
                with own.session(Actor(kind="staff", label=prefix)) as db:
                    org.create_unit(
                        db, data=UnitCreate(name=f"{prefix}{n}", kind=UnitKind.department)
                    )
        except BaseException as exc:  # reported below, from the test's own thread
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=write, args=(p,)) for p in ("甲线程单位", "乙线程单位")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    checked, broken = verify(database)
    assert broken is None
    assert checked == 2 * per_thread * 2
    with database.session() as db:
        seqs = list(db.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        created = db.scalar(select(func.count()).where(AuditEvent.action == "create"))
        units = db.scalar(select(func.count()).select_from(Unit))
    assert seqs == list(range(1, checked + 1))
    assert created == units == 2 * per_thread
