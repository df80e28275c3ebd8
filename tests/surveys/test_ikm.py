"""The regulation's arithmetic (PermenPANRB 14/2017): NRR, unit value, IKM, mutu, sample size.

Every expected number below is worked out by hand in the comments, not by the code.
"""

from decimal import Decimal

import pytest
from django.utils import translation

from mpp.surveys import ikm

D = Decimal


def totals_of(*respondents: tuple[int, ...]) -> dict[str, int]:
    """Element totals of respondents given as nine scores each."""
    return {code: sum(r[i] for r in respondents) for i, code in enumerate(ikm.ELEMENT_CODES)}


# The questionnaire ------------------------------------------------------------------


@translation.override("en")
def test_elements_are_the_nine_of_the_regulation_in_order():
    assert ikm.ELEMENT_CODES == ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
    names = [str(e.name) for e in ikm.ELEMENTS]
    assert names == [
        "Requirements",
        "Systems, mechanisms and procedures",
        "Time to complete the service",
        "Cost/tariff",
        "Service product specification",
        "Competence of officers",
        "Behaviour of officers",
        "Facilities and infrastructure",
        "Handling of complaints, suggestions and feedback",
    ]
    for element in ikm.ELEMENTS:
        assert [score for score, _ in element.choices()] == [1, 2, 3, 4]
        assert element.field == element.code.lower()
    assert str(ikm.ELEMENTS_BY_CODE["U4"].answers[3]) == "Free"
    with translation.override("id"):
        assert str(ikm.ELEMENTS_BY_CODE["U4"].answers[3]) == "Gratis"


# Index ------------------------------------------------------------------------------


def test_all_answers_four_give_100_and_mutu_a():
    totals = totals_of(*[(4,) * 9] * 7)
    assert ikm.unit_value(totals, 7) == 4
    value = ikm.ikm_value(totals, 7)
    assert ikm.round_half_up(value, 2) == D("100.00")
    assert ikm.mutu_for(value).code == "A"


def test_all_answers_one_give_25_and_mutu_d():
    totals = totals_of(*[(1,) * 9] * 3)
    assert ikm.unit_value(totals, 3) == 1
    assert ikm.round_half_up(ikm.ikm_value(totals, 3), 2) == D("25.00")
    assert ikm.mutu_for(ikm.ikm_value(totals, 3)).code == "D"


@translation.override("en")
def test_mixed_case_one_by_hand():
    # R1 all 4 (36), R2 all 3 (27), R3 3,3,3,3,3,3,3,3,4 (28), R4 2,3,3,4,3,3,4,3,2 (27).
    # Totals U1..U9: 12, 13, 13, 14, 13, 13, 14, 13, 13 = 118 (= 36 + 27 + 28 + 27).
    # NRR: 3.00, 3.25, 3.25, 3.50, 3.25, 3.25, 3.50, 3.25, 3.25.
    # Unit value: sum(NRR) / 9 = 29.5 / 9 = 118 / 36 = 3.27777...
    # IKM: 3.27777... x 25 = 2950 / 36 = 81.9444... -> 81.94, mutu B (76.61-88.30).
    totals = totals_of(
        (4,) * 9,
        (3,) * 9,
        (3, 3, 3, 3, 3, 3, 3, 3, 4),
        (2, 3, 3, 4, 3, 3, 4, 3, 2),
    )
    assert list(totals.values()) == [12, 13, 13, 14, 13, 13, 14, 13, 13]
    assert [ikm.nrr(t, 4) for t in totals.values()] == [
        D("3"),
        D("3.25"),
        D("3.25"),
        D("3.5"),
        D("3.25"),
        D("3.25"),
        D("3.5"),
        D("3.25"),
        D("3.25"),
    ]
    assert ikm.round_half_up(ikm.unit_value(totals, 4), 4) == D("3.2778")
    value = ikm.ikm_value(totals, 4)
    assert ikm.round_half_up(value, 2) == D("81.94")
    assert ikm.mutu_for(value).code == "B"
    assert str(ikm.mutu_for(value).label) == "Good"


def test_mixed_case_two_by_hand():
    # R1 all 1 (9), R2 all 2 (18), R3 1,2,3,4,1,2,3,4,1 (21).
    # Totals: 4, 5, 6, 7, 4, 5, 6, 7, 4 = 48.  Unit value 48 / 27 = 1.7777...
    # IKM 48 x 25 / 27 = 1200 / 27 = 44.444... -> 44.44, mutu D (25.00-64.99).
    totals = totals_of((1,) * 9, (2,) * 9, (1, 2, 3, 4, 1, 2, 3, 4, 1))
    assert list(totals.values()) == [4, 5, 6, 7, 4, 5, 6, 7, 4]
    assert ikm.round_half_up(ikm.unit_value(totals, 3), 4) == D("1.7778")
    assert ikm.round_half_up(ikm.ikm_value(totals, 3), 2) == D("44.44")
    assert ikm.mutu_for(ikm.ikm_value(totals, 3)).code == "D"


