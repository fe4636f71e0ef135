"""The foundation every step stands on: ID numbers, credit codes, the identity backends, and an
application's first step through the service."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric
from stdnum.cn import uscc as stdnum_uscc

from minsheng.core.errors import InvalidInput
from minsheng.licensing import identity, identity_numbers, service, uscc
from minsheng.licensing.models import ApplicationStatus
from tests.licensing import PHONE, identified, office, started, valid_id
from tests.requests import load_demo

TODAY = dt.date(2026, 11, 27)


def test_a_valid_number_gives_birth_date_and_sex() -> None:
    found = identity_numbers.parse(valid_id("19900101", order="123"), today=TODAY)
    assert found.birth_date == dt.date(1990, 1, 1) and found.male
    assert found.age_on(TODAY) == 36
    assert identity_numbers.parse(valid_id(order="124").lower(), today=TODAY).male is False


def test_an_area_code_younger_than_the_holder_is_accepted() -> None:
    # 110118 密云区 exists since 2015; people born there in 1980 carry it. stdnum refuses it.
    number = valid_id("19800101", area="110118")
    assert not ric.is_valid(number)
    assert identity_numbers.adult(number, today=TODAY).birth_date.year == 1980


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写身份证号码"),
        ("32058319900101123", "应为 18 位"),
        ("32058319900101123A", "最后一位是数字或 X"),
        (valid_id("19900230"), "出生日期不存在"),
        (valid_id("20300101"), "出生日期不对"),
        (valid_id()[:17] + ("0" if valid_id()[17] != "0" else "1"), "校验码不对"),
        (valid_id(area="999999"), "行政区划代码"),
        (valid_id("20100101"), "年满 18 周岁"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(raw: str, message: str) -> None:
    with pytest.raises(identity_numbers.BadIdNumber) as raised:
        identity_numbers.adult(raw, today=TODAY)
    assert message in str(raised.value)


def test_the_day_before_the_eighteenth_birthday_is_too_young() -> None:
    number = valid_id("20081128")
    with pytest.raises(identity_numbers.BadIdNumber):
        identity_numbers.adult(number, today=TODAY)
    assert identity_numbers.adult(number, today=dt.date(2026, 11, 28))


def test_credit_codes_validate_both_ways_and_never_repeat() -> None:
    codes = [uscc.make(serial) for serial in range(0, 40_000, 7)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert code.startswith("92320583") and len(code) == 18
        assert stdnum_uscc.is_valid(code), code
        assert uscc.is_valid(code), code
        assert uscc.check_11714(code[8:16]) == code[16]


def test_a_wrong_body_check_is_caught_even_when_the_last_character_is_fixed() -> None:
    code = uscc.make(12345)
    body_check = "0" if code[16] != "0" else "1"
    first17 = code[:16] + body_check
    forged = first17 + uscc.check_32100(first17)
    assert stdnum_uscc.is_valid(forged)  # stdnum checks only the last character
    assert not uscc.is_valid(forged)


def test_an_unknown_backend_falls_back_to_the_officer_never_to_demo() -> None:
    assert identity.backend("face-vendor-x").code == "officer"
    assert identity.backend("demo").demo is True
    claim = identity.Claim(name="唐芳", id_number=valid_id())
    assert identity.backend("officer").verify(claim=claim, card=None, face=None).verified is False


def test_step_one_through_the_service(app, db) -> None:
    load_demo(db)
    app, token = identified(db, office(db))
    assert app.number.startswith("GT") and len(token) > 20
    assert service.by_token(db, token=token) is app
    assert app.phone == PHONE and app.phone_verified_at is not None
    assert app.identity_checked_at is not None  # the demo backend vouches
    with pytest.raises(InvalidInput) as raised:
        service.set_identity(db, app=app, name="Tang", id_number=valid_id("20100101"))
    assert set(raised.value.fields) == {"operator_name", "id_number"}


def test_the_officer_backend_leaves_identity_to_the_window(app, db) -> None:
    load_demo(db)
    app, _ = started(db, office(db, "test-officer", backend="officer"))
    service.set_identity(db, app=app, name="唐芳", id_number=valid_id())
    assert app.identity_checked_at is None


def test_abandoning_wipes_what_identifies_the_person(app, db) -> None:
    load_demo(db)
    app, _ = identified(db, office(db))
    service.abandon(db, app=app)
    assert app.status == ApplicationStatus.abandoned
    assert (app.operator_name, app.id_number, app.phone) == ("", "", "")
