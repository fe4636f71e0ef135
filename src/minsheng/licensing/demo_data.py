"""The licensing demo's data: registration offices, the scope catalogue, and the businesses the
demo registers through the real path (people, ID numbers and phones are fictional).

Wordings follow the national 经营范围登记规范表述目录 (一般项目 / 许可项目); the permits and guide
codes point at the guides demo's matters (src/minsheng/guides/demo_matters_permits.py)."""

from __future__ import annotations

import random
from typing import NamedTuple

from stdnum.cn import ric

# (code, town or None for every town, unit whose registrars review, office name, backend).
# The 登记机关 printed is "昆山市" + the unit: a town's 行政审批局 registers its town's businesses
# under its own name (as the tests' offices do); the city's bureau registers every town.
# The kiosks use the demo identity backend (演示); the city's window shows the officer backend,
# whose applicants wait at the desk until a registrar has seen their ID card.
OFFICES: list[tuple[str, str | None, str, str, str]] = [
    ("qiandeng", "千灯镇", "千灯镇行政审批局", "千灯镇便民服务中心证照自助区", "demo"),
    ("zhoushi", "周市镇", "周市镇行政审批局", "周市镇便民服务中心证照自助区", "demo"),
    ("bacheng", "巴城镇", "巴城镇行政审批局", "巴城镇便民服务中心证照自助区", "demo"),
    ("city", None, "昆山市行政审批局", "昆山市政务服务中心证照自助区", "demo"),
    ("city-window", None, "昆山市行政审批局", "昆山市政务服务中心个体工商户登记窗口", "officer"),
]


def authority_of(unit: str) -> str:
    """The 登记机关 printed on the license: 昆山市千灯镇行政审批局, or the city's bureau."""
    return unit if unit.startswith("昆山市") else f"昆山市{unit}"


FOOD_PERMIT = "食品经营许可"
HYGIENE_PERMIT = "公共场所卫生许可"
PUBLICATION_PERMIT = "出版物经营许可"

