"""The staff editor's side of a matter: the HTML form's flat fields (materials.0.name …) turned
into MatterContent and back, pydantic's error places turned into row messages, and the staff list.

Lists are rows of fields without script: the filled rows plus a few blank ones; a blank row is
ignored, an emptied row is dropped, "多加几行" re-renders with more blank rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides.models import Matter, MatterStatus, MatterVersion
from minsheng.guides.permissions import EDIT_GUIDES
from minsheng.guides.schemas import PHONE_KINDS, MatterContent, MatterCreate
from minsheng.org import service as org
from minsheng.org.models import Unit
from minsheng.web.forms import field_message, optional_int, optional_number

# Each list: its fields on the form, and the fields whose filling makes a row count.
ROWS: dict[str, tuple[str, ...]] = {
    "materials": ("name", "originals", "copies", "required", "note"),
    "steps": ("title", "text"),
    "phones": ("kind", "label", "number"),
    "forms": ("name", "url"),
    "questions": ("question", "answer"),
}
FILLED_BY = {
    "materials": ("name", "originals", "copies", "note"),
    "steps": ("title", "text"),
    "phones": ("label", "number"),
    "forms": ("name", "url"),
    "questions": ("question", "answer"),
}
ROW_LABELS = {
    "materials": "申请材料",
    "steps": "办理流程",
    "phones": "电话",
    "forms": "申请表格",
    "questions": "常见问题",
}
# Where a row's own check (not one field's) is shown: a material's counts sit beside the copies.
ROW_CHECK_FIELD = {"materials": "copies"}
TEXT = (
    *("title", "kind", "summary", "keywords", "basis", "conditions", "fee", "window", "place"),
    *("hours", "online_url", "online_note", "change_note"),
)
NUMBERS = ("legal_days", "promised_days", "latitude", "longitude", "visits")
BLANK_ROWS = {"materials": 3, "steps": 3, "phones": 2, "forms": 2, "questions": 2}
MORE_ROWS = 3
MAX_ROWS = 60  # a form with more rows than any list may hold is cut here, before validation
NUMBER_MESSAGES = {"float_parsing": "请填写数字", "int_parsing": "请填写整数"}


@dataclass
class Submitted:
    """A posted form read for the service: the content, where each row sat on the form."""

    content: dict[str, Any]
    unit_id: int | None
    places: dict[str, list[int]]


def _row_indices(form: dict[str, Any], kind: str) -> list[int]:
    pattern = re.compile(rf"{kind}\.(\d{{1,4}})\.\w+")
    return sorted({int(m.group(1)) for key in form if (m := pattern.fullmatch(key))})[:MAX_ROWS]


def text_of(form: dict[str, Any], key: str) -> str:
    value = form.get(key, "")
    if isinstance(value, list):  # a field sent twice: the first one counts
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def split_codes(text: str) -> list[str]:
    """Related matters' codes as typed: separated by spaces, commas or 、."""
    return [c for c in re.split(r"[\s,，、;；]+", text) if c]


def read_form(form: dict[str, Any]) -> Submitted:
    """The form's fields as MatterContent's input; blank rows are left out."""
    content: dict[str, Any] = {k: text_of(form, k) for k in TEXT if k in form}
    for key in NUMBERS:
        value = optional_number(text_of(form, key))
        if value is not None:
            content[key] = value
    content["related"] = split_codes(text_of(form, "related"))
    places: dict[str, list[int]] = {}
    for kind, fields in ROWS.items():
        rows, places[kind] = [], []
        for i in _row_indices(form, kind):
            row: dict[str, Any] = {f: text_of(form, f"{kind}.{i}.{f}") for f in fields}
            if not any(row[f] for f in FILLED_BY[kind]):
                continue
            if kind == "materials":
                row["required"] = row["required"] != "0"
                for count in ("originals", "copies"):
                    if not row[count]:
                        del row[count]  # left blank: the schema's default (1 original, 0 copies)
            if kind == "phones" and not row["kind"]:
                row["kind"] = "consult"
            rows.append(row)
            places[kind].append(i)
        content[kind] = rows
    return Submitted(content, optional_int(text_of(form, "unit_id")), places)


def _row_message(kind: str, number: int, row: dict[str, Any], message: str) -> str:
    label = ROW_LABELS[kind]
    if kind == "phones":
        label = PHONE_KINDS.get(str(row.get("kind")), "电话")
    return f"{label}第 {number} 行：{message}"


def _error_key(error: Any, submitted: Submitted) -> tuple[str, str]:
    """A pydantic error as (form field name, message a person reads)."""
    loc = [str(p) for p in error.get("loc") or ()]
    if loc and loc[0] == "content":
        loc = loc[1:]
    message = NUMBER_MESSAGES.get(error.get("type", "")) or field_message(error)
    if error.get("type") == "string_too_short" and error.get("input") == "":
        message = "请填写这一项"
    if not loc:  # the whole text's checks: put each beside the field it is about
        if "承诺时限" in message:
            return "promised_days", message
        if "经度" in message:
            return "latitude", message
        return "__all__", message
    kind = loc[0]
    if kind in ROWS and len(loc) >= 2 and loc[1].isdigit():
        at = int(loc[1])
        places = submitted.places[kind]
        index = places[at] if at < len(places) else at
        field = loc[2] if len(loc) >= 3 else ROW_CHECK_FIELD.get(kind, ROWS[kind][0])
        row = submitted.content[kind][at] if at < len(submitted.content[kind]) else {}
        return f"{kind}.{index}.{field}", _row_message(kind, index + 1, row, message)
    if kind in ROWS and len(loc) == 1 and error.get("type") == "too_long":
        return kind, f"{ROW_LABELS[kind]}{message}"
    return kind, message


