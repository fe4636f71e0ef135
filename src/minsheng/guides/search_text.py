"""Text for search: what a query keeps, how Chinese is cut into characters, pairs and words, and
its pinyin (full and initials). Pure functions, shared by the index and the synonym checks."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import jieba
from pypinyin import Style, lazy_pinyin

MAX_QUERY = 50  # characters kept of a query; longer ones are cut with a notice
MAX_RAW = 2000  # what is read of a query at all, so a huge one costs nothing
EMPTY_MESSAGE = "请输入要办的事，如 开业、营业执照"
CUT_NOTICE = "搜索词太长，只按前 50 个字查找。"

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{HAN}]+|[a-z]+|[0-9]+")
_HAN_RUN = re.compile(rf"^[{HAN}]+$")
# Words a resident writes around what they want: "我想开个饭店需要什么" → 开个 饭店.
STOP = frozenset(
    ["我", "想", "要", "的", "了", "个", "在", "去", "怎么", "怎样", "如何", "什么", "哪里"]
    + ["需要", "办理", "请问", "可以", "吗", "呢", "和", "与", "及"]
)

jieba.setLogLevel(60)  # its start-up chatter is not ours to print


@dataclass(frozen=True)
class Token:
    text: str
    kind: str  # han, latin, digit
    joined: bool  # written right after the previous token, without a space or symbol between


def clean(raw: str | None) -> tuple[str, bool]:
    """The query as searched: full-width folded, lower case, symbols gone, at most MAX_QUERY
    characters; and whether it was cut."""
    text = unicodedata.normalize("NFKC", (raw or "")[:MAX_RAW]).lower()
    parts = [m.group(0) for m in _TOKEN.finditer(text)]
    kept = " ".join(parts)
    # Spaces between tokens do not count against the limit, only what the person wrote.
    if sum(len(p) for p in parts) <= MAX_QUERY:
        return kept, False
    out: list[str] = []
    left = MAX_QUERY
    for part in parts:
        if left <= 0:
            break
        out.append(part[:left])
        left -= len(part[:left])
    return " ".join(out), True


def tokens(text: str) -> list[Token]:
    """Runs of Chinese characters, latin letters and digits, in order."""
    found: list[Token] = []
    end = -1
    for m in _TOKEN.finditer(text):
        char = m.group(0)[0]
        kind = (
            "latin" if char.isascii() and char.isalpha() else "digit" if char.isdigit() else "han"
        )
        found.append(Token(m.group(0), kind, m.start() == end))
        end = m.end()
    return found


def is_han(text: str) -> bool:
    return bool(_HAN_RUN.match(text))


def grams(text: str) -> list[str]:
    """The character pairs of a Chinese run (its single character if it has only one)."""
    if len(text) < 2:
        return [text] if text else []
    return list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))


def split_text(text: str) -> tuple[list[str], list[str]]:
    """A stored text's Chinese runs and its latin or digit words, in one pass."""
    runs: list[str] = []
    others: list[str] = []
    for m in _TOKEN.finditer(unicodedata.normalize("NFKC", text).lower()):
        part = m.group(0)
        (others if part.isascii() else runs).append(part)
    return runs, others


def han_runs(text: str) -> list[str]:
    return [m.group(0) for m in _TOKEN.finditer(text.lower()) if is_han(m.group(0))]


def latin_words(text: str) -> list[str]:
    return [t.text for t in tokens(unicodedata.normalize("NFKC", text).lower()) if t.kind != "han"]


@functools.lru_cache(maxsize=100_000)
def segment(run: str) -> tuple[str, ...]:
    """jieba's words of a Chinese run (cached: titles repeat their words a lot)."""
    return tuple(jieba.lcut(run, HMM=False))


@functools.lru_cache(maxsize=100_000)
def syllables(word: str) -> tuple[str, ...]:
    """One toneless syllable per character, read as a phrase (银行 → yin hang)."""
    return tuple(lazy_pinyin(word))


def words(text: str) -> list[str]:
    """Dictionary words of two or more characters in a text (for pinyin and corrections)."""
    found: list[str] = []
    for run in han_runs(text):
        if len(run) <= 4:
            found.append(run)
        found.extend(w for w in segment(run) if len(w) >= 2)
    return found


def split_phrase(run: str) -> list[str]:
    """A long Chinese phrase as the words worth looking for, without filler words."""
    pieces = [w for w in segment(run) if w not in STOP]
    return pieces or [run]


@functools.lru_cache(maxsize=200_000)
def pinyin(word: str) -> str:
    """Full toneless pinyin without spaces: 开业 → kaiye."""
    return "".join(syllables(word))


@functools.lru_cache(maxsize=200_000)
def initials(word: str) -> str:
    """Pinyin initials: 门头 → mt."""
    return "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))


def wildcards(word: str) -> list[str]:
    """The word with each character in turn replaced by '?': one wrong character finds it."""
    return [word[:i] + "?" + word[i + 1 :] for i in range(len(word))]
