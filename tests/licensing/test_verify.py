"""The public verification page: the license's public fields and whether it is valid, nothing
private; an unknown key is a page that says so; lookups are limited per address."""

from __future__ import annotations

import pytest

from minsheng.core import ratelimit
from minsheng.licensing import issuing, pages_verify, service
from minsheng.licensing.models import ApplicationKind
from tests.licensing import PHONE
from tests.licensing.test_issuing import SNACKS, issued, prepare


@pytest.mark.parametrize(
    ("name", "shown"),
    [("唐芳", "唐**"), ("王小明", "王**"), ("欧阳娜娜", "欧阳**"), ("欧阳", "欧**"), ("", "")],
)
def test_the_operator_shows_as_the_family_name_only(name: str, shown: str) -> None:
    assert pages_verify.masked_operator(name) == shown


@pytest.fixture
def demo(db, app):
    return prepare(db)


def test_a_valid_license_shows_its_public_fields_and_nothing_private(client, db, demo):
    license, _ = issued(db, demo)
    response = client.get(f"/licenses/verify/{license.verify_key}")
    assert response.status_code == 200
    page = response.text
    assert license.uscc in page and "昆山市千灯镇阿唐面馆店" in page
    assert "个体工商户" in page and "个人经营" in page and license.place in page
    assert SNACKS[1] in page and license.authority in page
    assert f"{license.registered_on:%Y年%m月%d日}" in page
    assert "有效" in page and "已注销" not in page
    assert "演示" in page  # issued at a demo-backend office
    assert "唐**" in page and "唐芳" not in page
    assert license.operator_id_number not in page and license.operator_id_number[-6:] not in page
    assert PHONE not in page and PHONE[-4:] not in page
    assert response.headers["cache-control"] == "no-store"


def test_a_deregistered_license_says_so(client, db, demo):
    license, _ = issued(db, demo)
    end, _ = service.start(db, office=demo, kind=ApplicationKind.deregister, license=license)
    issuing.issue(db, app=end)
    db.commit()
    page = client.get(f"/licenses/verify/{license.verify_key}").text
    assert "已注销" in page and "不能再作为经营凭证" in page
    assert f"{license.deregistered_on:%Y年%m月%d日}" in page


def test_an_unknown_key_is_a_404_page_not_an_error(client, db, demo):
    response = client.get("/licenses/verify/no-such-key-here")
    assert response.status_code == 404
    assert "未查到这份执照" in response.text and "重新扫描" in response.text
    long_key = client.get("/licenses/verify/" + "x" * 500)
    assert long_key.status_code == 404


def test_lookups_are_limited_per_address(client, db, demo):
    license, _ = issued(db, demo)
    path = f"/licenses/verify/{license.verify_key}"
    # The test client's address has used all but one lookup of this minute.
    for _ in range(pages_verify.LOOKUPS_PER_MINUTE - 1):
        ratelimit.hit(db, key="licensing:verify:testclient", window_seconds=60)
    db.commit()
    assert client.get(path).status_code == 200
    refused = client.get(path)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert "查询太频繁" in refused.text and license.uscc not in refused.text


def test_the_page_reads_in_english(client, db, demo):
    license, _ = issued(db, demo)
    client.cookies.set("minsheng_lang", "en")
    page = client.get(f"/licenses/verify/{license.verify_key}").text
    assert "Unified social credit code" in page and "Valid" in page
    assert "统一社会信用代码" not in page
