"""The circular and the monthly batch report as Excel, opened with openpyxl as an office would."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from minsheng.projects import batch_report, rectification
from minsheng.projects.batch_month import month_label
from minsheng.projects.models_progress import MonthlyReport
from minsheng.projects.schemas_circulars import RectificationAnswer
from tests.projects import circulars_kit as fx


@pytest.fixture
def city(db):
    return fx.build(db)


def rows(sheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_circular_workbook_holds_heading_figures_items_and_follow_up(db, city) -> None:
    circular = fx.published(db, city)
    answer = RectificationAnswer(answer="已增派施工队伍，倒排工期，月底前完成排查。")
    rectification.answer(db, item=circular.items[0], data=answer, staff=city.staff(db, "housing"))
    db.commit()
    book = load_workbook(io.BytesIO(batch_report.circular_xlsx(db, circular)))
    assert book.sheetnames == ["通报", "滞后项目", "跟踪"]
    head = {row[0]: row[1] for row in rows(book["通报"]) if row[0]}
    assert head["文号"] == circular.number
    assert head["标题"] == circular.title
    assert head["发文机关"] == "昆山市民生实事项目工作领导小组办公室"
    assert head["状态"] == "已发布"
    assert head["通报月份"] == month_label(circular.period)
    assert head["项目总数（个）"] == 4 and head["进度滞后（个）"] == 2
    assert head["其中：红色预警（个）"] == 1 and head["总体加权进度（%）"] == 48.2
    items = rows(book["滞后项目"])
    assert items[0][:5] == ["序号", "项目编号", "项目名称", "牵头单位", "预警"]
    assert items[0][-2:] == ["答复情况", "整改情况"]
    assert [r[2] for r in items[1:]] == [fx.RED_TITLE, fx.YELLOW_TITLE]
    red = items[1]
    assert red[3] == "昆山市住房和城乡建设局" and red[4] == "红色预警"
    assert red[5] == "计划进度50%，实际进度10%，滞后40个百分点。"
    assert red[8] == "张副局长"
    assert isinstance(red[9], dt.datetime) and red[9].date() == circular.items[0].deadline
    assert red[10] == "已答复" and red[11] == answer.answer
    assert items[2][10] == "待答复" and items[2][11] is None
    assert rows(book["跟踪"]) == [
        ["序号", "项目编号", "项目名称", "牵头单位", "前期通报", "整改期限", "整改答复", "当前预警"]
    ]


def test_text_typed_into_a_circular_never_runs_as_a_formula(db, city) -> None:
    circular = fx.draft(db, city)
    circular.items[0].cause = '=HYPERLINK("http://example.com","点这里")'
    db.commit()
    book = load_workbook(io.BytesIO(batch_report.circular_xlsx(db, circular)))
    cell = book["滞后项目"]["G2"]
    assert cell.value == '=HYPERLINK("http://example.com","点这里")' and cell.data_type == "s"


def test_the_batch_report_workbook_has_summary_projects_and_units(db, city) -> None:
    month = fx.month()
    for project, progress in ((city.red, 10), (city.yellow, 35), (city.on_time, 48)):
        db.add(
            MonthlyReport(
                project_id=project.id,
                month=month,
                progress=progress,
                done="按计划推进。",
                due_on=fx.as_of(),
            )
        )
    db.commit()
    report = batch_report.BatchMonth(db, city.batch, month)
    book = load_workbook(io.BytesIO(batch_report.render_xlsx(report)))
    assert book.sheetnames == ["汇总", "项目明细", "单位"]
    summary = rows(book["汇总"])
    assert summary[0][0] == f"{city.batch.name}{month_label(month)}进展报告"
    assert "进度滞后2个（其中黄色预警1个、红色预警1个）" in summary[1][0]
    figures = {row[0]: row[1] for row in summary[3:]}
    assert figures["项目总数（个）"] == 4 and figures["已开工（个）"] == 4
    assert figures["已完成（个）"] == 1 and figures["按计划推进（个）"] == 2
    assert figures["总体加权进度（%）"] == 48.2
    projects = rows(book["项目明细"])
    assert projects[0] == [
        "序号",
        "项目编号",
        "项目名称",
        "牵头单位",
        "状态",
        "计划进度",
        "实际进度",
        "滞后",
        "预警",
    ]
    assert projects[1] == [
        1,
        "2026-1-001",
        fx.RED_TITLE,
        "昆山市住房和城乡建设局",
        "实施中",
        50,
        10,
        40,
        "红色预警",
    ]
    assert projects[4][2] == fx.DONE_TITLE and projects[4][4:] == ["已完成", 100, 100, 0, "正常"]
    assert len(projects) == 5  # the candidate and the other batch's project are not in it
    units = {row[0]: row[1:] for row in rows(book["单位"])[1:]}
    assert units == {"昆山市住房和城乡建设局": [2, 0, 1, 29], "昆山市司法局": [2, 1, 1, 67.5]}


def test_a_past_month_reads_as_it_stood(db, city) -> None:
    """A report for a later month does not change an earlier month's figures."""
    earlier = fx.month()
    db.add(
        MonthlyReport(
            project_id=city.red.id, month=earlier, progress=10, done="排查中。", due_on=fx.as_of()
        )
    )
    db.add(
        MonthlyReport(
            project_id=city.red.id,
            month="2099-01",
            progress=95,
            done="基本完成。",
            due_on=fx.as_of(),
        )
    )
    db.commit()
    report = batch_report.BatchMonth(db, city.batch, earlier)
    red = next(r for r in report.rows if r.project.id == city.red.id)
    assert (red.progress, red.planned, red.warning_label) == (10, 50, "红色预警")
    later = batch_report.BatchMonth(db, city.batch, "2099-01")
    red_later = next(r for r in later.rows if r.project.id == city.red.id)
    assert (red_later.progress, red_later.planned, red_later.warning_label) == (95, 100, "正常")


def test_a_project_kept_off_the_public_site_is_counted_but_not_named(db, city) -> None:
    city.on_time.public = False
    db.commit()
    report = batch_report.BatchMonth(db, city.batch, fx.month())
    book = load_workbook(io.BytesIO(batch_report.render_xlsx(report)))
    names = [row[2] for row in rows(book["项目明细"])[1:]]
    assert fx.ON_TIME_TITLE not in names and len(names) == 3
    summary = rows(book["汇总"])
    assert summary[2][0] == "另有1个项目不在公开网站展示，计入上述统计，未在本表列出。"
    assert {row[0]: row[1] for row in summary[4:]}["项目总数（个）"] == 4
