"""Which language a WhatsApp/SMS message is written in: Indonesian or English.

Why: a messaging citizen has no language switch, so the reply follows the message. Why
a word list and not a language-identification library: the messages are a few words
of chat ("ktp ilang gmn min", "how much is a passport"), where statistical detectors
guess badly, and the choice must be explainable. The rule:

* count the message's words found in ENGLISH (function words, question words and the
  few service words English speakers use) and in INDONESIAN (the same, plus the chat,
  Sundanese and Javanese words of citizens in West Java);
* English when its count is higher and reaches 2, or is 1 in a message of at most
  three words with no Indonesian word ("lost passport", "help");
* Indonesian when its count is higher; otherwise unsure (None): a number ("2"), "ok",
  a bare document name ("ktp", "paspor"). The caller then keeps the conversation's
  last language, and Indonesian (the default) when there is none.

The engine also searches an English message without its function words (for_search):
the search reads Indonesian, where "a" is SIM A.
"""

from __future__ import annotations

from mpp.search.text import tokenize

ID, EN = "id", "en"

# fmt: off
ENGLISH = frozenset({
    "the", "an", "is", "are", "am", "was", "be", "do", "does", "did", "i", "you", "my",
    "me", "we", "our", "your", "it", "its", "this", "that", "these", "of", "to", "for",
    "with", "from", "in", "on", "at", "and", "or", "not", "yes", "what", "which",
    "where", "when", "how", "why", "who", "much", "many", "long", "can", "could", "would",
    "should", "will", "need", "want", "have", "has", "get", "make", "please", "thanks",
    "thank", "hello", "help", "lost", "new", "renew", "renewal", "replace", "card",
    "birth", "certificate", "passport", "driving", "licence", "license", "tax", "marriage",
    "death", "family", "child", "apply", "book", "queue", "fee", "cost", "open", "bring",
    "again", "over", "start", "there", "about", "any", "some", "take", "took", "just",
})
INDONESIAN = frozenset({
    # function words, question words, particles
    "yang", "dan", "di", "ke", "dari", "untuk", "dengan", "ini", "itu", "saya", "aku",
    "gue", "kami", "kita", "anda", "mau", "ingin", "apa", "bagaimana", "gimana", "gmn",
    "berapa", "brp", "kapan", "dimana", "mana", "dmn", "bisa", "bs", "tidak", "gak", "ga",
    "nggak", "enggak", "sudah", "udah", "belum", "blm", "ada", "tolong", "mohon", "min",
    "kak", "pak", "bu", "mas", "mbak", "ya", "dong", "sih", "nya", "kalau", "kalo", "klo",
    "juga", "saja", "aja", "lagi", "buat", "bikin", "urus", "ngurus", "cara", "caranya",
    "syarat", "syaratnya", "biaya", "biayanya", "lama", "hilang", "ilang", "rusak", "baru",
    "ganti", "perpanjang", "daftar", "bayar", "anak", "terima", "kasih", "makasih", "halo",
    "selamat", "pagi", "siang", "sore", "malam", "jam", "buka", "loket", "antre", "antri",
    # Sundanese
    "abdi", "urang", "teu", "henteu", "naon", "kumaha", "sabaraha", "iraha",
    "leungit", "bade", "hoyong", "punten", "nuhun", "hatur", "atuh", "teh", "mah", "wae",
    "kedah", "tiasa", "sareng", "ka", "ti", "nu", "eta", "ieu",
    # Javanese (incl. Cirebon)
    "kula", "opo", "piye", "kepriwe", "pripun", "ora", "wis", "arep", "pengin",
    "ngendi", "endi", "pira", "suwe", "karo", "sing", "iku", "niki", "niku", "nggih", "sampun",
})
# English words that never tell services apart: dropped from an English message before
# it is searched (the search reads Indonesian: "a" would be SIM A, "do" a typo).
FUNCTION_WORDS = frozenset({
    "the", "a", "an", "is", "are", "am", "was", "be", "do", "does", "did", "i", "you", "my",
    "me", "we", "our", "your", "it", "its", "this", "that", "these", "of", "to", "for",
    "with", "from", "in", "on", "at", "and", "or", "what", "which", "where", "when", "how",
    "why", "who", "can", "could", "would", "should", "will", "want", "have", "has", "get",
    "please", "there", "about", "any", "some", "just", "need", "make", "like", "if",
})
# fmt: on
# Not listed on purpose: "a" and "no" ("sim a", "no 2" are Indonesian), "ok", numbers.
SHORT = 3  # words: one English word decides a message this short


def for_search(text: str) -> str:
    """The words of a message worth searching: an English message without its function
    words ("I want to make a KTP" -> "ktp"); any other message as it is."""
    if detect(text) != EN:
        return text
    return " ".join(w for w in tokenize(text) if w not in FUNCTION_WORDS)


def detect(text: str) -> str | None:
    """ "en", "id", or None when the message does not tell (see the module docstring)."""
    words = tokenize(text)
    english = sum(1 for w in words if w in ENGLISH)
    indonesian = sum(1 for w in words if w in INDONESIAN)
    if english > indonesian and (english >= 2 or (len(words) <= SHORT and not indonesian)):
        return EN
    if indonesian > english:
        return ID
    return None
