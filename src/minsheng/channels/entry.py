"""Staff entering a request for a resident: hotline, window, reception day, inspection.

One form, read into the API's RequestCreate, so every channel is checked the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minsheng.channels import forms
from minsheng.core.errors import InvalidInput, MinshengError
from minsheng.core.permissions import StaffPrincipal
from minsheng.org.models import Unit
from minsheng.requests.models import PRIORITY_LABELS, Channel, CitizenRequest, Priority
from minsheng.requests.schemas import Contact, RequestCreate
from minsheng.routing.choices import category_groups
from minsheng.web.forms import errors_of, parse

FIELDS = (
    "channel",
    "received_at",
    "priority",
    "category",
    "title",
    "description",
    "town",
    "community",
    "address",
    "contact_name",
    "contact_phone",
    "photos",
)
TYPED = {"title": "标题", "description": "详细情况"}
CHOOSE = {"category": "请选择问题类别", "town": "请选择所在的区镇"}
# The service quotes what was sent; the selects only offer valid places, so say what to do.
PLACE_MESSAGES = {
    "town": "请从列表中选择区镇",
    "community": "所选的社区或村不在这个区镇里，请重新选择",
}
ENTRY_CHANNELS = {Channel.hotline: "热线电话", Channel.window: "服务窗口"}


def values_of(form: dict[str, Any]) -> dict[str, Any]:
    """The form's text fields as typed, its check box, and a trusted idempotency key."""
    values: dict[str, Any] = {
        name: str(form.get(name, "")).strip() for name in FIELDS if name != "photos"
    }
    values["confidential"] = form.get("confidential") == "on"
    values["idempotency_key"] = forms.idempotency_key(form)
    return values


def read(values: dict[str, Any], *, channel: Channel, **source: Any) -> RequestCreate:
    """The form as a RequestCreate; every field's message at once, in the form's order."""
    errors: dict[str, str] = {}
    contact = None
    if values["contact_name"] or values["contact_phone"]:
        try:
            contact = parse(
                Contact, {"name": values["contact_name"], "phone": values["contact_phone"]}
            )
        except InvalidInput as exc:
            errors.update({f"contact_{k}": v for k, v in exc.fields.items()})
    received_at = None
    try:
        received_at = forms.parse_local(values["received_at"])
    except InvalidInput as exc:
        errors.update(exc.fields)
    data = {
        **{k: values[k] for k in ("category", "title", "description", "town", "address")},
        "community": values["community"] or None,
        "confidential": values["confidential"],
        "priority": values["priority"] or Priority.normal,
        "channel": channel,
        "received_at": received_at,
        **source,
    }
    parsed = None
    try:
        parsed = parse(RequestCreate, data, choose=CHOOSE)
    except InvalidInput as exc:
        errors.update({k: v for k, v in exc.fields.items() if k not in errors})
    for name, label in TYPED.items():  # the summary above the form lists messages alone
        if name in errors:
            errors[name] = f"{label}{errors[name]}" if values[name] else f"请填写{label}"
    if errors or parsed is None:
        raise InvalidInput(ordered(errors))
    return parsed.model_copy(update={"contact": contact})


def ordered(errors: dict[str, str]) -> dict[str, str]:
    order = {name: i for i, name in enumerate(FIELDS)}
    return dict(sorted(errors.items(), key=lambda e: order.get(e[0], 99)))


def messages(exc: MinshengError) -> dict[str, str]:
    """The errors to show beside the fields, places said as what to do."""
    errors = errors_of(exc)
    return ordered(
        {k: v if v in CHOOSE.values() else PLACE_MESSAGES.get(k, v) for k, v in errors.items()}
    )


def choices(db: Session) -> dict[str, Any]:
    """What the selects offer: every active category (staff may use internal ones), places."""
    towns, communities = forms.places(db)
    return {
        "categories": category_groups(db, public_only=False),
        "towns": towns,
        "communities": communities,
        # The empty option stands for 一般 (normal), so it is not offered twice.
        "priorities": [(p.value, t) for p, t in PRIORITY_LABELS.items() if p != Priority.normal],
        "entry_channels": [(c.value, label) for c, label in ENTRY_CHANNELS.items()],
    }


def blank(**values: Any) -> dict[str, Any]:
    """A fresh form: a new idempotency key, received now, plus any defaults given."""
    return {"idempotency_key": forms.new_key(), "received_at": forms.now_local_input(), **values}


def resent(created: CitizenRequest, data: RequestCreate) -> bool:
    """True when a known idempotency key came back with the same problem (a double click);
    False when the same form was reused for another problem (back button, edit, send)."""
    return (created.title, created.description) == (data.title, data.description)


def reused_message(created: CitizenRequest) -> dict[str, str]:
    return {
        "__all__": f"这张表单已经提交过一次，编号 {created.tracking_number}。"
        "如果这是另一个问题，请再点一次“提交”。"
    }


def home_places(db: Session, staff: StaffPrincipal, roles: frozenset[str]) -> dict[str, str]:
    """The town and community of the unit where the person holds one of `roles`, if it maps
    to a place: a community worker reports from their own community."""
    for grant in staff.grants:
        if grant.role not in roles:
            continue
        unit = db.get(Unit, grant.unit_id)
        region = unit.region if unit is not None else None
        town = forms.town_of(region)
        if region is None or town is None:
            continue
        defaults = {"town": forms.region_key(town)}
        if region is not town:
            defaults["community"] = forms.region_key(region)
        return defaults
    return {}
