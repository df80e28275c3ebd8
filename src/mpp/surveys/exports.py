"""The SKM/IKM report as a spreadsheet (XLSX) for analysts and a PDF a mall prints and posts.

Why: PermenPANRB 14/2017 asks each unit to report and publish its SKM results, and the
ministry's analysts compare malls in their own tools. Both files are drawn from one
reports.Report, so they say what the page says.

    report_xlsx(report) -> bytes    sheets: IKM (the element table in the regulation's
        layout, the index, the sample and the complaint handling), one per breakdown
        (provinces, malls, booths, services; with each row's NRR per element), the
        respondent profile, and for a mall's staff the comments (date, service, text:
        no personal data). Numbers are numbers; text is never taken for a formula.
    report_pdf(report, compress=True) -> bytes    one or two A4 pages.

The PDF uses the PDF core fonts (Helvetica), which every reader has and which need no
font file on the server; text is written in Latin-1, other characters transliterated.
"""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from mpp.surveys import ikm, privacy
from mpp.surveys.reports import Breakdown, Report

SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
FORMATS = {"ikm": "0.00", "nrr": "0.000", "unit": "0.0000", "pct": "0.0"}
FORMATS |= {"date": "yyyy-mm-dd", "time": "yyyy-mm-dd hh:mm"}
_TYPOGRAPHY = str.maketrans(
    {
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "•": "·",
        "×": "x",
        "€": "EUR",
    }
)


def _suppressed_note() -> str:
    return _(
        "Fewer than %(n)s answers in this period: the figures are not shown, so that no "
        "answer can be traced to the person who gave it."
    ) % {"n": privacy.MIN_ANSWERS}


def _hidden_note() -> str:
    return _(
        "Groups of fewer than %(n)s answers show no figures, so that no answer can be "
        "traced to the person who gave it; # marks a group withheld because, with the "
        "total, it would give such a group away."
    ) % {"n": privacy.MIN_ANSWERS}


def _mutu_text(code: str | None) -> str:
    return f"{code} ({ikm.MUTU_BY_CODE[code].label})" if code else ""


def _handling_lines(report: Report) -> list[tuple[str, object]]:
    h = report.handling or {}
    lines = [
        (_("Complaints received"), h.get("received")),
        (_("Answered"), h.get("answered")),
        (_("Completed"), h.get("closed")),
        (_("Rejected"), h.get("rejected")),
        (_("Still open"), h.get("open")),
        (_("Overdue now"), h.get("overdue_now")),
        (_("First response on time") + " (%)", h.get("first_response_on_time_pct")),
        (_("Resolved on time") + " (%)", h.get("resolved_on_time_pct")),
        (_("Mean working days to first response"), h.get("mean_working_days_to_first_response")),
    ]
    return [(label, value) for label, value in lines if value is not None]


# XLSX ------------------------------------------------------------------------


def _sheet_title(text: str) -> str:
    return str(text).translate(SHEET_FORBIDDEN).strip()[:31] or "Sheet"


def _put(sheet, row: int, values, *, bold: bool = False, formats: dict | None = None) -> None:
    from openpyxl.styles import Font

    for col, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=col)
        if isinstance(value, str | Promise):
            cell.value = str(value)
            cell.data_type = "s"  # a leading "=" stays text
        else:
            cell.value = value
        if formats and col in formats:
            cell.number_format = formats[col]
        if bold:
            cell.font = Font(bold=True)


def _summary_sheet(sheet, report: Report) -> None:
    r, n = report.result, 1
    _put(sheet, n, [_("Community satisfaction survey (SKM)")], bold=True)
    heading = [
        (_("Scope"), report.scope.label),
        (_("Period"), report.period.label),
        (_("From"), report.period.date_from),
        (_("To"), report.period.date_to),
        (_("Made at"), timezone.localtime(report.generated_at).replace(tzinfo=None)),
    ]
    for n, (label, value) in enumerate(heading, start=2):
        _put(sheet, n, [label, value], formats={2: FORMATS["time" if n == 6 else "date"]})
    n += 2
    _put(
        sheet,
        n,
        [
            _("No."),
            _("Code"),
            _("Element"),
            _("Total score"),
            _("NRR"),
            _("Weighted NRR (NRR x 1/9)"),
            _("Converted value (NRR x 25)"),
            _("Quality (mutu)"),
        ],
        bold=True,
    )
    for i, line in enumerate(report.elements, start=1):
        values = [i, line.element.code, line.element.name, line.total]
        values += [line.nrr, line.weighted, line.converted, line.mutu or ""]
        _put(
            sheet, n + i, values, formats={5: FORMATS["nrr"], 6: FORMATS["nrr"], 7: FORMATS["ikm"]}
        )
    n += len(report.elements) + 2
    rows = [
        (_("Unit value (sum of the weighted NRRs)"), r.unit_value, FORMATS["unit"]),
        (_("IKM (unit value x 25)"), r.ikm, FORMATS["ikm"]),
        (_("Quality (mutu)"), _mutu_text(r.mutu), None),
        (_("Respondents"), r.respondents_label if r.suppressed else r.respondents, None),
        (_("Services given"), r.transactions, None),
        (_("Minimum sample (Krejcie-Morgan)"), r.required_sample, None),
        (_("Sample adequate"), _("no") if r.sample_short else _("yes"), None),
    ]
    if r.suppressed:
        rows.append((_("Not shown"), _suppressed_note(), None))
    rows += [(label, value, None) for label, value in _handling_lines(report)]
    for i, (label, value, fmt) in enumerate(rows):
        _put(
            sheet, n + i, [label, "" if value is None else value], formats={2: fmt} if fmt else None
        )
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["C"].width = 44
    for col in "DEFGH":
        sheet.column_dimensions[col].width = 16


