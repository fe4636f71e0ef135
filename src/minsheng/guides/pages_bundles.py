"""Step-by-step bundles (一件事): the public numbered page, and the staff list and forms.

The staff form has a fixed set of step rows (no JavaScript needed); blank rows are dropped and
the rest keep their order, so "第 N 步" in a message is the row the editor sees after saving.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import InvalidInput, MinshengError, NotFound
from minsheng.core.permissions import StaffPrincipal
from minsheng.guides import bundles
from minsheng.guides.bundles import MAX_STEPS, BundleIn
from minsheng.guides.models import Bundle
from minsheng.guides.pages_public import not_found
from minsheng.guides.permissions import MANAGE_GUIDES
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()
Manager = Annotated[StaffPrincipal, Depends(require(MANAGE_GUIDES))]
STEP_FIELDS = ("code", "title", "note")
SPARE_ROWS = 2


@router.get("/guides/steps/{code}")
def public_page(request: Request, code: str, db: DbSession) -> Response:
    """A bundle's numbered steps, each with its matter's summary, time limit and trips."""
    try:
        bundle = bundles.get_bundle(db, code=code, public=True)
    except NotFound:
        return not_found(request)
    context = {"bundle": bundle, "steps": bundles.journey(bundle)}
    return render(request, "guides/bundles/steps.html", context)


@router.get("/staff/guides/bundles")
def staff_list(request: Request, db: DbSession, _staff: Manager, saved: str = "") -> Response:
    context = {"bundles": bundles.list_bundles(db), "saved": saved[:40]}
    return render(request, "guides/bundles/staff_list.html", context)


def _values_of(bundle: Bundle) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": bundle.code,
        "title": bundle.title,
        "summary": bundle.summary,
        "published": bundle.published,
    }
    for number, step in enumerate(bundle.steps, start=1):
        values |= {
            f"step{number}_code": step.matter.code,
            f"step{number}_title": step.title,
            f"step{number}_note": step.note,
        }
    values["rows"] = len(bundle.steps)
    return values


def _form(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    bundle: Bundle | None = None,
    status: int = 200,
) -> Response:
    rows = min(max(int(values.get("rows", 0)) + SPARE_ROWS, 3), MAX_STEPS)
    context = {"values": values, "errors": errors, "bundle": bundle, "rows": range(1, rows + 1)}
    return render(request, "guides/bundles/form.html", context, status=status)


def _read(form: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The form's values with the filled step rows moved up, and those rows."""
    text = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    steps = []
    for number in range(1, MAX_STEPS + 1):
        row = {f: text.get(f"step{number}_{f}", "") for f in STEP_FIELDS}
        if any(row.values()):
            steps.append(row)
    values: dict[str, Any] = {
        "code": text.get("code", ""),
        "title": text.get("title", ""),
        "summary": text.get("summary", ""),
        "published": bool(text.get("published")),
        "rows": len(steps),
    }
    for number, row in enumerate(steps, start=1):
        values |= {f"step{number}_{f}": row[f] for f in STEP_FIELDS}
    return values, steps


def _data(values: dict[str, Any], steps: list[dict[str, str]]) -> BundleIn:
    """The schema from the form, every missing step code named by its row."""
    missing = {
        f"step{n}_code": f"第 {n} 步：请填写事项编码"
        for n, row in enumerate(steps, start=1)
        if not row["code"]
    }
    # A blank field is left out, so the schema says "请填写这一项" rather than "至少 2 个字".
    fields = {k: values[k] for k in ("code", "title", "summary") if values[k]}
    fields["published"] = values["published"]
    fields["steps"] = [
        {"matter_code": r["code"], "title": r["title"], "note": r["note"]}
        for r in steps
        if r["code"]
    ]
    try:
        data = parse(BundleIn, fields)
    except InvalidInput as exc:
        raise InvalidInput(exc.fields | missing) from None
    if missing:
        raise InvalidInput(missing)
    return data


@router.get("/staff/guides/bundles/new")
def new_form(request: Request, _staff: Manager) -> Response:
    return _form(request, {"published": True}, {})


@router.post("/staff/guides/bundles/new")
def create(request: Request, form: FormFields, db: DbSession, _staff: Manager) -> Response:
    values, steps = _read(form)
    try:
        bundle = bundles.create_bundle(db, data=_data(values, steps))
    except MinshengError as exc:
        db.rollback()
        return _form(request, values, errors_of(exc), status=exc.status)
    return RedirectResponse(f"/staff/guides/bundles?saved={bundle.code}", status_code=303)


def _staff_bundle(db: Session, code: str) -> Bundle:
    return bundles.get_bundle(db, code=code)


@router.get("/staff/guides/bundles/{code}/edit")
def edit_form(request: Request, code: str, db: DbSession, _staff: Manager) -> Response:
    bundle = _staff_bundle(db, code)
    return _form(request, _values_of(bundle), {}, bundle=bundle)


@router.post("/staff/guides/bundles/{code}/edit")
def update(
    request: Request, code: str, form: FormFields, db: DbSession, _staff: Manager
) -> Response:
    bundle = _staff_bundle(db, code)
    values, steps = _read(form)
    values["code"] = bundle.code  # the code never changes: links and printed cards use it
    try:
        bundles.update_bundle(db, bundle=bundle, data=_data(values, steps))
    except MinshengError as exc:
        db.rollback()
        bundle = _staff_bundle(db, code)
        return _form(request, values, errors_of(exc), bundle=bundle, status=exc.status)
    return RedirectResponse(f"/staff/guides/bundles?saved={bundle.code}", status_code=303)
