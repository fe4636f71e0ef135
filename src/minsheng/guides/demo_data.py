"""Kunshan's demo guides: places, units, helpers, and everything but the matters' own texts
(those are in demo_matters_business.py, _permits.py, _city.py and _people.py).

Matter codes read KS-<field>-<nnn>: KS for 昆山, the field in two pinyin initials, a number within
the field in the order the matter was added, never reused (a withdrawn code stays withdrawn):
  GT 个体工商户登记  SP 食品药品  WS 卫生  YC 烟草  XF 消防  CG 城市管理  SW 水务  JT 交通
  FC 不动产  GJ 公积金  RS 人力社保  YB 医保  HJ 户籍和居住  CJ 残疾人  LN 老年人  JY 教育
Bundles and cards use one short pinyin word (xiaocanguan, getihu), as printed under their QR codes.

Where the demo organisation has no unit for the real implementing body, the closest one stands in:
windows of the 政务服务中心 without their own unit (公安、税务) belong to 行政审批局, which runs the
centre; 医保 to 人社局; 公积金 and 不动产登记 to 住建局; 残疾人证 to 卫健委; 烟草 to 市场监管局;
消防 to 应急管理局.
"""

from __future__ import annotations

from typing import Any

# Implementing bodies, as the org demo names them.
APPROVAL = "昆山市行政审批局"
MARKET = "昆山市市场监督管理局"
URBAN = "昆山市城市管理局"
WATER = "昆山市水务局"
HR = "昆山市人力资源和社会保障局"
HOUSING = "昆山市住房和城乡建设局"
HEALTH = "昆山市卫生健康委员会"
EDUCATION = "昆山市教育局"
TRANSPORT = "昆山市交通运输局"
EMERGENCY = "昆山市应急管理局"

ONLINE = "https://www.jszwfw.gov.cn/"
CENTRE_HOURS = "周一至周五 9:00-12:00、13:30-17:00；周六 9:00-12:00 延时服务（法定节假日除外）"
TOWN_HOURS = "周一至周五 8:30-11:30、13:30-17:00（法定节假日除外）"


def centre(floor: str) -> dict[str, Any]:
    """The city's service centre at 前进西路1801号, with the floor and hall."""
    return {
        "place": f"昆山市政务服务中心{floor}（昆山市前进西路1801号）",
        "hours": CENTRE_HOURS,
        "latitude": 31.3862,
        "longitude": 120.9357,
    }


# Town service centres (便民服务中心) for matters residents handle near home.
TOWNS = {
    "千灯镇": ("千灯镇便民服务中心（千灯镇炎武路1号）", 31.2628, 120.9972),
    "周市镇": ("周市镇便民服务中心（周市镇青阳北路888号）", 31.4426, 120.9741),
    "巴城镇": ("巴城镇便民服务中心（巴城镇湖滨北路1号）", 31.4513, 120.8902),
    "花桥镇": ("花桥镇便民服务中心（花桥镇绿地大道231号）", 31.3058, 121.0876),
    "张浦镇": ("张浦镇便民服务中心（张浦镇振新东路1号）", 31.2873, 120.9086),
}


def town(name: str) -> dict[str, Any]:
    place, latitude, longitude = TOWNS[name]
    return {"place": place, "hours": TOWN_HOURS, "latitude": latitude, "longitude": longitude}


def mat(
    name: str, originals: int = 1, copies: int = 0, note: str = "", required: bool = True
) -> dict[str, Any]:
    """One material: its name, originals and copies, whether it is needed, where it comes from."""
    return {
        "name": name,
        "originals": originals,
        "copies": copies,
        "note": note,
        "required": required,
    }


def steps(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"title": title, "text": text} for title, text in pairs]


def faq(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"question": question, "answer": answer} for question, answer in pairs]


def phones(*entries: tuple[str, str]) -> list[dict[str, str]]:
    """Consultation numbers, then the city's complaint line 12345 (every guide has it)."""
    found = [{"kind": "consult", "label": label, "number": number} for label, number in entries]
    return [*found, {"kind": "complaint", "label": "12345政务服务便民热线", "number": "12345"}]


