"""The SKM/IKM report pages: a mall's staff report and the public national and province
pages (their XLSX/PDF downloads are in views/exports.py, built by `staff_report` and
`public_report` here).

Why here: these views parse the address into a Period and a Scope, check who may read that
scope, call reports.report_build once and render it. Parameters:
periode=bulan|triwulan|semester|tahun (this month by default), tahun, ke (month 1-12,
quarter 1-4, semester 1-2), or periode=rentang&dari=&sampai=; lingkup=mall |
gerai:<ticket letter> | instansi:<agency code> | layanan:<service code> | gerai:<letter>,
layanan:<code>. A bad parameter gets a readable 400 page, an unknown booth, agency,
service, province or mall a 404, a scope the user may not read a 403; never a 500.
The public pages show no comments: free text nobody has moderated may name an officer or
a citizen (staff reports carry them, masked; see reports.comment_redact).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from functools import partial, wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mpp.accounts import access
from mpp.catalog.models import Agency, Booth, Mall, Offering
from mpp.catalog.selectors import mall_get
from mpp.core.errors import DomainError, Forbidden, NotFound
from mpp.core.models import Region
from mpp.surveys import privacy
from mpp.surveys.reports import ROMAN, Period, Report, Scope, report_build
from mpp.surveys.selectors import period_of, period_range
from mpp.surveys.views.handling import complaint_handling

PERIOD_WORDS = {"bulan": "month", "triwulan": "quarter", "semester": "semester", "tahun": "year"}
KIND_WORDS = {v: k for k, v in PERIOD_WORDS.items()} | {"range": "rentang"}
PERIOD_COUNT = {"month": 12, "quarter": 4, "semester": 2, "year": 1}
KIND_LABELS = {"month": gettext_lazy("Month"), "quarter": gettext_lazy("Quarter")}
KIND_LABELS |= {"semester": gettext_lazy("Semester"), "year": gettext_lazy("Year")}
SCOPE_WORDS = {"gerai": "booth", "instansi": "agency", "layanan": "service"}
YEAR_MIN, YEAR_MAX = 2000, 2100
RANGE_MAX_DAYS = 3 * 366
PUBLIC_CACHE_SECONDS = 300
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^\d{1,4}$")


class ReportParamError(DomainError):
    """A parameter that names no period or scope: 400 with a readable message."""

    status = 400
    code = "invalid_report_parameter"
    default_message = gettext_lazy("The report parameters are not valid.")


def _int(value: str | None, name: str) -> int | None:
    if value is None or value.strip() == "":
        return None
    if not _NUMBER.match(value.strip()):
        raise ReportParamError(_("%(name)s must be a whole number.") % {"name": name})
    return int(value)


def _date(value: str | None, name: str) -> dt.date:
    try:
        if not value or not _DATE.match(value.strip()):
            raise ValueError
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ReportParamError(
            _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name}
        ) from None


def period_containing(kind: str, day: dt.date) -> Period:
    first, last = period_of(kind, day)
    return Period(kind, first, last, first.year, (first.month - 1) * PERIOD_COUNT[kind] // 12 + 1)


def period_parse(params, today: dt.date) -> Period:
    """The period named by periode/tahun/ke (or dari/sampai); this month by default."""
    word = (params.get("periode") or "bulan").strip().lower()
    if word == "rentang":
        first, last = _date(params.get("dari"), "dari"), _date(params.get("sampai"), "sampai")
        if first > last:
            raise ReportParamError(_("The start date is after the end date."))
        if (last - first).days > RANGE_MAX_DAYS:
            raise ReportParamError(_("A date range may span at most three years."))
        return Period("range", first, last)
    kind = PERIOD_WORDS.get(word)
    if kind is None:
        raise ReportParamError(
            _("Unknown period: use bulan, triwulan, semester, tahun or rentang.")
        )
    year = _int(params.get("tahun"), "tahun")
    year = today.year if year is None else year
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ReportParamError(
            _("The year must be between %(low)s and %(high)s.")
            % {"low": YEAR_MIN, "high": YEAR_MAX}
        )
    number = 1 if kind == "year" else _int(params.get("ke"), "ke")
    if number is None:
        number = period_containing(kind, today).number if year == today.year else 1
    if not 1 <= number <= PERIOD_COUNT[kind]:
        raise ReportParamError(
            _("%(kind)s %(n)s does not exist: choose 1 to %(count)s.")
            % {"kind": KIND_LABELS[kind], "n": number, "count": PERIOD_COUNT[kind]}
        )
    return Period(kind, *period_range(kind, year, number), year, number)


def period_query(period: Period) -> dict[str, str]:
    if period.kind == "range":
        return {"periode": "rentang", "dari": str(period.date_from), "sampai": str(period.date_to)}
    out = {"periode": KIND_WORDS[period.kind], "tahun": str(period.year)}
    return out if period.kind == "year" else {**out, "ke": str(period.number)}


def period_nav(period: Period, scope_param: str | None) -> dict:
    """Links to the other kinds of period, the one before and after, and the form's choices."""

    def href(p: Period | None) -> str | None:
        if p is None:
            return None
        extra = {"lingkup": scope_param} if scope_param and scope_param != "mall" else {}
        return "?" + urlencode({**period_query(p), **extra})

    def step(direction: int) -> Period | None:
        if period.kind == "range":
            return None
        one = dt.timedelta(days=1)
        day = period.date_from - one if direction < 0 else period.date_to + one
        return period_containing(period.kind, day) if YEAR_MIN <= day.year <= YEAR_MAX else None

    kinds = [
        {"kind": k, "label": KIND_LABELS[k], "href": href(period_containing(k, period.date_from))}
        for k in PERIOD_COUNT
    ]
    kind = period.kind if period.kind != "range" else "month"
    if kind == "month":
        numbers = [(n, dateformat.format(dt.date(2000, n, 1), "F")) for n in range(1, 13)]
    else:
        numbers = [(n, ROMAN[n - 1]) for n in range(1, PERIOD_COUNT[kind] + 1)]
    return {
        "kinds": kinds,
        "previous": href(step(-1)),
        "next": href(step(+1)),
        "word": KIND_WORDS[kind],
        "numbers": numbers if kind != "year" else [],
        "year": period.year or period.date_from.year,
        "number": period.number if period.kind != "range" else period.date_from.month,
        "range": period.kind == "range",
    }


