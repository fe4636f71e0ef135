"""The registrar's JSON API of issued licenses (token, VIEW_LICENSES): registrars see the
licenses of offices in their unit, administrators all. The public verification page is the
`verify_url` of each license, the URL in its QR code."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from minsheng.accounts.deps import require
from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden
from minsheng.core.permissions import StaffPrincipal
from minsheng.licensing import issuing
from minsheng.licensing.models import License
from minsheng.licensing.permissions import VIEW_LICENSES
from minsheng.licensing.schemas import LicenseRead, LicensesPage

router = APIRouter(tags=["licensing"])
Viewer = Annotated[StaffPrincipal, Depends(require(VIEW_LICENSES))]
Code = Annotated[
    str,
    Path(
        min_length=18,
        max_length=18,
        description="统一社会信用代码",
        examples=["92320583MA00001K4A"],
    ),
]


def read(license: License) -> LicenseRead:
    return LicenseRead(
        uscc=license.uscc,
        name=license.name,
        operator_name=license.operator_name,
        town=license.town.name if license.town else "",
        place=license.place,
        scope=license.scope_text,
        registered_on=license.registered_on,
        authority=license.authority,
        status=issuing.status_of(license),
        demo=license.demo,
        verify_url=issuing.verify_url(license),
    )


@router.get(
    "/licenses",
    response_model=LicensesPage,
    summary="已发营业执照",
    description="登记人员令牌：本单位登记服务点发出的执照；管理员：全部。"
    "可按区镇（名称或区划代码）、状态（valid 有效 / deregistered 已注销）和关键词"
    "（统一社会信用代码、名称中的字词或经营者姓名）筛选，按注册日期从新到旧分页。",
)
def list_licenses(
    db: DbSession,
    staff: Viewer,
    town: Annotated[
        str | None, Query(max_length=40, description="区镇名称或区划代码", examples=["千灯镇"])
    ] = None,
    status: Annotated[
        Literal["valid", "deregistered"] | None, Query(description="valid 或 deregistered")
    ] = None,
    q: Annotated[str | None, Query(max_length=40, description="代码、名称或经营者")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=issuing.MAX_PER_PAGE)] = issuing.PER_PAGE,
) -> LicensesPage:
    filters = issuing.LicenseFilters(town=town, status=status, q=q)
    rows, total = issuing.list_licenses(
        db, staff=staff, filters=filters, page=page, per_page=per_page
    )
    return LicensesPage(total=total, items=[read(r) for r in rows])


@router.get(
    "/licenses/{uscc}",
    response_model=LicenseRead,
    summary="一份营业执照",
    description="按统一社会信用代码读取；不是本单位发出的执照返回 403。",
)
def read_license(uscc: Code, db: DbSession, staff: Viewer) -> LicenseRead:
    license = issuing.get_license(db, code=uscc)
    if not issuing.may_view(staff, license):
        raise Forbidden("这份执照不是您所在单位登记的。")
    return read(license)
