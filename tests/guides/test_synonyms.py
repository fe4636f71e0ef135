"""Synonym groups: the checks on what staff type, and the staff pages (MANAGE_GUIDES) whose
changes search uses at once."""

from __future__ import annotations

import pytest

from minsheng.core.errors import InvalidInput
from minsheng.guides import search, synonyms
from minsheng.guides.models import SynonymGroup
from tests import factories
from tests.conftest import csrf, login
from tests.guides import matter

PAGE = "/staff/guides/synonyms"


@pytest.fixture(autouse=True)
def _fresh_indexes():
    search.forget()
    yield
    search.forget()


def sign_in(client, db, role: str = "administrator") -> None:
    user = factories.staff(db, role)
    login(client, user.username, factories.PASSWORD)


def refused(db, words: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        synonyms.create_group(db, words=words)
    return caught.value.fields["words"]


def test_a_group_is_stored_folded_and_in_order(db):
    group = synonyms.create_group(db, words=" 门头，招牌、店招  ＷＩＦＩ ")
    assert group.words == "门头 招牌 店招 wifi"


def test_what_a_group_may_not_be(db):
    assert refused(db, "门头") == synonyms.NEED_TWO
    assert refused(db, "") == synonyms.NEED_TWO
    assert "重复" in refused(db, "门头 招牌 门头")
    assert "20" in refused(db, "门头 " + "招" * 21)
    assert "汉字" in refused(db, "门头 招牌!")
    assert "汉字" in refused(db, "门头 4s店")
    assert "12" in refused(db, " ".join(f"词{chr(0x4E00 + i)}" for i in range(13)))
    synonyms.create_group(db, words="门头 招牌")
    message = refused(db, "店招 招牌")
    assert "招牌" in message and "另一组" in message and "门头 招牌" in message


def test_a_group_may_keep_its_own_words_when_edited(db):
    group = synonyms.create_group(db, words="门头 招牌")
    synonyms.update_group(db, group_id=group.id, words="门头 招牌 店招")
    assert group.words == "门头 招牌 店招"


def test_default_groups_are_added_once(db):
    synonyms.create_group(db, words="门头 牌匾")
    added = synonyms.ensure_defaults(db)
    assert added == len(synonyms.DEFAULT_GROUPS) - 1  # 门头 is taken already
    assert synonyms.ensure_defaults(db) == 0


def test_only_managers_reach_the_pages(client, db):
    assert client.get(PAGE, follow_redirects=False).status_code == 303  # to the login
    sign_in(client, db, "handler")
    assert client.get(PAGE).status_code == 403
    response = client.post(PAGE, data={"words": "门头 招牌", "csrf_token": csrf(client)})
    assert response.status_code == 403
    assert db.query(SynonymGroup).count() == 0


def test_a_group_added_on_the_page_is_searched_at_once(client, db):
    unit = factories.UnitFactory(name="昆山市城市管理局")
    matter(db, "KS-CG-001", unit=unit, title="设置户外招牌/店招标牌审批", keywords="户外广告")
    db.commit()
    assert client.get("/api/v1/guides", params={"q": "门头"}).json()["total"] == 0
    sign_in(client, db)
    form = client.get(PAGE)
    assert form.status_code == 200 and 'for="f-words"' in form.text
    saved = client.post(
        PAGE, data={"words": "门头 招牌 店招", "csrf_token": csrf(client)}, follow_redirects=False
    )
    assert saved.status_code == 303
    listing = client.get(saved.headers["location"])
    assert "门头 = 招牌 = 店招" in listing.text
    for query in ("门头", "mt"):
        hits = client.get("/api/v1/guides", params={"q": query}).json()["items"]
        assert hits[0]["code"] == "KS-CG-001", query


def test_errors_show_next_to_the_field_and_nothing_is_saved(client, db):
    sign_in(client, db)
    token = csrf(client)
    response = client.post(PAGE, data={"words": "门头", "csrf_token": token})
    assert response.status_code == 422
    assert 'id="e-words"' in response.text and synonyms.NEED_TWO in response.text
    assert 'value="门头"' in response.text
    client.post(PAGE, data={"words": "门头 招牌", "csrf_token": token})
    taken = client.post(PAGE, data={"words": "店招 <b>招牌</b>", "csrf_token": token})
    assert taken.status_code == 422 and "<b>招牌</b>" not in taken.text
    assert db.query(SynonymGroup).count() == 1
    no_token = client.post(PAGE, data={"words": "饭店 餐馆"})
    assert no_token.status_code == 403
    assert db.query(SynonymGroup).count() == 1


def test_edit_and_delete_a_group(client, db):
    unit = factories.UnitFactory(name="昆山市城市管理局")
    matter(db, "KS-CG-001", unit=unit, title="设置户外招牌/店招标牌审批", keywords="户外广告")
    group = synonyms.create_group(db, words="门头 牌匾")
    db.commit()
    sign_in(client, db)
    token = csrf(client)
    page = client.get(f"{PAGE}/{group.id}")
    assert page.status_code == 200 and 'value="门头 牌匾"' in page.text
    bad = client.post(f"{PAGE}/{group.id}", data={"words": "门头 门头", "csrf_token": token})
    assert bad.status_code == 422 and "重复" in bad.text
    client.post(f"{PAGE}/{group.id}", data={"words": "门头 招牌", "csrf_token": token})
    assert client.get("/api/v1/guides", params={"q": "门头"}).json()["total"] == 1
    deleted = client.post(
        f"{PAGE}/{group.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert client.get("/api/v1/guides", params={"q": "门头"}).json()["total"] == 0
    assert client.get(f"{PAGE}/{group.id}").status_code == 404
    assert client.get(f"{PAGE}/abc").status_code == 422
