"""Reading a catalogue workbook: the template, the export read back unchanged, new matters and
new versions, tolerant headers, and every bad input named by sheet, row and column with nothing
written."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minsheng.accounts import service as accounts
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides import excel_export, excel_import, service
from minsheng.guides import excel_layout as layout
from minsheng.guides.models import Matter, MatterStatus, MatterVersion
from minsheng.org.models import Unit
from tests import factories
from tests.guides import content, matter

BUREAU = "昆山市市场监督管理局"
TOWN = "千灯镇人民政府"
HEAD = ["事项编码", "事项名称", "事项类型", "实施主体", "咨询电话"]


@dataclass
class World:
    city: Unit
    bureau: Unit
    town: Unit
    admin: StaffPrincipal


@pytest.fixture
def w(db: Session) -> World:
    city = factories.UnitFactory(name="昆山市")
    bureau = factories.UnitFactory(name=BUREAU, parent=city)
    town = factories.UnitFactory(name=TOWN, parent=city)
    user = factories.staff(db, "administrator", city)
    return World(city, bureau, town, accounts.principal(db, user=user))


def book(sheets: dict[str, list[list[Any]]]) -> bytes:
    """A workbook with these sheets, each a list of rows (the first the header)."""
    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main(*rows: list[Any], head: list[str] = HEAD, **others: list[list[Any]]) -> bytes:
    return book({layout.MAIN: [head, *rows], **others})


def counts(db: Session) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(Matter)) or 0,
        db.scalar(select(func.count()).select_from(MatterVersion)) or 0,
    )


def plan_of(db: Session, w: World, data: bytes) -> excel_import.Plan:
    return excel_import.read_plan(db, data, staff=w.admin)


def problems(db: Session, w: World, data: bytes) -> list[tuple[str, int | None, str, str]]:
    before = counts(db)
    plan = plan_of(db, w, data)
    assert plan.problems
    assert counts(db) == before
    return [(p.sheet, p.row, p.column, p.message) for p in plan.problems]


def test_the_template_opens_with_instructions_and_imports_once_the_example_is_made_real(db, w):
    data = excel_export.template()
    opened = load_workbook(io.BytesIO(data))
    assert opened.sheetnames[0] == layout.GUIDE
    assert opened.sheetnames[1:] == [layout.MAIN, *layout.ITEM_SHEETS]
    guide = "\n".join(str(c.value) for row in opened[layout.GUIDE].iter_rows() for c in row)
    assert "整个文件一次导入" in guide and "缺少" not in guide
    sheet = opened[layout.MAIN]
    assert [c.value for c in sheet[1]][:4] == ["事项编码", "事项名称", "事项类型", "实施主体"]
    assert sheet["A2"].value == "示例-0001" and sheet["B2"].value == "个体工商户设立登记"
    refused = plan_of(db, w, data)
    assert [(p.sheet, p.row) for p in refused.problems] == [(layout.MAIN, None)]
    assert "除了示例没有事项" in refused.problems[0].message
    for name in opened.sheetnames[1:]:
        for row in opened[name].iter_rows(min_row=2):
            if row[0].value == "示例-0001":
                row[0].value = "KS-0100"
    buffer = io.BytesIO()
    opened.save(buffer)
    plan = plan_of(db, w, buffer.getvalue())
    assert plan.problems == [] and [i.action for i in plan.items] == ["create"]
    excel_import.apply(db, plan, staff=w.admin)
    made = service.get_matter(db, code="KS-0100")
    version = service.current_version(made)
    assert version is not None and made.unit == w.bureau
    assert [m["name"] for m in version.materials] == ["经营者身份证", "经营场所使用证明"]
    assert [s["title"] for s in version.steps] == ["申请", "审核", "领照"]
    assert version.phones[0] == {"kind": "consult", "label": "登记咨询", "number": "0512-57512345"}
    assert version.questions and version.forms and version.change_note == "Excel 导入"


def test_the_export_imports_back_unchanged(db, w):
    first = matter(db, "KS-0001", unit=w.bureau)
    matter(
        db,
        "KS-0002",
        unit=w.town,
        title="户外招牌设置审批",
        fee="",
        legal_days=None,
        promised_days=None,
        basis="=SUM(1,2) 不是公式\n第二行",
        keywords="门头 招牌",
        related=["KS-0001"],
        online_note="“我的江苏”App",
        latitude=None,
        longitude=None,
        forms=[{"name": "招牌设置申请表", "url": "https://example.gov.cn/a.docx"}],
        questions=[{"question": "要多久？", "answer": "五个工作日。"}],
        phones=[{"kind": "consult", "label": "", "number": "0512-57461234转801"}],
    )
    service.publish_version(db, matter=first, content=content(summary="第二版"))
    service.withdraw(
        db, matter=matter(db, "KS-0003", unit=w.town, title="已停办事项"), reason="合并"
    )
    matter(db, "KS-0004", unit=w.bureau, title="草稿事项", publish=False)
    db.commit()

    data, rows = excel_export.export(db, now=service.utcnow(), local_time="2026-11-27 09:00")
    assert rows == 4
    sheet = load_workbook(io.BytesIO(data))[layout.MAIN]
    header = [c.value for c in sheet[1]]
    status = {r[0]: r[header.index("状态")] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert status == {
        "KS-0001": "已发布",
        "KS-0002": "已发布",
        "KS-0003": "已停止办理",
        "KS-0004": "草稿",
    }
    plan = plan_of(db, w, data)
    assert plan.problems == []
    assert {i.code: (i.action, i.changed) for i in plan.items} == {
        c: ("same", []) for c in ("KS-0001", "KS-0002", "KS-0003", "KS-0004")
    }
    second = next(i for i in plan.items if i.code == "KS-0002")
    assert second.content.basis == "=SUM(1,2) 不是公式\n第二行" and second.content.fee == ""


def test_new_and_updated_matters_publish_versions_and_the_old_one_keeps_its_dates(db, w):
    old = matter(db, "KS-0001", unit=w.bureau)
    db.commit()
    started = old.versions[0].valid_from
    data = main(
        ["KS-0001", "个体工商户设立登记（新）", "行政许可", BUREAU, "登记咨询：0512-57512345"],
        ["KS-0009", "食品经营许可", "行政许可", BUREAU, "0512-57512346、12345"],
        **{
            layout.MATERIALS: [
                ["事项编码", "材料名称", "原件份数", "复印件份数", "是否必需"],
                ["KS-0001", "经营者身份证", 1, 1, "是"],
                ["KS-0009", "食品经营许可申请书", "1份", None, "是"],
                ["KS-0009", "健康证明", 0, 1, "否"],
            ]
        },
    )
    plan = plan_of(db, w, data)
    assert plan.problems == []
    assert [(i.code, i.action) for i in plan.items] == [
        ("KS-0001", "publish"),
        ("KS-0009", "create"),
    ]
    assert plan.items[0].changed == ["事项名称", "申请材料"]  # 投诉电话 left out: kept
    assert "办理流程" in "".join(plan.notices)  # sheets left out keep what the matters had
    before = counts(db)
    assert excel_import.apply(db, plan, staff=w.admin) == (1, 1)
    db.commit()
    assert counts(db) == (before[0] + 1, before[1] + 2)
    db.expire_all()
    old = service.get_matter(db, code="KS-0001")
    assert old.current_number == 2
    first, second = old.versions
    assert first.valid_from == started and first.valid_to == second.valid_from
    assert second.title == "个体工商户设立登记（新）" and len(second.materials) == 1
    assert second.steps == first.steps  # no 办理流程 sheet: kept
    new = service.current_version(service.get_matter(db, code="KS-0009"))
    assert new is not None and new.number == 1
    assert new.materials[1] == {
        "name": "健康证明", "originals": 0, "copies": 1, "required": False, "note": ""
    }  # fmt: skip
    assert [p["number"] for p in new.phones] == ["0512-57512346", "12345"]


def test_headers_are_found_by_text_in_any_order_with_spaces_and_full_width_brackets(db, w):
    matter(db, "KS-0001", unit=w.bureau)
    db.commit()
    head = [" 实施主体 ", "法定办结时限（工作日）", "事项 名称", "备用列", "*事项编码", "相关事项"]
    data = book(
        {
            "标题页": [["随便写的"]],
            layout.MAIN: [
                ["昆山市政务服务事项清单"],
                head,
                [TOWN, "15个工作日", "户外招牌设置审批", "x", "KS-0002", "KS-0001、KS-0003"],
                [TOWN, "即办", "临时占道审批", "", "KS-0003", "KS-0002"],
            ],
        }
    )
    plan = plan_of(db, w, data)
    assert plan.problems == []
    assert [(i.row, i.code, i.content.legal_days) for i in plan.items] == [
        (3, "KS-0002", 15),
        (4, "KS-0003", 0),
    ]
    assert any("备用列" in n for n in plan.notices) and any("标题页" in n for n in plan.notices)
    excel_import.apply(db, plan, staff=w.admin)
    version = service.current_version(service.get_matter(db, code="KS-0002"))
    assert version is not None and version.related == ["KS-0001", "KS-0003"]


def test_missing_columns_are_named(db, w):
    data = main(["KS-0001", "个体工商户设立登记"], head=["事项编码", "事项类型"])
    assert problems(db, w, data) == [(layout.MAIN, None, "", "缺少列：事项名称、实施主体")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"just some bytes", "这不是有效的 Excel 文件"),
        ("事项编码,事项名称,实施主体\nKS-1,开店,市场局\n".encode(), "这是文本（CSV）文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Excel（.xls）"),
        (b"PK\x03\x04 broken zip", "这不是有效的 Excel 文件"),
        (b"", "请选择要导入的 Excel 文件"),
        (b"PK" + b"0" * layout.MAX_BYTES, "文件不能超过 5 MB"),
    ],
    ids=["bytes", "csv", "xls", "broken-zip", "empty", "too-big"],
)
def test_a_file_that_is_not_a_workbook_is_refused(db, w, data, expected):
    [(sheet, row, _, message)] = problems(db, w, data)
    assert (sheet, row) == ("", None) and expected in message


def test_a_workbook_without_the_list_sheet_is_refused(db, w):
    data = book({"Sheet1": [HEAD, ["KS-0001", "开店", "行政许可", BUREAU]]})
    [(sheet, row, _, message)] = problems(db, w, data)
    assert message.startswith("找不到“事项清单”工作表") and "Sheet1" in message


def test_every_bad_row_is_listed_by_sheet_row_and_column(db, w):
    data = main(
        ["KS-0001", "个体工商户设立登记", "行政许可", "昆山市不存在局", "0512-57512345"],
        ["KS-0002", "食品经营许可", "行政许可", BUREAU, "咨询：不是号码"],
        ["KS-0002", "食品经营许可（重复）", "行政许可", BUREAU, ""],
        ["KS-0003", "户外招牌设置审批", "行政许可", BUREAU, ""],
        **{
            layout.MATERIALS: [
                ["事项编码", "材料名称", "原件份数", "复印件份数"],
                ["KS-0003", "招牌设计图", 0, 0],
                ["KS-0404", "身份证", 1, 0],
                ["KS-0003", "身份证", "两份", 0],
            ]
        },
    )
    found = problems(db, w, data)
    assert found == [
        (layout.MAIN, 2, "实施主体", "没有名为“昆山市不存在局”的单位，请填写系统中单位的全称"),
        (layout.MAIN, 3, "咨询电话", "“不是号码”不是电话号码，请写成 0512-57512345 或 12345 这样"),
        (layout.MAIN, 4, "事项编码", "事项编码 KS-0002 在第 3 行已有，一个事项只能填一行"),
        (layout.MATERIALS, 2, "", "“招牌设计图”的原件和复印件份数不能都是 0"),
        (
            layout.MATERIALS,
            3,
            "事项编码",
            "事项编码 KS-0404 不在“事项清单”工作表中，请先在那里填写这个事项",
        ),
        (layout.MATERIALS, 4, "原件份数", "请填写整数，例如 1"),
    ]


def test_unknown_related_codes_and_units_out_of_reach_are_refused(db, w):
    handler_unit_admin = accounts.principal(db, user=factories.staff(db, "administrator", w.bureau))
    data = main(
        ["KS-0001", "个体工商户设立登记", "行政许可", BUREAU, ""],
        ["KS-0002", "村里的事", "公共服务", TOWN, ""],
        head=[*HEAD[:4], "相关事项"],
    )
    db.commit()
    plan = excel_import.read_plan(db, data, staff=handler_unit_admin)
    assert [(p.row, p.column) for p in plan.problems] == [(3, "实施主体")]
    assert "您不能为“千灯镇人民政府”导入或修改事项" in plan.problems[0].message
    data = main(
        ["KS-0001", "个体工商户设立登记", "", BUREAU, "KS-0777"], head=[*HEAD[:4], "相关事项"]
    )
    assert problems(db, w, data) == [(layout.MAIN, 2, "相关事项", "没有这些事项编码：KS-0777")]


def test_a_withdrawn_matter_edited_in_the_file_is_published_again_and_says_so(db, w):
    gone = matter(db, "KS-0001", unit=w.bureau)
    service.withdraw(db, matter=gone, reason="合并到其他事项")
    db.commit()
    plan = plan_of(db, w, main(["KS-0001", "恢复办理的事项", "行政许可", BUREAU, "12345"]))
    [item] = plan.items
    assert item.action == "publish" and "重新发布" in item.note
    excel_import.apply(db, plan, staff=w.admin)
    assert gone.status == MatterStatus.published and gone.current_number == 2
    assert gone.versions[0].valid_to is not None and gone.withdrawn_reason == ""


def test_a_plan_changes_when_someone_publishes_after_the_preview(db, w):
    old = matter(db, "KS-0001", unit=w.bureau)
    db.commit()
    data = main(["KS-0001", "新的名称", "行政许可", BUREAU, "0512-57512345"])
    before = plan_of(db, w, data).digest
    service.publish_version(db, matter=old, content=content(summary="别人改的"))
    db.commit()
    assert plan_of(db, w, data).digest != before


def test_two_thousand_rows_are_read_and_imported_in_a_few_seconds(db, w):
    matter(db, "KS-00001", unit=w.bureau)
    db.commit()
    rows = [
        [f"KS-{n:05d}", f"事项{n}", "公共服务", BUREAU if n % 2 else TOWN, "0512-57512345"]
        for n in range(1, 2001)
    ]
    items = [["事项编码", "材料名称", "原件份数", "复印件份数"]] + [
        [f"KS-{n:05d}", name, 1, 1] for n in range(1, 2001) for name in ("身份证", "申请书")
    ]
    data = main(*rows, **{layout.MATERIALS: items})
    started = time.perf_counter()
    plan = plan_of(db, w, data)
    assert plan.problems == [] and len(plan.of("create")) == 1999 and len(plan.of("publish")) == 1
    assert excel_import.apply(db, plan, staff=w.admin) == (1999, 1)
    db.commit()
    elapsed = time.perf_counter() - started
    assert counts(db) == (2000, 2001)
    assert elapsed < 30, elapsed  # a few seconds here; generous for a busy test machine
    assert service.get_matter(db, code="KS-00001").status == MatterStatus.published
