"""The in-memory search index over the public catalogue, and how a query is matched against it.

See search.py for when an index is built and thrown away; this file only builds and answers."""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import distance, process

from minsheng.guides.search_text import (
    grams,
    initials,
    is_han,
    pinyin,
    segment,
    split_phrase,
    split_text,
    syllables,
    tokens,
    wildcards,
)

TITLE, KEYWORDS, OTHER = 3.0, 2.0, 1.0  # where a character pair was found: title counts most
MAX_ALTERNATIVES = 12  # readings kept of an ambiguous piece of pinyin (mt: 门头 码头 美团 …)
HOMOPHONE, WRONG_CHARACTER, INITIALS, PINYIN_TYPO = 0.9, 0.85, 0.9, 0.8  # trust in a reading
TITLE_BONUS, EXACT_BONUS = 0.5, 1.5  # the words in the title; the whole title
_KEYWORD_SPLIT = re.compile(r"[\s,，、;；/|]+")


@dataclass(slots=True)
class Doc:
    """One public matter as the index sees it (its current version's text)."""

    matter_id: int
    code: str
    title: str
    kind: str
    unit: str
    summary: str
    status: str

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"


@dataclass(frozen=True, slots=True)
class Analysed:
    grams: dict[str, float]  # character, pair or latin word → weight of the best field holding it
    words: dict[str, tuple[str, str]]  # word → (full pinyin, initials)
    pairs: dict[str, str]  # character pair of the title or keywords → its full pinyin


@functools.lru_cache(maxsize=50_000)
def analyse(title: str, keywords: str, summary: str, unit: str) -> Analysed:
    """What one matter's text contributes; cached by the text, so a rebuild after one edit
    analyses only the edited matter again."""
    found: dict[str, float] = {}
    named: list[str] = []
    described: list[str] = []
    fields = [("title", title, TITLE), ("keywords", keywords, KEYWORDS)]
    fields += [("summary", summary, OTHER), ("unit", unit, OTHER)]
    for name, text, weight in fields:
        runs, others = split_text(text)
        if name in ("title", "keywords"):
            named.extend(runs)
        elif name == "summary":
            described = runs
        for run in runs:
            for gram in (*run, *(run[i : i + 2] for i in range(len(run) - 1))):
                if found.get(gram, 0.0) < weight:
                    found[gram] = weight
        for word in others:
            if found.get(word, 0.0) < weight:
                found[word] = weight
    spoken: dict[str, tuple[str, str]] = {}
    pairs: dict[str, str] = {}
    keyword_words = [k for k in _KEYWORD_SPLIT.split(keywords.lower()) if k and is_han(k)]
    for run in named + described:
        # Pinyin read word by word (jieba's words), so that 银行 reads yinhang, and cached.
        pieces = segment(run)
        spelled = [s for piece in pieces for s in syllables(piece)]
        if len(spelled) != len(run):
            continue
        for i in range(len(run) - 1):
            pairs[run[i : i + 2]] = spelled[i] + spelled[i + 1]
        for word in {run, *pieces}:
            at = run.find(word)
            if len(word) < 2 or len(word) > 12:
                continue
            part = spelled[at : at + len(word)]
            # Initials only for the title's and keywords' words: a summary would make ky mean
            # too many things.
            first = "".join(s[0] for s in part) if run in named else ""
            if first or word not in spoken:
                spoken[word] = ("".join(part), first)
    for word in keyword_words:
        spoken.setdefault(word, (pinyin(word), initials(word)))
    return Analysed(found, spoken, pairs)


@dataclass
class Concept:
    """One thing the person asked for, with every reading of it looked for."""

    source: str
    readings: dict[str, float] = field(default_factory=dict)  # text → trust (1 = as written)


