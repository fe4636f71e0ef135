"""The officials' side of the demo year: replies, closing answers, returns, splits, extensions,
and what residents say when they rate. Written for this project; slots as in demo_texts.
"""

from __future__ import annotations

OPENERS = ("您好！", "尊敬的市民：您好！", "您好，")
THANKS = (
    "感谢您对我们工作的关心和支持。",
    "感谢您的监督和支持。",
    "如有其他问题，欢迎继续通过12345热线反映。",
)
RESOLVED = (
    "{opener}关于您反映的“{title}”问题，{we}高度重视，于{date}安排工作人员赴现场核查。"
    "经查，{finding}。{fix}。{thanks}"
)
EXPLAINED = (
    "{opener}关于您反映的“{title}”问题，{we}已认真核实。经查，{finding}。{explain}。{thanks}"
)
ANSWERED = "{opener}关于您咨询的“{title}”，现答复如下：{explain}。{thanks}"
NOT_OURS = "{opener}您反映的“{title}”问题已收悉。经核实，{why}，建议您{advice}。感谢您的理解。"

# Categories where "not our responsibility" is a fair answer: (why, advice).
NOT_OURS_BY_CATEGORY = {
    "market.price": (
        "该事项属于消费者与经营者之间的合同纠纷",
        "通过12315平台申请消费纠纷调解，或依法向人民法院起诉",
    ),
    "housing.property": (
        "该事项属于业主与物业服务企业之间的合同纠纷，不属于行政机关的职责范围",
        "通过业主委员会与物业服务企业协商，或依法向人民法院起诉",
    ),
    "housing.leak": (
        "该事项属于相邻住户之间的民事纠纷，不属于行政机关的职责范围",
        "申请社区人民调解委员会调解，或依法向人民法院起诉",
    ),
    "labour.wages": (
        "您与对方之间不存在劳动关系，属于承揽合同纠纷，不属于劳动保障监察的范围",
        "依法向人民法院起诉",
    ),
    "traffic.parking": (
        "该停车位属于小区业主共有部分，其使用由业主共同决定，不属于道路交通管理范围",
        "通过业主大会或业主委员会协商解决",
    ),
}

PROGRESS = (
    "您好，您反映的问题我们已收到，已于{date}安排工作人员到现场查看，目前正在协调处理，"
    "处理结果将及时答复您。",
    "您好，经现场核实，{finding}，我们正在督促整改，请您耐心等待。",
    "您好，您反映的问题已转相关科室办理，我们将在办理时限内给您答复。",
)
# Notes on the timeline that only staff read.
ACTIONS = (
    "已电话联系诉求人，了解具体情况",
    "工作人员赴现场核查，拍照取证",
    "已约谈相关责任单位负责人，要求限期整改",
    "已下发整改通知书，明确整改时限",
    "已与属地社区对接，共同跟进处理",
    "{date}复查，整改已基本到位",
)
REPAIR_ACTIONS = (
    "已电话联系业主，约定上门维修时间",
    "维修人员已上门查看，需更换配件",
    "配件已到货，安排维修",
)
CONSULT_ACTIONS = ("已电话联系咨询人，了解具体诉求", "已查阅相关政策规定，准备答复")
DISPATCH_NOTES = ("请按时限签收办理", "请尽快联系诉求人核实情况", "")
REASSIGN_NOTES = (
    "经研判，该事项由该单位办理更为合适",
    "原派单有误，予以改派",
)

# Where a returned request is sent next, and the returning unit's reason; "town" is the
# government of the request's own town or zone.
RETURNS: dict[str, tuple[str, str]] = {
    "environment.noise": (
        "昆山市城市管理局",
        "经核实，噪声来源于建筑工地夜间施工，属城市管理部门执法范围，请改派",
    ),
    "environment.fumes": (
        "昆山市城市管理局",
        "餐饮服务业油烟污染由城市管理部门负责查处，不属于我局职责，请改派",
    ),
    "urban.stall": ("town", "该路段由属地区镇负责日常管理，请改派属地"),
    "urban.litter": ("town", "该点位属于属地区镇环卫保洁范围，请改派属地"),
    "housing.property": ("town", "物业日常服务由属地区镇物业管理办公室监管，请改派属地"),
    "housing.leak": ("town", "该事项属于房屋日常维修，需属地社区协调物业和业主，请改派属地"),
    "traffic.parking": ("town", "违停发生在小区内部道路，不属于道路交通管理范围，请改派属地"),
    "traffic.road": (
        "昆山市交通运输局",
        "该路段为公路，养护由交通运输部门负责，不属于我局管理的城市道路，请改派",
    ),
    "civility": ("town", "不文明养犬行为需属地社区和物业共同劝导，请改派属地"),
    "utilities.water": ("town", "停水原因为小区二次供水设施故障，由物业负责维修，请改派属地"),
}

# Co-units for a split request, with their part; the lead unit keeps the request.
SPLITS: dict[str, tuple[tuple[str, str], ...]] = {
    "urban.building": (
        ("昆山市城市管理局", "依法查处违法建设"),
        ("昆山市住房和城乡建设局", "对房屋结构安全进行鉴定"),
    ),
    "environment.water": (
        ("苏州市昆山生态环境局", "排查沿河排污口"),
        ("town", "落实河道日常保洁"),
    ),
    "environment.noise": (("昆山市城市管理局", "开展夜间执法巡查"),),
    "traffic.road": (("昆山市公安局交通警察大队", "做好施工期间的交通疏导"),),
    "labour.wages": (("昆山市住房和城乡建设局", "督促建设单位落实农民工工资专用账户"),),
    "safety.fire": (("town", "督促房主落实整改"),),
    "housing.elevator": (("昆山市住房和城乡建设局", "督促物业启动电梯更新改造"),),
}
CO_DONE = ("已按要求{task}，情况已告主办单位", "{task}工作已完成，相关材料已报主办单位")

EXTENSION_REASONS = (
    "需协调多个部门联合处置，且需施工队进场，原时限内难以完成",
    "维修需使用住宅专项维修资金，须待业主表决通过",
    "涉及资金申请和审批程序，需延长办理时间",
    "需等待第三方检测机构出具检测报告",
)
EXTENSION_APPROVALS = ("同意，请在延长期限内办结", "")
EXTENSION_REFUSALS = ("该事项不属于复杂事项，请按原时限办结", "延期理由不充分，请加快办理")

RATING_POOR = (
    "问题根本没解决，{since}了还是老样子",
    "只是打了个电话，没有人到现场来看过",
    "答复避重就轻，和实际情况不符",
    "处理了两天又恢复原样了",
    "答复说已经整改，但我去看了还是没变",
)
RATING_BASIC = ("处理得有点慢", "解决了，就是拖得久了点", "基本解决了，希望以后多巡查", "")
RATING_GOOD = ("", "", "处理很及时，谢谢！", "工作人员态度很好，点赞", "已经解决了，谢谢")
# Another resident reporting what has already been reported.
DUPLICATE_OPENERS = ("我也反映一下：", "之前应该有人反映过，", "再反映一次：", "")


def we(unit_name: str) -> str:
    """How a unit names itself in a reply: 我局, 我镇, 我公司 ..."""
    for ending, word in (
        ("人民政府", "我镇"),
        ("管委会", "我区"),
        ("居委会", "我社区"),
        ("村民委员会", "我村"),
        ("卫生健康委员会", "我委"),
        ("公司", "我公司"),
        ("集团", "我集团"),
        ("热线", "我中心"),
        ("大队", "我大队"),
        ("局", "我局"),
    ):
        if unit_name.endswith(ending):
            return word
    return "我单位"
