"""The automatic rules at submitting: every result with its reason, in order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from minsheng.core.db import utcnow
from minsheng.licensing import rules, service
from minsheng.licensing.models import Application, ApplicationStatus, License
from tests.licensing import office, valid_id
from tests.licensing.test_business import kunshan, ready, scope_items
from tests.licensing.test_names import licensed

ORDER = [
    "identity.verified",
    "identity.adult",
    "phone.confirmed",
    "name.trade_name",
    "name.industry",
    "name.form",
    "name.banned_words",
    "name.company_form",
    "name.duplicate",
    "place.kunshan",
    "scope.valid",
    "scope.permit",
    "duplicate.pending",
    "operator.licenses",
    "operator.refused",
    "family.members",
]


@pytest.fixture
def loaded(app, db) -> Session:
    kunshan(db)
    scope_items(db)
    return db


def failed(db: Session, app: Application) -> dict[str, str]:
    return {r.code: r.message for r in rules.evaluate(db, app=app) if not r.passed}


def test_a_clean_application_passes_every_rule_in_order(loaded) -> None:
    results = rules.evaluate(loaded, app=ready(loaded))
    assert [r.code for r in results] == ORDER
    assert all(r.passed for r in results), [r for r in results if not r.passed]
    assert all(r.label and r.message for r in results)
    by_code = {r.code: r.message for r in results}
    assert by_code["scope.permit"] == "不含许可项目"
    assert by_code["identity.verified"].startswith("身份已核验")


def test_without_a_name_one_line_says_so(loaded) -> None:
    results = rules.evaluate(loaded, app=ready(loaded, trade_name=""))
    named = [r for r in results if r.code.startswith("name")]
    assert [(r.code, r.passed) for r in named] == [("name", True)]


def test_the_officer_backend_needs_the_window(loaded) -> None:
    app = ready(loaded, backend="officer")
    assert failed(loaded, app) == {"identity.verified": "须到窗口由登记人员核验身份"}


def test_an_under_age_operator_and_an_unconfirmed_phone(loaded) -> None:
    app = ready(loaded)
    app.id_number = valid_id("20100101")
    app.phone_verified_at = None
    found = failed(loaded, app)
    assert found["identity.adult"] == "经营者须年满 18 周岁"
    assert found["phone.confirmed"] == "手机号码尚未验证"


def test_a_name_taken_since_step_two(loaded) -> None:
    db = loaded
    app = ready(db)
    licensed(db, office(db), "昆山市千灯镇阿唐面馆铺")
    assert failed(db, app) == {
        "name.duplicate": "千灯镇已有同名的个体工商户“昆山市千灯镇阿唐面馆铺”，请换一个字号"
    }


def test_a_place_and_scope_no_longer_right(loaded) -> None:
    db = loaded
    app = ready(db)
    app.address = "上海市嘉定区安亭镇 1 号"
    app.scope_codes = ["T-JY-01", "T-JY-02"]
    found = failed(db, app)
    assert found["place.kunshan"] == "经营场所须在昆山市范围内"
    assert found["scope.valid"] == "“二手车经纪”与“机动车拆解”不能同时选择，请去掉其中一项"


def test_permit_items_pass_with_a_note(loaded) -> None:
    app = ready(loaded, scope_codes=["T-CY-01", "T-CY-02"])
    result = next(r for r in rules.evaluate(loaded, app=app) if r.code == "scope.permit")
    assert result.passed
    assert result.message == "含许可项目（食品经营许可），执照上注明须经批准后方可经营"


def test_a_pending_duplicate_found_at_submitting(loaded) -> None:
    db = loaded
    first = ready(db)
    second = ready(db, trade_name="", address="石浦路 2 号")
    second.address = first.address
    assert failed(db, second) == {
        "duplicate.pending": f"您在同一经营场所已有一份申请正在办理（编号 {first.number}），"
        "请继续办理那一份，或等它办结后再申请"
    }


def test_an_operator_with_three_licenses_in_the_town_goes_to_review(loaded) -> None:
    db = loaded
    app = ready(db)
    where = office(db)
    for name in ("甲记面馆店", "乙记面馆店", "丙记面馆店"):
        licensed(db, where, "昆山市千灯镇" + name)
    db.execute(update(License).values(operator_id_number=app.id_number))
    assert failed(db, app) == {
        "operator.licenses": "您在千灯镇已有 3 张有效的个体工商户营业执照，由登记人员审核"
    }


def test_a_recent_refusal_goes_to_review(loaded) -> None:
    db = loaded
    old, _ = service.start(db, office=office(db))
    app = ready(db)
    old.id_number = app.id_number
    old.status = ApplicationStatus.refused
    old.decided_at = utcnow() - dt.timedelta(days=30)
    assert failed(db, app) == {"operator.refused": "近 180 天内有不予登记的申请，由登记人员审核"}
    old.decided_at = utcnow() - dt.timedelta(days=400)
    assert failed(db, app) == {}


def test_family_members_checked_again(loaded) -> None:
    app = ready(loaded)
    app.org_form = "family"
    app.family_members = [{"name": "唐明", "id_number": app.id_number}]
    assert failed(loaded, app) == {"family.members": "第 1 位家庭成员是经营者本人，不必再填"}
