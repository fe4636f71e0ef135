"""The name checks with their reasons, the live check page and its JSON twin."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from minsheng.licensing import names
from minsheng.licensing.models import License, Office
from tests.licensing import office, region
from tests.licensing.test_business import kunshan, ready, scope_items


@pytest.fixture
def loaded(app, db) -> Session:
    kunshan(db)
    scope_items(db)
    return db


def licensed(
    db: Session, where: Office, name: str, town: str = "千灯镇", valid: bool = True
) -> None:
    db.add(
        License(
            uscc=f"92320583MA{len(name):02d}{abs(hash(name)) % 10**6:06d}",
            name=name,
            operator_name="王伟",
            operator_id_number="320583199001011234",
            org_form="individual",
            place="昆山市千灯镇石浦路 1 号",
            town_id=region(db, town).id,
            scope_text="餐饮管理",
            registered_on=dt.date(2026, 1, 5),
            authority="昆山市千灯镇行政审批局",
            office_id=where.id,
            valid=valid,
            verify_key=f"k{abs(hash(name)) % 10**12}",
        )
    )
    db.flush()


def failed(results: list) -> dict[str, str]:
    return {r.code: r.message for r in results if not r.passed}


def check(db: Session, trade: str, industry: str = "面馆", form: str = "店", town: str = "千灯镇"):
    return names.check(
        db, town_id=region(db, town).id, trade_name=trade, industry_word=industry, form_word=form
    )


def test_a_clean_name_passes_every_check(loaded) -> None:
    results = check(loaded, "阿唐")
    assert [r.code for r in results] == [
        "name.trade_name",
        "name.industry",
        "name.form",
        "name.banned_words",
        "name.company_form",
        "name.duplicate",
    ]
    assert all(r.passed for r in results)
    assert results[-1].message == "千灯镇没有同名的个体工商户"


def test_no_trade_name_means_no_checks(loaded) -> None:
    assert check(loaded, "", industry="中国", form="公司") == []


@pytest.mark.parametrize(
    ("trade", "message"),
    [
        ("A唐", "字号只能使用汉字，“A”是字母"),
        ("Ａ唐", "“Ａ”是字母"),
        ("ā唐", "“ā”是拼音或字母"),
        ("atang", "“a”是字母"),
        ("阿唐8", "“8”是数字"),
        ("阿·唐", "“·”是标点或符号"),
        ("阿唐！", "“！”是标点或符号"),
        ("阿 唐", "字号只能使用汉字，不能有空格"),
        ("唐", "字号须为 2 到 6 个汉字，您填了 1 个"),
        ("一二三四五六七", "字号须为 2 到 6 个汉字，您填了 7 个"),
    ],
)
def test_the_trade_name_is_two_to_six_chinese_characters(loaded, trade: str, message: str) -> None:
    assert message in failed(check(loaded, trade))["name.trade_name"]


@pytest.mark.parametrize(
    ("trade", "industry", "word", "reason"),
    [
        ("中国", "面馆", "中国", "须经国务院批准"),
        ("中华", "面馆", "中华", "须经国务院批准"),
        ("阿唐", "国际面馆", "国际", "须经国务院批准"),
        ("全国", "面馆", "全国", "须经国务院批准"),
        ("国家", "面馆", "国家", "须经国务院批准"),
        ("中央", "厨房", "中央", "须经国务院批准"),
        ("武警", "超市", "武警", "党政军机关"),
        ("阿唐", "日本料理", "日本", "外国国家"),
        ("特供", "酒行", "特供", "受骗或误解"),
        ("阿中", "国菜馆", "中国", "须经国务院批准"),  # across the parts
    ],
)
def test_banned_words_anywhere_in_the_name(
    loaded, trade: str, industry: str, word: str, reason: str
) -> None:
    message = failed(check(loaded, trade, industry))["name.banned_words"]
    assert message.startswith(f"名称不得含有“{word}”") and reason in message


def test_a_common_personal_name_with_jun_is_not_banned(loaded) -> None:
    assert all(r.passed for r in check(loaded, "建军"))


@pytest.mark.parametrize("word", ["公司", "有限", "企业", "集团", "股份", "合作社"])
def test_company_forms_are_refused(loaded, word: str) -> None:
    message = failed(check(loaded, "阿唐", industry=f"面馆{word}"))["name.company_form"]
    assert message == f"个体工商户名称不得使用“{word}”等企业组织形式"


def test_industry_and_form_words(loaded) -> None:
    found = failed(check(loaded, "阿唐", industry="面", form="公司"))
    assert found["name.industry"] == "行业表述须为 2 到 10 个汉字，您填了 1 个"
    assert found["name.form"].startswith("组织形式用字“公司”不可用")
    ktv = failed(check(loaded, "阿唐", industry="KTV"))["name.industry"]
    assert ktv == "行业表述只能使用汉字，“K”是字母"
    assert all(r.passed for r in check(loaded, "阿唐", industry="网络科技", form="工作室"))


def test_an_identical_name_in_the_same_town_is_taken_but_not_in_another(loaded) -> None:
    db = loaded
    licensed(db, office(db), "昆山市千灯镇阿唐面馆店")
    message = failed(check(db, "阿唐", form="馆"))["name.duplicate"]
    assert message == "千灯镇已有同名的个体工商户“昆山市千灯镇阿唐面馆店”，请换一个字号"
    assert all(r.passed for r in check(db, "阿唐", town="周市镇"))
    assert all(r.passed for r in check(db, "阿唐", industry="面包"))  # another industry
    assert all(r.passed for r in check(db, "阿唐面"))  # another 字号


def test_a_deregistered_license_frees_its_name(loaded) -> None:
    db = loaded
    licensed(db, office(db), "昆山市千灯镇阿唐面馆店", valid=False)
    assert all(r.passed for r in check(db, "阿唐"))


def test_a_pending_application_holds_its_name(loaded) -> None:
    db = loaded
    first = ready(db)
    message = failed(check(db, "阿唐"))["name.duplicate"]
    assert message == "千灯镇已有同名的个体工商户“昆山市千灯镇阿唐面馆店”正在申请登记，请换一个字号"
    mine = names.check(
        db,
        town_id=first.town_id,
        trade_name="阿唐",
        industry_word="面馆",
        form_word="店",
        exclude_application_id=first.id,
    )
    assert all(r.passed for r in mine)
    first.status = first.status.abandoned
    assert all(r.passed for r in check(db, "阿唐"))


def test_the_live_check_partial_and_page(loaded, client) -> None:
    db = loaded
    licensed(db, office(db), "昆山市千灯镇阿唐面馆店")
    town = region(db, "千灯镇").id
    db.commit()  # the app sees it; this session stays idle so SQLite is not locked
    query = {"town_id": town, "trade_name": "阿唐", "industry_word": "面馆", "form_word": "店"}
    partial = client.get("/licensing/checks/name", params=query, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text and 'id="name-check"' in partial.text
    assert "昆山市千灯镇阿唐面馆店" in partial.text and "✗" in partial.text
    assert "千灯镇已有同名的个体工商户" in partial.text
    page = client.get("/licensing/checks/name", params={**query, "trade_name": "<b>x"})
    assert page.status_code == 200 and "<html" in page.text
    assert "&lt;b&gt;x" in page.text and "<b>x" not in page.text
    assert "“&lt;”是标点或符号" in page.text
    assert 'name="trade_name"' in page.text and "千灯镇</option>" in page.text


def test_the_json_check_and_its_rate_limit(loaded, client, monkeypatch) -> None:
    db = loaded
    town = region(db, "千灯镇").id
    db.commit()
    params = {"town_id": town, "trade_name": "中国", "industry_word": "面馆", "form_word": "店"}
    body = client.get("/api/v1/licensing/checks/name", params=params).json()
    assert body["name"] == "昆山市千灯镇中国面馆店" and body["passed"] is False
    banned = next(c for c in body["checks"] if c["code"] == "name.banned_words")
    assert banned["passed"] is False and "中国" in banned["message"]
    empty = client.get("/api/v1/licensing/checks/name", params={"town_id": town}).json()
    assert empty == {"name": "", "passed": True, "checks": []}
    from minsheng.licensing import pages_checks

    monkeypatch.setattr(pages_checks, "CHECKS_PER_MINUTE", 2)
    busy = client.get("/api/v1/licensing/checks/name", params=params)
    assert busy.status_code == 429 and busy.json()["error"]["code"] == "rate_limited"
    page = client.get("/licensing/checks/name", params=params, headers={"HX-Request": "true"})
    assert page.status_code == 429 and "查询太频繁" in page.text
