"""Shared arrangements for the guides tests: matters made through the service, straight away.

Each area's tests build on these, so that none waits for another area's pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minsheng.guides import service
from minsheng.guides.models import Matter
from minsheng.guides.schemas import MatterContent, MatterCreate
from minsheng.org.models import Unit
from tests import factories

MARKET_BUREAU = "昆山市市场监督管理局"


def content(title: str = "个体工商户设立登记", **fields: Any) -> MatterContent:
    """A full, valid text; `fields` override any part of it."""
    values: dict[str, Any] = {
        "title": title,
        "kind": "行政许可",
        "summary": "开店先办营业执照，材料齐全当场办结。",
        "keywords": "开业 开店 营业执照 个体户",
        "basis": "《促进个体工商户发展条例》",
        "conditions": "有经营能力的自然人。",
        "materials": [
            {"name": "经营者身份证", "originals": 1, "copies": 1},
            {"name": "经营场所使用证明", "originals": 1, "copies": 0, "note": "租房合同或房产证"},
        ],
        "steps": [{"title": "申请", "text": "到窗口或网上提交材料"}, {"title": "领照"}],
        "legal_days": 15,
        "promised_days": 0,
        "fee": "不收费",
        "window": "市场主体登记窗口",
        "place": "昆山市前进西路1801号 政务服务中心一楼",
        "hours": "工作日 9:00-17:00",
        "latitude": 31.385,
        "longitude": 120.953,
        "visits": 1,
        "phones": [
            {"kind": "consult", "label": "登记咨询", "number": "0512-57512345"},
            {"kind": "complaint", "label": "投诉", "number": "12345"},
        ],
    }
    values.update(fields)
    return MatterContent.model_validate(values)


def matter(
    db: Session,
    code: str = "KS-0001",
    *,
    unit: Unit | None = None,
    title: str = "个体工商户设立登记",
    publish: bool = True,
    **fields: Any,
) -> Matter:
    """A matter with one version (published unless told), flushed."""
    unit = unit or factories.UnitFactory(name=f"{MARKET_BUREAU}{code}")
    data = MatterCreate(code=code, unit_id=unit.id, content=content(title, **fields))
    return service.create_matter(db, data=data, publish=publish)