class Index:
    """Postings of characters and character pairs per matter, the catalogue's vocabulary by
    pinyin and initials, synonyms, popularity."""

    def __init__(self, docs: list[Doc], analysed: list[Analysed], groups: list[list[str]]):
        self.docs = docs
        self.by_code = {d.code.lower(): i for i, d in enumerate(docs)}
        self.titles = [d.title.lower() for d in docs]
        self.by_title: dict[str, list[int]] = defaultdict(list)
        for i, title in enumerate(self.titles):
            self.by_title[title].append(i)
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        self.df: Counter[str] = Counter()
        by_pinyin: dict[str, set[str]] = defaultdict(set)
        by_initials: dict[str, set[str]] = defaultdict(set)
        spoken: dict[str, tuple[str, str]] = {}
        pairs: dict[str, str] = {}
        for i, item in enumerate(analysed):
            for gram, weight in item.grams.items():
                postings[gram][i] = weight
            self.df.update(item.words.keys())
            # Merged first (C-speed updates; a word reads the same in every matter), then mapped.
            spoken.update(item.words)
            pairs.update(item.pairs)
        for word, (full, _) in spoken.items():
            by_pinyin[full].add(word)
        for pair, full in pairs.items():
            by_pinyin[full].add(pair)
        for item in analysed:
            for word, (_, first) in item.words.items():
                if first:
                    by_initials[first].add(word)
        self.postings = dict(postings)
        n = max(len(docs), 1)
        self.idf = {g: math.log(1 + n / len(p)) for g, p in self.postings.items()}
        self.synonyms: dict[str, tuple[str, ...]] = {}
        for group in groups:
            for word in group:
                self.synonyms[word] = tuple(group)
                if is_han(word):
                    by_pinyin[pinyin(word)].add(word)
                    by_initials[initials(word)].add(word)
        self.by_pinyin = dict(by_pinyin)
        self.by_initials = dict(by_initials)
        self.by_wildcard: dict[str, set[str]] = defaultdict(set)
        for word in [*self.df, *self.synonyms]:
            if len(word) >= 3 and is_han(word):
                for key in wildcards(word):
                    self.by_wildcard[key].add(word)
        self.pinyin_by_length: dict[int, list[str]] = defaultdict(list)
        for key in self.by_pinyin:
            self.pinyin_by_length[len(key)].append(key)
        self.rank: list[int] = []
        self.popularity: dict[int, float] = {}
        self.set_popularity({})

    # -- reading the query ---------------------------------------------------------------

    def plan(self, text: str) -> tuple[list[Concept], str]:
        """The concepts of a cleaned query, and its longest Chinese phrase (for a phrase bonus)."""
        concepts: list[Concept] = []
        phrase = ""
        latin: list[str] = []
        for token in tokens(text):
            if token.kind == "latin":
                latin.append(token.text)
                continue
            concepts.extend(self._latin(latin))
            latin = []
            if token.kind == "digit":
                concepts.append(Concept(token.text, {token.text: 1.0}))
            elif len(token.text) <= 4 or token.text in self.df or token.text in self.synonyms:
                concepts.append(self._han(token.text))
            else:
                phrase = max(phrase, token.text, key=len)
                concepts.extend(self._han(w) for w in split_phrase(token.text))
        concepts.extend(self._latin(latin))
        return concepts, phrase

    def _present(self, word: str) -> bool:
        """Whether some matter holds every character pair of the word."""
        pieces = grams(word)
        lists: list[dict[int, float]] = [p for p in (self.postings.get(g) for g in pieces) if p]
        if len(lists) < len(pieces):
            return False
        smallest = min(lists, key=len)
        docs = set(smallest)
        for other in lists:
            docs &= other.keys()
        return bool(docs)

    def _with_synonyms(self, concept: Concept, word: str, trust: float) -> None:
        concept.readings.setdefault(word, trust)
        han = is_han(word)
        for known, group in self.synonyms.items():
            # Chinese synonyms replace part of a phrase (门头审批); latin ones only a whole word.
            if (known in word) if han else (known == word):
                for other in group:
                    concept.readings.setdefault(word.replace(known, other), trust)

    def _han(self, word: str) -> Concept:
        concept = Concept(word)
        self._with_synonyms(concept, word, 1.0)
        if len(word) < 2 or self._present(word) or word in self.synonyms:
            return concept
        # Not in the catalogue as written: a homophone (开页 → 开业), else one wrong character.
        found = [w for w in self.by_pinyin.get(pinyin(word), ()) if len(w) == len(word)]
        trust = HOMOPHONE
        if not found and len(word) >= 3:
            found = sorted({w for key in wildcards(word) for w in self.by_wildcard.get(key, ())})
            trust = WRONG_CHARACTER
        for other in sorted(found, key=lambda w: -self._weight(w))[:5]:
            self._with_synonyms(concept, other, trust)
        return concept

    def _weight(self, word: str) -> int:
        """How many matters use a word; a synonym counts its whole group's (门头 as 招牌)."""
        group = self.synonyms.get(word, (word,))
        return max(self.df.get(w) or len(self.postings.get(w, ())) for w in group)

    def _spoken(self, key: str) -> Concept | None:
        """Chinese words for a piece of pinyin: full (kaiye) or initials (ky)."""
        full = self.by_pinyin.get(key)
        candidates, trust = (full, 1.0) if full else (self.by_initials.get(key), INITIALS)
        if not candidates:
            return None
        ranked = sorted(candidates, key=lambda w: (-self._weight(w), w))[:MAX_ALTERNATIVES]
        top = max(self._weight(ranked[0]), 1)
        concept = Concept(key)
        for word in ranked:
            # Among several readings, the ones more matters use are the likelier meant.
            self._with_synonyms(concept, word, trust * (0.7 + 0.3 * self._weight(word) / top))
        return concept

    def _break(self, text: str) -> list[str] | None:
        """Latin letters cut into known pinyin, initials or words, fewest pieces first."""
        best: list[tuple[float, list[str]] | None] = [None] * (len(text) + 1)
        best[0] = (0.0, [])
        for i in range(len(text)):
            entry = best[i]
            if entry is None:
                continue
            cost, pieces = entry
            for j in range(i + 2, min(len(text), i + 30) + 1):
                key = text[i:j]
                step = (
                    1.0
                    if key in self.by_pinyin or key in self.postings or key in self.synonyms
                    else 1.5
                    if key in self.by_initials
                    else None
                )
                if step is None:
                    continue
                current = best[j]
                if current is None or cost + step < current[0]:
                    best[j] = (cost + step, [*pieces, key])
        end = best[len(text)]
        return end[1] if end else None

    def _latin(self, parts: list[str]) -> list[Concept]:
        if not parts:
            return []
        joined = "".join(parts)
        pieces = self._break(joined)
        if pieces is None and len(parts) > 1:
            split = [self._break(p) for p in parts]
            pieces = [x for s in split if s for x in s] if any(split) else None
        if pieces is None:
            return [self._fuzzy(p) for p in parts]
        out: list[Concept] = []
        for piece in pieces:
            concept = self._spoken(piece) or Concept(piece)
            if piece in self.postings or piece in self.synonyms or not concept.readings:
                self._with_synonyms(concept, piece, 1.0)  # a latin word of the text itself
            out.append(concept)
        return out

    def _fuzzy(self, text: str) -> Concept:
        """Pinyin with one letter wrong, missing or extra (kaiyr → kaiye)."""
        if len(text) < 4:
            return Concept(text, {text: 1.0})
        keys = [
            k for n in (len(text) - 1, len(text), len(text) + 1) for k in self.pinyin_by_length[n]
        ]
        near = process.extract(
            text, keys, scorer=distance.Levenshtein.distance, score_cutoff=1, limit=3
        )
        concept = Concept(text, {text: 1.0})
        for key, _, _ in near:
            spoken = self._spoken(key)
            for word, trust in spoken.readings.items() if spoken else ():
                concept.readings.setdefault(word, trust * PINYIN_TYPO)
        return concept

    # -- matching ------------------------------------------------------------------------

    def match(self, reading: str) -> dict[int, float]:
        """Matters holding a reading, each with how well (0 to 1, more for a title match)."""
        pieces = grams(reading) if is_han(reading) else [reading]
        lists = [self.postings.get(g) for g in pieces]
        if len(pieces) == 1:  # the common case (two characters, a latin word): no counting
            found = lists[0] or {}
            if len(reading) < 2:
                return {doc: weight / TITLE for doc, weight in found.items()}
            out = {
                doc: w / TITLE + (TITLE_BONUS if w == TITLE else 0.0) for doc, w in found.items()
            }
            for doc in self.by_title.get(reading, ()):
                out[doc] += EXACT_BONUS
            return out
        unknown = math.log(2 + len(self.docs))
        total = sum(self.idf.get(g, unknown) for g in pieces) * TITLE
        need = len(pieces) if len(pieces) <= 2 else math.ceil(0.6 * len(pieces))
        present = [(self.idf[g], p) for g, p in zip(pieces, lists, strict=True) if p]
        if len(present) < need:
            return {}
        if need == len(pieces):  # every pair must be there: intersect, smallest list first
            present.sort(key=lambda item: len(item[1]))
            docs = set(present[0][1])
            for _, postings in present[1:]:
                docs &= postings.keys()
            mass = {d: sum(idf * p[d] for idf, p in present) for d in docs}
        else:
            mass = defaultdict(float)
            hits: Counter[int] = Counter()
            for idf, postings in present:
                for doc, weight in postings.items():
                    mass[doc] += idf * weight
                    hits[doc] += 1
            mass = {d: m for d, m in mass.items() if hits[d] >= need}
        out = {}
        for doc, value in mass.items():
            title = self.titles[doc]
            value /= total
            if reading in title:
                value += TITLE_BONUS + (EXACT_BONUS if reading == title else 0.0)
            out[doc] = value
        return out

    def score(self, concepts: list[Concept], phrase: str) -> tuple[dict[int, float], list[str]]:
        """Each matching matter's relevance, and the readings that found something."""
        used: list[str] = []
        found: list[dict[int, float]] = []
        for concept in concepts:
            best: dict[int, float] = {}
            for reading, trust in concept.readings.items():
                hits = self.match(reading)
                if not hits:
                    continue
                if reading not in used:
                    used.append(reading)
                if not best and trust == 1.0:
                    best = hits
                    continue
                for doc, value in hits.items():
                    if value * trust > best.get(doc, 0.0):
                        best[doc] = value * trust
            if best:
                found.append(best)
        if not found:
            return {}, used
        # A word most matters hold (材料, 办理) only adds to matters found by a rarer one.
        common = len(self.docs) // 2
        rare = [best for best in found if len(best) <= common] or found
        first = max(rare, key=len)
        totals: dict[int, float] = dict(first)
        for best in rare:
            if best is not first:
                for doc, value in best.items():
                    totals[doc] = totals.get(doc, 0.0) + value
        for best in found:
            if all(best is not r for r in rare):
                for doc in totals:
                    totals[doc] += best.get(doc, 0.0)
        if phrase:
            for doc in totals:
                title = self.titles[doc]
                if phrase in title:
                    totals[doc] += 2.0 if phrase == title else 1.0
        return totals, used

    def set_popularity(self, popularity: dict[int, float]) -> None:
        """New popularity figures, and the order they give among equally relevant matters."""
        docs = self.docs
        order = sorted(
            range(len(docs)),
            key=lambda i: (
                -popularity.get(docs[i].matter_id, 0.0),
                len(docs[i].title),
                docs[i].code,
            ),
        )
        rank = [0] * len(docs)
        for position, doc in enumerate(order):
            rank[doc] = position
        self.rank, self.popularity = rank, popularity

    def ranked(self, scores: dict[int, float], limit: int) -> list[int]:
        """The best `limit` matters: withdrawn last, then relevance, then popularity."""
        rank, docs = self.rank, self.docs
        keyed = [(docs[i].withdrawn, -round(s, 6), rank[i], i) for i, s in scores.items()]
        best = heapq.nsmallest(limit, keyed) if limit < len(keyed) // 4 else sorted(keyed)
        return [item[3] for item in best[:limit]]
