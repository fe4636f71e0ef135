"""'Not clear? ask' from a guide: a short form that files a consultation tagged with the matter,
then shows the requests module's page for a received request."""

from __future__ import annotations

import re
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from minsheng.accounts.deps import OptionalResident
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import MinshengError, TooManyRequests
from minsheng.core.permissions import ResidentPrincipal
from minsheng.guides import ask as asking
from minsheng.guides import feedback, service
from minsheng.guides.models import Matter
from minsheng.org.choices import places
from minsheng.web.forms import FormFields, errors_of, parse
from minsheng.web.templating import render

router = APIRouter()

FIELDS = ("question", "town", "contact_phone")
# The key is made by this page; anything else is ignored rather than trusted.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,80}$")
# What the requests service says about its own fields, said in this form's words.
RENAMED = {"contact": "contact_phone", "description": "question", "title": "question"}
PLACE = "请从列表中选择区镇"
AGAIN = "这张表单已经提交过一次，编号 {number}。如果这是另一个问题，请再点一次“提交”。"


def _form(
    request: Request,
    db: Session,
    matter: Matter,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    *,
    resident: ResidentPrincipal | None = None,
) -> Response:
    towns, _ = places(db)
    context = {
        "matter": matter,
        "title": feedback.title_of(matter),
        "values": values,
        "errors": errors,
        "towns": towns,
        "resident_phone": resident.phone if resident else "",
        "max_length": asking.QUESTION_MAX,
    }
    return render(request, "guides/ask/ask.html", context, status=status)


def _errors(exc: MinshengError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, message in errors_of(exc).items():
        name = RENAMED.get(field.split(".")[0], field)
        if name == "town" and message != asking.NO_TOWN:
            message = PLACE
        if name not in (*FIELDS, "__all__"):
            name = "__all__"
        errors.setdefault(name, message)
    return errors


@router.get("/guides/{code}/ask")
def ask_form(code: str, request: Request, db: DbSession, resident: OptionalResident) -> Response:
    matter = service.get_public_matter(db, code=code)
    values = {
        "idempotency_key": secrets.token_urlsafe(24),
        "contact_phone": resident.phone if resident else "",
    }
    return _form(request, db, matter, values, {}, resident=resident)


@router.post("/guides/{code}/ask")
def ask(
    code: str,
    request: Request,
    form: FormFields,
    db: DbSession,
    resident: OptionalResident,
    addr: ClientAddr,
) -> Response:
    matter = service.get_public_matter(db, code=code)
    values: dict[str, Any] = {name: str(form.get(name, ""))[:4000] for name in FIELDS}
    key = str(form.get("idempotency_key", ""))
    values["idempotency_key"] = key if IDEMPOTENCY_KEY.match(key) else secrets.token_urlsafe(24)
    try:
        data = parse(asking.AskIn, values)
        _, created, token = asking.ask(
            db,
            matter=matter,
            data=data,
            resident=resident,
            client_addr=addr,
            idempotency_key=values["idempotency_key"],
        )
    except MinshengError as exc:
        db.rollback()
        page = _form(request, db, matter, values, _errors(exc), exc.status, resident=resident)
        if isinstance(exc, TooManyRequests):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if token is None and created.description.endswith(data.question):
        # A double click or a resent form: show the one request the first sending made.
        return RedirectResponse(f"/track?number={created.tracking_number}&again=1", 303)
    if token is None:  # the same form reused for another question: ask once more
        values["idempotency_key"] = secrets.token_urlsafe(24)
        message = AGAIN.format(number=created.tracking_number)
        return _form(request, db, matter, values, {"__all__": message}, 409, resident=resident)
    return RedirectResponse(f"/report/received/{token}", status_code=303)
