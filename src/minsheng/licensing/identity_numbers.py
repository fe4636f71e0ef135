"""Resident identity card numbers (GB 11643): the arithmetic from python-stdnum's `cn.ric`, our
own judgement on the parts it is too strict or too lenient about for a registration office."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

ADULT_AGE = 18


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    male: bool

    def age_on(self, day: dt.date) -> int:
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


class BadIdNumber(ValueError):
    """Why a number cannot be an identity card number, in Chinese."""


def compact(raw: str) -> str:
    """Spaces and full-width characters gone, a lower-case x made upper-case."""
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()


def _known_division(number: str) -> bool:
    # stdnum refuses a county whose code was created after the birth year, but people keep the
    # number of the county as it is now named; we only ask that the code exists at all.
    found = {k for _part, props in numdb.get("cn/loc").info(number[:6]) for k in props}
    return "county" in found


def parse(raw: str, *, today: dt.date) -> IdNumber:
    """A valid 18-digit number with its birth date and sex, or BadIdNumber saying why not."""
    number = compact(raw)
    if not number:
        raise BadIdNumber("请填写身份证号码")
    if len(number) != 18:
        raise BadIdNumber(f"身份证号码应为 18 位，您填了 {len(number)} 位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise BadIdNumber("身份证号码前 17 位是数字，最后一位是数字或 X")
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise BadIdNumber("身份证号码里的出生日期不存在，请核对") from None
    if birth > today or birth.year < 1900:
        raise BadIdNumber("身份证号码里的出生日期不对，请核对")
    if ric.calc_check_digit(number) != number[17]:
        raise BadIdNumber("身份证号码最后一位校验码不对，请逐位核对")
    if not _known_division(number):
        raise BadIdNumber("身份证号码前 6 位不是有效的行政区划代码，请核对")
    return IdNumber(number=number, birth_date=birth, male=int(number[16]) % 2 == 1)


def adult(raw: str, *, today: dt.date) -> IdNumber:
    """A valid number of someone 18 or older on `today` (an operator must be an adult)."""
    found = parse(raw, today=today)
    if found.age_on(today) < ADULT_AGE:
        raise BadIdNumber("经营者须年满 18 周岁")
    return found


def mask(number: str) -> str:
    """320583********1234: the region and the last four, as offices print on receipts."""
    return number[:6] + "*" * 8 + number[-4:] if len(number) == 18 else "*" * len(number)
