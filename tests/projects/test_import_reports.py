"""Importing a month's reports from Excel: the template, the layout checks, every row checked,
and nothing imported when anything is wrong."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from minsheng.projects import report_import, report_template, reports
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.report_import import ImportRefused
from tests import projects as make
from tests.projects.reporting import World, on, report, world

HEAD = [
    "项目编号",
    "项目名称",
    "月份",
    "进度(%)",
    "本月完成情况",
    "存在问题",
    "下步计划",
    "进度回退原因",
]
RESULT_HEAD = ["项目编号", "指标名称", "计量单位", "计划数", "上次累计", "累计完成"]


@pytest.fixture
def w(db) -> World:
    made = world(db)
    make.project(
        db,
        made.batch,
        made.bureau,
        "2026-1-002",
        title="公证档案信息互联互通",
        targets=(("接入公证处", "家", 4),),
    )
    make.project(db, made.batch, made.other, "2026-1-003", title="小艾之家", targets=())
    db.commit()
    return made


def book(rows: list[list[Any]], results: list[list[Any]] | None = None, head=HEAD) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "月报"
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    if results is not None:
        second = workbook.create_sheet("指标完成情况")
        second.append(RESULT_HEAD)
        for row in results:
            second.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(MonthlyReport))


def _refused(db, w: World, content: bytes, user=None) -> ImportRefused:
    with on(dt.date(2026, 4, 2)), pytest.raises(ImportRefused) as refused:
        report_import.import_reports(db, content, staff=w.as_(db, user or w.handler))
    db.rollback()
    assert _count(db) == 0
    return refused.value


def test_the_template_lists_the_units_projects_and_imports_once_filled(db, w):
    with on(dt.date(2026, 4, 2)):
        content = report_template.template(
            db, staff=w.as_(db, w.handler), month="2026-03", today=dt.date(2026, 4, 2)
        )
    workbook = load_workbook(io.BytesIO(content))
    sheet, results = workbook["月报"], workbook["指标完成情况"]
    assert [c.value for c in sheet[1]] == HEAD
    assert [(r[0].value, r[2].value) for r in sheet.iter_rows(min_row=2)] == [
        ("2026-1-001", "2026-03"),
        ("2026-1-002", "2026-03"),  # not 2026-1-003: another unit's
    ]
    assert [(r[0].value, r[1].value, r[2].value) for r in results.iter_rows(min_row=2)] == [
        ("2026-1-001", "排查农村自建房", "户"),
        ("2026-1-001", "整改消防隐患", "处"),
        ("2026-1-002", "接入公证处", "家"),
    ]
    sheet["D2"], sheet["E2"] = 25, "完成 300 户排查"
    sheet["D3"] = 0.5
    sheet["D3"].number_format = "0%"  # a clerk who types 50% into Excel
    sheet["E3"] = "完成系统对接方案"
    results["F2"], results["F4"] = 300, 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    with on(dt.date(2026, 4, 2)):
        imported = report_import.import_reports(db, buffer.getvalue(), staff=w.as_(db, w.handler))
    db.commit()
    assert [(r.month, r.progress, r.via) for r in imported] == [
        ("2026-03", 25, "excel"),
        ("2026-03", 50, "excel"),
    ]
    assert [(r.target.name, r.value) for r in imported[0].results] == [("排查农村自建房", 300)]
    assert w.project.targets[0].achieved == 300


def test_missing_columns_are_named_and_nothing_is_imported(db, w):
    head = ["项目编号", "月份", "本月完成情况", "存在问题"]
    refused = _refused(db, w, book([["2026-1-001", "2026-03", "做了"]], head=head))
    assert [p.message for p in refused.problems] == [
        "“月报”工作表第 1 行缺少这些列：进度(%)、下步计划、进度回退原因"
    ]
    assert refused.details[0]["row"] is None


def test_a_workbook_in_another_layout_is_refused(db, w):
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    refused = _refused(db, w, buffer.getvalue())
    assert refused.problems[0].message == "找不到“月报”工作表（文件里的工作表：Sheet1）"
    refused = _refused(db, w, book([["2026-1-001"]], head=[*HEAD, "备注"]))
    assert "不认识的列：备注" in refused.problems[0].message
    refused = _refused(db, w, b"not a workbook")
    assert "不是有效的 Excel 文件" in refused.problems[0].message


def test_each_bad_row_is_listed_with_its_number_and_nothing_is_imported(db, w):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(30), staff=w.as_(db, w.handler))
    db.commit()
    content = book(
        [
            ["2026-1-002", "", "2026-03", 10, "完成方案"],  # good, yet not imported
            ["2026-1-001", "", "2026-03", 35, "再报一次"],  # month already reported
            ["2026-1-002", "", "2026-03", 12, "重复"],  # the same project twice
            ["2026-1-003", "", "2026-03", 10, "别人的"],  # another unit's project
            ["2026-1-999", "", "2026-03", 10, "没有"],
            ["2026-1-004", "", "三月", 10, "月份不对"],
        ]
    )
    refused_before = _count(db)
    with on(dt.date(2026, 4, 2)), pytest.raises(ImportRefused) as caught:
        report_import.import_reports(db, content, staff=w.as_(db, w.handler))
    db.rollback()
    assert _count(db) == refused_before == 1
    rows = [(p.row, p.message) for p in caught.value.problems]
    assert rows[0][0] == 3 and "2026年3月的月报已于 2026-04-02 填报" in rows[0][1]
    assert rows[1:] == [
        (4, "项目 2026-1-002 在第 2 行已有，一个项目只能填一行"),
        (5, "项目 2026-1-003 不由您的单位牵头，不能导入"),
        (6, "项目编号：没有编号为 2026-1-999 的项目"),
        (7, "项目编号：没有编号为 2026-1-004 的项目"),
    ]
    assert "有 5 行需要修改" in caught.value.message


def test_bad_figures_and_backward_progress_are_refused_by_row(db, w):
    with on(dt.date(2026, 4, 2)):
        reports.file_report(db, w.project, report(30), staff=w.as_(db, w.handler))
    db.commit()
    content = book(
        [
            ["2026-1-001", "", "2026-04", 20, "核减"],  # backwards without a reason
            ["2026-1-002", "", "2026-04", 150, ""],  # over 100 and nothing done
        ],
        results=[
            ["2026-1-002", "接入公证处", "家", 4, None, -1],
            ["2026-1-002", "接入法院", "家", 4, None, 1],
        ],
    )
    with on(dt.date(2026, 5, 2)), pytest.raises(ImportRefused) as caught:
        report_import.import_reports(db, content, staff=w.as_(db, w.handler))
    db.rollback()
    assert [(p.sheet, p.row, p.message) for p in caught.value.problems] == [
        (
            "月报",
            2,
            "进度回退原因：累计进度 20% 低于上次报告（2026年3月）的 30%，请填写进度回退原因",
        ),
        ("月报", 3, "进度(%)：进度百分比应在 0 到 100 之间"),
        ("月报", 3, "本月完成情况：请填写本月完成情况"),
        ("指标完成情况", 2, "累计完成：累计完成数不能为负数"),
        ("指标完成情况", 3, "项目 2026-1-002 没有名为“接入法院”的指标（该项目的指标：接入公证处）"),
    ]
    assert _count(db) == 1


def test_a_month_excel_turned_into_a_date_is_read_as_the_month(db, w):
    content = book([["2026-1-001", "", dt.datetime(2026, 3, 1), 10, "完成排查"]])
    with on(dt.date(2026, 4, 2)):
        imported = report_import.import_reports(db, content, staff=w.as_(db, w.handler))
    assert imported[0].month == "2026-03"