def scope_param(scope: Scope) -> str:
    """The `lingkup` value naming a scope within its mall."""
    parts = [f"instansi:{scope.agency.code}"] if scope.agency else []
    parts += [f"gerai:{scope.booth.ticket_prefix}"] if scope.booth else []
    parts += [f"layanan:{scope.service.code}"] if scope.service else []
    return ",".join(parts) or "mall"


def scope_national(province_code: str | None = None) -> Scope:
    if province_code is None:
        return Scope("nation")
    code = province_code if re.match(r"^\d{2}$", province_code) else ""
    region = Region.objects.filter(code=code, level=Region.Level.PROVINCE).first()
    if region is None:
        raise NotFound(_("Province not found."), code="province_not_found")
    return Scope("province", province_code=region.code, province_name=region.name)


def scope_in_mall(mall: Mall, value: str | None) -> Scope:
    """The scope a `lingkup` value names within `mall`."""
    value = (value or "mall").strip()
    if value == "mall":
        return Scope("mall", mall.regency_id[:2], mall=mall)
    named: dict[str, str] = {}
    for part in value.split(",")[:3]:
        word, sep, code = part.strip().partition(":")
        kind = SCOPE_WORDS.get(word.lower())
        if not sep or kind is None or kind in named or not code.strip() or len(code) > 80:
            raise ReportParamError(
                _("Unknown scope: use mall, gerai:<letter>, instansi:<code> or layanan:<code>.")
            )
        named[kind] = code.strip()
    if set(named) not in ({"booth"}, {"agency"}, {"service"}, {"booth", "service"}):
        raise ReportParamError(_("This combination of scopes is not offered."))
    booth = agency = service = None
    if "booth" in named:
        booth = Booth.objects.filter(mall=mall, ticket_prefix=named["booth"].upper()[:2]).first()
        if booth is None:
            raise NotFound(_("Booth not found."), code="booth_not_found")
    if "agency" in named:
        agency = Agency.objects.filter(code=named["agency"], booths__mall=mall).first()
        if agency is None:
            raise NotFound(_("Agency not found."), code="agency_not_found")
    if "service" in named:
        offered = Offering.objects.filter(mall=mall, service__code=named["service"])
        row = (offered.filter(booth=booth) if booth else offered).select_related("service__agency")
        service = getattr(row.first(), "service", None)
        if service is None:
            raise NotFound(_("Service not found."), code="service_not_found")
    level = "service" if service else "booth" if booth else "agency"
    return Scope(level, mall.regency_id[:2], mall=mall, agency=agency, booth=booth, service=service)


def _sees_whole_mall(user) -> bool:
    """National admins and a mall's managers read every scope of the mall; anyone else (a
    booth supervisor) only their own booth (accounts.access, action survey.report)."""
    return access.scope_of(user, "survey.report") in (access.NATIONAL, access.MALL)


def scope_for_user(user, scope: Scope) -> Scope:
    """What `user` may read of `scope`: a mall's managers and national admins all of it; a
    booth supervisor only their booth (a service is narrowed to their booth)."""
    if _sees_whole_mall(user):
        return scope
    booth = Booth.objects.filter(pk=user.booth_id, mall_id=scope.mall.pk).first()
    if booth is None:
        raise Forbidden(_("Your account is not linked to a booth of this mall."))
    if scope.level == "mall":
        return Scope("booth", scope.province_code, mall=scope.mall, booth=booth)
    if scope.level == "service" and scope.booth is None:
        return replace(scope, booth=booth)
    if scope.booth is None or not access.allowed(user, "survey.report", scope.booth):
        raise Forbidden(_("A booth supervisor sees the reports of their own booth only."))
    return scope