def forms(*names: str) -> list[dict[str, str]]:
    return [{"name": name, "url": ONLINE} for name in names]


# Older texts of two matters: v1 is the current text with these fields, v2 the current one
# (published DAYS_V2 days ago with the change note the current text carries).
OLDER_VERSIONS: dict[str, dict[str, Any]] = {
    "KS-SP-001": {"promised_days": 5, "visits": 2, "change_note": ""},
    "KS-GJ-001": {
        "promised_days": 3,
        "change_note": "",
        "add_materials": [mat("房屋租赁合同", 0, 1, "经住房租赁登记备案")],
    },
}
# The matter that stopped: its text stays readable, the page says why and points to the other.
WITHDRAWN = {
    "KS-SP-002": "小餐饮店登记已并入“食品经营许可（小餐饮）”，"
    "新开的小餐饮店请直接申请食品经营许可（KS-SP-001），已有的登记证有效期内继续有效。"
}
DAYS_CREATED = 240  # the catalogue went online about eight months ago
DAYS_WITHDRAWN = 120
DAYS_V2 = 30

# (code, title, summary, [(matter code, note)]): step-by-step journeys.
BUNDLES: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "xiaocanguan",
        "开小餐馆",
        "从领营业执照到挂上门头：开一家小饭店、小吃店要办的事，按顺序办，多数一次跑完。",
        [
            ("KS-GT-001", "先领营业执照，之后的许可都用得到统一社会信用代码"),
            ("KS-SP-001", "营业执照下来后再办；可在同一窗口一并提交"),
            ("KS-CG-001", "装修前先申请，招牌按批准的尺寸制作"),
            ("KS-SW-001", "餐饮店要接入污水管网，有隔油池的需办理排水许可"),
        ],
    ),
    (
        "lifadian",
        "开理发店",
        "理发店、美发店开业要办的三件事：营业执照、公共场所卫生许可、门头招牌。",
        [
            ("KS-GT-001", "经营范围写“理发服务”“美容服务”"),
            ("KS-WS-001", "理发店、美容店实行告知承诺，承诺后当场发证"),
            ("KS-CG-001", ""),
        ],
    ),
    (
        "bianlidian",
        "开便利店",
        "开一家小超市、便利店：营业执照、预包装食品备案，卖香烟的再办烟草零售许可。",
        [
            ("KS-GT-001", ""),
            ("KS-SP-003", "只卖包装好的食品、饮料，备案即可，不用办许可证"),
            ("KS-YC-001", "可选：卖香烟才需要办理，要先有营业执照"),
            ("KS-CG-001", ""),
        ],
    ),
    (
        "yaodian",
        "开药店",
        "开一家零售药店：营业执照、药品经营许可证，再设置门头招牌。",
        [
            ("KS-GT-001", "药店可以是个体工商户，也可以是公司"),
            ("KS-SP-004", "要有执业药师，营业场所和仓库按规范布置好后再申请"),
            ("KS-CG-001", ""),
        ],
    ),
    (
        "xinshimin",
        "新市民在昆山安家",
        "来昆山工作生活：办居住证、参加社保和医保，孩子上学，一样样办好。",
        [
            ("KS-HJ-001", "居住登记满半年即可申领居住证"),
            ("KS-RS-001", "有单位的由单位办理，灵活就业的本人办理"),
            ("KS-YB-001", "已在单位参加职工医保的不用再办"),
            ("KS-JY-001", "每年春季报名，提前准备好居住证和社保证明"),
        ],
    ),
]