# (code, wording, industry, permit name ("" = 一般项目), guide code, codes it cannot go with).
# Conflicts are listed once; the loader makes them mutual.
SCOPE: list[tuple[str, str, str, str, str, tuple[str, ...]]] = [
    # 餐饮: one form of catering only.
    ("CY-001", "小餐饮", "餐饮", FOOD_PERMIT, "KS-SP-001", ("CY-002", "CY-003", "CY-004")),
    ("CY-002", "餐饮服务", "餐饮", FOOD_PERMIT, "KS-SP-001", ("CY-003", "CY-004")),
    ("CY-003", "餐饮服务（不产生油烟、异味、废气）", "餐饮", FOOD_PERMIT, "KS-SP-001", ("CY-004",)),
    ("CY-004", "小餐饮、小食杂、食品小作坊经营", "餐饮", "小餐饮店登记", "KS-SP-002", ()),
    ("CY-005", "餐饮管理", "餐饮", "", "", ()),
    ("CY-006", "外卖递送服务", "餐饮", "", "", ()),
    # 食品销售: packaged only, or a permit for loose food too.
    ("SP-001", "食品销售（仅销售预包装食品）", "食品销售", "", "KS-SP-003", ("SP-002",)),
    ("SP-002", "食品销售", "食品销售", FOOD_PERMIT, "KS-SP-001", ()),
    ("SP-003", "保健食品（预包装）销售", "食品销售", "", "", ()),
    ("SP-004", "婴幼儿配方乳粉及其他婴幼儿配方食品销售", "食品销售", "", "", ()),
    ("SP-005", "食用农产品零售", "食品销售", "", "", ()),
    ("SP-006", "新鲜水果零售", "食品销售", "", "", ()),
    ("SP-007", "新鲜蔬菜零售", "食品销售", "", "", ()),
    ("SP-008", "鲜肉零售", "食品销售", "", "", ()),
    ("SP-009", "水产品零售", "食品销售", "", "", ()),
    ("SP-010", "鲜蛋零售", "食品销售", "", "", ()),
    # 零售
    ("LS-001", "日用百货销售", "零售", "", "", ()),
    ("LS-002", "日用品销售", "零售", "", "", ()),
    ("LS-003", "烟草制品零售", "零售", "烟草专卖零售许可", "KS-YC-001", ()),
    ("LS-004", "文具用品零售", "零售", "", "", ()),
    ("LS-005", "五金产品零售", "零售", "", "", ()),
    ("LS-006", "家用电器销售", "零售", "", "", ()),
    ("LS-007", "电子产品销售", "零售", "", "", ()),
    ("LS-008", "通讯设备销售", "零售", "", "", ()),
    ("LS-009", "服装服饰零售", "零售", "", "", ()),
    ("LS-010", "鞋帽零售", "零售", "", "", ()),
    ("LS-011", "化妆品零售", "零售", "", "", ()),
    ("LS-012", "个人卫生用品销售", "零售", "", "", ()),
    ("LS-013", "母婴用品销售", "零售", "", "", ()),
    ("LS-014", "玩具销售", "零售", "", "", ()),
    ("LS-015", "体育用品及器材零售", "零售", "", "", ()),
    ("LS-016", "自行车及零配件零售", "零售", "", "", ()),
    ("LS-017", "电动自行车销售", "零售", "", "", ()),
    ("LS-018", "眼镜销售（不含隐形眼镜）", "零售", "", "", ()),
    ("LS-019", "礼品花卉销售", "零售", "", "", ()),
    ("LS-020", "花卉绿植租借与代管理", "零售", "", "", ()),
    ("LS-021", "茶具销售", "零售", "", "", ()),
    ("LS-022", "工艺美术品及收藏品零售（象牙及其制品除外）", "零售", "", "", ()),
    ("LS-023", "出版物零售", "零售", PUBLICATION_PERMIT, "", ()),
    ("LS-024", "办公用品销售", "零售", "", "", ()),
    ("LS-025", "厨具卫具及日用杂品零售", "零售", "", "", ()),
    ("LS-026", "建筑装饰材料销售", "零售", "", "", ()),
    ("LS-027", "宠物食品及用品零售", "零售", "", "", ()),
    ("LS-028", "家具销售", "零售", "", "", ()),
    # 医药
    ("YY-001", "药品零售", "医药", "药品经营许可", "KS-SP-004", ()),
    ("YY-002", "第二类医疗器械销售", "医药", "", "", ()),
    ("YY-003", "第一类医疗器械销售", "医药", "", "", ()),
    # 美容美发: barbers and beauty salons need the hygiene permit, nails alone do not.
    ("MR-001", "理发服务", "美容美发", HYGIENE_PERMIT, "KS-WS-001", ()),
    ("MR-002", "生活美容服务", "美容美发", HYGIENE_PERMIT, "KS-WS-001", ()),
    ("MR-003", "美甲服务", "美容美发", "", "", ()),
    ("MR-004", "养生保健服务（非医疗）", "美容美发", "", "", ()),
    ("MR-005", "足浴服务", "美容美发", "", "", ()),
    # 维修
    ("WX-001", "日用电器修理", "维修", "", "", ()),
    ("WX-002", "通讯设备修理", "维修", "", "", ()),
    ("WX-003", "计算机及办公设备维修", "维修", "", "", ()),
    ("WX-004", "自行车修理", "维修", "", "", ()),
    ("WX-005", "家用电器安装服务", "维修", "", "", ()),
    ("WX-006", "家具安装和维修服务", "维修", "", "", ()),
    ("WX-007", "鞋和皮革修理", "维修", "", "", ()),
    ("WX-008", "日用产品修理", "维修", "", "", ()),
    ("WX-009", "机动车修理和维护", "维修", "", "", ()),
    # 网络销售: packaged food online is general, anything else edible needs the permit.
    ("WS-001", "互联网销售（除销售需要许可的商品）", "网络销售", "", "", ()),
    ("WS-002", "食品互联网销售（仅销售预包装食品）", "网络销售", "", "", ("WS-003",)),
    ("WS-003", "食品互联网销售", "网络销售", FOOD_PERMIT, "KS-SP-001", ()),
    ("WS-004", "出版物互联网销售", "网络销售", PUBLICATION_PERMIT, "", ()),
    ("WS-005", "网络技术服务", "网络销售", "", "", ()),
    # 教育咨询: consulting only; subject tutoring of school pupils cannot be an individual business.
    ("JY-001", "教育咨询服务（不含涉许可审批的教育培训活动）", "教育咨询", "", "", ("JY-009",)),
    ("JY-002", "信息咨询服务（不含许可类信息咨询服务）", "教育咨询", "", "", ()),
    (
        "JY-003",
        "业务培训（不含教育培训、职业技能培训等需取得许可的培训）",
        "教育咨询",
        "",
        "",
        ("JY-009",),
    ),
    ("JY-004", "组织文化艺术交流活动", "教育咨询", "", "", ()),
    ("JY-005", "体育健康服务", "教育咨询", "", "", ()),
    # Kept so that a request naming it is refused as withdrawn: never offered (see WITHDRAWN).
    ("JY-009", "面向中小学生的学科类校外培训", "教育咨询", "个体工商户不得经营", "", ()),
    # 生活服务
    ("SH-001", "洗染服务", "生活服务", "", "", ()),
    ("SH-002", "家政服务", "生活服务", "", "", ()),
    ("SH-003", "洗车服务", "生活服务", "", "", ()),
    ("SH-004", "居民日常生活服务", "生活服务", "", "", ()),
    ("SH-005", "婚庆礼仪服务", "生活服务", "", "", ()),
    ("SH-006", "宠物服务（不含动物诊疗）", "生活服务", "", "", ()),
    ("SH-007", "棋牌室服务", "生活服务", "", "", ()),
    ("SH-008", "停车场服务", "生活服务", "", "", ()),
    ("SH-009", "住宿服务", "生活服务", "公共场所卫生许可、特种行业许可", "", ()),
    # 文印摄影
    ("WY-001", "打字复印", "文印摄影", "", "", ()),
    ("WY-002", "图文设计制作", "文印摄影", "", "", ()),
    ("WY-003", "广告制作", "文印摄影", "", "", ()),
    ("WY-004", "摄影扩印服务", "文印摄影", "", "", ()),
    ("WY-005", "个人商务服务", "文印摄影", "", "", ()),
]

