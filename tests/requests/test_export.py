"""The workbench's Excel export: the same filters as the page, Chinese headers, contacts masked
exactly as on the page, text never turned into formulas, a cap with a note, an audit entry."""

from __future__ import annotations

import datetime as dt
import io
import json
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from minsheng.audit.models import AuditEvent
from minsheng.core.db import utcnow
from minsheng.requests import export, queries, service
from minsheng.requests.queries import RequestFilters
from tests.requests import MASKED_PHONE, PHONE, load_demo
from tests.requests.workbench import make, principal, sign_in

HEADERS = [
    "受理编号",
    "标题",
    "问题类别",
    "紧急程度",
    "渠道",
    "所在区镇",
    "社区或村",
    "详细地址",
    "承办单位",
    "办理状态",
    "超期情况",
    "受理时间",
    "签收时限",
    "办结时限",
    "办结时间",
    "办理结果",
    "重办次数",
    "联系人",
    "联系电话",
    "详细描述",
]


@pytest.fixture
def kunshan(db) -> None:
    load_demo(db)


def download(client, query: str = ""):
    response = client.get(f"/staff/requests.xlsx{'?' + query if query else ''}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("诉求清单-")
    return load_workbook(io.BytesIO(response.content))


def rows_of(book) -> list[dict[str, object]]:
    sheet = book["诉求"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in values[1:]]


def notes_of(book) -> str:
    return "\n".join(str(row[0]) for row in book["说明"].iter_rows(values_only=True))


def test_export_has_chinese_headers_and_one_row_per_request(client, db, kunshan):
    leak = make(db, description="楼顶漏水，墙面发霉。")
    make(db, category="urban.stall", title="夜市摊贩占道")  # another unit's
    sign_in(client, "handler")
    rows = rows_of(download(client))
    assert [r["受理编号"] for r in rows] == [leak]
    row = rows[0]
    assert row["标题"] == "楼顶漏水" and row["问题类别"] == "房屋渗漏"
    assert row["渠道"] == "热线电话" and row["所在区镇"] == "巴城镇"
    assert row["承办单位"] == "昆山市住房和城乡建设局" and row["办理状态"] == "待签收"
    assert row["紧急程度"] == "一般" and row["重办次数"] == 0
    assert row["详细描述"] == "楼顶漏水，墙面发霉。"
    found = service.get_by_tracking(db, tracking_number=leak)
    local = found.received_at.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    db.commit()
    assert isinstance(row["受理时间"], dt.datetime)
    assert abs(row["受理时间"] - local) < dt.timedelta(seconds=1)  # wall-clock time in Kunshan
    assert row["办结时间"] is None


@pytest.mark.parametrize(
    ("username", "phone", "name"),
    [
        ("operator", PHONE, "王小明"),  # calls residents back city-wide
        ("handler", PHONE, "王小明"),  # the handling unit calls its reporters back
        ("supervisor", MASKED_PHONE, "王**"),  # city-wide, but never calls anyone
    ],
)
def test_export_masks_contacts_as_the_page_does(client, db, kunshan, username, phone, name):
    number = make(db)
    sign_in(client, username)
    row = next(r for r in rows_of(download(client)) if r["受理编号"] == number)
    assert (row["联系电话"], row["联系人"]) == (phone, name)
    page = client.get(f"/staff/requests/{number}").text
    assert phone in page


def test_confidential_reporters_are_masked_for_the_handling_unit(client, db, kunshan):
    number = make(db, confidential=True)
    sign_in(client, "handler")
    row = next(r for r in rows_of(download(client)) if r["受理编号"] == number)
    assert (row["联系电话"], row["联系人"]) == (MASKED_PHONE, "王**")
    sign_in(client, "operator")
    row = next(r for r in rows_of(download(client)) if r["受理编号"] == number)
    assert row["联系电话"] == PHONE


def test_every_row_matches_the_staff_view(client, db, kunshan):
    """The export decides nothing itself: each contact is what service.staff_view shows."""
    numbers = [make(db), make(db, confidential=True), make(db, category="urban.stall")]
    for username in ("operator", "handler", "supervisor", "admin", "gridworker"):
        staff = principal(db, username)
        content, _, _ = export.workbook(db, staff=staff, filters=RequestFilters(), now=utcnow())
        rows = {r["受理编号"]: r for r in rows_of(load_workbook(io.BytesIO(content)))}
        found, _ = queries.search(db, staff=staff, filters=RequestFilters())
        assert set(rows) == {r.tracking_number for r in found}
        for request in found:
            view = service.staff_view(request, staff=staff)
            row = rows[request.tracking_number]
            assert (row["联系人"], row["联系电话"]) == (view.contact_name, view.contact_phone)
        db.rollback()
    assert numbers


def test_export_follows_the_filters(client, db, kunshan):
    leak = make(db)
    stall = make(db, category="urban.stall", title="夜市摊贩占道", channel="web")
    sign_in(client, "operator")
    assert {r["受理编号"] for r in rows_of(download(client))} == {leak, stall}
    book = download(client, "channel=web&category=urban")
    assert [r["受理编号"] for r in rows_of(book)] == [stall]
    notes = notes_of(book)
    assert "渠道：网上反映" in notes and "问题类别：市容城管" in notes
    assert "导出人：话务员 张丽" in notes and "共 1 件" in notes


def test_text_that_looks_like_a_formula_stays_text(client, db, kunshan):
    make(db, title='=HYPERLINK("http://x")', address="+1+2")
    sign_in(client, "handler")
    sheet = download(client)["诉求"]
    title, address = sheet.cell(row=2, column=2), sheet.cell(row=2, column=8)
    assert (title.value, title.data_type) == ('=HYPERLINK("http://x")', "s")
    assert (address.value, address.data_type) == ("+1+2", "s")


def test_export_stops_at_the_cap_and_says_so(client, db, kunshan, monkeypatch):
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    numbers = [make(db, title=f"漏水第{i}处") for i in range(3)]
    sign_in(client, "handler")
    book = download(client)
    assert [r["受理编号"] for r in rows_of(book)] == numbers[::-1][:2]  # newest first
    notes = notes_of(book)
    assert "符合条件的诉求共 3 件，本文件含 2 件。" in notes
    assert "一次最多导出 2 件，请缩小筛选范围后分批导出。" in notes


def test_each_export_is_in_the_audit_trail(client, db, kunshan):
    make(db)
    sign_in(client, "handler")
    download(client, "status=dispatched")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    db.commit()
    assert event is not None
    assert event.object_type == "citizen_request"
    assert json.loads(event.summary) == {"filters": "办理状态：待签收", "matched": 1, "rows": 1}
    assert "承办人 王强" in event.actor_label


def test_a_bad_filter_is_refused_rather_than_ignored(client, db, kunshan):
    make(db)
    sign_in(client, "handler")
    response = client.get("/staff/requests.xlsx?from=2026-02-30")
    assert response.status_code == 422
    assert "筛选条件有误" in response.text
