"""A matter's mobile page: every field in reading order, the materials checklist, call buttons,
the map link, counting views and scans, withdrawn and draft matters, and earlier versions."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, text

from minsheng.guides import service
from minsheng.guides.models import Usage
from tests.guides import content, matter


def usage(db, matter_id: int) -> tuple[int, int]:
    db.expire_all()
    rows = db.scalars(select(Usage).where(Usage.matter_id == matter_id)).all()
    counted = sum(r.views for r in rows), sum(r.scans for r in rows)
    db.rollback()  # SQLite: let the app write again
    return counted


def main_of(page: str) -> str:
    return html.unescape(page.split("<main", 1)[1].split("</main>", 1)[0])


def full(db, code: str = "KS-0001", **fields):
    """A matter with every optional field filled, committed."""
    values = {
        "conditions": "有经营能力的自然人。\n外国人不能申请。",
        "materials": [
            {"name": "经营者身份证", "originals": 1, "copies": 1},
            {"name": "经营场所使用证明", "originals": 1, "copies": 0, "note": "租房合同或房产证"},
            {"name": "委托书", "originals": 0, "copies": 2, "required": False},
        ],
        "online_url": "https://www.jszwfw.gov.cn/ks/kaiye",
        "online_note": "在江苏政务服务网提交，审核通过后邮寄执照",
        "forms": [{"name": "个体工商户登记申请书", "url": "https://example.gov.cn/form.docx"}],
        "questions": [{"question": "可以用住宅开店吗？", "answer": "住改商需要邻居同意。"}],
        "phones": [
            {"kind": "consult", "label": "登记咨询", "number": "0512-57512345转8001"},
            {"kind": "complaint", "label": "投诉", "number": "12345"},
        ],
    }
    found = matter(db, code, **(values | fields))
    db.commit()
    return found


def test_the_page_shows_every_field_in_reading_order(client, db):
    related = matter(db, "KS-0002", title="食品经营许可")
    found = full(db, related=[related.code])
    page = client.get(f"/guides/{found.code}")
    assert page.status_code == 200
    text = main_of(page.text)
    order = [
        "个体工商户设立登记",  # title
        "开店先办营业执照，材料齐全当场办结。",  # summary
        "行政许可",
        found.unit.name,
        "谁可以办",
        "外国人不能申请。",
        "要带什么材料",
        "经营者身份证",
        "怎么办",
        "到窗口或网上提交材料",
        "要多久",
        "法定 15 个工作日",
        "承诺即办（当场办结）",
        "收不收费",
        "不收费",
        "去哪里办",
        "市场主体登记窗口",
        "昆山市前进西路1801号 政务服务中心一楼",
        "工作日 9:00-17:00",
        "最多跑一次",
        "网上办理",
        "在江苏政务服务网提交",
        "咨询电话",
        "0512-57512345转8001",
        "申请表格",
        "个体工商户登记申请书",
        "常见问题",
        "可以用住宅开店吗？",
        "住改商需要邻居同意。",
        "办理依据",
        "《促进个体工商户发展条例》",
        "相关事项",
        "食品经营许可",
        "第 1 版，自 ",
    ]
    cursor, missing = 0, []
    for part in order:  # each found after the one before it
        at = text.find(part, cursor)
        if at < 0:
            missing.append(part)
        cursor = max(cursor, at)
    assert not missing, missing
    assert '<a href="/guides/KS-0002">食品经营许可</a>' in page.text
    assert 'href="https://www.jszwfw.gov.cn/ks/kaiye"' in page.text
    assert "<details" in page.text and "<summary>可以用住宅开店吗？</summary>" in page.text
    assert re.search(r"第 1 版，自 \d{4}年\d{1,2}月\d{1,2}日 起施行", text)


def test_materials_are_a_checklist_of_labelled_boxes(client, db):
    found = full(db)
    page = client.get(f"/guides/{found.code}").text
    boxes = re.findall(r'<input type="checkbox" id="(material-\d+)"', page)
    assert boxes == ["material-1", "material-2", "material-3"]
    for box in boxes:
        assert f'<label for="{box}">' in page
    label = main_of(page).split('<label for="material-1">', 1)[1].split("</label>", 1)[0]
    assert "经营者身份证" in label and "原件 1 份 / 复印件 1 份" in label and "（必需）" in label
    third = main_of(page).split('<label for="material-3">', 1)[1].split("</label>", 1)[0]
    assert "复印件 2 份" in third and "原件" not in third and "（视情况提供）" in third
    assert 'id="material-2-note">租房合同或房产证' in page
    # Kept on the phone by the script, per matter and version; clearing works without it.
    assert 'data-checklist="KS-0001:v1"' in page
    assert '<button type="reset" class="button small">清空勾选</button>' in page
    assert '<script src="/static/guides/checklist.js" defer></script>' in page
    script = client.get("/static/guides/checklist.js")
    assert script.status_code == 200 and "localStorage" in script.text


def test_phones_are_call_buttons_that_dial_digits_only(client, db):
    found = full(db)
    page = client.get(f"/guides/{found.code}").text
    dialled = re.findall(r'href="tel:([^"]*)"', page)
    assert dialled == ["051257512345", "12345"]
    assert all(number.isdigit() for number in dialled)
    assert "咨询电话 · 登记咨询" in main_of(page)


def test_the_map_link_marks_the_coordinates_or_searches_the_address(client, db):
    found = full(db)
    link = html.unescape(
        re.search(
            r'href="(https://uri\.amap\.com/[^"]*)"', client.get(f"/guides/{found.code}").text
        ).group(1)
    )
    assert link.startswith("https://uri.amap.com/marker?")
    query = parse_qs(urlparse(link).query)
    assert query["position"] == ["120.953000,31.385000"] and query["name"] == ["市场主体登记窗口"]

    other = matter(db, "KS-0009", latitude=None, longitude=None)
    db.commit()
    page = client.get(f"/guides/{other.code}").text
    search = html.unescape(re.search(r'href="(https://uri\.amap\.com/[^"]*)"', page).group(1))
    assert urlparse(search).path == "/search"
    assert parse_qs(urlparse(search).query)["keyword"] == ["昆山市前进西路1801号 政务服务中心一楼"]


def test_trips_and_time_limits_in_words(client, db):
    online = matter(db, "KS-0003", visits=0, legal_days=20, promised_days=5)
    instant = matter(db, "KS-0004", visits=2, legal_days=None, promised_days=None)
    db.commit()
    first = main_of(client.get("/guides/KS-0003").text)
    assert "全程网办，不用跑" in first and "法定 20 个工作日" in first
    assert "承诺 5 个工作日" in first
    second = main_of(client.get("/guides/KS-0004").text)
    assert "最多跑 2 次" in second and "即办（当场办结）" in second
    assert "法定" not in second
    assert online.id != instant.id


def test_every_view_counts_and_a_qr_scan_counts_too(client, db):
    found = full(db)
    assert client.get(f"/guides/{found.code}").status_code == 200
    assert client.get(f"/guides/{found.code}?s=qr").status_code == 200
    assert client.get(f"/guides/{found.code}?s=other").status_code == 200
    assert usage(db, found.id) == (3, 1)


def test_the_page_is_never_cached_so_every_view_counts(client, db):
    found = full(db)
    page = client.get(f"/guides/{found.code}")
    assert page.headers["cache-control"] == "no-store"


def test_a_withdrawn_matter_answers_200_with_the_reason_and_a_way_on(client, db):
    replacement = matter(db, "KS-0010", title="个体工商户登记（新）")
    found = full(db, related=[replacement.code])
    service.withdraw(db, matter=found, reason="已并入“个体工商户登记（新）”")
    db.commit()
    page = client.get(f"/guides/{found.code}?s=qr")
    assert page.status_code == 200
    text = main_of(page.text)
    assert "此事项已停止办理" in text and "已并入“个体工商户登记（新）”" in text
    assert re.search(r"停止日期：\d{4}年\d{1,2}月\d{1,2}日", text)
    assert '<a href="/guides/KS-0010">个体工商户登记（新）</a>' in page.text
    assert '<form method="get" action="/guides" role="search"' in page.text
    assert 'type="checkbox"' not in page.text
    assert '<a href="/guides/KS-0001/v/1">查看停止办理前的办事指南</a>' in page.text
    last = client.get("/guides/KS-0001/v/1")
    assert last.status_code == 200 and "这个事项已停止办理，查看说明" in last.text
    assert re.search(r"这是第 1 版，已于 \d{4}年\d{1,2}月\d{1,2}日 停止使用", main_of(last.text))
    assert usage(db, found.id) == (1, 1)


def test_a_draft_or_unknown_code_is_a_chinese_404_with_the_search_box(client, db):
    draft = matter(db, "KS-0020", publish=False)
    db.commit()
    for path in (f"/guides/{draft.code}", "/guides/NO-SUCH", "/guides/KS-0020/v/1"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "没有找到这个办事事项" in page.text
        assert 'action="/guides" role="search"' in page.text
    assert usage(db, draft.id) == (0, 0)


def test_an_earlier_version_reads_in_full_under_a_banner(client, db):
    found = full(db)
    service.publish_version(db, matter=found, content=content(fee="工本费 10 元"))
    db.commit()
    old = client.get(f"/guides/{found.code}/v/1")
    assert old.status_code == 200
    text = main_of(old.text)
    assert re.search(r"这是第 1 版，已于 \d{4}年\d{1,2}月\d{1,2}日 停止使用", text)
    assert '<a href="/guides/KS-0001">查看现行版本</a>' in old.text
    assert "可以用住宅开店吗？" in text and "不收费" in text  # the old text, whole
    assert 'type="checkbox"' not in old.text
    current = client.get(f"/guides/{found.code}")
    assert "工本费 10 元" in current.text and 'href="/guides/KS-0001/v/1"' in current.text
    assert usage(db, found.id) == (1, 0)  # only the current page counts
    for bad in ("3", "0", "x", "99999999"):
        assert client.get(f"/guides/KS-0001/v/{bad}").status_code == 404, bad
    latest = client.get("/guides/KS-0001/v/2", follow_redirects=False)
    assert latest.status_code == 303 and latest.headers["location"] == "/guides/KS-0001"


def test_the_page_is_light_and_asks_nothing_from_other_sites(client, db):
    found = full(db)
    page = client.get(f"/guides/{found.code}").text
    assert len(page.encode()) < 60_000
    fetched = re.findall(r'<(?:script|img|link|iframe)[^>]*(?:src|href)="([^"]*)"', page)
    assert fetched and all(url.startswith("/") for url in fetched), fetched
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


def test_large_text_mode_and_escaped_content(client, db):
    found = full(db, summary="<script>alert(1)</script>")
    client.cookies.set("minsheng_text", "large")
    page = client.get(f"/guides/{found.code}").text
    assert 'class="large-text"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_counting_failure_never_breaks_the_page(client, db):
    found = full(db)
    code, matter_id = found.code, found.id
    db.execute(text("ALTER TABLE guide_usage RENAME TO guide_usage_away"))
    db.commit()
    try:
        page = client.get(f"/guides/{code}?s=qr")
        assert page.status_code == 200 and "要带什么材料" in page.text
    finally:
        db.execute(text("ALTER TABLE guide_usage_away RENAME TO guide_usage"))
        db.commit()
    assert usage(db, matter_id) == (0, 0)
    assert client.get(f"/guides/{code}").status_code == 200
    assert usage(db, matter_id) == (1, 0)
