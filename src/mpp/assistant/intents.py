"""Follow-up questions about the service just answered: which aspect a message asks about.

Why a table of words and not the search: after "This is the service you need: ...",
citizens ask "berapa biayanya?", "syaratnya apa?", "loketnya dimana?", "bisa online?".
Those words name no service (the search drops most of them as stop words and finds
nothing, or finds something unrelated for "lama", "hari", "loket"), so they are read
here as an *aspect* of the service the conversation is about. The table below is the
whole rule: small, readable, Indonesian and English, with chat spellings (brp,
biayany, syarat2, dmn, gmn) and a few Sundanese/Javanese words.

How a message is read (`read`):
1. tokens as the search makes them (lower case, "syarat2" -> syarat), each respelled by
   COLLOQUIAL and stripped of a -nya/-ny/-na/-kah/-lah ending when the rest is a table word;
2. at each position the longest pattern of any aspect is taken ("berapa lama" is TIME,
   "berapa" alone is FEE); its length in words is added to its aspect's score;
3. the aspects asked are those scoring at least half of the best one ("jam buka hari
   sabtu": HOURS 3, TIME 1 -> HOURS only; "biaya dan syaratnya": FEE and REQUIREMENTS);
4. the words no pattern took, minus FILLERS, are the `rest`: the engine searches it, and
   a rest the search recognises as a service ("kalau sim berapa?") is a new need, not a
   follow-up (see engine.reply).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mpp.search.text import tokenize

FEE, REQUIREMENTS, TIME, WHERE, STEPS, HOURS = (
    "fee", "requirements", "time", "where", "steps", "hours"
)  # fmt: skip
ASPECTS = (FEE, REQUIREMENTS, TIME, WHERE, STEPS, HOURS)  # also the order of an answer

# fmt: off
PATTERNS: dict[str, tuple[str, ...]] = {
    FEE: (
        "biaya", "berapa", "harga", "tarif", "ongkos", "bayar", "bayar berapa", "gratis",
        "mahal", "murah", "retribusi", "berapa duit", "berapa uang", "berapa rupiah", "fee",
        "fees", "cost", "costs", "price", "how much", "pay", "charge", "free",
    ),
    REQUIREMENTS: (
        "syarat", "persyaratan", "bawa", "dibawa", "bawa apa", "berkas", "dokumen",
        "kelengkapan", "perlu apa", "butuh apa", "apa saja", "yang harus dibawa",
        "requirement", "requirements", "bring", "need", "documents", "document", "papers",
        "what do i need",
    ),
    TIME: (
        "lama", "berapa lama", "berapa hari", "berapa jam", "berapa minggu", "hari",
        "hari kerja", "kapan", "kapan jadi", "kapan selesai", "jadi kapan", "selesai",
        "durasi", "waktu", "proses", "how long", "take", "takes", "days", "ready",
        "duration", "time",
    ),
    WHERE: (
        "dimana", "di mana", "mana", "kemana", "ke mana", "loket", "gerai", "lokasi",
        "tempat", "lantai", "alamat", "where", "location", "counter", "booth",
        "address", "floor", "which floor",
    ),
    STEPS: (
        "online", "booking", "book", "pesan", "reservasi", "daftar online", "antre",
        "antrean", "ambil antrean", "nomor antrean", "cara", "cara daftar", "gimana",
        "bagaimana", "prosedur", "langkah", "apply", "queue", "queue number",
        "appointment", "reserve", "how to", "how do i", "register", "next step",
    ),
    HOURS: (
        "jam", "jam buka", "buka", "kapan buka", "tutup", "jam berapa", "buka jam berapa",
        "jam operasional", "jam kerja", "jam pelayanan", "jam layanan", "hari apa",
        "sabtu", "minggu", "libur", "hari sabtu", "hari minggu", "hari libur", "hari ini",
        "opening hours", "open", "opens", "opening", "close", "closes", "closed", "hours",
        "what time", "opening time", "saturday", "sunday", "weekend",
    ),
}
# Chat spellings and regional words, respelled before matching (not the search's table:
# these only have to reach the words above).
COLLOQUIAL = {
    "brp": "berapa", "brapa": "berapa", "berpa": "berapa", "sabaraha": "berapa",
    "pira": "berapa", "biyaya": "biaya", "byaya": "biaya", "biaya2": "biaya",
    "byr": "bayar", "mbayar": "bayar", "syrt": "syarat", "sarat": "syarat",
    "syarat2": "syarat", "persyaratannya": "persyaratan", "dmn": "dimana",
    "dmana": "dimana", "dimn": "dimana", "dimanakah": "dimana", "dimna": "dimana",
    "kamana": "kemana", "ngendi": "dimana", "endi": "mana", "gmn": "gimana",
    "gmna": "gimana", "gimna": "gimana", "bgmn": "bagaimana", "kumaha": "gimana",
    "piye": "gimana", "kepriwe": "gimana", "pripun": "gimana", "lma": "lama",
    "lami": "lama", "suwe": "lama", "iraha": "kapan", "kpn": "kapan", "kapn": "kapan",
    "antri": "antre", "antrian": "antrean", "ngantri": "antre", "ngantre": "antre",
    "boking": "booking", "bokin": "booking", "onlen": "online", "onlin": "online",
    "daring": "online", "jm": "jam", "hr": "hari", "sptu": "sabtu", "bwa": "bawa",
    "dokumennya": "dokumen", "brkas": "berkas", "mnggu": "minggu", "ahad": "minggu",
}
# Words a follow-up may hold around its aspect that name no service (the search's own
# stop words are dropped too, when the rest is searched).
FILLERS = frozenset({
    "bisa", "bs", "boleh", "apa", "apakah", "ya", "yah", "kak", "min", "jadi", "kira",
    "kirakira", "sih", "dong", "itu", "ini", "nya", "ga", "gak", "nggak", "engga", "enggak",
    "tidak", "atau", "dan", "sama", "juga", "layanan", "pelayanan", "urus", "ngurus",
    "mengurus", "kalau", "kalo", "klo", "kl", "yg", "yang", "aja", "saja", "biasanya",
    "kira2", "perlu", "harus", "mau", "nanti", "terus", "trus", "lalu", "habis", "abis",
    "kah", "lah", "teh", "mah", "atuh", "euy", "wae", "opo", "ora", "sing", "iku", "niku",
    # English
    "i", "you", "we", "it", "is", "are", "am", "do", "does", "did", "to", "the", "a", "an",
    "of", "for", "what", "which", "can", "could", "will", "would", "should", "be", "there",
    "this", "that", "me", "my", "please", "and", "or", "in", "at", "on", "much", "many",
    "long", "how", "get", "service", "about", "any", "have", "has", "also", "so", "then",
    "when", "with", "one", "they", "your", "done",
})
# fmt: on
_ENDINGS = ("nya", "ny", "na", "kah", "lah")  # -na: Sundanese ("biayana")


@dataclass(frozen=True)
class Reading:
    """What a message asks about the service: its aspects (in ASPECTS order) and the
    words left over, which may still name another need."""

    aspects: tuple[str, ...]
    rest: tuple[str, ...]


@lru_cache(maxsize=1)
def _patterns() -> tuple[dict[str, list[tuple[tuple[str, ...], str]]], frozenset[str]]:
    """First word -> [(pattern words, aspect)], longest first; and every table word."""
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for aspect, patterns in PATTERNS.items():
        for pattern in patterns:
            words = tuple(pattern.split())
            by_first.setdefault(words[0], []).append((words, aspect))
    for entries in by_first.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    vocabulary = frozenset(w for p in PATTERNS.values() for x in p for w in x.split())
    return by_first, vocabulary | FILLERS


def normalise(token: str) -> str:
    """A token respelled (COLLOQUIAL) and without a -nya/-ny/-na/-kah/-lah ending when the
    rest is a word of the table ("biayanya", "biayany" -> biaya; "loketnya" -> loket)."""
    token = COLLOQUIAL.get(token, token)
    _, vocabulary = _patterns()
    if token in vocabulary:
        return token
    for ending in _ENDINGS:
        if token.endswith(ending) and len(token) > len(ending) + 2:
            stem = COLLOQUIAL.get(token[: -len(ending)], token[: -len(ending)])
            if stem in vocabulary:
                return stem
    return token


def read(message: str) -> Reading:
    """The aspects a message asks about, and its other words (see the module docstring)."""
    by_first, _ = _patterns()
    tokens = [normalise(t) for t in tokenize(message)]
    scores = dict.fromkeys(ASPECTS, 0)
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        for words, aspect in by_first.get(tokens[i], ()):
            if tuple(tokens[i : i + len(words)]) == words:
                scores[aspect] += len(words)
                i += len(words)
                break
        else:
            if tokens[i] not in FILLERS:
                rest.append(tokens[i])
            i += 1
    best = max(scores.values())
    aspects = tuple(a for a in ASPECTS if best and scores[a] * 2 >= best)
    return Reading(aspects=aspects, rest=tuple(rest))
