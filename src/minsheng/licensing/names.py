"""The business name (名称) of an individual business and its checks.

A name is 行政区划 + 字号 + 行业表述 + 组织形式用字: 昆山市千灯镇 + 阿唐 + 面馆 + 店. It is
optional: without a 字号 there is no name and nothing to check. The word lists follow the
企业名称登记管理规定 (国务院令第 734 号) and its 实施办法 (市场监管总局令第 82 号), which the
个体工商户名称 rules refer to:
- BANNED: words a name may not carry at all (冠以“中国”“中华”“全国”“国家”“国际”等须经国务院
  批准, which an individual business never gets; names of the Party, state and military organs,
  of foreign countries and international organisations; words that mislead or offend). Single
  characters such as 军 or 警 are not listed alone: they are common in personal names used as
  字号 (建军, 卫警), so the list names the organs (解放军, 武警, 公安 …) instead.
- COMPANY_WORDS: organisational forms of enterprises, which an individual business may not use.
- FORM_WORDS: the 组织形式用字 an individual business may end its name with.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.licensing import rules
from minsheng.licensing.models import Application, ApplicationStatus, License
from minsheng.org.models import Region

CITY_DIVISION = "昆山市"
TRADE_NAME_MIN, TRADE_NAME_MAX = 2, 6
INDUSTRY_MIN, INDUSTRY_MAX = 2, 10
FORM_WORDS = (
    "店",
    "馆",
    "铺",
    "坊",
    "部",
    "厅",
    "室",
    "行",
    "屋",
    "吧",
    "中心",
    "工作室",
    "经营部",
    "服务部",
    "商行",
)
_NATIONAL = "冠以中国、中华、全国、国家、国际等字词须经国务院批准，个体工商户不能使用"
_ORGANS = "不得使用党政军机关、群团组织的名称或简称"
_FOREIGN = "不得使用外国国家（地区）、国际组织的名称或简称"
_MISLEADING = "不得含有可能使公众受骗或误解的内容"
_IMPROPER = "不得含有违背公序良俗的内容"
BANNED: dict[str, str] = {
    **dict.fromkeys(("中国", "中华", "全国", "国家", "国际", "中央", "环球", "世界"), _NATIONAL),
    **dict.fromkeys(
        (
            "共产党",
            "国务院",
            "人大",
            "政协",
            "政府",
            "党委",
            "纪委",
            "法院",
            "检察院",
            "解放军",
            "军队",
            "部队",
            "军区",
            "武警",
            "警察",
            "公安",
            "民警",
            "特警",
            "共青团",
            "妇联",
            "工会",
            "红十字",
        ),
        _ORGANS,
    ),
    **dict.fromkeys(
        ("联合国", "奥运", "奥林匹克", "美国", "英国", "法国", "德国", "日本", "韩国", "欧盟"),
        _FOREIGN,
    ),
    **dict.fromkeys(("国营", "国有", "官方", "特供", "专供", "国宴", "驰名"), _MISLEADING),
    **dict.fromkeys(("赌场", "赌博", "博彩", "色情", "迷信", "算命"), _IMPROPER),
}
COMPANY_WORDS = (
    "有限责任",
    "有限",
    "公司",
    "企业",
    "集团",
    "股份",
    "控股",
    "合伙",
    "合作社",
    "联合社",
)
# Applications whose name still holds its place (the applicant may yet submit or correct it).
PENDING = (ApplicationStatus.filling, ApplicationStatus.reviewing, ApplicationStatus.returned)


def is_chinese(char: str) -> bool:
    """A CJK ideograph (basic block or extension A), the only characters a 字号 may use."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _what_is(char: str) -> str:
    """Why a character is not allowed in a 字号, in words a person knows."""
    if char.isspace():
        return "空格"
    normal = unicodedata.normalize("NFKC", char)
    if normal.isdigit() or unicodedata.category(char) == "Nd":
        return "数字"
    if normal.isalpha() and normal.isascii():
        return "字母"
    if unicodedata.category(char).startswith("L") and "LATIN" in unicodedata.name(char, ""):
        return "拼音或字母"
    if unicodedata.category(char)[0] in "PSZ":
        return "标点或符号"
    return "非汉字字符"


def _wrong(char: str) -> str:
    what = _what_is(char)
    return "不能有空格" if what == "空格" else f"“{char}”是{what}"


def division_of(town: Region | None) -> str:
    """The 行政区划 a name starts with: 昆山市千灯镇; a zone named 昆山… keeps its own name."""
    if town is None:
        return CITY_DIVISION
    return town.name if town.name.startswith("昆山") else CITY_DIVISION + town.name


def compose(*, division: str, trade_name: str, industry_word: str, form_word: str) -> str:
    """The full name, or "" without a 字号."""
    if not trade_name:
        return ""
    return division + trade_name + industry_word + form_word


def check_trade_name(trade_name: str) -> rules.RuleResult:
    """2 to 6 Chinese characters, naming the first character that is not one."""
    label = "字号"
    for char in trade_name:
        if not is_chinese(char):
            return rules.RuleResult(
                "name.trade_name",
                label,
                False,
                f"字号只能使用汉字，{_wrong(char)}（不能使用字母、拼音、数字、标点或空格）",
            )
    if not TRADE_NAME_MIN <= len(trade_name) <= TRADE_NAME_MAX:
        return rules.RuleResult(
            "name.trade_name",
            label,
            False,
            f"字号须为 {TRADE_NAME_MIN} 到 {TRADE_NAME_MAX} 个汉字，您填了 {len(trade_name)} 个",
        )
    return rules.RuleResult("name.trade_name", label, True, f"字号“{trade_name}”符合要求")


