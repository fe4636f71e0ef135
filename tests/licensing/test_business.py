"""Step 2 through the service: all of it checked at once, refused with the reason by field,
nothing saved when anything is wrong. The helpers here are used by the rules and decision tests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput
from minsheng.licensing import business
from minsheng.licensing.models import Application, ScopeItem
from minsheng.licensing.schemas import BusinessIn, FamilyMember
from minsheng.org.models import Region, RegionLevel, Unit, UnitKind
from tests.licensing import identified, office, region, valid_id

ADDRESS = "炎武路 88 号"


def kunshan(db: Session) -> None:
    """The part of Kunshan's region tree and units these tests need (quicker than the demo)."""
    city = Region(code="320583", name="昆山市", level=RegionLevel.city)
    db.add(city)
    db.flush()
    towns = {}
    for code, name in (("320583108", "千灯镇"), ("320583102", "周市镇"), ("320583101", "巴城镇")):
        towns[name] = Region(code=code, name=name, level=RegionLevel.town, parent_id=city.id)
    db.add_all(towns.values())
    db.flush()
    db.add_all(
        [
            Region(name="千灯社区", level=RegionLevel.community, parent_id=towns["千灯镇"].id),
            Region(name="长泾社区", level=RegionLevel.community, parent_id=towns["周市镇"].id),
            Unit(name="千灯镇行政审批局", kind=UnitKind.department),
        ]
    )
    db.flush()


def scope_items(db: Session) -> dict[str, ScopeItem]:
    """A small catalogue: noodles (general and permit), a grocery, a hair salon, and two items
    that cannot go together."""
    rows = [
        ScopeItem(code="T-CY-01", wording="餐饮管理", industry="餐饮", position=1),
        ScopeItem(
            code="T-CY-02",
            wording="小餐饮",
            industry="餐饮",
            permit=True,
            permit_name="食品经营许可",
            guide_code="KS-SP-001",
            position=2,
        ),
        ScopeItem(code="T-LS-01", wording="日用百货销售", industry="零售", position=3),
        ScopeItem(
            code="T-LS-02",
            wording="烟草制品零售",
            industry="零售",
            permit=True,
            permit_name="烟草专卖零售许可",
            guide_code="KS-YC-001",
            position=4,
        ),
        ScopeItem(code="T-MF-01", wording="理发服务", industry="美容美发", position=5),
        ScopeItem(
            code="T-JY-01",
            wording="二手车经纪",
            industry="汽车",
            conflicts=["T-JY-02"],
            position=6,
        ),
        ScopeItem(code="T-JY-02", wording="机动车拆解", industry="汽车", position=7),
        ScopeItem(code="T-OLD-1", wording="停用的条目", industry="其他", active=False, position=8),
    ]
    db.add_all(rows)
    db.flush()
    return {r.code: r for r in rows}


def data(db: Session, **changes: Any) -> BusinessIn:
    """A clean step 2 for 千灯镇: 阿唐面馆店, noodles, 炎武路 88 号."""
    values: dict[str, Any] = {
        "org_form": "individual",
        "trade_name": "阿唐",
        "industry_word": "面馆",
        "form_word": "店",
        "town_id": region(db, "千灯镇").id,
        "community_id": region(db, "千灯社区").id,
        "address": ADDRESS,
        "scope_codes": ["T-CY-01"],
    }
    values.update(changes)
    return BusinessIn(**values)


def ready(
    db: Session, *, backend: str = "demo", id_number: str | None = None, **changes: Any
) -> Application:
    """An application past steps 1 and 2 at a 千灯镇 office (demo and catalogue loaded)."""
    where = office(db, f"test-{backend}", backend=backend)
    app, _token = identified(db, where, id_number=id_number)
    business.set_business(db, app=app, data=data(db, **changes))
    return app


@pytest.fixture
def loaded(app, db) -> Session:
    kunshan(db)
    scope_items(db)
    return db


