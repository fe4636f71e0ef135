"""The public home of the guides (/guides): a GET search form that works without JavaScript, its
results, bad queries, and without a query the popular matters, bundles, cards and units."""

from __future__ import annotations

import re

import pytest

from minsheng.guides import search, service, synonyms
from minsheng.guides.models import Bundle, BundleStep, Card, CardItem
from minsheng.guides.search_text import CUT_NOTICE, EMPTY_MESSAGE
from tests import factories
from tests.guides import matter


@pytest.fixture(autouse=True)
def _fresh_indexes():
    search.forget()
    yield
    search.forget()


def arrange(db) -> None:
    market = factories.UnitFactory(name="昆山市市场监督管理局")
    city = factories.UnitFactory(name="昆山市城市管理局")
    first = matter(db, "KS-SC-001", unit=market, title="个体工商户设立登记")
    food = matter(
        db, "KS-SC-002", unit=market, title="食品经营许可（小餐饮）", summary="开小饭店先办这个。"
    )
    sign = matter(db, "KS-CG-001", unit=city, title="设置户外招牌/店招标牌审批", keywords="招牌")
    service.count(db, matter_id=sign.id, views=10)
    db.add(
        Bundle(
            code="kai-can-guan",
            title="开小餐馆",
            summary="营业执照 → 食品经营许可 → 招牌",
            steps=[BundleStep(position=i, matter_id=m.id) for i, m in enumerate((first, food))],
        )
    )
    db.add(
        Card(code="geti", title="个体经营知晓卡", items=[CardItem(position=0, matter_id=first.id)])
    )
    db.add(Card(code="hidden", title="未发布的卡", published=False))
    synonyms.create_group(db, words="门头 招牌 店招")
    db.commit()


def main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_home_shows_a_search_form_popular_bundles_cards_and_units(client, db):
    arrange(db)
    page = client.get("/guides")
    assert page.status_code == 200
    html = main(page.text)
    assert re.search(r'<form method="get" action="/guides" role="search"', html)
    assert '<label for="f-q">' in html and 'name="q" type="search"' in html
    popular = html.split('id="popular-title"')[1].split("</section>")[0]
    assert popular.index("设置户外招牌/店招标牌审批") < popular.index("个体工商户设立登记")
    assert 'href="/guides/steps/kai-can-guan"' in html and "开小餐馆" in html
    assert 'href="/guides/cards/geti"' in html and "未发布的卡" not in html
    units = html.split('id="units-title"')[1]
    assert units.index("昆山市城市管理局") < units.index("昆山市市场监督管理局")
    assert 'href="/guides/KS-SC-002"' in units
    assert "<script" not in html


def test_results_show_title_unit_summary_and_what_else_was_looked_for(client, db):
    arrange(db)
    page = client.get("/guides", params={"q": "门头"})
    html = main(page.text)
    assert page.status_code == 200 and 'value="门头"' in html
    assert 'href="/guides/KS-CG-001"' in html and "昆山市城市管理局" in html
    assert "我们还查找了" in html and 'href="/guides?q=%E6%8B%9B%E7%89%8C"' in html
    food = main(client.get("/guides", params={"q": "fandian"}).text)
    assert "食品经营许可（小餐饮）" in food and "开小饭店先办这个。" in food
    assert 'id="popular-title"' not in food


def test_nothing_found_says_what_to_do(client, db):
    arrange(db)
    html = main(client.get("/guides", params={"q": "火箭发射"}).text)
    assert "没有找到相关的办事事项" in html and "12345" in html


def test_a_query_of_symbols_gets_a_message_next_to_the_box(client, db):
    arrange(db)
    page = client.get("/guides", params={"q": "！！？？###"})
    html = main(page.text)
    assert page.status_code == 200
    assert 'id="e-q" role="alert"' in html and EMPTY_MESSAGE in html
    assert 'aria-invalid="true"' in html and 'id="popular-title"' in html


def test_a_very_long_query_is_cut_with_a_notice_and_markup_is_escaped(client, db):
    arrange(db)
    html = main(client.get("/guides", params={"q": "<script>个体工商户" * 30}).text)
    assert CUT_NOTICE in html and "<script>" not in html
    assert 'href="/guides/KS-SC-001"' in html


def test_pages_of_results_link_to_each_other(client, db):
    unit = factories.UnitFactory(name="昆山市人力资源和社会保障局")
    for n in range(25):
        matter(db, f"KS-RS-{n:03d}", unit=unit, title=f"社会保险业务第{n}项")
    db.commit()
    first = main(client.get("/guides", params={"q": "社会保险"}).text)
    assert "找到 25 个事项" in first and "page=2" in first
    second = main(client.get("/guides", params={"q": "社会保险", "page": "2"}).text)
    assert second.count("<li>") == 5 and "page=1" in second
    odd = client.get("/guides", params={"q": "社会保险", "page": "abc"})
    assert odd.status_code == 200


def test_an_empty_catalogue_still_answers(client, db):
    home = main(client.get("/guides").text)
    assert "还没有发布的办事事项" in home
    assert "没有找到相关的办事事项" in main(client.get("/guides", params={"q": "kaiye"}).text)
    body = client.get("/api/v1/guides", params={"q": "营业执招"}).json()
    assert body["total"] == 0 and body["items"] == []
