"""How a display board calls a ticket aloud, in Indonesian.

"Nomor antrean be nol satu tujuh, silakan ke loket tiga": the ticket letter by
its Indonesian name, the digits one by one, the counter (loket) as a whole
number in words. The board's JavaScript (static/queueing/board.js) has the same
functions; tests compare both so the spoken text and the recorded clips agree.
Each word of the sentence is also the name of a recorded clip in
static/queueing/voice/ (phrases with a dash), used when the browser has no
Indonesian voice.
"""

from __future__ import annotations

LETTER_NAMES = {
    "A": "a",
    "B": "be",
    "C": "ce",
    "D": "de",
    "E": "e",
    "F": "ef",
    "G": "ge",
    "H": "ha",
    "I": "i",
    "J": "je",
    "K": "ka",
    "L": "el",
    "M": "em",
    "N": "en",
    "O": "o",
    "P": "pe",
    "Q": "ki",
    "R": "er",
    "S": "es",
    "T": "te",
    "U": "u",
    "V": "fe",
    "W": "we",
    "X": "eks",
    "Y": "ye",
    "Z": "zet",
}
DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
PHRASE_NUMBER = "nomor antrean"
PHRASE_COUNTER = "silakan ke loket"
CHIME = "chime"


def number_words(n: int) -> str:
    """A whole number (0 to 999 999) in Indonesian words: 21 -> "dua puluh satu"."""
    if n < 0 or n > 999_999:
        raise ValueError("number out of range")
    if n < 10:
        return DIGITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{DIGITS[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return _join(f"{DIGITS[tens]} puluh", rest)
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{DIGITS[hundreds]} ratus"
        return _join(head, rest)
    thousands, rest = divmod(n, 1000)
    head = "seribu" if thousands == 1 else f"{number_words(thousands)} ribu"
    return _join(head, rest)


def _join(head: str, rest: int) -> str:
    return f"{head} {number_words(rest)}" if rest else head


def ticket_words(number: str) -> str:
    """A ticket number as said aloud: letters by name, digits one by one ("B-017" -> "be nol
    satu tujuh")."""
    words = []
    for ch in number.upper():
        if ch in LETTER_NAMES:
            words.append(LETTER_NAMES[ch])
        elif ch.isascii() and ch.isdigit():
            words.append(DIGITS[int(ch)])
    return " ".join(words)


def call_words(number: str, counter_number: int) -> list[str]:
    """The parts of a call, in order; each part is one recorded clip."""
    return [
        PHRASE_NUMBER,
        *ticket_words(number).split(),
        PHRASE_COUNTER,
        *number_words(int(counter_number)).split(),
    ]


def call_sentence(number: str, counter_number: int) -> str:
    """The sentence a speech synthesiser says for a call."""
    return (
        f"Nomor antrean {ticket_words(number)}, "
        f"{PHRASE_COUNTER} {number_words(int(counter_number))}"
    )


def clip_name(word: str) -> str:
    """The file name (without extension) of the clip for one part of a call."""
    return word.replace(" ", "-")


def clip_words() -> list[str]:
    """Every clip the board may play: phrases, letters, digits and counter-number words."""
    words = [PHRASE_NUMBER, PHRASE_COUNTER, *LETTER_NAMES.values(), *DIGITS]
    words += ["sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu"]
    return list(dict.fromkeys(words))
