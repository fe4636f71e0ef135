"""The import and export pages: downloads, upload → preview → confirm, errors listed with nothing
written, a tampered or stale confirmation refused, handlers kept out, and the English page."""

from __future__ import annotations

import base64
import html
import io
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from minsheng.guides import excel_layout as layout
from minsheng.guides import service
from minsheng.web.i18n import translations
from tests import factories
from tests.conftest import csrf, login
from tests.factories import PASSWORD
from tests.guides import content, matter
from tests.guides import test_excel_import as kit
from tests.guides.test_excel_import import BUREAU, TOWN, main

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATES = Path(layout.__file__).parents[1] / "web" / "templates" / "guides" / "excel"


@pytest.fixture
def admin(db: Session) -> None:
    city = factories.UnitFactory(name="昆山市")
    bureau = factories.UnitFactory(name=BUREAU, parent=city)
    factories.UnitFactory(name=TOWN, parent=city)
    factories.staff(db, "administrator", city, username="guanli")
    factories.staff(db, "handler", bureau, username="banli")
    matter(db, "KS-0001", unit=bureau)
    db.commit()


def counts(db: Session) -> tuple[int, int]:
    """Matters and versions, without keeping the test's session in a transaction (SQLite would
    then lock the app out)."""
    found = kit.counts(db)
    db.rollback()
    return found


def upload(client, data: bytes, name: str = "事项.xlsx"):
    return client.post(
        "/staff/guides/import",
        data={"csrf_token": csrf(client)},
        files={"file": (name, data, XLSX)},
    )


def confirm(client, fields: dict[str, str]):
    return client.post("/staff/guides/import/confirm", data=fields, follow_redirects=False)


def hidden(page: str) -> dict[str, Any]:
    """The confirmation form's fields; the file comes in several payload fields."""
    fields: dict[str, Any] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page):
        if name == "payload":
            fields.setdefault(name, []).append(html.unescape(value))
        else:
            fields[name] = html.unescape(value)
    return fields


def text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def good_file() -> bytes:
    return main(
        ["KS-0001", "个体工商户设立登记（第二版）", "行政许可", BUREAU, "0512-57512345"],
        ["KS-0002", "户外招牌设置审批", "行政许可", TOWN, "0512-57461234"],
    )


