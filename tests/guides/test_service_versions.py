"""The catalogue's core service: versions keep their dates, withdrawing, unit scope, related
codes, drafts, and the daily usage counters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.accounts import service as accounts
from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.guides import service
from minsheng.guides.models import MatterStatus, Usage
from minsheng.guides.schemas import MatterCreate
from minsheng.org.models import UnitKind
from tests import factories
from tests.guides import MARKET_BUREAU, content, matter


@pytest.fixture
def units(db):
    root = factories.UnitFactory(name="昆山市", kind=UnitKind.city)
    market = factories.UnitFactory(name=MARKET_BUREAU, parent=root)
    town = factories.UnitFactory(name="千灯镇市场监管分局", parent=market)
    housing = factories.UnitFactory(name="昆山市住房和城乡建设局", parent=root)
    return root, market, town, housing


def test_publishing_a_new_version_closes_the_old_one_at_the_same_moment(db, units):
    _, market, _, _ = units
    found = matter(db, "KS-0001", unit=market)
    second = service.publish_version(db, matter=found, content=content(fee="每件 10 元"))
    first = service.version_of(found, 1)
    assert found.current_number == 2 and service.current_version(found) is second
    assert first.valid_to == second.valid_from and second.valid_to is None
    assert first.fee == "不收费"  # the old text is never changed
    with pytest.raises(NotFound):
        service.version_of(found, 3)


def test_a_draft_is_not_public_until_published(db, units):
    _, market, _, _ = units
    draft = matter(db, "KS-0001", unit=market, publish=False)
    assert draft.status == MatterStatus.draft and service.current_version(draft) is None
    with pytest.raises(NotFound):
        service.get_public_matter(db, code="KS-0001")
    service.publish_version(db, matter=draft, content=content())
    assert draft.status == MatterStatus.published and draft.current_number == 2
    assert service.get_public_matter(db, code="KS-0001") is draft


def test_withdrawing_needs_a_reason_and_republishing_restores(db, units):
    _, market, _, _ = units
    found = matter(db, "KS-0001", unit=market)
    with pytest.raises(InvalidInput) as refused:
        service.withdraw(db, matter=found, reason="   ")
    assert refused.value.fields == {"reason": "请写明停止办理的原因，读者会看到它"}
    service.withdraw(db, matter=found, reason="已并入其他事项")
    assert found.status == MatterStatus.withdrawn and found.withdrawn_at is not None
    assert service.current_version(found).valid_to is not None  # type: ignore[union-attr]
    assert service.get_public_matter(db, code="KS-0001") is found  # its page still opens
    service.publish_version(db, matter=found, content=content())
    assert found.status == MatterStatus.published and found.withdrawn_reason == ""
    assert found.withdrawn_at is None and found.current_number == 2


def test_a_matter_needs_an_active_unit(db, units):
    with pytest.raises(InvalidInput) as refused:
        service.create_matter(db, data=MatterCreate(code="KS-0009", content=content()))
    assert refused.value.fields == {"unit_id": "请选择实施主体单位"}
    closed = factories.UnitFactory(name="已撤销的局", active=False)
    data = MatterCreate(code="KS-0009", unit_id=closed.id, content=content())
    with pytest.raises(InvalidInput):
        service.create_matter(db, data=data)


def test_related_codes_must_exist_and_drop_the_matter_itself(db, units):
    _, market, _, _ = units
    matter(db, "KS-0001", unit=market)
    data = MatterCreate(
        code="KS-0002",
        unit_id=market.id,
        content=content(related=["KS-0001", "KS-0002", "KS-0001"]),
    )
    created = service.create_matter(db, data=data)
    assert service.current_version(created).related == ["KS-0001"]  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as refused:
        service.publish_version(db, matter=created, content=content(related=["KS-7777"]))
    assert refused.value.fields == {"related": "没有这些事项编码：KS-7777"}


def test_handlers_edit_their_unit_and_below_administrators_everything(db, units):
    root, market, town, housing = units
    admin = accounts.principal(db, user=factories.staff(db, "administrator", root))
    handler = accounts.principal(db, user=factories.staff(db, "handler", market))
    town_matter = matter(db, "KS-0001", unit=town)
    housing_matter = matter(db, "KS-0002", unit=housing)
    assert service.may_edit(handler, town_matter) and not service.may_edit(handler, housing_matter)
    assert service.may_edit(admin, housing_matter)
    with pytest.raises(Forbidden):
        service.publish_version(db, matter=housing_matter, content=content(), staff=handler)
    with pytest.raises(Forbidden):
        service.withdraw(db, matter=housing_matter, reason="不办了", staff=handler)
    with pytest.raises(Forbidden):
        service.publish_version(
            db, matter=town_matter, content=content(), staff=handler, unit_id=housing.id
        )
    data = MatterCreate(code="KS-0003", unit_id=housing.id, content=content())
    with pytest.raises(Forbidden):
        service.create_matter(db, data=data, staff=handler)
    moved = service.publish_version(
        db, matter=town_matter, content=content(), staff=handler, unit_id=market.id
    )
    assert town_matter.unit_id == market.id and moved.published_by_id == handler.user_id


def test_counters_add_up_on_one_row_per_day(db, units):
    _, market, _, _ = units
    found = matter(db, "KS-0001", unit=market)
    service.count(db, matter_id=found.id, views=1)
    service.count(db, matter_id=found.id, views=1, scans=1)
    service.count(db, matter_id=found.id, helpful=1)
    service.count(db, matter_id=found.id)  # nothing to add: no row
    db.flush()
    rows = db.scalars(select(Usage).where(Usage.matter_id == found.id)).all()
    assert len(rows) == 1
    db.refresh(rows[0])
    assert (rows[0].views, rows[0].scans, rows[0].helpful, rows[0].unhelpful) == (2, 1, 1, 0)
    assert rows[0].day == service.local_today()


def test_a_draft_replaced_before_publishing_was_never_in_force(client, db) -> None:
    drafted = matter(db, "KS-0900", publish=False)
    service.publish_version(db, matter=drafted, content=content("个体工商户设立登记（发布稿）"))
    db.commit()
    first, second = drafted.versions
    assert not service.was_in_force(drafted, first)
    assert service.was_in_force(drafted, second)
    # Its text was never public, so no page shows it.
    assert client.get("/guides/KS-0900/v/1").status_code == 404


def test_a_draft_cannot_be_withdrawn(db) -> None:
    drafted = matter(db, "KS-0901", publish=False)
    with pytest.raises(InvalidInput) as raised:
        service.withdraw(db, matter=drafted, reason="并入其他事项")
    assert raised.value.fields == {"reason": "只有已发布的事项才能停止办理"}
