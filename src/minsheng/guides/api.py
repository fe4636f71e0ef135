"""JSON API of the guides: search the catalogue, read a matter. Public data, no token needed.

Anonymous searches are limited per client address (SEARCHES_PER_MINUTE); staff with a token
are not. Without `q` the catalogue is listed, most used first; a `q` with nothing searchable in
it (only symbols) is a 422 with a Chinese message."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from minsheng.core import ratelimit
from minsheng.core.deps import ClientAddr, DbSession
from minsheng.core.errors import InvalidInput, NotFound, TooManyRequests
from minsheng.guides import search, service
from minsheng.guides.schemas import MatterRead
from minsheng.requests.api import StaffOrAnonymous

router = APIRouter(tags=["guides"])
SEARCHES_PER_MINUTE = 120
Code = Annotated[str, Path(max_length=40, description="事项编码", examples=["KS-GT-001"])]


@router.get(
    "/guides",
    response_model=search.SearchPage,
    summary="搜索办事指南",
    description="按中文（两个字起）、拼音全拼或首字母（kaiye、ky）、同义词查找，能容忍错别字；"
    "按相关度、再按近 90 天的使用热度排序，已停止办理的排在最后并标明。"
    "不带 q 时按热度列出全部可办理事项。q 超过 50 个字只按前 50 个字查找（notice 说明）；"
    "只有符号时返回 422。匿名调用每个地址每分钟限 120 次。",
)
def search_guides(
    db: DbSession,
    staff: StaffOrAnonymous,
    addr: ClientAddr,
    q: Annotated[str | None, Query(description="要办的事，如 开业、营业执照、mt")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=search.MAX_PER_PAGE)] = search.PER_PAGE,
) -> search.SearchPage:
    if staff is None and not ratelimit.allow(
        db, key=f"guides:search:{addr}", limit=SEARCHES_PER_MINUTE, window_seconds=60
    ):
        raise TooManyRequests("搜索太频繁，请一分钟后再试。", retry_after=60)
    outcome = search.search(db, query=q, page=page, per_page=per_page)
    if outcome.error:
        raise InvalidInput({"q": outcome.error}, outcome.error)
    return search.as_page(outcome)


@router.get(
    "/guides/{code}",
    response_model=MatterRead,
    summary="读取一个办事事项",
    description="默认为现行版本；?version=N 读取历史版本（附起止日期）。"
    "已停止办理的事项照常返回，status 为 withdrawn；草稿不公开（404）。",
)
def read_matter(
    code: Code,
    db: DbSession,
    version: Annotated[int | None, Query(ge=1, le=100_000, description="版本号")] = None,
) -> MatterRead:
    matter = service.get_public_matter(db, code=code)
    chosen = (
        service.version_of(matter, version)
        if version is not None
        else service.current_version(matter)
    )
    if chosen is None:
        raise NotFound("这个事项还没有发布。")
    if chosen.number > (matter.current_number or 0):
        raise NotFound(f"“{matter.code}”没有第 {version} 版。")  # an unpublished draft text
    return MatterRead(
        code=matter.code,
        title=chosen.title,
        kind=chosen.kind,
        unit=matter.unit.name,
        summary=chosen.summary,
        url=f"/guides/{matter.code}" + (f"/v/{chosen.number}" if version is not None else ""),
        version=chosen.number,
        valid_from=chosen.valid_from,
        valid_to=chosen.valid_to,
        status=matter.status.value,
        basis=chosen.basis,
        conditions=chosen.conditions,
        materials=chosen.materials,
        steps=chosen.steps,
        legal_days=chosen.legal_days,
        promised_days=chosen.promised_days,
        fee=chosen.fee,
        window=chosen.window,
        place=chosen.place,
        hours=chosen.hours,
        latitude=chosen.latitude,
        longitude=chosen.longitude,
        visits=chosen.visits,
        online_url=chosen.online_url,
        online_note=chosen.online_note,
        phones=chosen.phones,
        forms=chosen.forms,
        questions=chosen.questions,
        related=chosen.related,
    )
