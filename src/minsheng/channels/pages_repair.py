"""报事通 一键报修: a resident picks the estate, then the building and what is broken; sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident
from minsheng.channels import forms, service
from minsheng.channels.models import Estate
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.requests import service as requests
from minsheng.requests.models import Channel
from minsheng.requests.schemas import Contact, RequestCreate
from minsheng.routing import service as routing
from minsheng.web.forms import FormFields, errors_of, optional_int, parse
from minsheng.web.templating import render

router = APIRouter()

REPAIR = "repair"  # the category whose children say what is broken
MAX_NOTE = 500  # a line or two: the photo and the category say the rest
FIELDS = ("estate", "building", "category", "description", "photos", "contact_phone")
CHOOSE_ESTATE = "请选择您所在的小区"


def _estate_groups(db: Session) -> list[tuple[str, list[Estate]]]:
    """Active estates by town, towns in the region tree's order."""
    estates = service.list_estates(db, active_only=True)
    order = {t: i for i, (t, _) in enumerate(forms.places(db, key=forms.region_id)[0])}
    towns: dict[str, list[Estate]] = {}
    for estate in sorted(estates, key=lambda e: (order.get(str(e.town_id), 999), e.name)):
        towns.setdefault(estate.town.name, []).append(estate)
    return list(towns.items())


def _kinds(db: Session) -> list[tuple[str, str]]:
    """What can be broken: the repair category's children, then the category itself as 其他."""
    categories = [
        c
        for c in routing.list_categories(db, active_only=True, public_only=True)
        if c.code == REPAIR or c.code.startswith(REPAIR + ".")
    ]
    kinds = [(c.code, c.name) for c in categories if c.code != REPAIR]
    kinds += [(c.code, "其他问题") for c in categories if c.code == REPAIR]
    return kinds


def _choose_estate(
    request: Request, db: Session, errors: dict[str, str], status: int = 200
) -> Response:
    context = {"groups": _estate_groups(db), "errors": errors}
    return render(request, "channels/repair_estates.html", context, status=status)


def _form(
    request: Request,
    db: Session,
    estate: Estate,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "estate": estate,
        "buildings": [(b, b) for b in estate.building_list],
        "kinds": _kinds(db),
        "values": values,
        "errors": errors,
    }
    return render(request, "channels/repair_form.html", context, status=status)


def _active_estate(db: Session, raw: object) -> Estate | None:
    estate_id = optional_int(raw)
    estate = db.get(Estate, estate_id) if estate_id is not None else None
    return estate if estate is not None and estate.active else None


@router.get("/repair")
def repair(
    request: Request, db: DbSession, resident: OptionalResident, estate: str | None = None
) -> Response:
    if estate is None:
        return _choose_estate(request, db, {})
    found = _active_estate(db, estate)
    if found is None:
        return _choose_estate(request, db, {"estate": CHOOSE_ESTATE}, 404)
    values = {
        "idempotency_key": forms.new_key(),
        "contact_phone": resident.phone if resident else "",
    }
    return _form(request, db, found, values, {})


def _read(db: Session, estate: Estate, values: dict[str, Any]) -> RequestCreate:
    """The repair as a request: the title and description said from the choices made."""
    errors: dict[str, str] = {}
    if values["building"] not in estate.building_list:
        errors["building"] = "请选择楼栋"
    kinds = dict(_kinds(db))
    if values["category"] not in kinds:
        errors["category"] = "请选择哪里坏了"
    note = values["description"]
    if len(note) > MAX_NOTE:
        errors["description"] = f"补充说明最多 {MAX_NOTE} 个字"
    contact = None
    if values["contact_phone"]:
        try:
            contact = parse(Contact, {"phone": values["contact_phone"]})
        except InvalidInput as exc:
            errors.update({f"contact_{k}": v for k, v in exc.fields.items()})
    if errors:
        raise InvalidInput(errors)
    place = f"{estate.name}{values['building']}"
    kind = kinds[values["category"]]
    kind = "报修" if kind == "其他问题" else kind
    data = {
        "category": values["category"],
        "title": f"{kind}：{place}"[:100],
        # A few words are enough when the category says what: the place makes it whole.
        "description": note if len(note) >= 5 else "；".join(filter(None, [place + kind, note])),
        "channel": Channel.property_repair,
        "estate": estate.id,
        "building": values["building"],
    }
    return parse(RequestCreate, data).model_copy(update={"contact": contact})


@router.post("/repair")
def report_repair(
    request: Request, form: FormFields, db: DbSession, resident: OptionalResident, addr: ClientAddr
) -> Response:
    estate = _active_estate(db, form.get("estate"))
    if estate is None:
        return _choose_estate(request, db, {"estate": CHOOSE_ESTATE}, 422)
    values: dict[str, Any] = {
        k: str(form.get(k, "")).strip() for k in FIELDS if k not in ("estate", "photos")
    }
    values["idempotency_key"] = forms.idempotency_key(form)
    errors: dict[str, str] = {}
    data = photos = None
    try:
        data = _read(db, estate, values)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:  # the photo is judged even when other fields are wrong: one round of corrections
        photos = forms.read_photos(form)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        if errors or data is None or photos is None:
            raise InvalidInput({k: errors[k] for k in FIELDS if k in errors} | errors)
        created, token = requests.submit(
            db,
            data=data,
            resident=resident,
            client_addr=addr,
            idempotency_key=values["idempotency_key"],
            photos=photos,
        )
    except MinshengError as exc:
        db.rollback()
        return _form(request, db, estate, values, errors_of(exc), exc.status)
    if token is not None:
        return RedirectResponse(f"/report/received/{token}", status_code=303)
    if (created.title, created.description) == (data.title, data.description):
        return RedirectResponse(f"/track?number={created.tracking_number}&again=1", 303)
    values["idempotency_key"] = forms.new_key()
    message = (
        f"这张表单已经提交过一次，编号 {created.tracking_number}。"
        "如果这是另一处报修，请再点一次“提交报修”。"
    )
    return _form(request, db, estate, values, {"__all__": message}, 409)
