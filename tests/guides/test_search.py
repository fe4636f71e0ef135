"""Search over the catalogue through the real index on a real database: relevance, short
Chinese, pinyin, typos, popularity, withdrawn and draft matters, bad input, freshness."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from minsheng.guides import search, service, synonyms
from minsheng.guides.search_text import CUT_NOTICE, EMPTY_MESSAGE
from tests import factories
from tests.guides import content, matter


@pytest.fixture(autouse=True)
def _fresh_indexes():
    search.forget()
    yield
    search.forget()


def catalogue(db: Session) -> None:
    """A small catalogue like Kunshan's high-frequency matters, committed."""
    market = factories.UnitFactory(name="昆山市市场监督管理局")
    city = factories.UnitFactory(name="昆山市城市管理局")
    police = factories.UnitFactory(name="昆山市公安局")
    matter(db, "KS-SC-001", unit=market, title="个体工商户设立登记")
    matter(
        db,
        "KS-SC-002",
        unit=market,
        title="食品经营许可（小餐饮）",
        keywords="饭店 餐馆 小吃",
        summary="开小饭店、小吃店，先办这个许可。",
    )
    matter(
        db,
        "KS-CG-001",
        unit=city,
        title="设置户外招牌/店招标牌审批",
        keywords="户外广告 招牌",
        summary="店铺外面挂招牌，先到城管审批。",
    )
    matter(
        db,
        "KS-SC-003",
        unit=market,
        title="营业执照遗失补领",
        keywords="补办 丢失",
        summary="营业执照丢了，登报后补领。",
    )
    matter(
        db,
        "KS-GA-001",
        unit=police,
        title="居民身份证换领",
        keywords="身份证 到期",
        summary="身份证到期前三个月可以换领。",
    )
    db.commit()


def codes(db: Session, query: str) -> list[str]:
    return [h.code for h in search.search(db, query=query).hits]


def test_an_exact_title_comes_first_even_before_a_more_popular_match(db):
    catalogue(db)
    longer = matter(db, "KS-SC-009", unit=None, title="个体工商户设立登记（经营场所变更）")
    service.count(db, matter_id=longer.id, views=500)
    db.commit()
    assert codes(db, "个体工商户设立登记")[:2] == ["KS-SC-001", "KS-SC-009"]


def test_two_character_queries_find_words_inside_longer_words(db):
    catalogue(db)
    assert codes(db, "开业")[0] == "KS-SC-001"  # a keyword
    assert codes(db, "执照")[0] == "KS-SC-003"  # inside 营业执照, not a word of its own
    assert "KS-CG-001" in codes(db, "招牌")
    assert codes(db, "换领") == ["KS-GA-001"]


def test_a_long_question_finds_the_matter_by_its_words(db):
    catalogue(db)
    assert codes(db, "我想开个小饭店需要办什么")[0] == "KS-SC-002"
    assert codes(db, "户外招牌审批")[0] == "KS-CG-001"


def test_full_pinyin_and_initials_find_chinese(db):
    catalogue(db)
    for query in ("kaiye", "kai ye", "KaiYe", "ky"):
        assert codes(db, query)[0] == "KS-SC-001", query
    assert codes(db, "yingyezhizhao")[0] == "KS-SC-003"
    assert codes(db, "yyzz")[0] == "KS-SC-003"
    assert codes(db, "shenfenzheng") == ["KS-GA-001"]
    found = search.search(db, query="zhaopai")
    assert found.hits[0].code == "KS-CG-001" and "招牌" in found.interpreted


def test_a_wrong_or_homophone_character_is_forgiven(db):
    catalogue(db)
    found = search.search(db, query="营业执招")
    assert found.hits[0].code == "KS-SC-003"
    assert "营业执照" in found.interpreted
    assert codes(db, "开页")[0] == "KS-SC-001"  # 开业 said the same way
    assert codes(db, "身分证")[0] == "KS-GA-001"


def test_one_wrong_letter_in_pinyin_is_forgiven(db):
    catalogue(db)
    assert codes(db, "kaiyr")[0] == "KS-SC-001"
    assert codes(db, "shenfenzhen")[0] == "KS-GA-001"


def test_synonyms_widen_a_query_at_once(db):
    catalogue(db)
    assert "KS-CG-001" not in codes(db, "门头")
    synonyms.create_group(db, words="门头 招牌 店招")
    db.commit()
    found = search.search(db, query="门头")
    assert found.hits[0].code == "KS-CG-001"
    assert {"招牌", "店招"} <= set(found.interpreted)
    assert codes(db, "mt")[0] == "KS-CG-001"
    assert codes(db, "mentou")[0] == "KS-CG-001"
    assert codes(db, "门头审批")[0] == "KS-CG-001"