def test_mixed_case_three_uses_exact_sums_not_rounded_nrrs():
    # R1 all 4 (36), R2 4,3,3,4,3,3,4,3,3 (30), R3 3,3,3,4,3,3,3,3,3 (28).
    # Totals: 11, 10, 10, 12, 10, 10, 11, 10, 10 = 94.
    # Exact: IKM = 94 x 25 / 27 = 2350 / 27 = 87.0370... -> 87.04 (mutu B).
    # With NRRs rounded to 3 places first: 2 x 3.667 + 6 x 3.333 + 4 = 31.332;
    # 31.332 / 9 x 25 = 87.0333... -> 87.03, which is NOT what the regulation computes.
    totals = totals_of((4,) * 9, (4, 3, 3, 4, 3, 3, 4, 3, 3), (3, 3, 3, 4, 3, 3, 3, 3, 3))
    assert list(totals.values()) == [11, 10, 10, 12, 10, 10, 11, 10, 10]
    assert ikm.round_half_up(ikm.ikm_value(totals, 3), 2) == D("87.04")
    assert ikm.round_half_up(ikm.unit_value(totals, 3), 4) == D("3.4815")
    rounded_nrrs = {c: ikm.round_half_up(ikm.nrr(t, 3), 3) for c, t in totals.items()}
    from_rounded = ikm.unit_value_from_nrrs(rounded_nrrs) * 25
    assert ikm.round_half_up(from_rounded, 2) == D("87.03")


def test_nine_nrrs_weigh_one_ninth_each():
    # NRRs 3, 3, 3, 3, 3, 3, 3, 3, 4: (8 x 3 + 4) / 9 = 28 / 9 = 3.1111...; x 25 = 77.78.
    nrrs = {code: D(3) for code in ikm.ELEMENT_CODES} | {"U9": D(4)}
    unit = ikm.unit_value_from_nrrs(nrrs)
    assert ikm.round_half_up(unit, 4) == D("3.1111")
    assert ikm.round_half_up(unit * 25, 2) == D("77.78")


def test_no_respondents_is_refused():
    with pytest.raises(ValueError):
        ikm.ikm_value(totals_of(), 0)
    with pytest.raises(ValueError):
        ikm.unit_value({"U1": 3}, 1)  # eight elements missing


# Mutu boundaries --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("100", "A"),
        ("88.31", "A"),
        ("88.305", "A"),  # rounds half-up to 88.31
        ("88.3049999", "B"),  # rounds to 88.30
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.605", "B"),  # -> 76.61
        ("76.6049", "C"),  # -> 76.60
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.995", "C"),  # -> 65.00
        ("64.994", "D"),  # -> 64.99
        ("64.99", "D"),
        ("25.00", "D"),
        ("24.995", "D"),  # -> 25.00
    ],
)
def test_mutu_boundaries(value, code):
    assert ikm.mutu_for(D(value)).code == code


@translation.override("en")
def test_mutu_labels_and_out_of_range():
    labels = {m.code: str(m.label) for m in ikm.MUTU}
    assert labels == {"A": "Very good", "B": "Good", "C": "Less than good", "D": "Not good"}
    for bad in ("24.994", "100.005", "0"):
        with pytest.raises(ValueError):
            ikm.mutu_for(D(bad))


def test_round_half_up_not_bankers():
    assert ikm.round_half_up(D("88.305"), 2) == D("88.31")
    assert ikm.round_half_up(D("88.315"), 2) == D("88.32")  # banker's would give 88.32 too
    assert ikm.round_half_up(D("88.325"), 2) == D("88.33")  # banker's would give 88.32
    assert ikm.round_half_up(D("2.5"), 0) == D("3")


# Krejcie-Morgan ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (0, 0),  # nobody served: nobody to ask
        (1, 1),  # 0.96025 / (0 + 0.96025) = 1
        (10, 10),  # 9.6025 / (0.0225 + 0.96025 = 0.98275) = 9.771 -> 10
        (20, 19),  # 19.205 / 1.00775 = 19.057 -> 19
        (50, 44),  # 48.0125 / 1.08275 = 44.343 -> 44
        (100, 80),  # 96.025 / (0.2475 + 0.96025 = 1.20775) = 79.507 -> 80
        (200, 132),  # 192.05 / 1.45775 = 131.744 -> 132
        (500, 217),  # 480.125 / 2.20775 = 217.473 -> 217
        (1_000, 278),  # 960.25 / 3.45775 = 277.710 -> 278
        (5_000, 357),  # 4801.25 / 13.45775 = 356.764 -> 357
        (10_000, 370),  # 9602.5 / 25.95775 = 369.927 -> 370
        (100_000, 383),  # 96025 / 250.95775 = 382.634 -> 383
        (1_000_000, 384),  # 960250 / 2500.95775 = 383.953 -> 384
    ],
)
def test_krejcie_morgan_table(population, sample):
    assert ikm.krejcie_morgan(population) == sample


def test_krejcie_morgan_refuses_negative():
    with pytest.raises(ValueError):
        ikm.krejcie_morgan(-1)


# Profile ----------------------------------------------------------------------------


def test_profile_choices_follow_the_form():
    assert [c for c, _ in ikm.SEX_CHOICES] == ["L", "P"]
    assert [c for c, _ in ikm.EDUCATION_CHOICES] == ["sd", "smp", "sma", "diploma", "s1", "s2"]
    assert [c for c, _ in ikm.OCCUPATION_CHOICES] == [
        "pns",
        "tni",
        "polri",
        "swasta",
        "wirausaha",
        "pelajar",
        "lainnya",
    ]
    assert (ikm.AGE_MIN, ikm.AGE_MAX) == (15, 100)
    assert ikm.age_band(15) == "15-24" and ikm.age_band(100) == "65-100"
    with pytest.raises(ValueError):
        ikm.age_band(14)