def check_industry(industry_word: str) -> rules.RuleResult:
    """行业表述 of 2 to 10 Chinese characters, e.g. 面馆, 理发, 便利."""
    label = "行业表述"
    if not industry_word:
        return rules.RuleResult(
            "name.industry", label, False, "请填写行业表述，如“面馆”“便利”“理发”"
        )
    wrong = next((c for c in industry_word if not is_chinese(c)), None)
    if wrong is not None:
        return rules.RuleResult(
            "name.industry", label, False, f"行业表述只能使用汉字，{_wrong(wrong)}"
        )
    if not INDUSTRY_MIN <= len(industry_word) <= INDUSTRY_MAX:
        return rules.RuleResult(
            "name.industry",
            label,
            False,
            f"行业表述须为 {INDUSTRY_MIN} 到 {INDUSTRY_MAX} 个汉字，您填了 {len(industry_word)} 个",
        )
    return rules.RuleResult("name.industry", label, True, f"行业表述“{industry_word}”符合要求")


def check_form(form_word: str) -> rules.RuleResult:
    """One of FORM_WORDS."""
    label = "组织形式用字"
    if form_word in FORM_WORDS:
        return rules.RuleResult("name.form", label, True, f"组织形式用字“{form_word}”符合要求")
    choices = "、".join(FORM_WORDS)
    if not form_word:
        return rules.RuleResult("name.form", label, False, f"请选择组织形式用字：{choices}")
    return rules.RuleResult(
        "name.form", label, False, f"组织形式用字“{form_word}”不可用，请从{choices}中选择"
    )


def check_words(text: str) -> list[rules.RuleResult]:
    """No banned word and no enterprise form anywhere in 字号 + 行业 + 组织形式."""
    banned = next((w for w in BANNED if w in text), None)
    company = next((w for w in COMPANY_WORDS if w in text), None)
    return [
        rules.RuleResult(
            "name.banned_words",
            "名称禁用字词",
            banned is None,
            f"名称不得含有“{banned}”：{BANNED[banned]}" if banned else "名称不含禁用字词",
        ),
        rules.RuleResult(
            "name.company_form",
            "企业组织形式",
            company is None,
            f"个体工商户名称不得使用“{company}”等企业组织形式"
            if company
            else "名称未使用企业组织形式",
        ),
    ]


def find_identical(
    db: Session,
    *,
    town: Region,
    trade_name: str,
    industry_word: str,
    exclude_application_id: int | None = None,
    exclude_license_id: int | None = None,
) -> str | None:
    """Why the name is taken in this town (a valid license or a pending application), or None."""
    stem = division_of(town) + trade_name + industry_word
    # Names that differ only in the 组织形式用字 are the same name (阿唐面馆店 = 阿唐面馆铺).
    licenses = select(License).where(
        License.town_id == town.id,
        License.valid,
        License.name.in_([stem, *(stem + form for form in FORM_WORDS)]),
    )
    if exclude_license_id is not None:
        licenses = licenses.where(License.id != exclude_license_id)
    found = db.scalars(licenses.limit(1)).first()
    if found is not None:
        return f"{town.name}已有同名的个体工商户“{found.name}”，请换一个字号"
    pending = select(Application).where(
        Application.town_id == town.id,
        Application.trade_name == trade_name,
        Application.industry_word == industry_word,
        Application.status.in_(PENDING),
    )
    if exclude_application_id is not None:
        pending = pending.where(Application.id != exclude_application_id)
    other = db.scalars(pending.limit(1)).first()
    if other is not None:
        return f"{town.name}已有同名的个体工商户“{other.business_name}”正在申请登记，请换一个字号"
    return None


def check(
    db: Session,
    *,
    town_id: int | None,
    trade_name: str,
    industry_word: str,
    form_word: str,
    exclude_application_id: int | None = None,
    exclude_license_id: int | None = None,
) -> list[rules.RuleResult]:
    """Every check of a proposed name, in the order shown; [] when no 字号 is given."""
    trade_name, industry_word, form_word = (
        (trade_name or "").strip(),
        (industry_word or "").strip(),
        (form_word or "").strip(),
    )
    if not trade_name:
        return []
    town = db.get(Region, town_id) if town_id is not None else None
    results = [check_trade_name(trade_name), check_industry(industry_word), check_form(form_word)]
    results += check_words(trade_name + industry_word + form_word)
    if town is None:
        results.append(
            rules.RuleResult("name.duplicate", "同名查重", False, "请先选择经营场所所在的区镇")
        )
        return results
    taken = find_identical(
        db,
        town=town,
        trade_name=trade_name,
        industry_word=industry_word,
        exclude_application_id=exclude_application_id,
        exclude_license_id=exclude_license_id,
    )
    results.append(
        rules.RuleResult(
            "name.duplicate",
            "同名查重",
            taken is None,
            taken or f"{town.name}没有同名的个体工商户",
        )
    )
    return results
