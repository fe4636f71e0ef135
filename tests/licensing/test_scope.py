"""The scope catalogue: grouping, checking a choice, the license text and its JSON."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minsheng.licensing import scope
from tests.licensing.test_business import kunshan, scope_items


@pytest.fixture
def loaded(app, db) -> Session:
    kunshan(db)
    scope_items(db)
    return db


def test_the_catalogue_is_grouped_by_industry_general_before_permit(loaded) -> None:
    groups = {g.industry: g for g in scope.catalogue(loaded)}
    assert list(groups)[:2] == ["餐饮", "零售"]
    assert [i.code for i in groups["餐饮"].general] == ["T-CY-01"]
    assert [i.code for i in groups["餐饮"].permit] == ["T-CY-02"]
    assert "其他" not in groups  # only an inactive item there


def test_conflicting_items_name_both(loaded) -> None:
    assert scope.validate(loaded, ["T-JY-02", "T-JY-01"]) == [
        "“机动车拆解”与“二手车经纪”不能同时选择，请去掉其中一项"
    ]
    assert scope.validate(loaded, ["T-JY-01", "T-CY-01"]) == []


def test_permit_items_are_described_as_licenses_print_them(loaded) -> None:
    text, permits = scope.describe(loaded, ["T-CY-02", "T-LS-01", "T-CY-01", "T-LS-02"])
    assert text == (
        "餐饮管理；日用百货销售；许可项目：小餐饮；烟草制品零售"
        "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
    )
    assert [(p.code, p.permit_name, p.guide_code) for p in permits] == [
        ("T-CY-02", "食品经营许可", "KS-SP-001"),
        ("T-LS-02", "烟草专卖零售许可", "KS-YC-001"),
    ]
    assert permits[0].guide_url == "/guides/KS-SP-001"
    assert scope.describe(loaded, ["T-MF-01"]) == ("理发服务", [])
    only_permit, _ = scope.describe(loaded, ["T-CY-02"])
    assert only_permit.startswith("许可项目：小餐饮（")
    assert scope.industry_of(loaded, ["T-MF-01", "T-CY-01"]) == "美容美发"


def test_the_catalogue_as_json(loaded, client) -> None:
    loaded.commit()
    body = client.get("/api/v1/licensing/scope").json()
    assert body["max_items"] == 15
    food = next(g for g in body["industries"] if g["industry"] == "餐饮")
    assert food["permit"][0]["guide_url"] == "/guides/KS-SP-001"
    assert food["general"][0]["wording"] == "餐饮管理"
    cars = next(g for g in body["industries"] if g["industry"] == "汽车")
    assert cars["general"][0]["conflicts"] == ["T-JY-02"]
