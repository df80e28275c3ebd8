"""Typo correction: only unknown words are corrected, by a bounded edit distance, against
the catalogue's own vocabulary; valid words and place names are left alone."""

import pytest

from mpp.search.typos import Correction, Corrector, max_edits

VOCABULARY = {
    "perpanjang": 4,
    "perpanjangan": 6,
    "ktp": 12,
    "kk": 8,
    "hilang": 5,
    "balik": 3,
    "nama": 9,
    "kelahiran": 2,
    "sertipikat": 4,
    "tilang": 1,
}


@pytest.fixture
def corrector():
    return Corrector(VOCABULARY, targets={"sertifikat"}, known={"bikin", "hilang"})


def test_edit_distance_allowed_grows_with_the_word():
    assert [max_edits(w) for w in ("kpt", "hilan", "kelahrian", "ketenagakerjan")] == [0, 1, 2, 2]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("perpanjnag", "perpanjang"),  # a swap of two neighbours is one edit
        ("hilan", "hilang"),
        ("kelahrian", "kelahiran"),
        ("sertifkat", "sertifikat"),  # a target from the tables (then spelled sertipikat)
        ("kpt", "ktp"),  # three letters: only a swap
        ("baliknama", "balik nama"),  # two known words stuck together
    ],
)
def test_unknown_words_are_corrected(corrector, typed, meant):
    assert corrector.correct_word(typed) == meant


@pytest.mark.parametrize("word", ["hilang", "bikin", "ktp", "nama", "2026", "bandung", "kertajati"])
def test_known_words_numbers_and_place_names_are_never_corrected(corrector, word):
    assert corrector.correct_word(word) is None


def test_three_letter_words_are_not_guessed(corrector):
    assert corrector.correct_word("kkk") is None  # not a swap of a known word


def test_corrections_are_reported(corrector):
    tokens, corrections = corrector.correct(["perpanjnag", "ktp", "baliknama"])
    assert tokens == ["perpanjang", "ktp", "balik", "nama"]
    assert corrections == [
        Correction("perpanjnag", "perpanjang"),
        Correction("baliknama", "balik nama"),
    ]