def test_popularity_breaks_ties_between_equally_relevant_matters(db):
    unit = factories.UnitFactory(name="昆山市卫生健康委员会")
    first = matter(db, "KS-WS-001", unit=unit, title="母婴保健服务许可（甲）")
    second = matter(db, "KS-WS-002", unit=unit, title="母婴保健服务许可（乙）")
    service.count(db, matter_id=second.id, views=3)
    db.commit()
    found = search.search(db, query="母婴保健")
    assert found.hits[0].score == found.hits[1].score
    assert [h.code for h in found.hits] == ["KS-WS-002", "KS-WS-001"]
    # Three helpful votes (5 each) outweigh three views and one scan.
    service.count(db, matter_id=first.id, scans=1, helpful=3)
    db.commit()
    search.forget()
    assert codes(db, "母婴保健") == ["KS-WS-001", "KS-WS-002"]


def test_withdrawn_matters_come_last_and_say_so(db):
    catalogue(db)
    old = matter(db, "KS-SC-010", unit=None, title="营业执照")
    service.withdraw(db, matter=old, reason="已并入营业执照遗失补领")
    db.commit()
    hits = search.search(db, query="营业执照").hits
    assert hits[-1].code == "KS-SC-010" and hits[-1].status == "withdrawn"
    assert hits[-1].status_label == "已停止办理"
    assert hits[0].status == "published"
    assert "KS-SC-010" not in [h.code for h in search.popular(db)]


def test_drafts_are_never_found(db):
    catalogue(db)
    matter(db, "KS-SC-011", unit=None, title="营业执照注销登记", publish=False)
    db.commit()
    assert "KS-SC-011" not in codes(db, "注销")
    assert "KS-SC-011" not in [h.code for h in search.popular(db, limit=50)]


def test_the_index_follows_the_catalogue_without_being_told(db):
    catalogue(db)
    assert codes(db, "居住证") == []
    found = service.get_matter(db, code="KS-GA-001")
    service.publish_version(db, matter=found, content=content("居住证申领", keywords="暂住"))
    db.commit()
    assert codes(db, "居住证") == ["KS-GA-001"]
    assert "KS-GA-001" not in codes(db, "换领")


def test_a_matter_code_finds_its_matter(db):
    catalogue(db)
    assert codes(db, "KS-CG-001")[0] == "KS-CG-001"


def test_empty_symbols_and_very_long_queries(db):
    catalogue(db)
    listing = search.search(db, query="  ")
    assert listing.error == "" and listing.total == 5 and listing.hits
    for query in ("？？！！", "@#$%^&*()", "——……"):
        outcome = search.search(db, query=query)
        assert outcome.error == EMPTY_MESSAGE and outcome.hits == []
    long = search.search(db, query="营业执照" * 40)
    assert long.notice == CUT_NOTICE and len(long.query) == 50
    assert long.hits[0].code == "KS-SC-003"
    assert search.search(db, query="营业执照！").hits[0].code == "KS-SC-003"
    assert search.search(db, query="\x00营业\u3000执照").hits[0].code == "KS-SC-003"


def test_pages_of_results(db):
    unit = factories.UnitFactory(name="昆山市人力资源和社会保障局")
    for n in range(25):
        matter(db, f"KS-RS-{n:03d}", unit=unit, title=f"社会保险业务第{n}项")
    db.commit()
    first = search.search(db, query="社会保险", per_page=10)
    assert first.total == 25 and len(first.hits) == 10
    third = search.search(db, query="社会保险", page=3, per_page=10)
    assert len(third.hits) == 5
    assert search.search(db, query="社会保险", page=99).hits == []


def test_initials_prefer_the_reading_more_matters_use(db):
    catalogue(db)
    unit = factories.UnitFactory(name="昆山市交通运输局")
    matter(db, "KS-JT-001", unit=unit, title="码头经营许可", keywords="码头")
    synonyms.create_group(db, words="门头 招牌 店招")
    db.commit()
    hits = search.search(db, query="mt")
    assert {h.code for h in hits.hits[:2]} == {"KS-CG-001", "KS-JT-001"}
    assert {"码头", "招牌"} <= set(hits.interpreted)
