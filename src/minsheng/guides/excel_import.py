"""Reading a catalogue workbook (layout in excel_layout.py) into a plan: which matters are new,
which get a new version and what changed in them, and every problem by sheet, row and column.
A plan with any problem is never applied: the import is the whole file or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from minsheng.core.db import utcnow
from minsheng.core.errors import Conflict
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides import excel_layout as layout
from minsheng.guides import service
from minsheng.guides.models import Matter, MatterStatus, MatterVersion
from minsheng.guides.permissions import EDIT_GUIDES
from minsheng.guides.schemas import CODE, MatterContent
from minsheng.org import service as org
from minsheng.org.models import Unit
from minsheng.web.forms import field_message

FIELDS = tuple(f for f in MatterContent.model_fields if f != "change_note")
DEFAULT_NOTE = "Excel 导入"


@dataclass
class Item:
    """One matter of the file as it will be imported."""

    row: int
    code: str
    unit: Unit
    content: MatterContent
    matter: Matter | None = None
    base_number: int | None = None  # the version the changes are measured against
    changed: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.matter is None:
            return "create"
        return "publish" if self.changed else "same"

    @property
    def note(self) -> str:
        if self.matter is None or not self.changed:
            return ""
        if self.matter.status == MatterStatus.withdrawn:
            return "该事项已停止办理，导入后重新发布"
        if self.matter.status == MatterStatus.draft:
            return "该事项还是草稿，导入后发布"
        return ""


@dataclass
class Plan:
    items: list[Item] = field(default_factory=list)
    problems: list[layout.Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def of(self, action: str) -> list[Item]:
        return [i for i in self.items if i.action == action]

    @property
    def digest(self) -> str:
        """What the confirmation promises: it must still hold when applied."""
        shape = [(i.code, i.action, i.base_number, i.unit.id, i.changed) for i in self.items]
        return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()


def _is_example(value: Any) -> bool:
    return layout.text(value).startswith(layout.EXAMPLE)


def _code(value: Any) -> str:
    if isinstance(value, float) and abs(value) >= 1e15:
        raise ValueError("编码被 Excel 当成了数字，末几位可能已丢失；请把这一列设为文本后重新填写")
    code = unicodedata.normalize("NFKC", layout.text(value))
    if not code:
        raise ValueError("请填写事项编码")
    if not CODE.match(code):
        raise ValueError("事项编码只能用字母、数字和短横线，2 到 40 位")
    return code


@dataclass
class _Row:
    number: int
    code: str
    unit_name: str
    values: dict[str, Any]
    change_note: str
    phone_kinds: set[str] = field(default_factory=set)  # the phone columns the sheet has
    # Which sheet row each list entry came from, so that its problem names that row.
    sources: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


_MAIN_PARSERS = {
    "legal_days": lambda v: layout.count(v, at_once=True),
    "promised_days": lambda v: layout.count(v, at_once=True),
    "visits": lambda v: 1 if v in (None, "") else layout.count(v),
    "latitude": layout.decimal,
    "longitude": layout.decimal,
    "kind": lambda v: layout.text(v) or "公共服务",
    "related": layout.codes,
}
_ITEM_PARSERS: dict[str, Any] = {
    "originals": layout.count,
    "copies": layout.count,
    "required": layout.yes_no,
    "position": layout.count,
}


def _main_rows(sheet: layout.Sheet, plan: Plan) -> tuple[dict[str, _Row], set[str]]:
    rows: dict[str, _Row] = {}
    seen: dict[str, int] = {}
    examples = 0
    for number, cells in sheet.rows:
        if _is_example(sheet.get(cells, "事项编码")):
            examples += 1
            continue
        try:
            code = _code(sheet.get(cells, "事项编码"))
        except ValueError as exc:
            plan.problems.append(layout.Problem(sheet.name, number, "事项编码", str(exc)))
            continue
        if code in seen:
            message = f"事项编码 {code} 在第 {seen[code]} 行已有，一个事项只能填一行"
            plan.problems.append(layout.Problem(sheet.name, number, "事项编码", message))
            continue
        seen[code] = number
        values: dict[str, Any] = {}
        phones: list[dict[str, Any]] = []
        for column in layout.MAIN_COLUMNS:
            if not sheet.has(column.name) or column.field in ("code", "unit", "change_note"):
                continue
            raw = sheet.get(cells, column.name)
            if column.field in ("consult", "complaint"):
                phones += layout.phones(raw, column.field)
                continue
            parse = _MAIN_PARSERS.get(column.field, layout.text)
            try:
                values[column.field] = parse(raw)
            except ValueError as exc:
                plan.problems.append(layout.Problem(sheet.name, number, column.name, str(exc)))
        kinds = {kind for kind, name in layout.PHONE_COLUMNS.items() if sheet.has(name)}
        if kinds:
            values["phones"] = phones
        unit_name = layout.text(sheet.get(cells, "实施主体"))
        note = layout.text(sheet.get(cells, "修改说明")) or DEFAULT_NOTE
        rows[code] = _Row(number, code, unit_name, values, note, kinds)
    if examples:
        plan.notices.append(f"“{layout.EXAMPLE}”开头的 {examples} 个示例事项不导入")
    return rows, set(seen)


def _item_rows(
    sheet: layout.Sheet, key: str, columns: tuple[layout.Column, ...], rows: dict[str, _Row],
    in_file: set[str], plan: Plan,
) -> None:  # fmt: skip
    """Fills each matter's list from the sheet; a code must be a row of 事项清单."""
    lists: dict[str, list[tuple[int, dict[str, Any]]]] = {code: [] for code in rows}
    for number, cells in sheet.rows:
        code = unicodedata.normalize("NFKC", layout.text(sheet.get(cells, "事项编码")))
        if code.startswith(layout.EXAMPLE):
            continue
        if not code:
            plan.problems.append(layout.Problem(sheet.name, number, "事项编码", "请填写事项编码"))
            continue
        if code not in in_file:
            message = f"事项编码 {code} 不在“{layout.MAIN}”工作表中，请先在那里填写这个事项"
            plan.problems.append(layout.Problem(sheet.name, number, "事项编码", message))
            continue
        entry: dict[str, Any] = {}
        failed = False
        for column in columns:
            if column.field == "code" or not sheet.has(column.name):
                continue
            raw = sheet.get(cells, column.name)
            try:
                value = _ITEM_PARSERS.get(column.field, layout.text)(raw)
            except ValueError as exc:
                plan.problems.append(layout.Problem(sheet.name, number, column.name, str(exc)))
                failed = True
                continue
            if value is not None:
                entry[column.field] = value
        if not failed and code in lists:
            lists[code].append((number, entry))
    for code, entries in lists.items():
        if key == "steps":  # by 序号; those without one after, in file order
            entries.sort(key=lambda e: (e[1].get("position") is None, e[1].get("position") or 0))
        for _, entry in entries:
            entry.pop("position", None)
        rows[code].values[key] = [entry for _, entry in entries]
        rows[code].sources[key] = [(sheet.name, number) for number, _ in entries]


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing(db: Session, codes: list[str]) -> dict[str, Matter]:
    found: dict[str, Matter] = {}
    for chunk in _chunks(codes):
        query = (
            select(Matter)
            .where(Matter.code.in_(chunk))
            .options(selectinload(Matter.versions), joinedload(Matter.unit))
        )
        found.update((m.code, m) for m in db.scalars(query).unique())
    return found