def refused(db: Session, app: Application, **changes: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        business.set_business(db, app=app, data=data(db, **changes))
    return raised.value.fields


def test_a_clean_business_is_saved_with_its_division(loaded) -> None:
    db = loaded
    app = ready(db, scope_codes=["T-LS-01", "T-CY-01", "T-CY-01"])
    assert app.business_name == "昆山市千灯镇阿唐面馆店"
    assert app.name_division == "昆山市千灯镇"
    assert app.address == "炎武路 88 号"
    assert app.scope_codes == ["T-CY-01", "T-LS-01"]  # catalogue order, no repeats


def test_the_address_repeating_province_city_and_town_is_tidied(loaded) -> None:
    db = loaded
    app = ready(db, address="江苏省苏州市昆山市千灯镇  炎武路 88 号")
    assert app.address == "炎武路 88 号"


def test_no_name_is_allowed(loaded) -> None:
    db = loaded
    app = ready(db, trade_name="", industry_word="面馆", form_word="店")
    assert app.business_name == "" and app.industry_word == ""


def test_everything_wrong_is_reported_at_once_and_nothing_saved(loaded) -> None:
    db = loaded
    where = office(db)
    app, _ = identified(db, where)
    fields = refused(
        db,
        app,
        org_form="family",
        family_members=[],
        trade_name="中国A",
        form_word="公司",
        address="上海市嘉定区安亭镇墨玉路 1 号",
        scope_codes=["T-JY-01", "T-JY-02"],
    )
    assert fields["family_members"] == "家庭经营须填写至少一位参与经营的家庭成员"
    assert "“A”是字母" in fields["trade_name"] and "“中国”" in fields["trade_name"]
    assert "组织形式用字“公司”不可用" in fields["form_word"]
    assert fields["address"] == "经营场所须在昆山市范围内"
    assert fields["scope_codes"] == "“二手车经纪”与“机动车拆解”不能同时选择，请去掉其中一项"
    assert app.trade_name == "" and app.town_id is None and app.scope_codes == []


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("上海市青浦区徐泾镇 1 号", "经营场所须在昆山市范围内"),
        ("苏州市姑苏区干将路 100 号", "经营场所须在昆山市范围内"),
        ("太仓城厢镇人民路 1 号", "经营场所须在昆山市范围内"),
        ("浙江省嘉兴市中山路 1 号", "经营场所须在昆山市范围内"),
        ("周市镇长江北路 1 号", "地址里的“周市镇”与所选区镇“千灯镇”不一致，请核对"),
        ("88号", "详细地址须为 5 到 120 个字"),
        ("", "请填写详细地址（路名和门牌号）"),
    ],
)
def test_a_place_outside_kunshan_is_refused(loaded, address: str, message: str) -> None:
    db = loaded
    app, _ = identified(db, office(db))
    assert message in refused(db, app, address=address)["address"]


def test_roads_named_after_other_places_are_fine(loaded) -> None:
    db = loaded
    app = ready(db, address="马鞍山西路 18 号")
    assert app.address == "马鞍山西路 18 号"
    app2 = ready(db, id_number=valid_id(order="555"), address="北京路 6 号", trade_name="")
    assert app2.address == "北京路 6 号"


def test_a_town_outside_kunshan_and_a_community_of_another_town(loaded) -> None:
    db = loaded
    app, _ = identified(db, office(db))
    city = business.kunshan(db)
    assert city is not None
    assert refused(db, app, town_id=city.id)["town_id"] == "经营场所须在昆山市范围内"
    assert (
        refused(db, app, town_id=region(db, "千灯社区").id)["town_id"] == "经营场所须在昆山市范围内"
    )
    assert (
        refused(db, app, community_id=region(db, "长泾社区").id)["community_id"]
        == "请选择该镇的社区"
    )
    assert refused(db, app, town_id=None)["town_id"] == "请选择经营场所所在的区镇"