# Wordings no longer offered: subject tutoring of school pupils may not be run by an individual
# business (学科类校外培训机构统一登记为非营利性机构).
WITHDRAWN = {"JY-009"}

# Each demo town's community or village (src/minsheng/org/demo.py names one per town).
COMMUNITIES = {"千灯镇": "千灯社区", "周市镇": "长泾社区", "巴城镇": "并蒂莲社区"}


class Shop(NamedTuple):
    """A business the demo registers: who, what name, where, what scope, how long ago."""

    town: str
    operator: str
    birth: str  # YYYYMMDD, for a fictional ID number
    male: bool
    trade_name: str  # "" = no name, as many individual businesses have
    industry_word: str
    form_word: str
    address: str
    scope: tuple[str, ...]
    days_ago: int
    office: str = ""  # "" = the town's own office
    family: tuple[tuple[str, str, bool], ...] = ()  # 家庭经营: (name, birth, male)
    channel: str = "kiosk"


def shop(line: str, family: tuple[tuple[str, str, bool], ...] = ()) -> Shop:
    """One row: town operator birth 男|女 字号/行业/组织形式 (or -) address scope days-ago, then
    "web" (on the web, not at a kiosk) and the office if not the town's (city, city-window)."""
    town, operator, birth, sex, name, address, scope, days, *flags = line.split()
    trade, industry, form = name.split("/") if name != "-" else ("", "", "")
    return Shop(
        town=town,
        operator=operator,
        birth=birth,
        male=sex == "男",
        trade_name=trade,
        industry_word=industry,
        form_word=form,
        address=address,
        scope=tuple(scope.split(",")),
        days_ago=int(days),
        office=next((f for f in flags if f.startswith("city")), ""),
        family=family,
        channel="web" if "web" in flags else "kiosk",
    )