def _breakdown_sheet(sheet, breakdown: Breakdown) -> None:
    header = [_("Rank"), _("Name"), _("Detail"), _("Code"), _("IKM"), _("Quality (mutu)")]
    header += [_("Respondents"), _("Services given"), _("Minimum sample (Krejcie-Morgan)")]
    header += [_("Sample adequate"), *(f"NRR {code}" for code in ikm.ELEMENT_CODES)]
    _put(sheet, 1, header, bold=True)
    nrr_formats = {col: FORMATS["nrr"] for col in range(11, 20)}
    for n, row in enumerate(breakdown.rows, start=2):
        f = row.figures
        mark = " #" if f.hidden == "withheld" else ""
        values = [row.rank or "", row.label + mark, row.detail, row.param, f.ikm, f.mutu or ""]
        few = f.hidden == "few"
        values += [f.respondents_label if few else f.respondents]
        values += [f.transactions, f.required_sample]
        values += ["" if few else _("no") if f.sample_short else _("yes")]
        values += [f.elements[code] for code in ikm.ELEMENT_CODES]
        _put(sheet, n, values, formats={5: FORMATS["ikm"], **nrr_formats})
    if breakdown.has_hidden:
        _put(sheet, len(breakdown.rows) + 3, [_hidden_note()])
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 30


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "IKM"
    _summary_sheet(sheet, report)
    for breakdown in report.breakdowns:
        _breakdown_sheet(book.create_sheet(_sheet_title(breakdown.title)), breakdown)
    profile = book.create_sheet(_sheet_title(_("Respondent profile")))
    _put(profile, 1, [_("Group"), _("Category"), _("Respondents"), _("Percent")], bold=True)
    n = 2
    for title, lines in report.profile:
        for line in lines:
            _put(
                profile,
                n,
                [title, line.label, line.count, line.percent],
                formats={4: FORMATS["pct"]},
            )
            n += 1
    profile.column_dimensions["A"].width = profile.column_dimensions["B"].width = 32
    if report.scope.mall is not None:
        comments = book.create_sheet(_sheet_title(_("Comments")))
        _put(comments, 1, [_("Date"), _("Service"), _("Comment")], bold=True)
        for n, c in enumerate(report.comments, start=2):
            _put(comments, n, [c.submitted_on, c.service, c.text], formats={1: FORMATS["date"]})
        comments.column_dimensions["B"].width = 36
        comments.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# PDF -------------------------------------------------------------------------


def latin1(text) -> str:
    """Text the core fonts can show: typography simplified, accents kept where Latin-1 has
    them, other letters without their marks, anything else as '?'."""
    text = str(text).translate(_TYPOGRAPHY)
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        bare = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        out.append(bare or "?")
    return "".join(out)


def _num(value, places: int) -> str:
    return "-" if value is None else formats.number_format(Decimal(value), places)


