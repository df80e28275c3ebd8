"""Normalisation: case, punctuation, slang, regional words, abbreviations and old names all
end up as the same search terms, in queries and in catalogue texts alike."""

import pytest

from mpp.search.stemming import stem
from mpp.search.text import analyse, tables, tokenize


def test_tokens_are_lower_case_ascii_without_punctuation_or_repeats():
    assert tokenize("Bikin e-KTP, HILANG!!") == ["bikin", "e", "ktp", "hilang"]
    assert tokenize("AK/1") == ["ak", "1"]
    assert tokenize("anak2 anak-anak") == ["anak"]  # reduplication folds to one word
    assert tokenize("Énggal") == ["enggal"]  # accents dropped
    assert tokenize("") == [] and tokenize(None) == []


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("bikin KTP hilang", ["buat", "ktp", "hilang"]),  # bikin -> buat
        ("gmn cara ngurus akte lahir yg cepet", ["akta", "lahir", "cepet"]),  # chat + akte
        ("ktp abdi leungit", ["ktp", "hilang"]),  # Sundanese: abdi (saya), leungit (hilang)
        ("kepriben mbayar pajek", ["bayar", "pajek"]),  # Cirebon: kepriben, mbayar
        ("Perpanjangan", ["panjang"]),  # stemmed
    ],
)
def test_slang_regional_words_and_stop_words(query, terms):
    assert analyse(query) == terms


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("IMB rumah", "pbg"),  # Izin Mendirikan Bangunan, now Persetujuan Bangunan Gedung
        ("izin mendirikan bangunan", "pbg"),
        ("SIUP", "nib"),  # SIUP and TDP became the NIB (OSS)
        ("tdp perusahaan", "nib"),
        ("kartu kuning", "ak1"),  # the job-seeker card, officially AK/1
        ("AK/1", "ak1"),
        ("kartu pencari kerja", "ak1"),
        ("e-KTP", "ktp"),
        ("KTP-el", "ktp"),
        ("kartu tanda penduduk", "ktp"),
        ("surat pindah", "skpwni"),
        ("surat kelakuan baik", "skck"),  # the SKCK's old name
        ("skkb", "skck"),
        ("jamsostek", "bpjs"),  # BPJS Ketenagakerjaan's old name
        ("askes", "bpjs"),
        ("TKI", "pmi"),  # Pekerja Migran Indonesia
        ("prona", "ptsl"),
        ("surat izin mengemudi a", "sima"),  # SIM A, after two synonym passes
        ("sim motor", "simc"),
    ],
)
def test_old_names_and_abbreviations_get_their_canonical_term(query, canonical):
    assert canonical in analyse(query)


def test_bpjs_tk_and_jamsostek_mean_bpjs_ketenagakerjaan():
    ketenagakerjaan = analyse("BPJS Ketenagakerjaan")
    assert set(ketenagakerjaan) <= set(analyse("bpjs tk")) | {"bpjs"}
    assert set(ketenagakerjaan) <= set(analyse("jamsostek"))
    assert "sehat" not in analyse("jamsostek")


def test_catalogue_texts_and_queries_meet_on_the_same_terms():
    service_name = analyse("Kartu Tanda Bukti Pendaftaran Pencari Kerja (AK/1, kartu kuning)")
    assert "ak1" in service_name
    assert set(analyse("bikin kartu kuning")) - {"buat"} <= set(service_name)
    assert set(analyse("akte kelahiran")) <= set(analyse("Penerbitan kutipan akta kelahiran"))


def test_the_replaced_words_stay_searchable():
    # "pajak motor" is PKB, but a query sharing only "pajak" must still meet it
    assert analyse("pajak motor")[:1] == ["pkb"]
    assert {"pajak", "motor"} <= set(analyse("pajak motor"))


def test_question_words_say_nothing():
    assert analyse("gimana ya caranya, mohon info kak?") == ["informasi"]
    assert analyse("bagaimana") == []


def test_every_table_word_is_known_to_the_typo_corrector():
    t = tables()
    assert {"gmn", "leungit", "kepriben", "imb", "siup"} <= t.known
    assert "skkb" in t.targets  # a synonym variant: worth correcting a typo to
    assert stem("kepesertaan") == "peserta"
