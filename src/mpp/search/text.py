"""From text to search terms: the one analyser used for queries and catalogue texts alike.

Why one analyser: a query term can only meet a document term if both went through the
same steps. The steps, in order:

1. tokens: lower case, accents dropped, split on anything not a letter or digit
   ("e-KTP" -> e, ktp; "AK/1" -> ak, 1); "anak2" and "anak-anak" -> anak;
2. spelling (data/spelling.tsv): informal, chat, old and regional words -> standard
   Indonesian ("bikin" -> buat, "akte" -> akta, "leungit" -> hilang);
3. stemming (mpp.search.stemming): "perpanjangan" -> panjang;
4. synonyms (data/synonyms.tsv), matched on the stems, longest first: every name of one
   thing gets its canonical form added ("kartu kuning", "ak 1" -> ak1; "imb" -> pbg);
5. stop words (data/stopwords.txt): words that do not tell services apart are dropped.

Typo correction happens before step 2, on the query only (mpp.search.typos).
The tables are data files with a header saying where their entries come from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from mpp.search.stemming import DATA_DIR, ROOTS_FILE, read_words, root_words, stem

SPELLING_FILE = DATA_DIR / "spelling.tsv"
SYNONYMS_FILE = DATA_DIR / "synonyms.tsv"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
# Bump when the analysis steps change in code (the data files are fingerprinted anyway).
ANALYSER_VERSION = "4"
SYNONYM_PASSES = 3

_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Tables:
    """The loaded data tables, ready for matching."""

    spelling: dict[str, tuple[str, ...]]
    # first stem of a variant -> [(variant stems, canonical terms)], longest variant first
    synonyms: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]
    stopwords: frozenset[str]
    # surface words the tables know: never "corrected" as typos
    known: frozenset[str]
    # surface words worth correcting a typo to (spelling keys, synonym variants)
    targets: frozenset[str]


def _rows(path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rows.append([cell.strip().lower() for cell in line.split("\t") if cell.strip()])
    return rows


def tokenize(text: str) -> list[str]:
    """Lower-case ASCII tokens of a text, reduplications folded ("anak2", "anak-anak")."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    tokens: list[str] = []
    for token in _TOKEN.findall(plain):
        if len(token) > 3 and token.endswith("2") and token[:-1].isalpha():
            token = token[:-1]
        if tokens and tokens[-1] == token:
            continue
        tokens.append(token)
    return tokens


