"""JSON API for the resident's rating (回访) and the three rates, which anyone may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from minsheng.core.deps import DbSession
from minsheng.core.errors import Forbidden, NotAuthenticated
from minsheng.feedback import rates as three_rates
from minsheng.feedback import service
from minsheng.feedback.models import RatedVia, Rating
from minsheng.feedback.schemas import RatesReport, RatingCreate, RatingRead
from minsheng.requests import service as requests
from minsheng.requests.api import StaffOrAnonymous
from minsheng.requests.models import Status

router = APIRouter(tags=["feedback"])


class RatingSubmit(RatingCreate):
    """The reporter sends their follow token; an operator recording a call-back sends none
    and signs with their staff token instead."""

    token: str | None = Field(default=None, max_length=100, title="跟踪凭证（反映人评价时必填）")


class RatingAnswer(BaseModel):
    rating: RatingRead
    status: Status = Field(description="评价后的诉求状态；不满意或未解决且可重办时回到办理中")
    status_label: str
    reopened: bool = Field(description="这次评价是否使诉求重办")
    reopen_count: int


def _read(rating: Rating) -> RatingRead:
    return RatingRead(
        round=rating.round,
        resolved=rating.resolved,
        satisfaction=rating.satisfaction,
        satisfaction_label=rating.satisfaction_label,
        reason=rating.reason,
        via=rating.via,
        reopened=rating.reopened,
    )


@router.post(
    "/requests/{tracking_number}/rating",
    response_model=RatingAnswer,
    status_code=201,
    summary="评价办理结果",
    description="办结后，反映人凭跟踪凭证 token 回答两个问题：问题解决了吗、满意吗；"
    "话务员带工作人员令牌（不带 token）记录电话回访。未解决或不满意时诉求重办（回到原单位），"
    "重办次数用完后评价照样记下，由督查人员跟进。每轮办理只能评价一次。",
)
def rate(
    tracking_number: Annotated[str, Path(max_length=30, description="诉求编号")],
    data: RatingSubmit,
    db: DbSession,
    staff: StaffOrAnonymous,
) -> RatingAnswer:
    request = requests.get_by_tracking(db, tracking_number=tracking_number)
    if data.token:
        if requests.get_by_follow_token(db, token=data.token) is not request:
            raise Forbidden("跟踪凭证与这件诉求不符，只有反映人可以评价。")
        via, recorder = RatedVia.api, None
    elif staff is not None:
        via, recorder = RatedVia.phone, staff
    else:
        raise NotAuthenticated("请带上受理时发给您的跟踪凭证 token。")
    rating = service.rate(
        db,
        request,
        data=RatingCreate.model_validate(data.model_dump(exclude={"token"})),
        via=via,
        staff=recorder,
    )
    return RatingAnswer(
        rating=_read(rating),
        status=request.status,
        status_label=request.status_label,
        reopened=rating.reopened,
        reopen_count=request.reopen_count,
    )


@router.get(
    "/stats/rates",
    response_model=RatesReport,
    summary="三率：响应率、解决率、满意率",
    description="某月受理的诉求按承办单位（by=unit）或区镇（by=town）统计，并给出全市合计；"
    "每个比率附分子、分母和公式，排名按满意率、解决率、响应率。超过时限仍未办结的计入分母。"
    "公开数据，不含任何个人信息，无需登录。",
)
def rates(
    db: DbSession,
    month: Annotated[str, Query(max_length=20, description="月份 YYYY-MM", examples=["2026-10"])],
    by: Annotated[str, Query(max_length=10, description="unit 或 town")] = "unit",
) -> RatesReport:
    return three_rates.rates(db, month=month, by=by)
