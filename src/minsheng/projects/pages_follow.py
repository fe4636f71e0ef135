"""关注项目: a resident follows a project by SMS, with the phone confirmed by the one-time-code
sign-in; a signed-in resident follows with one click. Every SMS carries a stop link.

Included by pages_public, before its /projects/{code}.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from minsheng.accounts.deps import OptionalResident
from minsheng.core.deps import DbSession
from minsheng.core.errors import NotFound
from minsheng.projects import catalogue, follow
from minsheng.web.templating import render

router = APIRouter()
STALE_LINK = "这个链接已失效：可能已经取消过关注，或链接不完整。"


def _sign_in(code: str) -> RedirectResponse:
    return RedirectResponse(
        f"/resident/login?next={quote(f'/projects/{code}/follow')}", status_code=303
    )


@router.get("/projects/{code}/follow")
def follow_page(code: str, request: Request, db: DbSession, resident: OptionalResident) -> Response:
    project = catalogue.get_public_project(db, code=code)
    following = resident is not None and follow.find(db, project, resident.phone) is not None
    context = {
        "project": project,
        "following": following,
        "login": f"/resident/login?next={quote(f'/projects/{project.code}/follow')}",
    }
    return render(request, "projects/public/follow.html", context)


@router.post("/projects/{code}/follow")
def follow_project(
    code: str, request: Request, db: DbSession, resident: OptionalResident
) -> Response:
    project = catalogue.get_public_project(db, code=code)
    if resident is None:
        return _sign_in(project.code)
    follow.add_follower(db, project, resident.phone, resident_id=resident.resident_id)
    return RedirectResponse(f"/projects/{project.code}?done=followed", status_code=303)


@router.post("/projects/{code}/unfollow")
def unfollow_project(
    code: str, request: Request, db: DbSession, resident: OptionalResident
) -> Response:
    project = catalogue.get_public_project(db, code=code)
    if resident is None:
        return _sign_in(project.code)
    follow.remove_follower(db, project, resident.phone)
    return RedirectResponse(f"/projects/{project.code}?done=unfollowed", status_code=303)


@router.get("/projects/{code}/unfollow/{follower_id}/{sig}")
def stop_page(code: str, follower_id: int, sig: str, request: Request, db: DbSession) -> Response:
    """The SMS's stop link: a page with a button, so that a link preview cannot unfollow."""
    project = catalogue.get_public_project(db, code=code)
    if follow.by_signature(db, project, follower_id, sig) is None:
        raise NotFound(STALE_LINK)
    context = {"project": project, "done": False, "action": request.url.path}
    response = render(request, "projects/public/unfollow.html", context)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.post("/projects/{code}/unfollow/{follower_id}/{sig}")
def stop(code: str, follower_id: int, sig: str, request: Request, db: DbSession) -> Response:
    project = catalogue.get_public_project(db, code=code)
    follower = follow.by_signature(db, project, follower_id, sig)
    if follower is None:
        raise NotFound(STALE_LINK)
    follow.remove_follower(db, project, follower.phone)
    return render(request, "projects/public/unfollow.html", {"project": project, "done": True})