def _respell(tokens: list[str], spelling: dict[str, tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        out.extend(spelling.get(token, (token,)))
    return out


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The data tables, loaded once per process."""
    spelling = {row[0]: tuple(row[1].split()) for row in _rows(SPELLING_FILE) if len(row) > 1}
    synonyms: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    targets = set(spelling)
    for row in _rows(SYNONYMS_FILE):
        canonical = tuple(stem(t) for t in _respell(tokenize(row[0]), spelling))
        for variant in row:
            words = _respell(tokenize(variant), spelling)
            targets.update(tokenize(variant))
            key = tuple(stem(t) for t in words)
            if key:
                synonyms.setdefault(key[0], []).append((key, canonical))
    for entries in synonyms.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    raw_stop = read_words(STOPWORDS_FILE)
    stopwords = frozenset(raw_stop) | frozenset(stem(w) for w in raw_stop)
    replacements = {word for words in spelling.values() for word in words}
    known = frozenset(targets | replacements | stopwords | root_words())
    return Tables(
        spelling=spelling,
        synonyms=synonyms,
        stopwords=stopwords,
        known=known,
        targets=frozenset(targets),
    )


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A digest of the analyser: its version and every data table it reads."""
    digest = hashlib.sha256(ANALYSER_VERSION.encode())
    for path in (SPELLING_FILE, SYNONYMS_FILE, STOPWORDS_FILE, ROOTS_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def _synonyms_pass(stems: list[str], synonyms) -> tuple[list[str], list[str]]:
    """One left-to-right pass: (the stems with each longest variant replaced by its
    canonical form, the variants' own stems that the canonical forms do not hold)."""
    out: list[str] = []
    consumed: list[str] = []
    i = 0
    while i < len(stems):
        for variant, canonical in synonyms.get(stems[i], ()):
            if tuple(stems[i : i + len(variant)]) == variant:
                out.extend(canonical)
                consumed.extend(s for s in variant if s not in canonical)
                i += len(variant)
                break
        else:
            out.append(stems[i])
            i += 1
    return out, consumed


def _synonyms(stems: list[str], synonyms) -> list[str]:
    """Canonical forms added to the words they stand for.

    Replacing runs again on its own output (at most SYNONYM_PASSES times), so "surat
    izin mengemudi a" becomes "sim a", then "sim sima". The replaced words are kept as
    terms too (after the canonical ones): "pajak motor" -> pkb, pajak, motor, so a query
    that only shares "pajak" with a service still meets it.
    """
    sequence, extra = stems, []
    for _ in range(SYNONYM_PASSES):
        replaced, consumed = _synonyms_pass(sequence, synonyms)
        if replaced == sequence:
            break
        sequence = replaced
        extra.extend(consumed)
    return sequence + extra


def analyse_tokens(tokens: list[str]) -> list[str]:
    """Search terms of already tokenised (and typo-corrected) text: steps 2 to 5."""
    t = tables()
    stems = [stem(word) for word in _respell(tokens, t.spelling)]
    return [term for term in _synonyms(stems, t.synonyms) if term not in t.stopwords]


# Words a region puts around a service's name without changing what the service is
# ("Pelayanan penerbitan akta kelahiran", "Pembuatan KTP Elektronik", "Pengajuan NIB"),
# as stems: not part of a standard's key (standard_key).
PROCEDURAL_STEMS = frozenset(
    {"pelayanan", "layanan", "layan", "buat", "terbit", "aju", "mohon", "daftar", "urus"}
)
REGION_WORDS = frozenset({"kabupaten", "kab", "kota", "provinsi", "prov"})


def _without_region(tokens: list[str], region_name: str) -> list[str]:
    """The tokens without the region's name ("Cianjur", "Kabupaten Cianjur", "Kota
    Padang Panjang"), only where the whole name occurs: "Perpanjang SIM C" of Kota Padang
    Panjang keeps its "perpanjang"."""
    region = tokenize(region_name)
    while region and region[0] in REGION_WORDS:
        region = region[1:]
    if not region:
        return tokens
    kept: list[str] = []
    i, k = 0, len(region)
    while i < len(tokens):
        if tokens[i : i + k] == region:
            if kept and kept[-1] in REGION_WORDS:
                kept.pop()
            i += k
            continue
        kept.append(tokens[i])
        i += 1
    return kept


def standard_key(name: str, *, region_name: str = "") -> str:
    """Which published standard a service's name names, as a key shared by the regions'
    copies: "Perpanjangan SIM C" and "Perpanjang SIM C Kabupaten Cianjur" -> "panjang sim
    simc". The name without the agency's own region's name (`region_name`), stemmed, with
    synonyms replaced by their canonical form only ("KTP-el", "KTP Elektronik" -> "ktp"),
    without stop words and procedural words (PROCEDURAL_STEMS), distinct and sorted. Two
    names with the same key are one standard in a national search (one hit, every
    region's copy among its places)."""
    t = tables()
    tokens = _without_region(tokenize(name), region_name)
    stems = [stem(word) for word in _respell(tokens, t.spelling)]
    sequence = stems
    for _ in range(SYNONYM_PASSES):
        replaced, _consumed = _synonyms_pass(sequence, t.synonyms)
        if replaced == sequence:
            break
        sequence = replaced
    dropped = t.stopwords | PROCEDURAL_STEMS
    key = sorted({term for term in sequence if term not in dropped})
    return " ".join(key) or " ".join(sorted(set(stems)))


def analyse(text: str) -> list[str]:
    """Search terms of a text, in order (repeats kept: they count in the ranking)."""
    return analyse_tokens(tokenize(text))
