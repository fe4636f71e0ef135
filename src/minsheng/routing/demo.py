"""Demo categories with their time limits and default units, and a few town-level rules.

Limits follow common 12345 practice: accept within hours, resolve within 5 working days for
ordinary matters, 1–2 for consultations and urgent hazards, 10–15 for complex ones.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from minsheng.org import service as org
from minsheng.routing import service
from minsheng.routing.schemas import CategoryCreate, RoutingRuleCreate

# code, name, parent code, response hours, resolve days, default unit, keywords
CATEGORIES: list[tuple[str, str, str | None, int | None, int | None, str | None, str]] = [
    ("urban", "市容城管", None, 4, 5, "昆山市城市管理局", ""),
    ("urban.stall", "占道经营", "urban", None, 3, None, "摊贩 占道 夜市"),
    ("urban.building", "违章搭建", "urban", None, 15, None, "违建 搭建 加盖"),
    ("urban.litter", "乱堆乱放", "urban", None, 3, None, "垃圾 堆放 杂物"),
    ("urban.streetlight", "路灯不亮", "urban", None, 3, None, "路灯 照明"),
    ("environment", "生态环境", None, 4, 5, "苏州市昆山生态环境局", ""),
    ("environment.noise", "噪声扰民", "environment", 2, 3, None, "噪音 施工 夜间"),
    ("environment.fumes", "油烟废气", "environment", None, 5, None, "油烟 异味 废气"),
    ("environment.water", "河道水质", "environment", None, 10, "昆山市水务局", "河道 黑臭 水质"),
    ("housing", "住房与物业", None, 4, 5, "昆山市住房和城乡建设局", ""),
    ("housing.property", "物业服务", "housing", None, 5, None, "物业 收费 保安 保洁"),
    ("housing.leak", "房屋渗漏", "housing", None, 7, None, "漏水 渗水 外墙"),
    ("housing.elevator", "电梯故障", "housing", 2, 2, "昆山市市场监督管理局", "电梯 困人 停运"),
    ("repair", "物业报修（报事通）", None, 2, 3, "昆山乐成置业有限公司", "报修 维修 损坏"),
    ("repair.water", "水电维修", "repair", None, 2, None, "水管 电路 跳闸"),
    ("repair.door", "门禁门窗", "repair", None, 3, None, "门禁 单元门 窗户"),
    ("repair.public", "公共设施", "repair", None, 5, None, "路面 绿化 座椅 健身器材"),
    ("traffic", "交通出行", None, 4, 5, "昆山市交通运输局", ""),
    ("traffic.bus", "公交线路", "traffic", None, 10, None, "公交 站台 班次"),
    (
        "traffic.parking",
        "违章停车",
        "traffic",
        2,
        2,
        "昆山市公安局交通警察大队",
        "停车 占道 消防通道",
    ),
    ("traffic.signal", "信号灯", "traffic", 2, 2, "昆山市公安局交通警察大队", "红绿灯 信号灯"),
    ("traffic.road", "道路破损", "traffic", None, 7, "昆山市住房和城乡建设局", "坑洼 井盖 路面"),
    ("market", "市场监管", None, 4, 5, "昆山市市场监督管理局", ""),
    ("market.food", "食品安全", "market", 2, 5, None, "过期 食品 卫生"),
    ("market.price", "价格与消费纠纷", "market", None, 7, None, "价格 退款 消费"),
    ("labour", "劳动保障", None, 4, 5, "昆山市人力资源和社会保障局", ""),
    ("labour.wages", "拖欠工资", "labour", 2, 10, None, "欠薪 工资 工钱"),
    ("labour.insurance", "社保医保", "labour", None, 5, None, "社保 医保 公积金"),
    ("education", "教育", None, 4, 5, "昆山市教育局", ""),
    ("education.enrol", "入学", "education", None, 5, None, "入学 积分 学位"),
    ("education.care", "课后托管", "education", None, 5, None, "托管 放学 看护"),
    ("health", "医疗卫生", None, 4, 5, "昆山市卫生健康委员会", "医院 看病 疫苗"),
    ("utilities", "水电气", None, 2, 3, None, ""),
    ("utilities.water", "停水与水压", "utilities", None, 2, "昆山市水务局", "停水 水压 自来水"),
    ("utilities.power", "停电", "utilities", 1, 1, "国网昆山市供电公司", "停电 断电 电压"),
    ("safety", "安全隐患", None, 1, 2, "昆山市应急管理局", ""),
    ("safety.fire", "消防隐患", "safety", 1, 2, None, "消防 自建房 灭火器 电动车 充电"),
    ("safety.gas", "燃气安全", "safety", 1, 1, None, "燃气 煤气 泄漏"),
    ("agriculture", "农业农村", None, 4, 5, "昆山市农业农村局", "农田 病虫害 麦穗"),
    ("civility", "文明行为", None, 8, 10, "中共昆山市委宣传部（市文明办）", "不文明 遛狗 吸烟"),
    ("consult", "政策咨询", None, 4, 1, "昆山市12345政务服务便民热线", "咨询 怎么办 政策"),
    ("other", "其他", None, 4, 5, None, ""),
]

# Town-level handling of city-appearance matters: the town's own government takes them.
TOWN_RULES = [
    ("urban", "巴城镇", "巴城镇人民政府"),
    ("urban", "千灯镇", "千灯镇人民政府"),
    ("urban", "周市镇", "周市镇人民政府"),
    ("urban.building", "昆山高新区", "昆山高新区管委会"),
    ("safety.fire", "泾河村", "泾河村村民委员会"),
]


def load_demo(db: Session, progress: Callable[[str], None]) -> None:
    """Creates the demo categories and rules that do not exist yet."""
    progress("诉求分类、时限和派单规则")
    for code, name, parent, hours, days, unit_name, keywords in CATEGORIES:
        if service.get_category_by_code(db, code=code) is not None:
            continue
        parent_row = service.get_category_by_code(db, code=parent) if parent else None
        unit = org.get_unit_by_name(db, name=unit_name) if unit_name else None
        data = CategoryCreate(
            code=code,
            name=name,
            parent_id=parent_row.id if parent_row else None,
            response_hours=hours,
            resolve_days=days,
            keywords=keywords,
            default_unit_id=unit.id if unit else None,
        )
        service.create_category(db, data=data)
    existing = {
        (r.category.code, r.region.name if r.region else None) for r in service.list_rules(db)
    }
    for code, region_name, unit_name in TOWN_RULES:
        if (code, region_name) in existing:
            continue
        category = service.get_category_by_code(db, code=code)
        region = next((r for r in org.list_regions(db) if r.name == region_name), None)
        unit = org.get_unit_by_name(db, name=unit_name)
        assert category and region and unit, (code, region_name, unit_name)
        service.create_rule(
            db,
            data=RoutingRuleCreate(category_id=category.id, region_id=region.id, unit_id=unit.id),
        )