def report_pdf(report: Report, *, compress: bool = True) -> bytes:
    from fpdf import FPDF

    r = report.result
    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_title(latin1(f"IKM {report.scope.label} {report.period.label}"))
    pdf.add_page()
    width = pdf.epw

    def text(line: str, size: float = 10, style: str = "", h: float = 5.5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, h, latin1(line), new_x="LMARGIN", new_y="NEXT")

    text(_("Community satisfaction survey (SKM)").upper(), 9, "B")
    text(report.scope.label, 16, "B", 8)
    text(
        f"{report.period.label}  ({_num_date(report.period.date_from)} - "
        f"{_num_date(report.period.date_to)})",
        10,
    )
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 30)
    pdf.cell(42, 14, latin1(_num(r.ikm, 2) if r.ikm is not None else "-"))
    pdf.set_font("Helvetica", "B", 13)
    mutu = _mutu_text(r.mutu) if r.mutu else _("No answers yet in this period.")
    if r.suppressed:
        mutu = "-"
    pdf.cell(0, 14, latin1(f"{_('Quality (mutu)')}: {mutu}"), new_x="LMARGIN", new_y="NEXT")
    text(
        f"{_('Respondents')}: {r.respondents_label}   {_('Minimum sample (Krejcie-Morgan)')}: "
        f"{r.required_sample}   {_('Services given')}: {r.transactions}"
    )
    if r.suppressed:
        text(_suppressed_note(), 10, "B")
    elif r.sample_short:
        text(_short_warning(r), 10, "B")
    pdf.ln(2)
    _pdf_elements(pdf, report)
    pdf.ln(3)
    text(_("Respondent profile"), 11, "B", 6)
    for title, lines in report.profile:
        parts = [f"{line.label} {line.count}" for line in lines if line.count]
        text(f"{title}: " + ("; ".join(parts) or "-"), 9, "", 4.8)
    handling = _handling_lines(report)
    if handling:
        pdf.ln(2)
        text(_("U9: handling of complaints in this period"), 11, "B", 6)
        text("; ".join(f"{label}: {_num_any(value)}" for label, value in handling), 9, "", 4.8)
        if report.handling_note:
            text(report.handling_note, 8, "I", 4.5)
    for breakdown in report.breakdowns[:1]:
        if breakdown.rows:
            pdf.ln(3)
            _pdf_breakdown(pdf, breakdown)
    pdf.ln(3)
    text(
        _(
            "Quality classes: A (88.31-100) very good, B (76.61-88.30) good, C (65.00-76.60) "
            "less than good, D (25.00-64.99) not good. Mean scores are out of 4."
        ),
        8,
        "",
        4.2,
    )
    tz = report.scope.mall.tz if report.scope.mall else None
    made = formats.date_format(timezone.localtime(report.generated_at, tz), "j M Y H:i")
    text(
        _("Computed as PermenPANRB 14/2017 sets it. Made on %(when)s.") % {"when": made}, 8, "", 4.2
    )
    return bytes(pdf.output())


def _num_date(day) -> str:
    return formats.date_format(day, "j M Y")


def _num_any(value) -> str:
    return _num(value, 1) if isinstance(value, float) else str(value)


def _short_warning(r) -> str:
    return _(
        "Only %(n)s of the %(need)s respondents needed (Krejcie-Morgan) have answered: this "
        "figure is not yet representative."
    ) % {"n": r.respondents, "need": r.required_sample}


def _pdf_elements(pdf, report: Report) -> None:
    pdf.set_font("Helvetica", "", 9)
    head = (_("Element"), _("NRR"), _("Weighted NRR (NRR x 1/9)"), _("NRR x 25"), _("Mutu"))
    with pdf.table(
        col_widths=(80, 18, 30, 22, 14),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "CENTER"),
        line_height=4.6,
    ) as table:
        table.row([latin1(h) for h in head])
        for line in report.elements:
            name = latin1(f"{line.element.code}  {line.element.name}")
            table.row(
                [
                    name,
                    _num(line.nrr, 3),
                    _num(line.weighted, 3),
                    _num(line.converted, 2),
                    line.mutu or "-",
                ]
            )
        unit = report.result.unit_value
        table.row([latin1(_("Unit value (sum of the weighted NRRs)")), "", _num(unit, 4), "", ""])
        table.row(
            [
                latin1(_("IKM (unit value x 25)")),
                "",
                "",
                _num(report.result.ikm, 2),
                report.result.mutu or "-",
            ]
        )


def _pdf_breakdown(pdf, breakdown: Breakdown) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, latin1(breakdown.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    head = (_("Name"), _("IKM"), _("Mutu"), _("Respondents"), _("Minimum sample"))
    with pdf.table(
        col_widths=(86, 20, 14, 22, 22),
        text_align=("LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT"),
        line_height=4.6,
    ) as table:
        table.row([latin1(h) for h in head])
        for row in breakdown.rows:
            f = row.figures
            short = " *" if f.sample_short and not f.hidden else ""
            table.row(
                [
                    latin1(row.label),
                    _num(f.ikm, 2),
                    f.mutu or "-",
                    latin1(f.respondents_label) + (" #" if f.hidden == "withheld" else ""),
                    f"{f.required_sample}{short}",
                ]
            )
    if any(row.figures.sample_short for row in breakdown.rows):
        pdf.set_font("Helvetica", "", 8)
        note = latin1(_("* Fewer respondents than the minimum sample."))
        pdf.cell(0, 4.5, note, new_x="LMARGIN", new_y="NEXT")
    if breakdown.has_hidden:
        pdf.set_font("Helvetica", "", 8)
        pdf.multi_cell(0, 4.5, latin1(_hidden_note()), new_x="LMARGIN", new_y="NEXT")