SHOPS: list[Shop] = [
    # 千灯镇
    shop("千灯镇 顾国强 19680312 男 顾记/面馆/店 尚书路66号 CY-001,SP-001 340"),
    shop("千灯镇 秦小红 19850721 女 秦峰/便利/店 秦峰路12号 SP-001,LS-001,LS-003,LS-012 310"),
    shop("千灯镇 沈丽 19900215 女 丽人/美发/店 炎武路8号 MR-001,MR-002,MR-003 260 web"),
    shop("千灯镇 陆永华 19660904 男 石浦/家电维修/部 石浦路203号 WX-001,WX-005,LS-006 220"),
    shop("千灯镇 周海燕 19791130 女 小周/水果/店 少卿路35号 SP-006,SP-005,SP-001 180"),
    shop("千灯镇 周海燕 19791130 女 - 千灯菜场3号摊位 SP-006,SP-007 140"),
    shop("千灯镇 周海燕 19791130 女 小周/果品/店 石浦路60号 SP-006,SP-005 26"),
    shop("千灯镇 王建军 19750506 男 千味/小吃/店 尚书路118号 CY-002,CY-006 150",
         family=(("李秀英", "19770818", False),)),
    shop("千灯镇 朱婷 19950402 女 灯彩/鲜花/店 炎武路56号 LS-019,LS-020,WS-001 290 web"),
    shop("千灯镇 张德明 19620117 男 - 石浦路9号 WX-004,LS-016 12"),
    shop("千灯镇 钱俊 19881009 男 启航/文印/店 秦峰路77号 WY-001,WY-002,WY-004 75"),
    shop("千灯镇 许静 19830627 女 茗香/茶叶/店 少卿路102号 SP-002,LS-021 30"),
    # 周市镇
    shop("周市镇 马芳 19800322 女 阿芳/理发/店 青阳北路21号 MR-001 330"),
    shop("周市镇 周伟 19870614 男 周记/烧烤/店 横长泾路45号 CY-002 280"),
    shop("周市镇 黄秀兰 19710903 女 惠民/日用百货/店 长江北路18号 LS-001,LS-025,SP-001,LS-003 240"),
    shop("周市镇 徐浩 19930118 男 青阳/手机维修/部 青阳北路99号 WX-002,LS-008,LS-007 200"),
    shop("周市镇 孙倩 19910805 女 启智/教育咨询/工作室 金茂路16号 JY-001,JY-002 160 web"),
    shop("周市镇 李娜 19960228 女 优品/电子商务/商行 长江北路66号 WS-001,WS-002,LS-001 130 web"),
    shop("周市镇 吴刚 19700410 男 金茂/洗衣/店 金茂路8号 SH-001 95"),
    shop("周市镇 黄志强 19640719 男 鑫鑫/五金/店 横长泾路3号 LS-005,LS-026,WX-006 60"),
    shop("周市镇 韩雪 19940909 女 快乐/宠物/店 青阳北路150号 SH-006,LS-027 16"),
    shop("周市镇 顾国强 19680312 男 顾记/面馆/店 青阳北路200号 CY-001 45"),
    shop("周市镇 蒋根宝 19600102 男 - 长泾菜场12号摊位 SP-009,SP-005 20"),
    # 巴城镇
    shop("巴城镇 陆阿三 19720815 男 阿三/水产/店 湖滨路208号 SP-009,SP-005,WS-001 345"),
    shop("巴城镇 杨建平 19730301 男 湖滨/面馆/店 湖滨路56号 CY-001 300"),
    shop("巴城镇 顾桂芬 19670520 女 正仪/糕团/店 正仪老街18号 CY-004 270",
         family=(("顾小林", "19920711", True),)),
    shop("巴城镇 范晓燕 19890414 女 并蒂/美容/店 东城大道88号 MR-002,MR-003,LS-011 230"),
    shop("巴城镇 潘志明 19780926 男 品茗/茶艺/馆 正仪老街36号 CY-003,SP-001,LS-021 190"),
    shop("巴城镇 方磊 19900130 男 星光/摄影/工作室 东城大道120号 WY-004,SH-005,WY-002 140 web"),
    shop("巴城镇 郑桂英 19690611 女 安心/家政/服务部 湖滨路12号 SH-002,SH-004 110"),
    shop("巴城镇 邵军 19810317 男 骑乐/车业/行 巴解路40号 LS-016,LS-017,WX-004 85"),
    shop("巴城镇 蔡金妹 19630808 女 - 巴城农贸市场8号摊位 SP-007,SP-005 9"),
    shop("巴城镇 冯文 19770203 男 书香/图书/店 巴解路77号 LS-023,LS-004 250"),
    # At the city's centre, for towns without a kiosk of their own.
    shop("玉山镇 刘春晖 19761212 男 春晖/医药/店 前进西路520号 YY-001,YY-002,SP-003 210 city"),
    shop("张浦镇 陈东 19860724 男 同心/电脑维修/部 振新路18号 WX-003,LS-007,LS-024 100 web city"),
]  # fmt: skip