# (code, title, audience, intro, issuer, matter codes): printable cards.
CARDS: list[tuple[str, str, str, str, str, list[str]]] = [
    (
        "getihu",
        "个体经营知晓卡",
        "准备开店的个体经营者",
        "开店前看一看：要办哪些事、带什么材料、到哪里办、打哪个电话。扫码看完整指南，一次跑成。",
        APPROVAL,
        ["KS-GT-001", "KS-SP-001", "KS-CG-001", "KS-WS-001"],
    ),
    (
        "xinshimin",
        "新市民办事卡",
        "来昆山工作生活的新市民",
        "居住证、社保、医保、孩子上学：新市民最常办的四件事，扫码看材料和地点。",
        APPROVAL,
        ["KS-HJ-001", "KS-RS-001", "KS-YB-001", "KS-JY-001"],
    ),
]

# Words residents use for the same thing; the first group is the one the issue names.
SYNONYMS = [
    "门头 招牌 店招 店招标牌",
    "营业执照 执照 营业证",
    "个体户 个体工商户 个体经营",
    "开店 开业 开张",
    "餐馆 饭店 小吃店 餐饮店",
    "理发店 美发店 发廊",
    "落户 上户口 报户口",
    "居住证 暂住证",
    "社保 社会保险 养老保险",
    "医保 医疗保险",
    "公积金 住房公积金",
    "房产证 不动产权证书",
    "占道 占用道路",
    "装修垃圾 建筑垃圾",
    "老年卡 老年优待证 敬老卡",
    "卖烟 烟草证 烟草专卖零售许可证",
    "网约车 专车 快车",
]

# How often each matter is read, relative to the rest (1.0 for the unlisted): the card's matters
# and the everyday ones lead, so that popularity ranks them first.
POPULARITY = {
    "KS-GT-001": 5.0,
    "KS-SP-001": 4.0,
    "KS-CG-001": 3.5,
    "KS-HJ-001": 4.0,
    "KS-RS-001": 3.0,
    "KS-YB-001": 3.0,
    "KS-GJ-001": 3.5,
    "KS-JY-001": 2.5,
    "KS-WS-001": 2.0,
    "KS-HJ-002": 2.0,
}
CARD_MATTERS = {code for card in CARDS for code in card[5]}
USAGE_DAYS = 35
USAGE_SEED = 6

# (code, days ago, helpful, comment, answer): readers' votes worth keeping as rows. An unhelpful
# one with a comment and no answer is an open task for the unit; with an answer it is done.
FEEDBACK: list[tuple[str, int, bool, str, str]] = [
    ("KS-GT-001", 3, True, "跟着材料清单准备，一次就办好了，谢谢。", ""),
    ("KS-GT-001", 9, False, "经营场所是自己家的住宅，能不能登记没有写清楚。", ""),
    ("KS-GT-001", 21, True, "", ""),
    (
        "KS-SP-001",
        40,
        False,
        "承诺5个工作日太长了，店面房租每天都在付。",
        "已将承诺时限缩短为3个工作日，材料齐全的现场核查后当场发证。",
    ),
    ("KS-SP-001", 6, False, "店面只有20平方米，要不要画设备布局图？", ""),
    ("KS-SP-001", 12, True, "", ""),
    ("KS-CG-001", 4, False, "招牌尺寸有什么要求没写，做好了才知道不合格。", ""),
    ("KS-CG-001", 15, True, "搜“门头”就找到了，材料写得很清楚。", ""),
    ("KS-GJ-001", 2, False, "租房提取一年能提几次？页面上没找到。", ""),
    ("KS-GJ-001", 11, True, "", ""),
    ("KS-FC-001", 5, False, "二手房过户的税费大概多少，能不能给个计算办法？", ""),
    (
        "KS-HJ-001",
        18,
        False,
        "居住登记在哪里查？",
        "已在常见问题中补充：可在“苏周到”App 或社区新市民服务站查询居住登记时间。",
    ),
    ("KS-HJ-001", 7, True, "", ""),
    ("KS-JY-001", 8, False, "积分怎么算没有说明，希望附上积分标准的链接。", ""),
    ("KS-RS-003", 10, True, "原来个体户也能申请贴息贷款，很有用。", ""),
]