def latest(matter: Matter) -> MatterVersion | None:
    """The text the file is compared with: the current version, or a draft's last one."""
    return service.current_version(matter) or (matter.versions[-1] if matter.versions else None)


def stored(version: MatterVersion) -> dict[str, Any]:
    return {name: getattr(version, name) for name in FIELDS}


def _content_problems(row: _Row, exc: ValidationError) -> list[layout.Problem]:
    problems = []
    for error in exc.errors():
        loc = error.get("loc") or ()
        message = field_message(error)
        name = str(loc[0]) if loc else ""
        sources = row.sources.get(name)
        if sources and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(sources):
            sheet, number = sources[loc[1]]
            columns = {c.field: c.name for c in layout.SHEETS[sheet]}
            column = columns.get(str(loc[2]), "") if len(loc) > 2 else ""
            problems.append(layout.Problem(sheet, number, column, message))
            continue
        column = layout.FIELD_LABELS.get(name, "")
        if name == "phones" and len(loc) > 1 and isinstance(loc[1], int):
            phones = row.values.get("phones") or []
            kind = phones[loc[1]]["kind"] if loc[1] < len(phones) else "consult"
            column = layout.FIELD_LABELS[kind]
        problems.append(layout.Problem(layout.MAIN, row.number, column, message))
    return problems


