"""Estates kept by staff, and the resident's two-step property repair (报事通 一键报修)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from minsheng.channels.models import Estate
from minsheng.core.settings import get_settings
from minsheng.requests.models import Channel, RequestPhoto, Status
from tests.channels import (
    GPS_IFD,
    estate_named,
    field_error,
    hidden_key,
    phone_photo,
    post,
    region_id,
    reload,
    requests_in,
    unit_id,
)

COMPANY = "昆山乐成置业有限公司"


def count(db, model) -> int:
    n = db.scalar(select(func.count()).select_from(model))
    db.commit()
    return int(n or 0)


def estate_form(db, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "长泾新苑",
        "town_id": region_id(db, "周市镇"),
        "community_id": region_id(db, "长泾社区"),
        "unit_id": unit_id(db, COMPANY),
        "buildings": "1幢\n2幢、3幢\n\n3幢\n商铺",
    }
    return {**data, **changes}


def repair_form(estate: Estate, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "estate": estate.id,
        "building": "3幢",
        "category": "repair.water",
        "description": "3 单元 502 厨房水管爆了，水漏到楼下",
        "contact_phone": "13812345678",
        "idempotency_key": "repair-" + "k" * 20,
    }
    return {**data, **changes}


def jpeg(name: str = "leak.jpg", data: bytes | None = None):
    return ("photos", (name, data if data is not None else phone_photo(), "image/jpeg"))


# Staff: estates


def test_operator_adds_an_estate_with_its_buildings(client, db, operator):
    page = client.get("/staff/estates")
    assert page.status_code == 200 and "长泾花苑" in page.text and COMPANY in page.text
    form = client.get("/staff/estates/new").text
    assert '<optgroup label="企业">' in form  # the property companies offered first
    response = post(client, "/staff/estates/new", estate_form(db))
    assert response.status_code == 303, response.text
    estate = estate_named(db, "长泾新苑")
    assert response.headers["location"] == f"/staff/estates/{estate.id}?saved=1"
    assert estate.building_list == ["1幢", "2幢", "3幢", "商铺"]  # split, blank and repeat gone
    assert estate.unit.name == COMPANY and estate.community.name == "长泾社区"
    shown = client.get(response.headers["location"]).text
    assert "1幢、2幢、3幢、商铺" in shown and "报修记录（0）" in shown


def test_estate_form_explains_what_is_wrong_and_writes_nothing(client, db, operator):
    before = count(db, Estate)
    empty = post(client, "/staff/estates/new", estate_form(db, name="", unit_id="", buildings=""))
    assert empty.status_code == 422
    assert field_error(empty.text, "name") == "请填写小区名称"
    assert field_error(empty.text, "unit_id") == "请选择物业服务企业"
    assert field_error(empty.text, "buildings") == "请至少填写一个楼栋，每行一个，例如 1幢"
    same = post(client, "/staff/estates/new", estate_form(db, name="长泾花苑"))
    assert field_error(same.text, "name") == "“周市镇”已有同名的小区"
    long = post(client, "/staff/estates/new", estate_form(db, buildings="1幢\n" + "长" * 41))
    assert field_error(long.text, "buildings").startswith("每个楼栋最多 40 个字")
    assert count(db, Estate) == before


def test_estates_are_kept_city_wide(client, db, gridworker):
    assert client.get("/staff/estates").status_code == 200
    assert 'href="/staff/estates/new"' not in client.get("/staff/estates").text
    assert client.get("/staff/estates/new").status_code == 403
    assert post(client, "/staff/estates/new", estate_form(db)).status_code == 403


def test_retired_estate_leaves_the_repair_page(client, db, operator):
    estate = estate_named(db, "花桥乐成公寓")
    form = {
        "name": estate.name,
        "town_id": estate.town_id,
        "community_id": "",
        "unit_id": estate.unit_id,
        "buildings": "\n".join(estate.building_list),
    }  # no active_flag: unticked
    assert post(client, f"/staff/estates/{estate.id}/edit", form).status_code == 303
    assert not reload(db, estate).active
    assert "花桥乐成公寓" not in client.get("/repair").text
    assert client.get(f"/repair?estate={estate.id}").status_code == 404
    assert all(e["name"] != "花桥乐成公寓" for e in client.get("/api/v1/estates").json())


# Residents: the repair


def test_step_one_lists_the_estates_by_town(client, db, kunshan):
    page = client.get("/repair")
    assert page.status_code == 200
    estate = estate_named(db, "长泾花苑")
    assert "<h2>周市镇</h2>" in page.text
    assert f'href="/repair?estate={estate.id}">长泾花苑' in page.text
    assert page.text.index("<h2>玉山镇</h2>") < page.text.index("<h2>周市镇</h2>")


def test_step_two_offers_buildings_and_what_can_be_broken(client, db, kunshan):
    estate = estate_named(db, "长泾花苑")
    page = client.get(f"/repair?estate={estate.id}").text
    assert 'enctype="multipart/form-data"' in page
    assert '<option value="12幢" >12幢</option>' in page
    for code, name in [
        ("repair.water", "水电维修"),
        ("repair.door", "门禁门窗"),
        ("repair.public", "公共设施"),
        ("repair", "其他问题"),
    ]:
        assert f'value="{code}"' in page and f">{name}</label>" in page
    assert f"报修送到 {COMPANY}" in page
    assert len(hidden_key(page)) >= 16


def test_repair_goes_to_the_property_company_with_a_clean_photo(client, db, kunshan):
    estate = estate_named(db, "长泾花苑")
    response = post(client, "/repair", repair_form(estate), files=[jpeg()])
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/report/received/")
    assert client.get(response.headers["location"]).status_code == 200

    (row,) = requests_in(db)
    assert row.channel == Channel.property_repair
    assert row.unit is not None and row.unit.name == COMPANY
    assert row.status == Status.dispatched
    assert (row.estate_id, row.building, row.address) == (estate.id, "3幢", "长泾花苑3幢")
    assert row.category.code == "repair.water" and row.title == "水电维修：长泾花苑3幢"
    assert row.description == "3 单元 502 厨房水管爆了，水漏到楼下"
    assert row.town.name == "周市镇" and row.region.name == "长泾社区"
    assert row.contact_phone == "13812345678" and row.entered_by_id is None
    (photo,) = row.photos
    image = Image.open(io.BytesIO(photo.content))
    assert photo.content_type == "image/jpeg" and image.size == (320, 240)
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in photo.content and b"PhoneMaker" not in photo.content


def test_two_taps_are_enough(client, db, kunshan):
    """No note, no photo, no phone: the place and the category say what and where."""
    estate = estate_named(db, "乐成花园")
    bare = repair_form(estate, building="7幢", category="repair", description="", contact_phone="")
    response = post(client, "/repair", bare)
    assert response.status_code == 303, response.text
    (row,) = requests_in(db)
    assert row.title == "报修：乐成花园7幢" and row.description == "乐成花园7幢报修"
    assert row.photos == [] and row.contact_phone == ""


def test_sent_twice_makes_one_repair(client, db, kunshan):
    estate = estate_named(db, "蓬苑新村")
    first = post(client, "/repair", repair_form(estate))
    again = post(client, "/repair", repair_form(estate))
    assert first.status_code == again.status_code == 303
    (row,) = requests_in(db)
    assert again.headers["location"] == f"/track?number={row.tracking_number}&again=1"


def nothing_written(db) -> None:
    assert requests_in(db) == []
    assert count(db, RequestPhoto) == 0


def test_no_estate_goes_back_to_the_list_with_a_message(client, db, kunshan):
    for estate in ("", "999999", "abc"):
        response = post(client, "/repair", {"estate": estate, "building": "1幢"})
        assert response.status_code == 422
        assert "请选择您所在的小区" in response.text and "<h2>周市镇</h2>" in response.text
    assert client.get("/repair?estate=999999").status_code == 404
    nothing_written(db)


def test_every_wrong_field_is_told_at_once_in_chinese(client, db, kunshan):
    estate = estate_named(db, "长泾花苑")
    wrong = repair_form(estate, building="99幢", category="urban.stall", contact_phone="12345")
    response = post(client, "/repair", wrong, files=[jpeg("notes.jpg", b"not a photo at all")])
    assert response.status_code == 422
    assert field_error(response.text, "building") == "请选择楼栋"
    assert field_error(response.text, "category") == "请选择哪里坏了"
    assert field_error(response.text, "photos") == "只能上传 JPG、PNG 或 WebP 格式的照片"
    assert field_error(response.text, "contact_phone") == "请填写 11 位手机号码，例如 13812345678"
    assert 'value="12345"' in response.text  # what was typed is kept for correcting
    nothing_written(db)


def test_long_note_is_refused(client, db, kunshan):
    estate = estate_named(db, "长泾花苑")
    response = post(client, "/repair", repair_form(estate, description="漏" * 501))
    assert response.status_code == 422
    assert field_error(response.text, "description") == "补充说明最多 500 个字"
    nothing_written(db)


@pytest.fixture
def small_photos(monkeypatch):
    monkeypatch.setenv("MINSHENG_MAX_PHOTO_BYTES", str(64 * 1024))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_oversize_photo_is_refused_with_the_limit(client, db, kunshan, small_photos):
    estate = estate_named(db, "长泾花苑")
    big = phone_photo() + b"\0" * (64 * 1024)
    response = post(client, "/repair", repair_form(estate), files=[jpeg("big.jpg", big)])
    assert response.status_code == 422
    assert field_error(response.text, "photos") == "每张照片不能超过 0.0625 MB"
    nothing_written(db)


def test_at_most_six_photos(client, db, kunshan):
    estate = estate_named(db, "长泾花苑")
    response = post(client, "/repair", repair_form(estate), files=[jpeg()] * 7)
    assert response.status_code == 422
    assert field_error(response.text, "photos") == "最多上传 6 张照片"
    nothing_written(db)


def test_estates_api_lists_what_the_repair_page_offers(client, db, kunshan):
    body = client.get("/api/v1/estates").json()
    by_name = {e["name"]: e for e in body}
    assert by_name["长泾花苑"]["unit"] == COMPANY
    assert by_name["长泾花苑"]["buildings"][:2] == ["1幢", "2幢"]
    assert by_name["长泾花苑"]["community"] == "长泾社区"
