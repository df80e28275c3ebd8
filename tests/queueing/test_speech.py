"""Indonesian words of a call: the Python twin of the board's JavaScript speech functions."""

from pathlib import Path

import pytest

from mpp.queueing import speech

# Shared with the browser test of board.js (window.MPPSpeech), so both agree.
NUMBER_CASES = [
    (0, "nol"),
    (1, "satu"),
    (3, "tiga"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (111, "seratus sebelas"),
    (245, "dua ratus empat puluh lima"),
    (1000, "seribu"),
    (2024, "dua ribu dua puluh empat"),
]
TICKET_CASES = [
    ("B-017", "be nol satu tujuh"),
    ("A-001", "a nol nol satu"),
    ("Q-120", "ki satu dua nol"),
    ("AB-005", "a be nol nol lima"),
    ("z-900", "zet sembilan nol nol"),
]
SENTENCE_CASES = [
    ("B-017", 3, "Nomor antrean be nol satu tujuh, silakan ke loket tiga"),
    ("C-105", 11, "Nomor antrean ce satu nol lima, silakan ke loket sebelas"),
    ("K-042", 21, "Nomor antrean ka nol empat dua, silakan ke loket dua puluh satu"),
]
VOICE_DIR = Path(speech.__file__).parent / "static" / "queueing" / "voice"


@pytest.mark.parametrize(("n", "words"), NUMBER_CASES)
def test_number_words(n, words):
    assert speech.number_words(n) == words


@pytest.mark.parametrize("n", [-1, 1_000_000])
def test_number_words_out_of_range(n):
    with pytest.raises(ValueError):
        speech.number_words(n)


@pytest.mark.parametrize(("number", "words"), TICKET_CASES)
def test_ticket_words_spell_letters_and_digits(number, words):
    assert speech.ticket_words(number) == words


@pytest.mark.parametrize(("number", "counter", "sentence"), SENTENCE_CASES)
def test_call_sentence(number, counter, sentence):
    assert speech.call_sentence(number, counter) == sentence


def test_call_words_are_the_sentence_in_clips():
    words = speech.call_words("B-017", 12)
    assert words == [
        "nomor antrean",
        "be",
        "nol",
        "satu",
        "tujuh",
        "silakan ke loket",
        "dua",
        "belas",
    ]
    assert [speech.clip_name(w) for w in words][0] == "nomor-antrean"


def test_every_clip_of_every_call_is_recorded():
    """Any letter and any counter 1-99 can be said with the committed clips."""
    on_disk = {p.stem for p in VOICE_DIR.glob("*.mp3")}
    assert speech.CHIME in on_disk
    needed = set()
    for letter in speech.LETTER_NAMES:
        for counter in range(1, 100):
            needed.update(speech.clip_name(w) for w in speech.call_words(f"{letter}-789", counter))
    needed.update(speech.clip_name(w) for w in speech.call_words("A-012", 456))
    assert needed <= on_disk, sorted(needed - on_disk)
    assert set(map(speech.clip_name, speech.clip_words())) | {speech.CHIME} == on_disk


def test_voice_clips_stay_small():
    sizes = [p.stat().st_size for p in VOICE_DIR.glob("*.mp3")]
    assert sizes and all(0 < s < 40_000 for s in sizes)
    assert sum(sizes) < 1_000_000
