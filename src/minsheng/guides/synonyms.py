"""Synonym groups for search (门头 = 招牌 = 店招): a query for one word finds matters with any.

Each word belongs to one group at most, so that a word never means two different things; search
reads the groups at its next query (see search.py)."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.guides.models import SynonymGroup
from minsheng.guides.search_text import HAN

MAX_WORD = 20
MAX_WORDS = 12
_SPLIT = re.compile(r"[\s,，、;；=＝/|]+")
_WORD = re.compile(rf"^(?:[{HAN}]+|[a-z0-9]+)$")
NEED_TWO = "一组同义词至少要有两个词，用空格分开，如：门头 招牌 店招"


def split(text: str) -> list[str]:
    """The words typed into the field, in order (separators: spaces, commas, 、, =)."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return [w for w in _SPLIT.split(folded) if w]


def _check(db: Session, text: str, *, own_id: int | None = None) -> list[str]:
    """The group's words, or InvalidInput on `words` saying what to change."""
    found = split(text)
    if len(found) < 2:
        raise InvalidInput({"words": NEED_TWO})
    if len(found) > MAX_WORDS:
        raise InvalidInput({"words": f"一组最多 {MAX_WORDS} 个词，请分成几组"})
    seen: set[str] = set()
    for word in found:
        if len(word) > MAX_WORD:
            raise InvalidInput({"words": f"“{word[:MAX_WORD]}…”太长了，每个词最多 20 个字"})
        if not _WORD.match(word):
            raise InvalidInput({"words": f"“{word}”只能全是汉字，或全是字母和数字（不要夹杂符号）"})
        if word in seen:
            raise InvalidInput({"words": f"“{word}”在这一组里重复了"})
        seen.add(word)
    for group in list_groups(db):
        if group.id == own_id:
            continue
        taken = seen & set(group.words.split())
        if taken:
            word = sorted(taken)[0]
            raise InvalidInput(
                {"words": f"“{word}”已经在另一组同义词里（{group.words}），请修改那一组"}
            )
    return found


def list_groups(db: Session) -> list[SynonymGroup]:
    """Every group, oldest first."""
    return list(db.scalars(select(SynonymGroup).order_by(SynonymGroup.id)))


def get_group(db: Session, *, group_id: int) -> SynonymGroup:
    group = db.get(SynonymGroup, group_id)
    if group is None:
        raise NotFound("没有找到这组同义词，可能已被删除。")
    return group


def create_group(db: Session, *, words: str) -> SynonymGroup:
    """A new group from the words typed, checked."""
    group = SynonymGroup(words=" ".join(_check(db, words)))
    db.add(group)
    db.flush()
    return group


def update_group(db: Session, *, group_id: int, words: str) -> SynonymGroup:
    """Replaces a group's words, checked as for a new one."""
    group = get_group(db, group_id=group_id)
    group.words = " ".join(_check(db, words, own_id=group.id))
    db.flush()
    return group


def delete_group(db: Session, *, group_id: int) -> None:
    db.delete(get_group(db, group_id=group_id))
    db.flush()


# Words residents use for the high-frequency matters; the demo loads them, staff add more.
DEFAULT_GROUPS = (
    "门头 招牌 店招",
    "开业 开店",
    "饭店 餐馆 小吃店 餐饮",
    "个体户 个体工商户",
    "身份证 居民身份证",
)


def ensure_defaults(db: Session) -> int:
    """Adds the default groups whose words are all new; returns how many it added."""
    taken = {w for g in list_groups(db) for w in g.words.split()}
    added = 0
    for words in DEFAULT_GROUPS:
        if not taken & set(words.split()):
            db.add(SynonymGroup(words=words))
            taken |= set(words.split())
            added += 1
    db.flush()
    return added
