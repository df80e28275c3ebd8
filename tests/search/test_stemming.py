"""The Indonesian stemmer: PySastrawi's algorithm with MPP's own root list, never the
Kateglo dictionary bundled with PySastrawi (CC BY-NC-SA, see mpp.search.stemming)."""

from pathlib import Path

import pytest
import Sastrawi

from mpp.search.stemming import ROOTS_FILE, _stemmer, root_words, stem


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("perpanjangan", "panjang"),
        ("memperpanjang", "panjang"),
        ("pendaftaran", "daftar"),
        ("kelahiran", "lahir"),
        ("kematian", "mati"),
        ("kehilangan", "hilang"),
        ("penggantian", "ganti"),
        ("perekaman", "rekam"),  # PostgreSQL's `indonesian` makes this "ekam"
        ("kepesertaan", "peserta"),
        ("persetujuan", "setuju"),
        ("pajaknya", "pajak"),
    ],
)
def test_affixes_are_removed_down_to_a_root_of_the_list(word, root):
    assert stem(word) == root


@pytest.mark.parametrize("word", ["pensiun", "peserta", "pertama", "kepala", "berkas"])
def test_roots_that_look_affixed_are_kept_whole(word):
    # PostgreSQL's `indonesian` configuration cuts "pensiun" to "siun", "peserta" to "serta"
    assert stem(word) == word


def test_a_word_whose_root_is_unknown_is_left_alone():
    assert "goreng" not in root_words()
    assert stem("penggorengan") == "penggorengan"
    assert stem("ktp") == "ktp" and stem("ak1") == "ak1"  # short words, codes


def test_the_dictionary_is_ours_and_not_the_bundled_kateglo_list():
    bundled = Path(Sastrawi.__file__).parent / "Stemmer" / "data" / "kata-dasar.txt"
    kateglo = set(bundled.read_text(encoding="utf-8").split()) if bundled.exists() else set()
    assert _stemmer().get_dictionary().count() == len(root_words())
    assert ROOTS_FILE.parent.name == "data" and ROOTS_FILE.exists()
    if kateglo:  # a word only Kateglo's list has is not a root for us
        only_kateglo = sorted(kateglo - root_words())
        assert "abadi" in only_kateglo
        assert stem("keabadian") == "keabadian"
