"""The SKM/IKM report of one scope and period (PermenPANRB 14/2017), for screens and exports.

Why one Report: the mall's staff page, the public national and province pages, the XLSX and
the PDF must show the same figures. The scope's own come from selectors.ikm_compute; the
breakdown below it (nation -> provinces and malls, province -> malls, mall or agency ->
booths and services, booth -> services) from grouped sums, one query per level rather than
one per mall, with the same arithmetic (mpp.surveys.ikm), so a row equals ikm_compute of
that child. Complaint handling is shown beside U9, which asks about it; it comes from the
caller (`handling`), since complaints sit above surveys. Comments leave here with e-mail
addresses and long digit runs (phone, NIK) masked.
The URL parameters naming a period and a scope are parsed in views/reports.py.

    report_build(*, scope, period, with_comments=True, handling=None) -> Report
"""

from __future__ import annotations

import datetime as dt
import re
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.catalog.models import Agency, Booth, Mall, Offering, Service
from mpp.core.models import Region
from mpp.surveys import ikm, privacy
from mpp.surveys.models import SurveyInvitation, SurveyResponse
from mpp.surveys.selectors import Comment, IkmResult, ikm_compute, index_of

ROMAN = ("I", "II", "III", "IV")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\+?\d[\d\s.()-]{6,}\d")


@dataclass(frozen=True)
class Period:
    """A month, quarter, semester, year (`number` within `year`) or a range of dates."""

    kind: str
    date_from: dt.date
    date_to: dt.date
    year: int | None = None
    number: int | None = None

    @property
    def label(self) -> str:
        if self.kind == "month":
            return dateformat.format(self.date_from, "F Y")
        if self.kind == "quarter":
            return _("Quarter %(n)s %(year)s") % {"n": ROMAN[self.number - 1], "year": self.year}
        if self.kind == "semester":
            return _("Semester %(n)s %(year)s") % {"n": ROMAN[self.number - 1], "year": self.year}
        if self.kind == "year":
            return _("Year %(year)s") % {"year": self.year}
        return "%s – %s" % (  # noqa: UP031 (two dates, no words to translate)
            dateformat.format(self.date_from, "j M Y"),
            dateformat.format(self.date_to, "j M Y"),
        )


@dataclass(frozen=True)
class Scope:
    """What a report covers: the nation, a province, a mall, or an agency, booth or service
    (a service optionally at one booth) within a mall."""

    level: str  # nation | province | mall | agency | booth | service
    province_code: str | None = None
    province_name: str = ""
    mall: Mall | None = None
    agency: Agency | None = None
    booth: Booth | None = None
    service: Service | None = None

    def filters(self) -> dict:
        """The ids ikm_compute (and the grouped sums) filter on."""
        pairs = (
            ("province_code", self.province_code if self.level == "province" else None),
            ("mall_id", self.mall.pk if self.mall else None),
            ("agency_id", self.agency.pk if self.agency else None),
            ("booth_id", self.booth.pk if self.booth else None),
            ("service_id", self.service.pk if self.service else None),
        )
        return {k: v for k, v in pairs if v is not None}

    @property
    def label(self) -> str:
        if self.level == "nation":
            return _("All malls in Indonesia")
        if self.level == "province":
            return self.province_name
        names = [str(x) for x in (self.service, self.booth, self.agency) if x is not None]
        return " · ".join([*names, self.mall.name])


def comment_redact(text: str) -> str:
    """A comment without what may identify someone: e-mail addresses and runs of 8+ digits
    (phone numbers, NIK), each replaced by ***."""
    text = _EMAIL.sub("***", text)
    return _DIGITS.sub(lambda m: "***" if sum(c.isdigit() for c in m[0]) >= 8 else m[0], text)


# The report ------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The index of one breakdown row, computed like selectors.ikm_compute.

    hidden: "" (shown), FEW (1-4 answers) or WITHHELD (privacy.complement): no index,
    mutu or scores then; pages and files show respondents_label, never `respondents`."""

    respondents: int
    transactions: int
    required_sample: int
    sample_short: bool
    ikm: Decimal | None
    mutu: str | None
    mutu_label: object
    elements: dict[str, Decimal | None]
    hidden: str = ""

    @property
    def respondents_label(self) -> str:
        return privacy.few_label() if self.hidden == FEW else str(self.respondents)


FEW, WITHHELD = "few", "withheld"


def figures_of(
    totals: Mapping[str, int], respondents: int, transactions: int, *, withhold: bool = False
) -> Figures:
    need = ikm.krejcie_morgan(transactions)
    hidden = FEW if privacy.is_small(respondents) else WITHHELD if withhold else ""
    _exact, value, mutu, nrr = index_of(totals, 0 if hidden else respondents)
    code, label = (mutu.code, mutu.label) if mutu else (None, None)
    short = respondents < need
    return Figures(respondents, transactions, need, short, value, code, label, nrr, hidden)


@dataclass(frozen=True)
class Row:
    """One child scope in a breakdown: its name, link parameter and figures."""

    key: object
    label: str
    detail: str
    param: str  # lingkup value (staff), province code or mall code (public pages)
    figures: Figures
    rank: int | None = None


@dataclass(frozen=True)
class Breakdown:
    key: str  # province | mall | booth | service
    title: object  # lazy: rendered in the language of the page or file
    rows: list[Row]

    @property
    def has_hidden(self) -> bool:
        """Whether a row shows no figures (fewer than 5 answers, or withheld)."""
        return any(row.figures.hidden for row in self.rows)


@dataclass(frozen=True)
class ElementLine:
    """One line of the regulation's element table."""

    element: ikm.Element
    total: int
    nrr: Decimal | None  # 3 places
    weighted: Decimal | None  # NRR x 1/9, 3 places
    converted: Decimal | None  # NRR x 25, 2 places
    mutu: str | None


