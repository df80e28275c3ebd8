"""The arithmetic of the SKM and its index (IKM), exactly as PermenPANRB 14/2017 sets it.

Why a module of pure functions: the regulation fixes the questionnaire (nine elements,
each answered a-d with scores 1-4), the index (mean score per element, each weighted
1/9, times 25), the quality classes (mutu A-D) and the minimum sample (Krejcie and
Morgan). Reports, the public IKM page, the API and the tests all compute from here, in
Decimal, so a published IKM never depends on float rounding.

    nrr(total, respondents)             mean score of one element (NRR), exact
    unit_value(totals, respondents)     sum of the nine NRRs weighted 1/9 (1..4)
    ikm_value(totals, respondents)      unit value x 25 (25..100), exact
    round_half_up(value, places)        the regulation's rounding (88.305 -> 88.31)
    mutu_for(ikm)                       class A-D of an IKM, on the IKM rounded to 2 places
    krejcie_morgan(population)          minimum number of respondents for a population

The English words below are msgids; the regulation's Indonesian wording is their
translation (notes/translations/surveys.tsv).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PRECISION = 40  # significant digits of intermediate results (exact for any real count)
WEIGHT_DIVISOR = 9  # each of the nine elements weighs exactly 1/9
IKM_FACTOR = 25  # unit value (1..4) x 25 = IKM (25..100)
SCORES = (1, 2, 3, 4)  # answers a, b, c, d


@dataclass(frozen=True)
class Element:
    """One element (unsur) of the questionnaire: its code, name, question and the four
    answer labels for scores 1 (a) to 4 (d)."""

    code: str
    name: Promise
    question: Promise
    answers: tuple[Promise, Promise, Promise, Promise]

    @property
    def field(self) -> str:
        """The column of SurveyResponse holding this element's score ("u1".."u9")."""
        return self.code.lower()

    def choices(self) -> list[tuple[int, Promise]]:
        return list(zip(SCORES, self.answers, strict=True))


_SUITABLE = (_("Not suitable"), _("Less suitable"), _("Suitable"), _("Very suitable"))

# In the regulation's fixed order; used everywhere (questionnaire, reports, API).
ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1",
        _("Requirements"),
        _("What do you think of how well the service requirements fit the type of service?"),
        _SUITABLE,
    ),
    Element(
        "U2",
        _("Systems, mechanisms and procedures"),
        _("What do you think of how easy the service procedure at this unit is?"),
        (_("Not easy"), _("Less easy"), _("Easy"), _("Very easy")),
    ),
    Element(
        "U3",
        _("Time to complete the service"),
        _("What do you think of how quickly the service was given?"),
        (_("Not fast"), _("Less fast"), _("Fast"), _("Very fast")),
    ),
    Element(
        "U4",
        _("Cost/tariff"),
        _("What do you think of how fair the cost/tariff of the service is?"),
        (_("Very expensive"), _("Fairly expensive"), _("Cheap"), _("Free")),
    ),
    Element(
        "U5",
        _("Service product specification"),
        _(
            "What do you think of how well the service product listed in the service "
            "standard matches what you received?"
        ),
        _SUITABLE,
    ),
    Element(
        "U6",
        _("Competence of officers"),
        _("What do you think of the competence/ability of the officers in the service?"),
        (_("Not competent"), _("Less competent"), _("Competent"), _("Very competent")),
    ),
    Element(
        "U7",
        _("Behaviour of officers"),
        _(
            "What do you think of the officers' behaviour in the service: courtesy and "
            "friendliness?"
        ),
        (
            _("Not polite and friendly"),
            _("Less polite and friendly"),
            _("Polite and friendly"),
            _("Very polite and friendly"),
        ),
    ),
    Element(
        "U8",
        _("Facilities and infrastructure"),
        _("What do you think of the quality of the facilities and infrastructure?"),
        (_("Poor"), _("Fair"), _("Good"), _("Very good")),
    ),
    Element(
        "U9",
        _("Handling of complaints, suggestions and feedback"),
        _("What do you think of how complaints from service users are handled?"),
        (
            _("There is none"),
            _("Exists but does not work"),
            _("Works, but not at its best"),
            _("Well managed"),
        ),
    ),
)
ELEMENT_CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)
ELEMENTS_BY_CODE: dict[str, Element] = {e.code: e for e in ELEMENTS}


@dataclass(frozen=True)
class Mutu:
    """A quality class (mutu pelayanan): its letter, label and IKM interval (inclusive)."""

    code: str
    label: Promise
    low: Decimal
    high: Decimal