def validate(submitted: Submitted, *, code: str) -> MatterCreate:
    """The whole form checked at once; InvalidInput names every field and row that is wrong."""
    errors: dict[str, str] = {}
    if submitted.unit_id is None:
        errors["unit_id"] = "请选择实施主体单位"
    data = {"code": code, "unit_id": submitted.unit_id, "content": submitted.content}
    try:
        result = MatterCreate.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key, message = _error_key(error, submitted)
            errors.setdefault(key, message)
        raise InvalidInput(errors) from None
    if errors:
        raise InvalidInput(errors)
    return result


def form_values(matter: Matter, version: MatterVersion | None) -> dict[str, Any]:
    """A version's text as the form's fields, for the edit page."""
    values: dict[str, Any] = {"unit_id": str(matter.unit_id), "code": matter.code}
    if version is None:
        return values
    content = MatterContent.model_validate(version, from_attributes=True)
    for key in TEXT:
        values[key] = getattr(content, key)
    values["change_note"] = ""  # each version says what it changed
    for key in NUMBERS:
        value = getattr(content, key)
        values[key] = "" if value is None else str(value)
    values["related"] = " ".join(content.related)
    for kind in ROWS:
        for i, item in enumerate(getattr(content, kind)):
            for field, value in item.model_dump().items():
                if isinstance(value, bool):
                    value = "1" if value else "0"
                values[f"{kind}.{i}.{field}"] = str(value)
    return values


def row_counts(values: dict[str, Any], *, blank: bool = True, more: bool = False) -> dict[str, int]:
    """How many rows of each list to draw: those on the form, plus blank or more ones to fill."""
    counts = {}
    for kind in ROWS:
        used = max(_row_indices(values, kind), default=-1) + 1
        extra = (BLANK_ROWS[kind] if blank else 0) + (MORE_ROWS if more else 0)
        counts[kind] = max(1, min(MAX_ROWS, used + extra))
    return counts


def latest_number(matter: Matter) -> int:
    """The number of the newest version, published or not (a stale form is told by it)."""
    return max((v.number for v in matter.versions), default=0)


def editable_units(db: Session, *, staff: StaffPrincipal) -> list[Unit]:
    """The active units this person may give a matter to: all under their EDIT_GUIDES grants."""
    paths = staff.units_for(EDIT_GUIDES)
    units = org.list_units(db, active_only=True)
    return [u for u in units if any(u.path.startswith(p) for p in paths)]


def _scoped(
    query: Any, *, paths: list[str], unit: Unit | None, unit_id: int | None, text: str
) -> Any:
    """`query` limited to the person's units, the chosen unit and the typed text."""
    newest = (
        select(func.max(MatterVersion.number))
        .where(MatterVersion.matter_id == Matter.id)
        .correlate(Matter)
        .scalar_subquery()
    )
    shown = MatterVersion.number == func.coalesce(Matter.current_number, newest)
    query = (
        query.join(Unit, Unit.id == Matter.unit_id)
        .join(MatterVersion, (MatterVersion.matter_id == Matter.id) & shown)
        .where(or_(*[Unit.path.startswith(p) for p in paths]) if paths else false())
    )
    if unit_id is not None:
        query = query.where(Unit.path.startswith(unit.path) if unit else false())
    if text:
        query = query.where(
            or_(
                MatterVersion.title.contains(text, autoescape=True),
                MatterVersion.keywords.contains(text, autoescape=True),
                Matter.code.icontains(text, autoescape=True),
            )
        )
    return query


def listing(
    db: Session,
    *,
    staff: StaffPrincipal,
    unit_id: int | None = None,
    status: MatterStatus | None = None,
    text: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[tuple[Matter, MatterVersion]], int, dict[str, int]]:
    """The matters this person may edit, with their shown version, the total, counts by status."""
    unit = db.get(Unit, unit_id) if unit_id is not None else None
    paths, text = staff.units_for(EDIT_GUIDES), text.strip()[:100]

    def scoped(query: Any) -> Any:
        return _scoped(query, paths=paths, unit=unit, unit_id=unit_id, text=text)

    by_status = scoped(select(Matter.status, func.count(Matter.id)))
    counted = {str(s): n for s, n in db.execute(by_status.group_by(Matter.status))}
    counts = {s.value: counted.get(s.value, 0) for s in MatterStatus}
    query = scoped(select(Matter, MatterVersion))
    if status is not None:
        query = query.where(Matter.status == status)
    total = counts[status.value] if status is not None else sum(counts.values())
    query = query.order_by(Matter.code).offset((page - 1) * per_page).limit(per_page)
    return [(m, v) for m, v in db.execute(query)], total, counts
