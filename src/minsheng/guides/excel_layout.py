"""The Excel layout of the catalogue (政务服务事项清单), shared by the import, the export and the
template, with the reading of a sheet and its cells. One workbook, found by sheet name and
header text (column order is free; a title may sit above the header):

- 事项清单, one row per matter: 事项编码*, 事项名称*, 事项类型, 实施主体* (a unit's exact full
  name), 办理窗口, 设定依据, 受理条件, 法定办结时限, 承诺办结时限 (working days; 即办 or 0 for at
  once), 收费标准, 办理地点, 办理时间, 到现场次数, 网上办理地址, 咨询电话, 投诉电话 (one number a
  line, "名称：号码"), 一句话说明, 检索关键词, 相关事项 (codes separated by 、), and, beyond the
  national list, 网上办理说明, 纬度, 经度, 修改说明. 状态 and 当前版本 are written by the export
  and not read. Columns marked * must be present.
- 申请材料 (事项编码*, 材料名称*, 原件份数, 复印件份数, 是否必需, 备注), 办理流程 (事项编码*,
  序号, 步骤*, 说明), 常见问题 (事项编码*, 问题*, 回答*), 申请表格 (事项编码*, 表格名称*,
  下载地址): one row per item. A sheet in the file is the whole list for every matter of
  事项清单 (no rows: none); a sheet left out keeps existing matters' lists as they are.
- A column left out likewise keeps an existing matter's value (a new matter gets the default);
  an empty cell means empty. Unknown columns and sheets are ignored with a notice.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from minsheng.guides.schemas import normalize_phone

MAIN = "事项清单"
MATERIALS = "申请材料"
STEPS = "办理流程"
QUESTIONS = "常见问题"
FORMS = "申请表格"
GUIDE = "填写说明"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # matters in one file; a county's whole catalogue fits
MAX_ITEM_ROWS = 100_000
EXAMPLE = "示例"  # the template's example row starts its code with this: never imported


@dataclass(frozen=True)
class Column:
    name: str
    field: str  # the MatterContent field (or code/unit/phone kind) it fills
    width: int = 16
    required: bool = False
    how: str = ""  # one line for the 填写说明 sheet


MAIN_COLUMNS = (
    Column("事项编码", "code", 22, True, "字母、数字和短横线，2 到 40 位；已有的编码发布新版本"),
    Column("事项名称", "title", 26, True, "2 到 100 个字"),
    Column("事项类型", "kind", 12, how="行政许可、行政确认、…、公共服务，不填为公共服务"),
    Column("实施主体", "unit", 24, True, "单位全称，与系统中的单位名称完全一致"),
    Column("办理窗口", "window", 18),
    Column("设定依据", "basis", 30),
    Column("受理条件", "conditions", 30),
    Column("法定办结时限", "legal_days", 10, how="工作日数，如 15；即办填 0；不填表示无"),
    Column("承诺办结时限", "promised_days", 10, how="工作日数，不能长于法定时限；即办填 0"),
    Column("收费标准", "fee", 14, how="如 不收费"),
    Column("办理地点", "place", 30),
    Column("办理时间", "hours", 20),
    Column("到现场次数", "visits", 8, how="0 到 5，全程网办填 0"),
    Column("网上办理地址", "online_url", 24, how="以 https:// 开头"),
    Column("咨询电话", "consult", 24, how="每行一个，写成 名称：号码，如 登记咨询：0512-57512345"),
    Column("投诉电话", "complaint", 18, how="同上，如 12345"),
    Column("一句话说明", "summary", 30, how="印在知晓卡上，300 字以内"),
    Column("检索关键词", "keywords", 20, how="用空格分开，如 开店 营业执照"),
    Column("相关事项", "related", 20, how="事项编码，用顿号分开；可以是本文件中的新事项"),
    Column("网上办理说明", "online_note", 20),
    Column("纬度", "latitude", 10, how="地图位置，如 31.385；与经度一起填写"),
    Column("经度", "longitude", 10, how="如 120.953"),
    Column("修改说明", "change_note", 20, how="写进新版本，不填为“Excel 导入”"),
)
MATERIAL_COLUMNS = (
    Column("事项编码", "code", 22, True),
    Column("材料名称", "name", 30, True),
    Column("原件份数", "originals", 10, how="整数，不填为 1"),
    Column("复印件份数", "copies", 10, how="整数，不填为 0；原件和复印件不能都是 0"),
    Column("是否必需", "required", 10, how="是 或 否，不填为 是"),
    Column("备注", "note", 30, how="来源、要求"),
)
STEP_COLUMNS = (
    Column("事项编码", "code", 22, True),
    Column("序号", "position", 8, how="决定先后，不填的排在后面"),
    Column("步骤", "title", 20, True),
    Column("说明", "text", 40),
)
QUESTION_COLUMNS = (
    Column("事项编码", "code", 22, True),
    Column("问题", "question", 30, True),
    Column("回答", "answer", 50, True),
)
FORM_COLUMNS = (
    Column("事项编码", "code", 22, True),
    Column("表格名称", "name", 30, True),
    Column("下载地址", "url", 40, how="以 https:// 开头"),
)
PHONE_COLUMNS = {"consult": "咨询电话", "complaint": "投诉电话"}
# The export writes these for the reader; the import passes over them without a notice.
REFERENCE = {MAIN: ("状态", "当前版本")}
ITEM_SHEETS = {
    MATERIALS: ("materials", MATERIAL_COLUMNS),
    STEPS: ("steps", STEP_COLUMNS),
    QUESTIONS: ("questions", QUESTION_COLUMNS),
    FORMS: ("forms", FORM_COLUMNS),
}
SHEETS = {MAIN: MAIN_COLUMNS, **{name: columns for name, (_, columns) in ITEM_SHEETS.items()}}
# Headers other lists use for the same column.
ALIASES = {
    "事项编号": "事项编码",
    "实施机构": "实施主体",
    "法定时限": "法定办结时限",
    "承诺时限": "承诺办结时限",
    "到办事现场次数": "到现场次数",
    "咨询方式": "咨询电话",
    "监督投诉方式": "投诉电话",
    "是否必要": "是否必需",
    "材料备注": "备注",
    "步骤名称": "步骤",
}
# The name a person reads for a changed field (MatterContent field → column or sheet).
FIELD_LABELS = {c.field: c.name for c in MAIN_COLUMNS} | {
    "unit": "实施主体",
    "materials": MATERIALS,
    "steps": STEPS,
    "questions": QUESTIONS,
    "forms": FORMS,
}

_SPACES = re.compile(r"\s+")
_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]")
_LIST_SPLIT = re.compile(r"[\s、，,；;/]+")
_COUNT = re.compile(r"^(\d{1,4})\s*(份|次|个工作日|工作日|个|日|天)?$")
YES = {"是", "必需", "必要", "必须", "必交", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "非必需", "非必要", "容缺", "可选", "n", "no", "false", "0", "×"}


def header_key(value: Any) -> str:
    """A header as written by anyone: full-width brackets, spaces and a * for required."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return _SPACES.sub("", text).replace("*", "").replace("※", "")


