"""Indonesian stemming: PySastrawi's algorithm with MPP's own root-word dictionary.

Why stem: a citizen types "perpanjang", the catalogue says "Perpanjangan"; "daftar" must
find "Pendaftaran", "lahir" must find "kelahiran". Sastrawi (Nazief-Adriani / enhanced
confix stripping) removes Indonesian affixes until what is left is a known root.

Licence decision. PySastrawi's code is MIT, which suits this Apache-2.0 project. Its
bundled root list (Sastrawi/Stemmer/data/kata-dasar.txt, loaded by StemmerFactory) comes
from Kateglo; the installed package (wheel, sdist README, LICENSE) says nothing about
it, but the upstream Sastrawi README states that the Kateglo root dictionary is licensed
CC BY-NC-SA 3.0: non-commercial and share-alike, incompatible with Apache-2.0 (MPP is
run by governments and may be operated by vendors). So MPP never calls StemmerFactory
and never reads that file: it builds `Stemmer(ArrayDictionary(...))` from data/roots.txt,
a root list written for MPP from the demo catalogue's vocabulary and the everyday words
of public services (see the file's header). A word whose root is not in the list is
left as it is (under-stemming, never a wrong cut into an unrelated word).

Why not PostgreSQL's `indonesian` text search configuration: it stems by rules without
a dictionary and over-stems ("pensiun" -> "siun", "peserta" -> "serta", the word for
"and", "perekaman" -> "ekam"; checked on PostgreSQL 15), and SQLite has nothing like it.
One Python stemmer keeps both databases identical.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer

DATA_DIR = Path(__file__).resolve().parent / "data"
ROOTS_FILE = DATA_DIR / "roots.txt"
SHORTEST_STEMMED = 4  # Sastrawi leaves words of three letters or fewer alone too


def read_words(path: Path) -> list[str]:
    """The words of a word-list file: separated by blanks, # starts a comment."""
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words.extend(line.split("#", 1)[0].lower().split())
    return words


@lru_cache(maxsize=1)
def root_words() -> frozenset[str]:
    """MPP's root-word dictionary (data/roots.txt)."""
    return frozenset(read_words(ROOTS_FILE))


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer:
    return Stemmer(ArrayDictionary(sorted(root_words())))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The root of one lower-case word, or the word itself when no root is known."""
    if len(word) < SHORTEST_STEMMED or not word.isalpha():
        return word
    return _stemmer().stem_word(word)