ProfileLine = namedtuple("ProfileLine", "label count percent")  # percent: 1 place


@dataclass
class Report:
    """Everything a report page or file shows, in the regulation's element order."""

    scope: Scope
    period: Period
    result: IkmResult
    elements: list[ElementLine]
    profile: list[tuple[object, list[ProfileLine]]]
    breakdowns: list[Breakdown]
    handling: dict | None
    handling_note: object = ""
    comments: list[Comment] = field(default_factory=list)
    coverage: dict | None = None
    generated_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def u9(self) -> ElementLine:  # the element complaint handling is shown beside
        return self.elements[-1]


def _element_lines(result: IkmResult) -> list[ElementLine]:
    lines, n = [], 0 if result.suppressed else result.respondents
    for element in ikm.ELEMENTS:
        total = result.totals[element.code]
        if not n:
            lines.append(ElementLine(element, total, None, None, None, None))
            continue
        exact = ikm.nrr(total, n)
        nrr = ikm.round_half_up(exact, 3)
        weighted = ikm.round_half_up(exact / ikm.WEIGHT_DIVISOR, 3)
        converted, mutu = (
            ikm.round_half_up(exact * ikm.IKM_FACTOR, 2),
            ikm.mutu_for(exact * ikm.IKM_FACTOR),
        )
        lines.append(ElementLine(element, total, nrr, weighted, converted, mutu.code))
    return lines


PROFILE_GROUPS = (
    ("sex", gettext_lazy("Sex"), ikm.SEX_CHOICES),
    ("age", gettext_lazy("Age (years)"), [(f"{a}-{b}", f"{a}-{b}") for a, b in ikm.AGE_BANDS]),
    ("education", gettext_lazy("Highest education"), ikm.EDUCATION_CHOICES),
    ("occupation", gettext_lazy("Main occupation"), ikm.OCCUPATION_CHOICES),
)


def _profile(result: IkmResult) -> list[tuple[object, list[ProfileLine]]]:
    """The profile table; empty for a group too small to show (surveys.privacy)."""
    if result.suppressed:
        return []
    out, n = [], result.respondents
    for key, title, choices in PROFILE_GROUPS:
        counts = result.profile.get(key, {})
        shares = [(label, counts.get(code, 0)) for code, label in choices]
        out.append((title, [ProfileLine(x, c, _share(c, n)) for x, c in shares]))
    return out


def _share(part: int, whole: int) -> Decimal | None:
    return ikm.round_half_up(Decimal(100 * part) / whole, 1) if whole else None


# Breakdowns -------------------------------------------------------------------

_SUMS = {f"sum_{e.field}": Sum(e.field) for e in ikm.ELEMENTS}
CHILDREN = {
    "nation": ("province", "mall"),
    "province": ("mall",),
    "mall": ("booth", "service"),
    "agency": ("booth", "service"),
    "booth": ("service",),
    "service": (),
}
KINDS = {  # breakdown kind: the column it groups on, its title
    "province": ("province_code", gettext_lazy("Provinces")),
    "mall": ("mall_id", gettext_lazy("Malls")),
    "booth": ("booth_id", gettext_lazy("Booths")),
    "service": ("service_id", gettext_lazy("Services")),
}


def _grouped(key: str, filters: dict, period: Period) -> dict:
    """{group id: [totals, respondents, transactions]} of the scope: one query for the
    answers, one for the invitations (the population)."""
    answered = {"submitted_on__gte": period.date_from, "submitted_on__lte": period.date_to}
    invited = {"created_on__gte": period.date_from, "created_on__lte": period.date_to}
    out: dict = {}
    rows = SurveyResponse.objects.filter(**filters, **answered).values(key).order_by()
    for row in rows.annotate(respondents=Count("pk"), **_SUMS):
        totals = {e.code: int(row[f"sum_{e.field}"] or 0) for e in ikm.ELEMENTS}
        out[row[key]] = [totals, row["respondents"], 0]
    rows = SurveyInvitation.objects.filter(**filters, **invited).values(key).order_by()
    for row in rows.annotate(n=Count("pk")):
        out.setdefault(row[key], [dict.fromkeys(ikm.ELEMENT_CODES, 0), 0, 0])[2] = row["n"]
    return out


