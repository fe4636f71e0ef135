"""Photos through the API: the reporter adds photos to their report with the follow token;
the handler replies with photos. Sizes, kinds and counts are refused with a message."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.core.settings import get_settings
from minsheng.requests.models import RequestEvent, RequestPhoto
from tests.requests import (
    assert_error,
    demo_headers,
    fields_of,
    load_demo,
    submit,
    token_of,
)
from tests.requests.handling import accepted, closed, ok, png, report_leak, view


@pytest.fixture
def leak(client, db) -> dict:
    load_demo(db)
    return report_leak(client)


def send(client, created: dict, token: str, *photos: tuple[str, bytes, str]) -> object:
    files = [("photos", photo) for photo in photos]
    return client.post(
        f"/api/v1/requests/{created['tracking_number']}/photos", data={"token": token}, files=files
    )


def kept(db, created: dict) -> list[RequestPhoto]:
    photos = list(
        db.scalars(
            select(RequestPhoto)
            .join(RequestPhoto.request)
            .where(RequestPhoto.request.has(tracking_number=created["tracking_number"]))
            .order_by(RequestPhoto.id)
        )
    )
    db.commit()
    return photos


def test_the_reporter_adds_photos_up_to_six(client, db, leak):
    token = token_of(leak)
    added = ok(
        send(client, leak, token, ("a.png", png(), "image/png"), ("b.png", png(60), "image/png"))
    )
    assert [p["width"] for p in added] == [40, 60]
    assert all(p["url"] == f"/photos/{p['key']}" and len(p["key"]) >= 20 for p in added)
    assert [p.key for p in kept(db, leak)] == [p["key"] for p in added]
    five = [(f"{i}.png", png(), "image/png") for i in range(5)]
    error = assert_error(send(client, leak, token, *five), 422, "validation_error")
    assert fields_of(error) == {"photos": "最多 6 张照片，还可以再传 4 张"}
    assert len(ok(send(client, leak, token, *five[:4]))) == 4
    assert len(kept(db, leak)) == 6


def test_only_the_reporter_adds_photos(client, db, leak):
    other = submit(client, title="另一件事情")
    for token in (token_of(other), "x" * 32):
        assert_error(send(client, leak, token, ("a.png", png(), "image/png")), 403, "forbidden")
    response = client.post(
        f"/api/v1/requests/{leak['tracking_number']}/photos",
        files=[("photos", ("a.png", png(), "image/png"))],
    )
    assert "token" in fields_of(assert_error(response, 422, "validation_error"))
    assert kept(db, leak) == []


def test_wrong_kinds_and_oversize_photos_are_refused_with_a_message(client, db, leak, monkeypatch):
    token = token_of(leak)
    error = assert_error(
        send(client, leak, token, ("note.txt", b"not a photo at all", "text/plain")),
        422,
        "validation_error",
    )
    assert fields_of(error) == {"photos": "只能上传 JPG、PNG 或 WebP 格式的照片"}
    monkeypatch.setenv("MINSHENG_MAX_PHOTO_BYTES", str(64 * 1024))
    get_settings.cache_clear()
    big = png(300, noise=True)
    assert len(big) > 64 * 1024
    error = assert_error(
        send(client, leak, token, ("big.png", big, "image/png")), 413, "payload_too_large"
    )
    assert error["message"] == "每张照片不能超过 0.0625 MB"
    assert kept(db, leak) == []


def test_no_photos_after_closure(client, db, leak):
    handler = demo_headers(client, "handler")
    accepted(client, leak, handler)
    closed(client, leak, handler)
    assert_error(
        send(client, leak, token_of(leak), ("a.png", png(), "image/png")), 409, "wrong_state"
    )


def test_the_handler_replies_with_photos(client, db, leak):
    handler = demo_headers(client, "handler")
    version = accepted(client, leak, handler)["version"]
    url = f"/api/v1/requests/{leak['tracking_number']}/replies/photos"
    files = [("photos", ("after.png", png(80), "image/png"))]
    stale = client.post(
        url, data={"text": "维修后的照片请看附件", "version": "1"}, files=files, headers=handler
    )
    assert_error(stale, 409, "stale")
    seen = ok(
        client.post(
            url,
            data={"text": "维修后的照片请看附件", "version": str(version)},
            files=files,
            headers=handler,
        )
    )
    assert seen["timeline"][-1]["kind"] == "reply"
    photos = kept(db, leak)
    assert len(photos) == 1 and photos[0].width == 80
    event = db.get(RequestEvent, photos[0].event_id)
    assert event is not None and event.kind == "reply"
    db.commit()
    assert (
        view(client, leak, token=token_of(leak))["timeline"][-1]["text"] == "维修后的照片请看附件"
    )


def test_a_reply_with_photos_is_checked_like_any_reply(client, db, leak):
    handler = demo_headers(client, "handler")
    version = accepted(client, leak, handler)["version"]
    url = f"/api/v1/requests/{leak['tracking_number']}/replies/photos"
    files = [("photos", ("after.png", png(), "image/png"))]
    for data, field in [
        ({"text": "好", "version": str(version)}, "text"),
        ({"text": "已修\x00好", "version": str(version)}, "text"),
        ({"text": "维修后的照片请看附件", "version": "二"}, "version"),
    ]:
        response = client.post(url, data=data, files=files, headers=handler)
        assert field in fields_of(assert_error(response, 422, "validation_error"))
    assert kept(db, leak) == []