# Later history, by operator: deregistered (days after registering), amended (days, new scope).
DEREGISTERED = [("朱婷", 200), ("冯文", 150)]
AMENDED = [("徐浩", 120, ("WX-002", "WX-003", "LS-008", "LS-007"))]

# Left for the registrar's desk, submitted in the last days: a fourth business of an operator
# with three in the town, and applicants at the city's window whose identity waits for a
# registrar (the officer backend).
REVIEWING: list[Shop] = [
    shop("千灯镇 周海燕 19791130 女 小周/鲜果/店 炎武路20号 SP-006,SP-005 2"),
    shop("玉山镇 何勇 19840505 男 何记/烧饼/店 人民南路9号 CY-004 2 web city-window"),
    shop("陆家镇 曹磊 19820419 男 - 陆丰路7号 SP-001,LS-001,LS-003 1 web city-window"),
    shop("花桥镇 钟敏 19920922 女 学思/教育咨询/工作室 绿地大道6号 JY-001 1 web city-window"),
]  # fmt: skip

# Someone who left the kiosk mid-way (the timeout wiped what they typed): office, days ago.
ABANDONED = [("qiandeng", 5), ("zhoushi", 3)]


def person_id(birth: str, male: bool, order: int) -> str:
    """A fictional but valid Kunshan ID number (GB 11643 check digit); the 17th digit is odd
    for a man, even for a woman."""
    sequence = f"{order % 100:02d}{(order % 5) * 2 + (1 if male else 0)}"
    first17 = f"320583{birth}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


def phone_of(order: int) -> str:
    """A fictional mobile number, stable from run to run."""
    return f"139{random.Random(order).randrange(10**8):08d}"


# Seconds a prepared applicant spends on each step: (low, high). The kiosk's steps are
# flow.KIOSK_STEPS (one question per screen), the web's flow.WEB_STEPS.
STEP_SECONDS = {
    "operator": (8, 25),
    "id_number": (20, 50),
    "phone": (10, 25),
    "code": (20, 70),
    "org_form": (5, 20),
    "trade_name": (20, 90),
    "place": (30, 100),
    "scope": (40, 160),
    "confirm": (15, 45),
    "identity": (60, 160),
    "business": (150, 420),
    "review": (20, 70),
}