def _labels(kind: str, scope: Scope, ids) -> dict:
    """{id: (label, detail, param, sort key)} of the child scopes to list."""
    if kind == "province":
        regions = Region.objects.filter(code__in=[i for i in ids if i])
        return {r.code: (r.name, r.code, r.code, r.code) for r in regions}
    if kind == "mall":
        malls = Mall.objects.filter(pk__in=ids).select_related("regency")
        return {m.pk: (m.name, m.regency.name, m.code, m.name) for m in malls}
    if kind == "booth":
        booths = Booth.objects.filter(mall=scope.mall).select_related("agency")
        if scope.agency:
            booths = booths.filter(agency=scope.agency)
        out = {
            b.pk: (b.name, b.agency.name, f"gerai:{b.ticket_prefix}", (b.sort_order, b.name))
            for b in booths
        }
        if None in ids:
            out[None] = (_("(booth removed)"), "", "", (10**6, ""))
        return out
    offered = Offering.objects.filter(mall=scope.mall)
    if scope.booth:
        offered = offered.filter(booth=scope.booth)
    if scope.agency:
        offered = offered.filter(service__agency=scope.agency)
    services = Service.objects.filter(Q(pk__in=ids) | Q(pk__in=offered.values("service_id")))
    prefix = f"gerai:{scope.booth.ticket_prefix}," if scope.booth else ""
    return {
        s.pk: (s.name, str(s.agency), f"{prefix}layanan:{s.code}", (str(s.agency), s.name))
        for s in services.select_related("agency")
    }


def _ranked(rows: list[Row]) -> list[Row]:
    """Highest IKM first (more respondents first on a tie); equal IKMs share a rank."""
    rows = sorted(
        rows, key=lambda r: (r.figures.ikm is None, -(r.figures.ikm or 0), -r.figures.respondents)
    )
    out, rank, last = [], 0, None
    for i, row in enumerate(rows, start=1):
        if row.figures.ikm is not None and row.figures.ikm != last:
            rank, last = i, row.figures.ikm
        out.append(replace(row, rank=rank if row.figures.ikm is not None else None))
    return out


def _breakdown(kind: str, scope: Scope, period: Period) -> Breakdown:
    """Rows in their natural order (malls: by rank), each with its rank by IKM. Provinces
    and malls without answers or invitations in the period are left out. Rows of fewer
    than 5 answers, and those that would give them away, show no figures (privacy)."""
    groups = _grouped(KINDS[kind][0], scope.filters(), period)
    labels = _labels(kind, scope, set(groups))
    withheld = privacy.complement({key: groups.get(key, (None, 0, 0))[1] for key in labels})
    rows = []
    for key, (label, detail, param, order) in labels.items():
        totals, respondents, transactions = groups.get(key, (None, 0, 0))
        if respondents or transactions or kind not in ("province", "mall"):
            figures = figures_of(totals or {}, respondents, transactions, withhold=key in withheld)
            rows.append((order, Row(key, label, detail, param, figures)))
    rows = [row for _order, row in sorted(rows, key=lambda pair: pair[0])]
    ranked = _ranked(rows)
    if kind != "mall":  # the natural order, each row with its rank
        ranks = {row.key: row.rank for row in ranked}
        ranked = [replace(r, rank=ranks[r.key]) for r in rows]
    return Breakdown(kind, KINDS[kind][1], ranked)


# Complaint handling beside U9 ------------------------------------------------------
# Complaints sit above surveys (ARCHITECTURE.md), so surveys never imports them: the
# caller (a page or an export, on the top floor) passes `handling`, a function of
# (scope, period) giving (complaint_handling_summary's dict or None, a note).

HandlingFn = Callable[[Scope, Period], tuple[dict | None, str]]


def report_build(
    *,
    scope: Scope,
    period: Period,
    with_comments: bool = True,
    handling: HandlingFn | None = None,
) -> Report:
    """The report of `scope` over `period`: figures, element table, profile, breakdowns,
    complaint handling (from `handling`, when given) and (with_comments) the comments,
    redacted."""
    result = ikm_compute(
        **scope.filters(),
        date_from=period.date_from,
        date_to=period.date_to,
        with_comments=with_comments,
    )
    handling_summary, note = handling(scope, period) if handling else (None, "")
    comments = [replace(c, text=comment_redact(c.text)) for c in result.comments]
    breakdowns = [_breakdown(kind, scope, period) for kind in CHILDREN[scope.level]]
    coverage = None
    if scope.level in ("nation", "province"):
        malls = Mall.objects.filter(status=Mall.Status.OPERATING)
        if scope.province_code:
            malls = malls.filter(regency__code__startswith=scope.province_code)
        rows = next(b for b in breakdowns if b.key == "mall").rows
        coverage = {
            "operating": malls.count(),
            "answered": sum(bool(r.figures.respondents) for r in rows),
        }
    return Report(
        scope=scope,
        period=period,
        result=result,
        elements=_element_lines(result),
        profile=_profile(result),
        breakdowns=breakdowns,
        handling=handling_summary,
        handling_note=note,
        comments=comments,
        coverage=coverage,
    )
