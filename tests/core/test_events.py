"""Events reach their subscribers as background jobs, only after the publisher commits."""

from sqlalchemy import select

from minsheng.core import events
from minsheng.core.jobs import DeferredJob, EmbeddedRunner
from minsheng.org.models import Unit
from tests.factories import UnitFactory

received: list[dict] = []


@events.on("test.unit_renamed")
def _remember(db, *, unit_id: int, name: str) -> None:
    unit = db.get(Unit, unit_id)
    received.append({"unit_id": unit_id, "name": name, "seen_name": unit.name if unit else None})


def test_subscriber_runs_after_commit_with_payload(db, database):
    received.clear()
    unit = UnitFactory(name="旧名称")
    unit.name = "新名称"
    assert events.publish(db, "test.unit_renamed", unit_id=unit.id, name="新名称") == 1
    db.commit()
    EmbeddedRunner(database).run_once()
    assert received == [{"unit_id": unit.id, "name": "新名称", "seen_name": "新名称"}]


def test_rolled_back_publish_delivers_nothing(db, database):
    received.clear()
    unit = UnitFactory()
    events.publish(db, "test.unit_renamed", unit_id=unit.id, name="x")
    db.rollback()
    EmbeddedRunner(database).run_once()
    assert received == []
    assert db.scalars(select(DeferredJob).where(DeferredJob.name == "events.deliver")).all() == []


def test_event_without_subscribers_queues_nothing(db):
    assert events.publish(db, "test.nobody_listens", x=1) == 0
