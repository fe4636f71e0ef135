"""The circular and the monthly batch report as printed: read back with poppler (text, fonts,
pages as pixels), so a broken layout, a missing font or a wrong figure fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from minsheng.projects import batch_report, circulars
from minsheng.projects.batch_month import month_label
from minsheng.projects.circular_pdf import render_circular
from minsheng.projects.models_progress import MonthlyReport
from tests.pdftools import fonts_of, info_of, pages_as_png, save, text_of
from tests.projects import circulars_kit as fx


@pytest.fixture
def city(db):
    return fx.build(db)


def flat(text: str) -> str:
    """The extracted text without line breaks or spaces, for phrases that wrapped."""
    return re.sub(r"\s+", "", text)


def red_share(image: Path, box: tuple[float, float, float, float]) -> float:
    """The share of clearly red pixels in a part of the page (fractions of its size)."""
    with Image.open(image) as page:
        width, height = page.size
        left, top, right, bottom = box
        part = page.convert("RGB").crop(
            (int(left * width), int(top * height), int(right * width), int(bottom * height))
        )
    red, green, blue = part.split()
    mask = ImageChops.multiply(
        red.point(lambda v: 255 if v > 150 else 0),
        ImageChops.multiply(
            green.point(lambda v: 255 if v < 90 else 0), blue.point(lambda v: 255 if v < 90 else 0)
        ),
    )
    return mask.histogram()[255] / (part.width * part.height)


def ink_share(image: Path) -> float:
    """The share of dark pixels on the page: a blank page has none."""
    with Image.open(image) as page:
        dark = page.convert("L").point(lambda v: 255 if v < 128 else 0)
    return dark.histogram()[255] / (dark.width * dark.height)


def test_the_circular_reads_as_a_government_circular(db, city, tmp_path: Path) -> None:
    circular = fx.published(db, city)
    path = save(render_circular(db, circular), tmp_path, "circular.pdf")
    text = text_of(path)
    plain = flat(text)
    assert circular.number == f"昆实事通〔{circulars.today().year}〕1号"
    # The head: office, number, title, in that order, then the body and the signature.
    office = plain.index("昆山市民生实事项目工作领导小组办公室")
    assert office < plain.index(circular.number) < plain.index(flat(circular.title))
    assert plain.index(flat(circular.title)) < plain.index("各区镇，市各有关部门：")
    assert "截至" in plain and "进度滞后2个（其中黄色预警1个、红色预警1个）" in plain
    assert circulars.chinese_date(circulars.today()) in plain  # the date it was issued
    # Annex 1: the figures; annex 2: the lagging projects in Chinese, with cause and action.
    annex1 = plain.index("附件1")
    assert plain.index("项目总数4个", annex1) < plain.index("进度滞后2个", annex1)
    assert "已完成1个" in plain[annex1:] and "总体加权进度48.2%" in plain[annex1:]
    annex2 = plain.index("附件2")
    for title in (fx.RED_TITLE, fx.YELLOW_TITLE):
        assert title in plain[annex2:]
    assert fx.ON_TIME_TITLE not in plain and fx.OTHER_BATCH_TITLE not in plain
    # Cells of several lines come out line by line, interleaved with their neighbours.
    for piece in ("计划进度50%，实际进度", "10%，滞后40个百分点。", "倒排工期，增加施工力量，"):
        assert piece in plain[annex2:], piece
    assert "每周报送进度。" in plain[annex2:] and "张副局长" in plain[annex2:]
    assert "红色预警" in plain[annex2:] and "黄色预警" in plain[annex2:]
    assert "附件3" in plain and "本批次此前没有已发布的通报。" in plain
    # No line of a table cell starts with closing punctuation (禁则).
    assert not re.search(r"^[，。、；）%]", text, re.M)
    assert "未发布" not in plain


def test_the_circular_is_printed_in_red_and_black_on_a4_pages(db, city, tmp_path: Path) -> None:
    path = save(render_circular(db, fx.published(db, city)), tmp_path, "circular.pdf")
    info = info_of(path)
    assert info["Page size"].startswith("595.28 x 841.89")  # A4
    assert int(info["Pages"]) == 4  # the body, then one page for each annex
    fonts = fonts_of(path)
    assert fonts and all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts)
    assert any("NotoSansSC" in f["name"] for f in fonts)
    pages = pages_as_png(path, dpi=60)
    assert len(pages) == 4
    # The office's name in red across the top band, the red line below it, black body text.
    assert red_share(pages[0], (0.1, 0.08, 0.9, 0.16)) > 0.05
    assert red_share(pages[0], (0.1, 0.3, 0.9, 0.9)) < 0.001
    assert all(ink_share(page) > 0.005 for page in pages)
    with Image.open(pages[2]) as annex2:
        assert annex2.width > annex2.height  # the wide table is on a landscape page


def test_a_draft_pdf_says_it_is_not_issued(db, city, tmp_path: Path) -> None:
    circular = fx.draft(db, city)
    plain = flat(text_of(save(render_circular(db, circular), tmp_path, "draft.pdf")))
    assert "（草稿，未发布，不作正式文件使用）" in plain
    assert "（发布时编号）" in plain and "昆实事通〔" not in plain
    assert f"{month_label(circular.period)}（未发布）" in plain


def test_a_correction_names_what_it_replaces(db, city, tmp_path: Path) -> None:
    first = fx.published(db, city)
    copy = circulars.supersede(db, circular=first, staff=city.staff(db, "sup1"))
    circulars.approve(db, circular=copy, staff=city.staff(db, "sup2"))
    circulars.publish(db, circular=copy, staff=city.staff(db, "sup2"))
    db.commit()
    plain = flat(text_of(save(render_circular(db, copy), tmp_path, "copy.pdf")))
    assert f"（本通报更正并替代{first.number}）" in plain
    assert copy.number in plain


def test_the_monthly_batch_report_prints_every_project_against_its_plan(
    db, city, tmp_path: Path
) -> None:
    # Reports for last month; a later report must not change last month's page.
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
    db.add(
        MonthlyReport(
            project_id=city.red.id,
            month="2099-01",
            progress=90,
            done="后来的月报。",
            due_on=fx.as_of(),
        )
    )
    db.commit()
    report = batch_report.BatchMonth(db, city.batch, month)
    path = save(batch_report.render_pdf(report), tmp_path, "report.pdf")
    plain = flat(text_of(path))
    assert flat(f"{city.batch.name}{month_label(month)}进展报告") in plain
    assert "共4个，已开工4个，已完成1个，按计划推进2个，进度滞后2个" in plain
    assert "总体加权进度48.2%" in plain
    units = plain.index("二、各牵头单位推进情况")
    assert plain.index("昆山市住房和城乡建设局", units) < plain.index("昆山市司法局", units)
    table = plain.index("三、各项目进度与计划对照")
    for code, title, row in (
        ("2026-1-001", fx.RED_TITLE, "实施中50%10%40红色预警"),
        ("2026-1-002", fx.YELLOW_TITLE, "实施中50%35%15黄色预警"),
        ("2026-1-003", fx.ON_TIME_TITLE, "实施中50%48%2正常"),
        ("2026-1-004", fx.DONE_TITLE, "已完成100%100%0正常"),
    ):
        assert f"{code}{title}" in plain[table:]
        assert row in plain[table:], row
    assert fx.CANDIDATE_TITLE not in plain and fx.OTHER_BATCH_TITLE not in plain
    pages = pages_as_png(path, dpi=60)
    assert len(pages) == 2 and all(ink_share(page) > 0.005 for page in pages)


def test_a_document_is_set_once_until_what_it_prints_changes(db, city, tmp_path: Path) -> None:
    circular = fx.draft(db, city)
    first = render_circular(db, circular)
    assert render_circular(db, circular) is first  # the same bytes, not set again
    circular.items[0].cause = "拆迁协商未完成。"
    db.commit()
    changed = render_circular(db, circular)
    assert changed is not first
    assert "拆迁协商未完成。" in flat(text_of(save(changed, tmp_path, "changed.pdf")))