def _label(pair: tuple[str, str]) -> str:
    return pair[1]


def scope_choices(mall: Mall, user) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scopes `user` may pick in the form, grouped: [(group, [(lingkup, label)])]."""
    booths = Booth.objects.filter(mall=mall).select_related("agency").order_by("sort_order", "name")
    offered = Offering.objects.filter(mall=mall).select_related("service")
    if not _sees_whole_mall(user):
        offered = offered.filter(booth_id=user.booth_id)
        own = booths.filter(pk=user.booth_id).first()
        if own is None:
            return []
        mine = f"gerai:{own.ticket_prefix}"
        services = {(f"{mine},layanan:{o.service.code}", o.service.name) for o in offered}
        return [(_("Booth"), [(mine, own.name)]), (_("Services"), sorted(services, key=_label))]
    agencies = {(f"instansi:{b.agency.code}", str(b.agency)) for b in booths}
    services = {(f"layanan:{o.service.code}", o.service.name) for o in offered}
    return [
        (_("Mall"), [("mall", _("Whole mall"))]),
        (
            _("Booths"),
            [(f"gerai:{b.ticket_prefix}", f"{b.ticket_prefix} · {b.name}") for b in booths],
        ),
        (_("Agencies"), sorted(agencies, key=_label)),
        (_("Services"), sorted(services, key=_label)),
    ]


def readable_errors(view):
    """Domain errors as a readable page with their status (403 through Django's page)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            context = {"message": exc.message, "status": exc.status}
            return render(request, "surveys/report_error.html", context, status=exc.status)

    return wrapper


def staff_report(request, mall_code: str, *, with_comments: bool = True) -> Report:
    """The report a mall's staff page (or download) asks for, narrowed to what the user
    may read."""
    mall = mall_get(mall_code)
    if mall is None:
        raise NotFound(_("Mall not found."), code="mall_not_found")
    if not access.allowed(request.user, "survey.report", mall):
        raise Forbidden(_("Only the managers and supervisors of this mall see its reports."))
    period = period_parse(request.GET, mall.today())
    scope = scope_for_user(request.user, scope_in_mall(mall, request.GET.get("lingkup")))
    return report_build(
        scope=scope, period=period, with_comments=with_comments, handling=complaint_handling
    )


def public_report(request, province: str | None = None) -> Report:
    """The national or province report, kept PUBLIC_CACHE_SECONDS: these pages are open to
    anyone and a year of a nation is several large scans. Language-neutral (lazy labels)."""
    period = period_parse(request.GET, timezone.localdate())
    scope = scope_national(province)
    key = f"surveys:ikm-report:{province or 'id'}:{period.kind}:{period.date_from}:{period.date_to}"
    build = partial(
        report_build, scope=scope, period=period, with_comments=False, handling=complaint_handling
    )
    return cache.get_or_set(key, build, PUBLIC_CACHE_SECONDS)


def _context(report: Report, *, staff: bool) -> dict:
    query = period_query(report.period)
    param = scope_param(report.scope) if staff else None
    extra = {"lingkup": param} if param and param != "mall" else {}
    here = urlencode({**query, **extra})
    breakdowns = []
    for breakdown in report.breakdowns:
        rows = []
        for row in breakdown.rows:
            if staff:
                href = "?" + urlencode({**query, "lingkup": row.param}) if row.param else None
            elif breakdown.key == "province":
                href = reverse("ikm-province", args=[row.param]) + "?" + urlencode(query)
            else:
                href = reverse("mall-ikm", args=[row.param])
            rows.append((row, href))
        breakdowns.append((breakdown, rows))
    return {
        "report": report,
        "r": report.result,
        "mall": report.scope.mall,
        "nav": period_nav(report.period, param),
        "query": here,
        "breakdowns": breakdowns,
        "running": report.period.date_from <= timezone.localdate() <= report.period.date_to,
        "staff": staff,
        "min_answers": privacy.MIN_ANSWERS,
        "scope_param": param,
    }


@never_cache
@login_required
@require_GET
@readable_errors
def mall_report(request, mall: str):
    report = staff_report(request, mall)
    context = _context(report, staff=True)
    context["scopes"] = scope_choices(report.scope.mall, request.user)
    context["xlsx"] = reverse("ikm-report-xlsx", args=[mall]) + "?" + context["query"]
    context["pdf"] = reverse("ikm-report-pdf", args=[mall]) + "?" + context["query"]
    return render(request, "surveys/report.html", context)


@require_GET
@readable_errors
def national(request, province: str | None = None):
    report = public_report(request, province)
    context = _context(report, staff=False)
    data = reverse("ikm-province-data", args=[province]) if province else reverse("ikm-data")
    context["xlsx"] = data + "?" + context["query"]
    return render(request, "surveys/report_public.html", context)
