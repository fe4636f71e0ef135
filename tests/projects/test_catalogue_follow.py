"""Followers: one row per phone, told by SMS with a stop link that only works for them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from minsheng.core.errors import InvalidInput
from minsheng.notify.models import OutboundMessage
from minsheng.projects import follow
from minsheng.projects.models import Follower
from tests.projects.catalogue import count, kunshan, make_batch, make_project, sms_to

PHONE = "13811112222"


@pytest.fixture
def project(db):
    kunshan(db)
    make_batch(db)
    return make_project(db)


def test_following_twice_keeps_one_row_and_the_first_reason(db, project):
    first = follow.add_follower(db, project, "138 1111 2222", reason="request")
    again = follow.add_follower(db, project, "+8613811112222", resident_id=None)
    db.commit()
    assert first.id == again.id and count(db, Follower) == 1
    assert again.phone == PHONE and again.reason == "request"
    assert follow.count(db, project) == 1


def test_a_phone_that_is_not_a_mobile_is_refused(db, project):
    with pytest.raises(InvalidInput) as caught:
        follow.add_follower(db, project, "0512-5731100")
    assert "11 位手机号码" in caught.value.fields["phone"]


def test_telling_followers_queues_one_sms_each_with_its_own_stop_link(db, project):
    follow.add_follower(db, project, PHONE)
    follow.add_follower(db, project, "13933334444")
    told = follow.tell_followers(db, project, "您关注的实事项目有新进展：累计进度 40%。")
    db.commit()
    assert told == 2
    mine = sms_to(db, PHONE)
    assert len(mine) == 1 and mine[0].startswith("【民生】您关注的实事项目有新进展：累计进度 40%。")
    follower = follow.find(db, project, PHONE)
    assert follower is not None
    assert follow.stop_path(project, follower) in mine[0]
    assert follow.stop_path(project, follower) not in sms_to(db, "13933334444")[0]
    purposes = set(db.scalars(select(OutboundMessage.purpose)))
    assert purposes == {"project_progress"}


def test_a_stop_link_works_only_with_its_signature(db, project):
    follower = follow.add_follower(db, project, PHONE)
    db.commit()
    good = follow.signature(follower)
    assert follow.by_signature(db, project, follower.id, good) is follower
    assert follow.by_signature(db, project, follower.id, "0" * 20) is None
    assert follow.by_signature(db, project, 2**40, good) is None
    other = make_project(db, title="另一个项目")
    assert follow.by_signature(db, other, follower.id, good) is None


def test_unfollowing_stops_the_messages(db, project):
    follow.add_follower(db, project, PHONE)
    assert follow.remove_follower(db, project, PHONE) is True
    assert follow.remove_follower(db, project, PHONE) is False
    assert follow.tell_followers(db, project, "有新进展。") == 0
    db.commit()
    assert sms_to(db, PHONE) == []