def test_the_template_and_the_export_download_as_workbooks(db, client, admin):
    login(client, "guanli", PASSWORD)
    template = client.get("/staff/guides/import/template.xlsx")
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    assert "attachment" in template.headers["content-disposition"]
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == layout.GUIDE
    exported = client.get("/staff/guides/export.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content))[layout.MAIN]
    assert [r[:2] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("KS-0001", "个体工商户设立登记")
    ]
    again = upload(client, exported.content)
    assert again.status_code == 200 and "没有变化" in text(again.text)
    assert "确认导入" not in again.text


def test_upload_previews_then_confirm_imports(db, client, admin):
    login(client, "guanli", PASSWORD)
    before = counts(db)
    preview = upload(client, good_file())
    assert preview.status_code == 200, preview.text
    shown = text(preview.text)
    assert "将新建 1 个事项，1 个事项发布新版本" in shown
    assert "KS-0002" in shown and "第 2 版，改动：事项名称、咨询电话" in shown
    assert counts(db) == before  # a preview writes nothing
    done = confirm(client, hidden(preview.text))
    assert done.status_code == 303
    assert done.headers["location"] == "/staff/guides/import?created=1&updated=1"
    db.expire_all()
    assert counts(db) == (before[0] + 1, before[1] + 2)
    assert service.get_matter(db, code="KS-0001").current_number == 2
    db.rollback()
    page = client.get(done.headers["location"])
    assert "新建 1 个事项，1 个事项发布了新版本" in text(page.text)


def test_a_bad_file_lists_every_error_and_imports_nothing(db, client, admin):
    login(client, "guanli", PASSWORD)
    before = counts(db)
    data = main(
        ["KS-0002", "户外招牌设置审批", "行政许可", "不存在的局", "不知道的号码"],
        ["KS-0002", "重复", "行政许可", TOWN, ""],
        **{
            layout.MATERIALS: [
                ["事项编码", "材料名称", "原件份数", "复印件份数"],
                ["KS-0002", "申请书", 0, 0],
            ]
        },
    )
    page = upload(client, data)
    assert page.status_code == 422
    shown = text(page.text)
    assert "不能导入" in shown and "确认导入" not in shown
    assert "没有名为“不存在的局”的单位" in shown and "“不知道的号码”不是电话号码" in shown
    assert "事项编码 KS-0002 在第 2 行已有" in shown
    assert re.search(r"申请材料\s+2\s+—\s+“申请书”的原件和复印件份数不能都是 0", shown)
    assert counts(db) == before
    missing = upload(client, main(["KS-0003", "x"], head=["事项编码", "事项类型"]))
    assert missing.status_code == 422 and "缺少列：事项名称、实施主体" in text(missing.text)
    renamed = upload(client, "事项编码,事项名称\nKS-1,开店\n".encode(), name="list.xlsx")
    assert renamed.status_code == 422 and "这是文本（CSV）文件" in text(renamed.text)
    nothing = client.post("/staff/guides/import", data={"csrf_token": csrf(client)})
    assert nothing.status_code == 422 and "请选择要导入的 Excel 文件" in text(nothing.text)
    assert counts(db) == before


def test_a_tampered_or_stale_confirmation_imports_nothing(db, client, admin):
    login(client, "guanli", PASSWORD)
    before = counts(db)
    fields = hidden(upload(client, good_file()).text)
    other = main(["KS-0009", "偷换的事项", "行政许可", BUREAU, ""])
    forged = {**fields, "payload": base64.urlsafe_b64encode(other).decode()}
    refused = confirm(client, forged)
    assert refused.status_code == 422 and "请重新上传文件" in text(refused.text)
    assert counts(db) == before
    first = service.get_matter(db, code="KS-0001")
    service.publish_version(db, matter=first, content=content(summary="别人刚改的"))
    db.commit()
    before = counts(db)
    stale = confirm(client, fields)
    assert stale.status_code == 200 and "预览之后事项有了变化" in text(stale.text)
    assert counts(db) == before
    again = confirm(client, hidden(stale.text))
    assert again.status_code == 303 and counts(db) == (before[0] + 1, before[1] + 2)


def test_a_file_over_a_megabyte_is_previewed_and_confirmed(db, client, admin):
    login(client, "guanli", PASSWORD)
    head = ["事项编码", "事项名称", "实施主体", "设定依据", "受理条件"]
    rows = [
        [f"KS-1{n:03d}", f"事项{n}", BUREAU, secrets.token_hex(2000), secrets.token_hex(2000)]
        for n in range(300)
    ]
    data = main(*rows, head=head)
    assert len(data) > 1024 * 1024
    fields = hidden(upload(client, data).text)
    assert len(fields["payload"]) > 2
    done = confirm(client, fields)
    assert done.status_code == 303 and "created=300" in done.headers["location"]


def test_handlers_may_not_import_or_export(db, client, admin):
    login(client, "banli", PASSWORD)
    for url in (
        "/staff/guides/import",
        "/staff/guides/import/template.xlsx",
        "/staff/guides/export.xlsx",
    ):
        assert client.get(url).status_code == 403, url
    assert upload(client, good_file()).status_code == 403
    assert confirm(client, {"csrf_token": csrf(client)}).status_code == 403
    assert counts(db)[0] == 1


CHINESE = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def test_every_text_of_the_pages_has_an_english_translation():
    english = translations("en")
    texts: set[str] = {
        "新建并发布",
        "该事项已停止办理，导入后重新发布",
        "该事项还是草稿，导入后发布",
    }
    texts.add("预览之后事项有了变化，请核对下面的内容后再次确认。")
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not CHINESE.search(JINJA.sub("", source)), path.name
        for quoted in re.findall(r"""["']([^"'{}<>]*)["']""", source):
            if CHINESE.search(quoted):
                texts.add(quoted)
    assert "确认导入" in texts
    assert sorted(t for t in texts if english.gettext(t) == t) == []


def test_the_pages_render_in_english(db, client, admin):
    client.cookies.set("minsheng_lang", "en")
    login(client, "guanli", PASSWORD)
    page = client.get("/staff/guides/import").text
    assert "Import and export matters" in page and "Download the import template" in page
    preview = upload(client, good_file()).text
    assert "Confirm import" in preview and "Import preview" in preview
    assert "导入预览" not in preview