MUTU: tuple[Mutu, ...] = (
    Mutu("A", _("Very good"), Decimal("88.31"), Decimal("100.00")),
    Mutu("B", _("Good"), Decimal("76.61"), Decimal("88.30")),
    Mutu("C", _("Less than good"), Decimal("65.00"), Decimal("76.60")),
    Mutu("D", _("Not good"), Decimal("25.00"), Decimal("64.99")),
)
MUTU_BY_CODE: dict[str, Mutu] = {m.code: m for m in MUTU}

# Respondent profile, as on the regulation's form.
SEX_CHOICES = [("L", _("Male")), ("P", _("Female"))]
AGE_MIN, AGE_MAX = 15, 100
EDUCATION_CHOICES = [
    ("sd", _("Primary school or less")),
    ("smp", _("Junior high school")),
    ("sma", _("Senior high school")),
    ("diploma", _("Diploma (D1-D4)")),
    ("s1", _("Bachelor's degree (S1)")),
    ("s2", _("Master's degree or higher (S2+)")),
]
OCCUPATION_CHOICES = [
    ("pns", _("Civil servant (PNS)")),
    ("tni", _("Armed forces (TNI)")),
    ("polri", _("Police (POLRI)")),
    ("swasta", _("Private employee")),
    ("wirausaha", _("Self-employed")),
    ("pelajar", _("Pupil or student")),
    ("lainnya", _("Other occupation")),
]
# Age bands of the profile breakdown (whole years, inclusive).
AGE_BANDS = ((15, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 100))


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round like the regulation's tables: 88.305 -> 88.31, 64.995 -> 65.00."""
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _check_respondents(respondents: int) -> None:
    if respondents <= 0:
        raise ValueError("an index needs at least one respondent")


def nrr(total: int, respondents: int) -> Decimal:
    """Nilai rata-rata (NRR) of one element: the sum of its scores / respondents."""
    _check_respondents(respondents)
    with localcontext(prec=PRECISION):
        return Decimal(total) / Decimal(respondents)


def _sum_of_totals(totals: Mapping[str, int]) -> int:
    missing = [code for code in ELEMENT_CODES if code not in totals]
    if missing:
        raise ValueError(f"element totals missing: {missing}")
    return sum(int(totals[code]) for code in ELEMENT_CODES)


def unit_value(totals: Mapping[str, int], respondents: int) -> Decimal:
    """Nilai IKM unit pelayanan: sum over the nine elements of NRR x 1/9 (1.00..4.00).

    Computed as (sum of all scores) / (9 x respondents), which is the same number
    without rounding any NRR on the way.
    """
    _check_respondents(respondents)
    with localcontext(prec=PRECISION):
        return Decimal(_sum_of_totals(totals)) / (Decimal(WEIGHT_DIVISOR) * respondents)


def ikm_value(totals: Mapping[str, int], respondents: int) -> Decimal:
    """The IKM (25..100), exact: unit value x 25."""
    with localcontext(prec=PRECISION):
        return unit_value(totals, respondents) * IKM_FACTOR


def unit_value_from_nrrs(nrrs: Mapping[str, Decimal]) -> Decimal:
    """The unit value from nine NRRs (each weighted 1/9), for figures given per element."""
    with localcontext(prec=PRECISION):
        return sum((Decimal(nrrs[code]) for code in ELEMENT_CODES), Decimal(0)) / WEIGHT_DIVISOR


def mutu_for(ikm: Decimal) -> Mutu:
    """The quality class of an IKM, decided on the IKM rounded half-up to two places."""
    rounded = round_half_up(ikm, 2)
    if not Decimal(25) <= rounded <= Decimal(100):
        raise ValueError(f"an IKM lies between 25 and 100, not {rounded}")
    for mutu in MUTU:
        if rounded >= mutu.low:
            return mutu
    raise AssertionError("unreachable")  # pragma: no cover


# Krejcie and Morgan (1970), as the regulation uses it: chi-square 3.841 (1 degree of
# freedom, 95 %), population proportion 0.5, margin of error 0.05.
KM_CHI_SQUARE = Decimal("3.841")
KM_PROPORTION = Decimal("0.5")
KM_MARGIN = Decimal("0.05")


def krejcie_morgan(population: int) -> int:
    """Minimum respondents for a population of N service users:

    S = X2 N P (1 - P) / (d2 (N - 1) + X2 P (1 - P)), rounded half-up to a whole number.
    """
    if population < 0:
        raise ValueError("a population cannot be negative")
    if population == 0:
        return 0
    with localcontext(prec=PRECISION):
        pq = KM_PROPORTION * (1 - KM_PROPORTION)
        top = KM_CHI_SQUARE * population * pq
        bottom = KM_MARGIN * KM_MARGIN * (population - 1) + KM_CHI_SQUARE * pq
        return int(round_half_up(top / bottom, 0))


def age_band(age: int) -> str:
    """The band label of an age ("25-34")."""
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    raise ValueError(f"age {age} is outside {AGE_MIN}-{AGE_MAX}")