def test_family_members_are_checked_one_by_one(loaded) -> None:
    db = loaded
    operator = valid_id()
    app, _ = identified(db, office(db), id_number=operator)
    members = [
        FamilyMember(name="唐明", id_number=valid_id("19920202", order="111")),
        FamilyMember(name="Tang", id_number=valid_id("19930303", order="222")),
        FamilyMember(name="唐红", id_number=valid_id("19920202", order="111")),
        FamilyMember(name="唐芳", id_number=operator),
        FamilyMember(name="唐小", id_number=valid_id("19940230", order="333")),
    ]
    message = refused(db, app, org_form="family", family_members=members)["family_members"]
    assert "第 2 位家庭成员的姓名须为 2 到 20 个汉字" in message
    assert "第 3 位家庭成员与第 1 位的身份证号码相同" in message
    assert "第 4 位家庭成员是经营者本人，不必再填" in message
    assert "第 5 位家庭成员：身份证号码里的出生日期不存在" in message
    good = [FamilyMember(name="唐明", id_number=valid_id("19920202", order="111"))]
    business.set_business(db, app=app, data=data(db, org_form="family", family_members=good))
    assert app.org_form == "family"
    assert app.family_members == [{"name": "唐明", "id_number": good[0].id_number}]


def test_eleven_family_members_are_too_many(loaded) -> None:
    db = loaded
    app, _ = identified(db, office(db))
    members = [
        FamilyMember(name="唐明", id_number=valid_id("19920202", order=f"{n:03d}"))
        for n in range(10, 21)
    ]
    with pytest.raises(InvalidInput) as raised:
        business.set_business(
            db,
            app=app,
            data=BusinessIn.model_construct(
                **{**data(db).model_dump(), "org_form": "family", "family_members": members}
            ),
        )
    assert raised.value.fields["family_members"] == "家庭成员最多 10 位"


def test_an_unknown_or_withdrawn_scope_item_and_too_many(loaded) -> None:
    db = loaded
    app, _ = identified(db, office(db))
    message = refused(db, app, scope_codes=["NOPE", "T-OLD-1"])["scope_codes"]
    assert "经营范围目录里没有“NOPE”这一项" in message
    assert "经营范围“停用的条目”已停用" in message
    assert refused(db, app, scope_codes=[])["scope_codes"] == "请至少选择一项经营范围"
    many = [f"X{n}" for n in range(16)]
    assert "最多选择 15 项，您选了 16 项" in refused(db, app, scope_codes=many)["scope_codes"]


def test_a_second_pending_application_for_the_same_person_and_place(loaded) -> None:
    db = loaded
    first = ready(db)
    where = office(db, "test-demo")
    second, _ = identified(db, where)
    fields = refused(db, second, trade_name="", address="千灯镇炎武路88号")
    assert fields == {"__all__": business.duplicate_message(first)}
    assert first.number in fields["__all__"]
    # Another place for the same person, or the same place for someone else, is fine.
    business.set_business(db, app=second, data=data(db, trade_name="", address="石浦路 2 号"))
    third, _ = identified(db, where, id_number=valid_id(order="777"))
    business.set_business(db, app=third, data=data(db, trade_name=""))
    assert third.address == ADDRESS


def test_a_banned_or_taken_name_is_refused_here(loaded) -> None:
    db = loaded
    ready(db)
    other, _ = identified(db, office(db), id_number=valid_id(order="888"))
    fields = refused(db, other, form_word="铺", address="石浦路 9 号")
    assert fields == {
        "trade_name": "千灯镇已有同名的个体工商户“昆山市千灯镇阿唐面馆店”正在申请登记，请换一个字号"
    }
    fields = refused(db, other, trade_name="国家", address="石浦路 9 号")
    assert fields["trade_name"].startswith("名称不得含有“国家”")


def test_business_cannot_change_after_submitting(loaded) -> None:
    db = loaded
    app = ready(db)
    app.status = app.status.reviewing
    with pytest.raises(Exception) as raised:
        business.set_business(db, app=app, data=data(db))
    assert "已经提交" in str(raised.value)