def _changes(content: MatterContent, base: dict[str, Any], unit: Unit, matter: Matter) -> list[str]:
    new = content.model_dump(mode="json")
    changed = ["实施主体"] if unit.id != matter.unit_id else []
    for name in FIELDS:
        if name == "phones":
            for kind in ("consult", "complaint"):
                mine = [p for p in new["phones"] if p["kind"] == kind]
                if mine != [p for p in base["phones"] if p.get("kind") == kind]:
                    changed.append(layout.FIELD_LABELS[kind])
        elif new[name] != base[name]:
            changed.append(layout.FIELD_LABELS.get(name, name))
    return changed


def _plan_row(
    db: Session, row: _Row, matter: Matter | None, units: dict[str, Unit | None],
    known: set[str], staff: StaffPrincipal, plan: Plan,
) -> None:  # fmt: skip
    problems = []
    if not row.unit_name:
        problems.append(layout.Problem(layout.MAIN, row.number, "实施主体", "请填写实施主体单位"))
        unit = None
    else:
        if row.unit_name not in units:
            units[row.unit_name] = org.get_unit_by_name(db, name=row.unit_name)
        unit = units[row.unit_name]
        if unit is None or not unit.active:
            message = f"没有名为“{row.unit_name}”的单位，请填写系统中单位的全称"
            if unit is not None:
                message = f"“{row.unit_name}”已停用，请换成现在承办的单位"
            problems.append(layout.Problem(layout.MAIN, row.number, "实施主体", message))
            unit = None
        elif not staff.can(EDIT_GUIDES, unit.path) or (
            matter is not None and not service.may_edit(staff, matter)
        ):
            message = f"您不能为“{unit.name}”导入或修改事项"
            problems.append(layout.Problem(layout.MAIN, row.number, "实施主体", message))
    version = latest(matter) if matter is not None else None
    base = stored(version) if version is not None else {}
    values = {**base, **row.values, "change_note": row.change_note}
    if row.phone_kinds and base:  # a phone column left out keeps that kind's numbers
        kept = [p for p in base["phones"] if p.get("kind") not in row.phone_kinds]
        values["phones"] = [*row.values["phones"], *kept]
    values["related"] = [c for c in dict.fromkeys(values.get("related", [])) if c != row.code]
    missing = [c for c in values["related"] if c not in known]
    if missing:
        message = f"没有这些事项编码：{'、'.join(missing)}"
        problems.append(layout.Problem(layout.MAIN, row.number, "相关事项", message))
    content = None
    try:
        content = MatterContent.model_validate(values)
    except ValidationError as exc:
        problems += _content_problems(row, exc)
    if problems or content is None or unit is None:
        plan.problems += problems
        return
    item = Item(row.number, row.code, unit, content, matter)
    if matter is not None and version is not None:
        item.base_number = version.number
        item.changed = _changes(content, base, unit, matter)
    plan.items.append(item)