def match_header(value: Any, names: set[str]) -> str | None:
    """The column a header names: exactly, by a known alias, or without a note in brackets
    (法定办结时限（工作日） is 法定办结时限)."""
    key = header_key(value)
    for candidate in (key, _BRACKETS.sub("", key)):
        candidate = ALIASES.get(candidate, candidate)
        if candidate in names:
            return candidate
    return None


def text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def count(value: Any, *, at_once: bool = False) -> int | None:
    """A whole number as typed (3, 3.0, "3份", "15个工作日", 即办 → 0); None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError("请填写整数")
    if isinstance(value, int | float):
        if float(value).is_integer():
            return int(value)
        raise ValueError("请填写整数")
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    if at_once and raw in ("即办", "当场办结", "立即办结"):
        return 0
    match = _COUNT.match(raw)
    if match is None:
        raise ValueError("请填写整数，例如 1" if not at_once else "请填写工作日数，例如 15")
    return int(match.group(1))


def decimal(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(unicodedata.normalize("NFKC", str(value)).strip())
    except ValueError:
        raise ValueError("请填写数字，例如 31.385") from None


def yes_no(value: Any) -> bool:
    raw = unicodedata.normalize("NFKC", text(value)).lower()
    if raw == "" or raw in YES:
        return True
    if raw in NO:
        return False
    raise ValueError("请填写“是”或“否”")


def codes(value: Any) -> list[str]:
    """Matter codes from one cell, separated by 、 commas, spaces or new lines."""
    raw = unicodedata.normalize("NFKC", text(value))
    return [c for c in _LIST_SPLIT.split(raw) if c]


_PHONE_LINES = re.compile(r"[\n；;]+")
_PHONE_PARTS = re.compile(r"[、，,]+")
_LABEL_THEN_NUMBER = re.compile(r"^(.*?[^\d\s+(（-])\s*([+(（]?\d[\d\s()（）+-]*(?:转\d+)?)$")


def phones(value: Any, kind: str) -> list[dict[str, str]]:
    """Phone entries from one cell: "名称：号码" a line, or numbers with an optional label before
    them separated by 、; the numbers are checked by the schema."""
    entries = []
    for line in _PHONE_LINES.split(text(value)):
        line = line.strip()
        if not line:
            continue
        if "：" in line or ":" in line:
            label, _, number = line.replace(":", "：").rpartition("：")
            entries.append({"kind": kind, "label": label.strip(), "number": number.strip()})
            continue
        for part in _PHONE_PARTS.split(line):
            part = part.strip()
            if not part:
                continue
            match = None if normalize_phone(part) else _LABEL_THEN_NUMBER.match(part)
            label, number = (match.group(1), match.group(2)) if match else ("", part)
            entries.append({"kind": kind, "label": label.strip(), "number": number.strip()})
    return entries


def phone_cell(entries: list[dict[str, Any]], kind: str) -> str:
    """The phones of one kind as the import reads them back."""
    lines = []
    for entry in entries:
        if entry.get("kind") == kind:
            label = entry.get("label") or ""
            lines.append(f"{label}：{entry['number']}" if label else entry["number"])
    return "\n".join(lines)


GUIDE_LINES = (
    "本文件是政务服务事项清单（办事指南）的导入格式，导出的文件也是这个格式，改好后可以直接导入。",
    "1. “事项清单”工作表每行一个事项；“申请材料”“办理流程”“常见问题”“申请表格”每行一项，"
    "用“事项编码”对应到事项。",
    "2. 按第 1 行的列名找列，列的先后可以调换；带 * 的列必须有。多出来的列不导入，会提示。",
    "3. 事项编码已存在的，发布为该事项的新版本，旧版本保留并注明起止日期；内容没有变化的不发布。"
    "事项编码不存在的，新建并发布。",
    "4. 某一列整列不要时可以删掉：已有事项保留原来的内容。留着列但单元格为空，表示这一项为空。",
    "5. 某个工作表（如“申请材料”）在文件中，就是每个事项的全部材料：没有行的事项，没有材料。"
    "整个工作表删掉，已有事项保留原来的材料。",
    "6. 整个文件一次导入：先预览将新建和更新的事项，确认后才导入；只要有一处错误，就一个都不导入，"
    "并列出每个错误所在的工作表、行号、列和原因。",
    f"7. 事项编码以“{EXAMPLE}”开头的行是示例，不会导入，请删除或改成真实事项。",
    f"8. 一个文件最多 {MAX_ROWS} 个事项，文件不超过 {MAX_BYTES // (1024 * 1024)} MB；"
    "“状态”“当前版本”两列是导出时写的，导入时不读。",
)


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # the Excel row number; None for the file or a sheet's header
    column: str
    message: str


@dataclass
class Sheet:
    name: str
    columns: dict[str, int]
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)

    def get(self, cells: tuple[Any, ...], column: str) -> Any:
        index = self.columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    def has(self, column: str) -> bool:
        return column in self.columns


class Refused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def open_workbook(content: bytes) -> Any:
    def refuse(message: str) -> Refused:
        return Refused([Problem("", None, "", message)])

    if not content:
        raise refuse("请选择要导入的 Excel 文件")
    if len(content) > MAX_BYTES:
        raise refuse(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB，请分成几个文件导入")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse("这是旧版 Excel（.xls）文件，请用 Excel 另存为 .xlsx 后再导入")
    if not content.startswith(b"PK"):
        head = content[:2000]
        looks_text = b"\x00" not in head and (b"," in head or b"\t" in head)
        raise refuse(
            "这是文本（CSV）文件，不是 Excel 文件；请用 Excel 打开后另存为 .xlsx 再导入"
            if looks_text
            else "这不是有效的 Excel 文件（.xlsx），请用下载的模板填写后导入"
        )
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, TypeError):
        raise refuse("这不是有效的 Excel 文件（.xlsx），请用下载的模板填写后导入") from None


def _is_code(value: Any) -> bool:
    return match_header(value, {"事项编码"}) == "事项编码"


def read_sheet(
    workbook: Any,
    name: str,
    columns: tuple[Column, ...],
    limit: int,
    problems: list[Problem],
    notices: list[str],
) -> Sheet | None:
    """The sheet's columns found by header (in one of the first rows: a title may sit above)."""
    names = {c.name for c in columns}
    reference = set(REFERENCE.get(name, ()))
    rows = workbook[name].iter_rows(values_only=True)
    top = list(itertools.islice(rows, 5))
    at = next((i for i, r in enumerate(top) if any(_is_code(v) for v in r)), 0)
    header: tuple[Any, ...] = top[at] if top else ()
    found: dict[str, int] = {}
    unknown, twice = [], []
    for index, value in enumerate(header):
        column = match_header(value, names)
        if column is None:
            if header_key(value) and header_key(value) not in reference:
                unknown.append(text(value))
        elif column in found:
            twice.append(column)
        else:
            found[column] = index
    missing = [c.name for c in columns if c.required and c.name not in found]
    if missing:
        problems.append(Problem(name, None, "", f"缺少列：{'、'.join(missing)}"))
    if twice:
        message = f"这些列出现了两次：{'、'.join(twice)}，请只留一列"
        problems.append(Problem(name, None, "", message))
    if missing or twice:
        return None
    if unknown:
        notices.append(f"“{name}”工作表的这些列不认识，不导入：{'、'.join(unknown)}")
    sheet = Sheet(name, found)
    for number, cells in enumerate(itertools.chain(top[at + 1 :], rows), start=at + 2):
        if any(v not in (None, "") for v in cells):
            sheet.rows.append((number, cells))
            if len(sheet.rows) > limit:
                message = f"“{name}”工作表超过 {limit} 行，请分成几个文件导入"
                problems.append(Problem(name, None, "", message))
                return None
    return sheet