def read_plan(db: Session, content: bytes, *, staff: StaffPrincipal) -> Plan:
    """Every sheet, row and cell checked against the layout, the schema and the database."""
    plan = Plan()
    try:
        workbook = layout.open_workbook(content)
    except layout.Refused as refused:
        plan.problems += refused.problems
        return plan
    sheets: dict[str, layout.Sheet | None] = {}
    try:
        if layout.MAIN not in workbook.sheetnames:
            names = "、".join(workbook.sheetnames)
            message = f"找不到“{layout.MAIN}”工作表（文件里的工作表：{names}），请使用下载的模板"
            plan.problems.append(layout.Problem(layout.MAIN, None, "", message))
            return plan
        for name, columns in layout.SHEETS.items():
            if name in workbook.sheetnames:
                limit = layout.MAX_ROWS if name == layout.MAIN else layout.MAX_ITEM_ROWS
                sheets[name] = layout.read_sheet(
                    workbook, name, columns, limit, plan.problems, plan.notices
                )
        other = [n for n in workbook.sheetnames if n not in layout.SHEETS and n != layout.GUIDE]
        if other:
            plan.notices.append(f"这些工作表不导入：{'、'.join(other)}")
    finally:
        workbook.close()
    main = sheets[layout.MAIN]
    if plan.problems or main is None:
        return plan
    if not main.rows:
        plan.problems.append(
            layout.Problem(layout.MAIN, None, "", f"“{layout.MAIN}”工作表没有事项")
        )
        return plan
    rows, in_file = _main_rows(main, plan)
    if not rows and not plan.problems:
        message = f"“{layout.MAIN}”工作表除了示例没有事项，请在示例下面逐行填写"
        plan.problems.append(layout.Problem(layout.MAIN, None, "", message))
        return plan
    for name, (key, columns) in layout.ITEM_SHEETS.items():
        sheet = sheets.get(name)
        if sheet is not None:
            _item_rows(sheet, key, columns, rows, in_file, plan)
        else:
            plan.notices.append(f"文件中没有“{name}”工作表：已有事项保留原来的{name}")
    matters = _existing(db, list(rows))
    related = {c for r in rows.values() for c in r.values.get("related", [])}
    known = set(rows) | set(_existing_codes(db, sorted(related - set(rows))))
    units: dict[str, Unit | None] = {}
    for row in rows.values():
        _plan_row(db, row, matters.get(row.code), units, known, staff, plan)
    order = list(layout.SHEETS)
    plan.problems.sort(key=lambda p: (order.index(p.sheet) if p.sheet in order else -1, p.row or 0))
    return plan


def _existing_codes(db: Session, codes: list[str]) -> list[str]:
    found: list[str] = []
    for chunk in _chunks(codes):
        found += db.scalars(select(Matter.code).where(Matter.code.in_(chunk)))
    return found


def _version(
    matter: Matter, number: int, item: Item, *, now: dt.datetime, staff: StaffPrincipal
) -> MatterVersion:
    fields = item.content.model_dump(mode="json")
    return MatterVersion(
        matter=matter, number=number, valid_from=now, published_by_id=staff.user_id, **fields
    )


def apply(db: Session, plan: Plan, *, staff: StaffPrincipal) -> tuple[int, int]:
    """Creates the new matters and publishes new versions of the changed ones, in one flush;
    how many of each. Publishing follows service.publish_version (the old version ends when the
    new one starts); one flush keeps a county's whole catalogue to seconds, and lets matters of
    the same file name each other as related."""
    assert not plan.problems, "a plan with problems is never applied"
    now = utcnow()
    created, updated = plan.of("create"), plan.of("publish")
    for item in created:
        new = Matter(code=item.code, unit=item.unit)
        db.add(new)
        db.add(_version(new, 1, item, now=now, staff=staff))
        _publish(new, 1)
    for item in updated:
        matter = item.matter
        assert matter is not None
        previous = service.current_version(matter)
        if previous is not None and previous.valid_to is None:
            previous.valid_to = now
        number = max(v.number for v in matter.versions) + 1
        db.add(_version(matter, number, item, now=now, staff=staff))
        matter.unit = item.unit
        _publish(matter, number)
    try:
        db.flush()
    except IntegrityError:  # someone saved one of the new codes since the preview
        raise Conflict("有的事项编码刚刚被别人用了，请重新上传文件核对后再导入。") from None
    return len(created), len(updated)


def _publish(matter: Matter, number: int) -> None:
    matter.current_number = number
    matter.status = MatterStatus.published
    matter.withdrawn_at = None
    matter.withdrawn_reason = ""
