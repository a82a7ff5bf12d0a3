"""Printed forms: training sign-in registers (培训签到表) and acknowledgement
receipts (学习确认书 per employee, 签收单 as a batch table).

They are the evidence that a regulation was made known to employees
(公示/告知; Labour Contract Law art. 4, 勞動基準法 §70), so they must look
like real printed forms: A4 portrait, rows tall enough to sign (8–9 mm), the
column header on every page, 第x页 共y页, 记录人/审核人/日期 and
"请本人亲笔签名，不得代签".

The core functions take plain values — a :class:`Material` (title, 文件编号,
version) and a :class:`Session` — so they do not depend on how the caller
found them (``cli.forms_cmds`` gets them from the project and the ledger).
Everything is rendered in memory; :func:`write_outputs` writes files
atomically only after every output rendered, so bad input leaves nothing.

PDF: Typst, ``templates/typst/forms.typ`` (a project's own
``templates/typst/forms.typ`` overrides ours), in one run however many names
(5,000 names: 250 sheets in about a second); values too wide for their cell
are set smaller here, so no name is ever clipped.  Pagination is explicit (``rows_per_page`` rows per sheet) so page counts are
predictable: pages = ceil((names + blank) / rows_per_page).
DOCX: python-docx; the info block lives in the page header (repeats on every
page), the table's first row is a repeated header row (``w:tblHeader``),
rows cannot split across pages (``w:cantSplit``), PAGE/NUMPAGES fields.
"""

from __future__ import annotations

import io
import math
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import escape

from docx import Document as DocxDocument
from docx.document import Document as _Doc
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, Twips

from ..core.errors import PolicyError
from ..core.fsutil import atomic_write_bytes, atomic_write_files
from ..core.locales import format_date, get_locale
from ..core.words import words
from ..read.config import PdfConfig
from ..read.roster import Employee
from ..render.docx_styles import reference_bytes
from ..render.typst.engine import engine_for
from ..render.typst.escape import value
from ..render.typst.presets import locale_data


def form_words(locale: str) -> dict[str, str]:
    """The words of registers and receipts in ``locale`` (core/words.py, domain ``forms``)."""
    return dict(words(locale, "forms"))


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    """What the training or acknowledgement is about (a policy or a handbook)."""

    title: str  # without 《》
    doc_no: str  # 文件编号
    version: str  # A/1, V1.0 or the draft marker 草稿
    draft: bool = False  # a working text no release stands behind: every form title says 草稿


def form_title(words: dict[str, str], key: str, material: Material) -> str:
    """The form's title (``register_title`` …), marked 草稿（未发布版本） when ``material`` is a draft."""
    return words[key] + (words["draft_mark"] if material.draft else "")


@dataclass
class Session:
    """One training session (the register's header)."""

    topic: str
    date: date
    time: str  # "14:00-16:00"
    place: str
    trainer: str
    organizer: str
    audience: str
    material: Material


@dataclass
class FormOptions:
    company: str = ""
    locale: str = "zh-Hans"
    rows_per_page: int = 20
    blank: int = 0  # extra empty rows after the roster (walk-ins)
    form_no: str = ""  # the form's own control number, printed top right
    date_style: str = "arabic"
    fonts: PdfConfig | None = None  # the project's [pdf.fonts], ahead of our Noto faces


ROWS_PER_PAGE_RANGE = (5, 30)
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*[-–—~～至到]\s*([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time_range(text: str, where: str = "--time") -> str:
    """'14:00-16:00' → '14:00–16:00'; PolicyError unless it is a real, increasing range."""
    m = _TIME_RE.match(text.strip())
    if not m:
        raise PolicyError(where, 0, f"{text!r} is not a time range like 14:00-16:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if (h2, m2) <= (h1, m1):
        raise PolicyError(where, 0, f"{text!r}: the end time must be after the start time")
    return f"{h1:02d}:{m1:02d}–{h2:02d}:{m2:02d}"


def check_options(opts: FormOptions) -> None:
    lo, hi = ROWS_PER_PAGE_RANGE
    if not lo <= opts.rows_per_page <= hi:
        raise PolicyError("--rows-per-page", 0, f"must be between {lo} and {hi} (rows must stay tall enough to sign)")
    if opts.blank < 0 or opts.blank > 10000:
        raise PolicyError("--blank", 0, "must be between 0 and 10000")
    get_locale(opts.locale)


# --------------------------------------------------------------------------
# Page geometry (mm).  A sheet is drawn as absolutely positioned text blocks
# over one SVG grid per sheet.  WeasyPrint spends ~1 ms per table cell but
# ~0.25 ms per line of a preformatted block, so each grid column of a sheet is
# one block with one line per row (rows have a fixed height, so the lines
# line up exactly with the grid); a value too wide for its cell gets its own
# smaller, wrapped block.  A 5,000-name register is 250 sheets.
# --------------------------------------------------------------------------

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_X, MARGIN_Y = 15.0, 12.0
CONTENT_W = PAGE_W - 2 * MARGIN_X  # 180
SHEET_H = PAGE_H - 2 * MARGIN_Y - 1  # one mm of slack so a sheet never spills over
TITLE_Y, TITLE_H = 6.0, 10.0
INFO_Y, INFO_ROW_H, INFO_LABEL_W = 18.0, 7.0, 22.0
GAP = 3.0
FOOT_H = 14.0  # 记录人/审核人/日期 + the 亲笔签名 note
PAGE_NO_H = 6.0
BODY_PT, SMALL_PT = 9.0, 7.5
PT_MM = 25.4 / 72


def row_height(rows_per_page: int, info_rows: int = 5) -> float:
    """8.5 mm (zh-conventions: 8–9 mm) unless more rows were asked for than fit."""
    available = SHEET_H - (INFO_Y + info_rows * INFO_ROW_H + GAP) - GAP - FOOT_H - PAGE_NO_H
    return round(min(8.5, available / (rows_per_page + 1)), 2)  # +1: the column-header row


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: float  # mm; the widths of a table sum to 180 (A4 minus 15 mm margins)
    align: str = "center"  # center | left | tab (left, sharing a block with its equal-width neighbours)


def register_columns(words: dict[str, str]) -> list[Column]:
    """The 签到表's columns: 姓名 32 mm, so a 10-character name such as 阿卜杜热合曼·买买提
    prints on one line at about 8.5 pt (it was wrapped at 6 pt in 20 mm); 签名 40 mm."""
    return [Column("no", words["no"], 10), Column("department", words["department"], 26),
            Column("name", words["name"], 32, "tab"), Column("employee_no", words["employee_no"], 18, "tab"),
            Column("position", words["position"], 20, "tab"), Column("checkin", words["checkin"], 18),
            Column("signature", words["signature"], 40), Column("remark", words["remark"], 16)]


def batch_columns(words: dict[str, str]) -> list[Column]:
    """The 签收单's columns.  It covers one document, named with its number and version in
    the header block, so rows do not repeat them: the width goes to 部门 and 姓名 (a
    10-character name such as 阿卜杜热合曼·买买提 prints at body size on one line) and
    签名 (40 mm, as on the register)."""
    return [Column("no", words["no"], 9), Column("department", words["department"], 40),
            Column("name", words["name"], 38), Column("employee_no", words["employee_no"], 16),
            Column("receipt_date", words["receipt_date"], 18), Column("signature", words["signature"], 40),
            Column("remark", words["remark"], 19)]


@dataclass
class _Row:
    cells: list[str]
    blank: bool = False


def _rows(employees: Sequence[Employee], columns: list[Column], blank: int, rows_per_page: int) -> list[list[_Row]]:
    """Rows cut into pages; the last page is filled with empty numbered rows for walk-ins."""
    rows: list[_Row] = []
    for i, e in enumerate(employees, start=1):
        values = {"no": str(i), "department": e.department, "name": e.name, "employee_no": e.employee_no,
                  "position": e.position, "remark": e.note}
        rows.append(_Row([values.get(c.key, "") for c in columns]))
    total = len(rows) + blank
    pages = max(1, math.ceil(total / rows_per_page))
    for i in range(len(rows) + 1, pages * rows_per_page + 1):
        rows.append(_Row([str(i) if c.key == "no" else "" for c in columns], blank=True))
    return [rows[p * rows_per_page:(p + 1) * rows_per_page] for p in range(pages)]


def page_count(names: int, blank: int = 0, rows_per_page: int = 20) -> int:
    """How many sheets a register for ``names`` people (+ ``blank`` rows) takes."""
    return max(1, math.ceil((names + blank) / rows_per_page))


def _em(ch: str) -> float:
    if ord(ch) >= 0x2E80 or ch == "·":
        return 1.0  # CJK and full-width forms; Noto CJK sets the name dot (U+00B7) a full em wide
    if ch.isdigit():
        return 0.56
    if ch.isupper():
        return 0.68
    if ch.islower():
        return 0.55
    if ch == " ":
        return 0.25
    return 0.4 if ch in "-/.,:;()[]'|" else 0.7


def text_width(text: str, pt: float) -> float:
    """Estimated width in mm of ``text`` in Noto Sans CJK (slightly generous)."""
    return sum(_em(ch) for ch in text) * pt * PT_MM


def _fit(text: str, width: float, row_h: float) -> str | list:
    """A cell's text, or (text, size) when it must be set smaller than the body to fit
    its column: one line if that is enough, else two lines (Typst wraps it), never
    below 4.5 pt, so a long name such as 阿卜杜热合曼·买买提 always prints whole."""
    inner = width - 2.4
    if not text or text_width(text, BODY_PT) <= inner:
        return text
    one = inner / text_width(text, 1.0)
    if one >= SMALL_PT:
        return [text, round(min(one, BODY_PT), 2)]
    two = min(SMALL_PT, 2 * inner * 0.92 / text_width(text, 1.0), (row_h - 1.0) / (2 * 1.25 * PT_MM))
    return [text, round(max(4.5, two), 2)]


# --------------------------------------------------------------------------
# PDF (Typst: templates/typst/forms.typ)
# --------------------------------------------------------------------------

FORM_TEMPLATES = ("common.typ", "forms.typ")


def _date(d: date | None, opts: FormOptions) -> str:
    return format_date(d, opts.locale, opts.date_style)


def _material_text(m: Material, words: dict[str, str]) -> str:
    return f"《{m.title}》　{words['doc_no']}：{m.doc_no}　{words['version']}：{m.version}"


def _register_info(session: Session, employees: Sequence[Employee], opts: FormOptions, words):
    return [
        [(words["topic"], session.topic, True)],
        [(words["time"], f"{_date(session.date, opts)}　{session.time}", False), (words["place"], session.place, False)],
        [(words["trainer"], session.trainer, False), (words["organizer"], session.organizer, False)],
        [(words["audience"], session.audience, False),
         (words["expected"], f"{len(employees)} {words['persons']} / ______ {words['persons']}", False)],
        [(words["material"], _material_text(session.material, words), True)],
    ]


def _batch_info(material: Material, employees: Sequence[Employee], opts: FormOptions, words, issuer: str,
                when: date | None):
    return [[(words["doc_title"], f"《{material.title}》", True)],
            [(words["doc_no"], material.doc_no, False), (words["version"], material.version, False)],
            [(words["issuer"], issuer, False), (words["date"], _date(when, opts), False)],
            [(words["count"], f"{len(employees)} {words['persons']}", True)]]


def _sheet_data(title: str, info, columns: list[Column], pages: list[list[_Row]], opts: FormOptions,
                when: date | None) -> dict:
    """What ``pd-sheets`` needs: every value already fitted to its cell."""
    words = form_words(opts.locale)
    rh = row_height(opts.rows_per_page, len(info))
    value_w = (CONTENT_W - 2 * INFO_LABEL_W) / 2
    fitted_info = [[(label, _fit(value, CONTENT_W - INFO_LABEL_W if wide else value_w, INFO_ROW_H), wide)
                    for label, value, wide in row] for row in info]
    return {
        "title": title, "company": opts.company, "loc": locale_data(get_locale(opts.locale), opts.fonts),
        "form_no": f"{words['form_no']}：{opts.form_no}" if opts.form_no else "", "words": words,
        "date": when or date(2000, 1, 1), "info": fitted_info, "row_h": rh,
        "columns": [[c.label, c.width] for c in columns],
        "pages": [[[_fit(text, col.width, rh) for text, col in zip(row.cells, columns)] for row in page]
                  for page in pages],
        "first": 1, "total": len(pages),
    }


def _register_parts(session: Session, employees: Sequence[Employee], opts: FormOptions):
    check_options(opts)
    words = form_words(opts.locale)
    columns = register_columns(words)
    pages = _rows(employees, columns, opts.blank, opts.rows_per_page)
    return (form_title(words, "register_title", session.material), _register_info(session, employees, opts, words),
            columns, pages)


def _batch_parts(material: Material, employees: Sequence[Employee], opts: FormOptions, issuer: str,
                 when: date | None):
    check_options(opts)
    words = form_words(opts.locale)
    columns = batch_columns(words)
    pages = _rows(employees, columns, opts.blank, opts.rows_per_page)
    return (form_title(words, "batch_title", material), _batch_info(material, employees, opts, words, issuer, when),
            columns, pages)


def _compile(call: str, data: dict, project_root, when: date | None) -> bytes:
    engine = engine_for(Path(project_root) if project_root is not None else None)
    return engine.compile(FORM_TEMPLATES, f"#{call}({value(data)})\n", when=when, standard="a-2b", tags=False)


def register_pdf(session: Session, employees: Sequence[Employee], opts: FormOptions,
                 project_root: str | Path | None = None) -> bytes:
    """The register as PDF bytes: one Typst run, however many names."""
    title, info, columns, pages = _register_parts(session, employees, opts)
    return _compile("pd-sheets", _sheet_data(title, info, columns, pages, opts, session.date), project_root,
                    session.date)


def batch_receipt_pdf(material: Material, employees: Sequence[Employee], opts: FormOptions,
                      issuer: str = "", when: date | None = None, project_root: str | Path | None = None) -> bytes:
    """The batch 签收单: one row per employee, document columns prefilled."""
    title, info, columns, pages = _batch_parts(material, employees, opts, issuer, when)
    return _compile("pd-sheets", _sheet_data(title, info, columns, pages, opts, when), project_root, when)


RECEIPTS_PER_PAGE = 2


def receipt_statement(material: Material, locale: str) -> str:
    return form_words(locale)["statement"].format(title=material.title, doc_no=material.doc_no,
                                                  version=material.version)


RECEIPT_WHO = (20.0, 64.0, 20.0, 64.0)  # label, value, label, value (mm): the 部门/姓名/签名 table
RECEIPT_PT = 11.0


def _value_pt(values: list[str], width: float) -> float:
    """The receipt's value size, smaller when a long department or position needs it."""
    widest = max((text_width(v, 1.0) for v in values if v), default=0)
    return round(max(7.0, min(RECEIPT_PT, (width - 3.5) / widest)) if widest else RECEIPT_PT, 2)


def receipts_pdf(material: Material, employees: Sequence[Employee], opts: FormOptions,
                 project_root: str | Path | None = None, when: date | None = None) -> bytes:
    """One 学习确认书 per employee, two per A4 sheet with a dashed cut line
    (no roster: one blank receipt to copy)."""
    check_options(opts)
    words = form_words(opts.locale)
    people = list(employees) or [Employee("", "", "")]
    data = {
        "title": form_title(words, "receipt_title", material), "statement": receipt_statement(material, opts.locale),
        "company": opts.company, "form_no": f"{words['form_no']}：{opts.form_no}" if opts.form_no else "",
        "words": words, "loc": locale_data(get_locale(opts.locale), opts.fonts), "date": when or date(2000, 1, 1),
        "per_page": RECEIPTS_PER_PAGE,
        "people": [[e.department, e.name, e.position, e.employee_no,
                    _value_pt([e.department, e.name], RECEIPT_WHO[1]), _value_pt([e.position, e.employee_no], RECEIPT_WHO[3])]
                   for e in people],
    }
    return _compile("pd-receipts", data, project_root, when)


# --------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------


def _docx_base(locale: str, *, top_mm: float, header_mm: float = 10):
    """An empty form DOCX on the house template (render/docx_styles: Noto fonts named for
    every script, zh-CN/zh-TW/zh-HK language, our font table), A4 portrait with the
    forms' margins, body text 10 pt sans single-spaced."""
    loc = get_locale(locale)
    doc = DocxDocument(io.BytesIO(reference_bytes("handbook", locale)))
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(top_mm), Mm(30)
    section.header_distance, section.footer_distance = Mm(header_mm), Mm(8)
    for style_name in ("Normal", "Table Grid", "header", "footer"):
        style = doc.styles[style_name]
        style.font.size = Pt(10)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), loc.sans_family)
        pf = style.paragraph_format
        pf.space_before = pf.space_after = Pt(0)
        pf.line_spacing = 1.0
        pf.first_line_indent = Pt(0)
    return doc


def _set_cell(cell, text: str, *, bold: bool = False, size: float | None = None, align: str = "center",
              shade: str | None = None) -> None:
    cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    para = cell.paragraphs[0]
    para.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    if text:
        run = para.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    if shade:
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), shade)
        # schema order in w:tcPr: … shd, noWrap, tcMar, textDirection, tcFitText, vAlign
        cell._tc.get_or_add_tcPr().find(qn("w:vAlign")).addprevious(shd)


def _row_props(row, height_mm: float, *, header: bool = False, exact: bool = True) -> None:
    """Height, and the raw XML python-docx has no API for: cantSplit / tblHeader
    (schema order in w:trPr: cantSplit, trHeight, tblHeader)."""
    row.height = Mm(height_mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST
    tr_height = row._tr.trPr.find(qn("w:trHeight"))
    tr_height.addprevious(OxmlElement("w:cantSplit"))
    if header:
        tr_height.addnext(OxmlElement("w:tblHeader"))


def _fixed_widths(table, widths_mm: Sequence[float]) -> None:
    table.autofit = False  # w:tblLayout w:type="fixed"
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)
    for col, w in zip(table.columns, widths_mm):
        col.width = Mm(w)


def _field_run(paragraph, instr: str) -> None:
    """A Word field (PAGE, NUMPAGES) as fldChar runs; Word/LibreOffice fill it in."""
    def char(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        return run

    char("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instr} "
    run._r.append(text)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _docx_title(container, title: str) -> None:
    para = container.paragraphs[0] if container.paragraphs and not container.paragraphs[0].text else container.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(title)
    run.bold = True
    run.font.size = Pt(18)
    para.paragraph_format.space_after = Pt(6)


def _docx_info(container, info, width_mm: float = 180) -> None:
    label_w = 22.0
    value_w = (width_mm - 2 * label_w) / 2
    table = _add_table(container, len(info), 4, width_mm)
    table.style = "Table Grid"
    _fixed_widths(table, [label_w, value_w, label_w, value_w])
    for r, fields in enumerate(info):
        row = table.rows[r]
        _row_props(row, 7, exact=False)
        if len(fields) == 1:
            label, value, _ = fields[0]
            merged = row.cells[1].merge(row.cells[3])
            _set_cell(row.cells[0], label, bold=True, shade="F2F2F2")
            _set_cell(merged, value, align="left")
        else:
            for i, (label, value, _) in enumerate(fields):
                _set_cell(row.cells[2 * i], label, bold=True, shade="F2F2F2")
                _set_cell(row.cells[2 * i + 1], value, align="left")


def _add_table(container, rows: int, cols: int, width_mm: float = 180):
    """Document.add_table has no width; header/footer containers require one."""
    if isinstance(container, _Doc):
        return container.add_table(rows=rows, cols=cols)
    return container.add_table(rows, cols, Mm(width_mm))


def _docx_footer(section, words: dict[str, str], with_signoff: bool = True) -> None:
    footer = section.footer
    first = footer.paragraphs[0]
    if with_signoff:
        first.alignment = WD_ALIGN_PARAGRAPH.LEFT
        first.add_run(f"{words['recorder']}：__________　　　{words['reviewer']}：__________　　　"
                      f"{words['date']}：__________")
        note = footer.add_paragraph()
        run = note.add_run(words["sign_note"])
        run.bold = True
        note.paragraph_format.space_before = Pt(4)
        pages = footer.add_paragraph()
    else:
        pages = first
    pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, rest = words["page_of"].split("{page}")
    middle, after = rest.split("{pages}")
    pages.add_run(before)
    _field_run(pages, "PAGE")
    pages.add_run(middle)
    _field_run(pages, "NUMPAGES")
    pages.add_run(after)


def _docx_header(section, company: str, form_label: str) -> None:
    para = section.header.paragraphs[0]
    stops = para.paragraph_format.tab_stops
    for inherited in (4680, 9360):  # the Header style's centre and right stops: cleared here
        stops.add_tab_stop(Twips(inherited), WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Mm(180), WD_TAB_ALIGNMENT.RIGHT)
    run = para.add_run(f"{company}\t{form_label}")
    run.font.size = Pt(8.5)


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


DOCX_PT, DOCX_MIN_PT = 10.0, 6.0
_DOCX_CELL_MARGIN = 1.0  # mm each side (w:tblCellMar 57 twips)


def docx_cell_fit(text: str, width_mm: float, base_pt: float = DOCX_PT) -> tuple[float, list[str]]:
    """How a value is printed in a DOCX cell ``width_mm`` wide: (size in pt, lines).  The base
    size on one line when it fits, else smaller on one line down to 7.5 pt, else two lines
    cut where they read best (``_docx_lines``) at the size the longer one fits, down to 6 pt.
    Rows are at least, not exactly, their height: whatever is left prints whole, the row grows."""
    inner = width_mm - 2 * _DOCX_CELL_MARGIN - 0.5
    wide = text_width(text, base_pt)
    if wide <= inner:
        return base_pt, [text]
    one_line = base_pt * inner / wide
    if one_line >= 7.5:
        return math.floor(one_line * 2) / 2, [text]
    lines = _docx_lines(text)
    widest = max(text_width(line, base_pt) for line in lines)
    return max(DOCX_MIN_PT, min(8.5, math.floor(base_pt * inner / widest * 2) / 2)), lines


_NO_LINE_START = set("。，、；：？！）》」』〕】…—%")


def _split_lines(text: str, n: int) -> list[str]:
    """``text`` cut into ``n`` lines of about equal width: at spaces when it has
    them, else between characters (never before 。，、）》 etc., clreq)."""
    if n <= 1:
        return [text]
    total = sum(_em(ch) for ch in text)
    lines, start, acc = [], 0, 0.0
    for i, ch in enumerate(text):
        acc += _em(ch)
        if len(lines) < n - 1 and acc >= total * (len(lines) + 1) / n and i + 1 < len(text):
            cut = i + 1
            if " " in text:
                before, after = text.rfind(" ", start, cut + 1), text.find(" ", cut)
                candidates = [c for c in (before, after) if c > start]
                if candidates:
                    cut = min(candidates, key=lambda c: abs(c - cut))
            while cut < len(text) and text[cut] in _NO_LINE_START:
                cut += 1
            if start < cut < len(text):
                lines.append(text[start:cut].strip())
                start = cut
    lines.append(text[start:].strip())
    return [ln for ln in lines if ln]


def _docx_lines(text: str) -> list[str]:
    """``text`` on two lines of about equal width: a name at its middle dot (阿卜杜热合曼·
    买买提), else at a space, else between characters (never before 。，、）…)."""
    dots = [i for i, ch in enumerate(text) if ch in "·・•"]
    if dots:
        cut = min(dots, key=lambda i: abs(i + 0.5 - len(text) / 2)) + 1
        return [text[:cut], text[cut:]]
    return _split_lines(text, 2)


def _docx_grid(doc, columns: list[Column], pages: list[list[_Row]], height_mm: float) -> None:
    """The sign-in table, written as XML in one go (python-docx's cell API is
    O(rows) per access: 70 s for 5,000 rows; this takes well under a second).

    The first row is a repeated header row (w:tblHeader); no row may split
    across pages (w:cantSplit).  Rows are at least ``height_mm`` high (room to
    sign) and grow when a value needs it; a value too wide for its column is
    printed smaller or on two lines (``docx_cell_fit``), never clipped.
    """
    widths = [_twips(c.width) for c in columns]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)

    def cell(text: str, col: Column, width: int, head: bool) -> str:
        shd = '<w:shd w:val="clear" w:color="auto" w:fill="E8E8E8"/>' if head else ""
        run, ppr = "", '<w:jc w:val="center"/>'
        if text:
            size, lines = docx_cell_fit(text, col.width)
            rpr = ("<w:b/>" if head else "") + (f'<w:sz w:val="{round(size * 2)}"/>' if size != DOCX_PT else "")
            rpr = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
            run = "<w:r><w:br/></w:r>".join(f'<w:r>{rpr}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>'
                                             for line in lines)
            if size != DOCX_PT:  # tight lines, so two lines of small type fit a row
                ppr = f'<w:spacing w:line="{round(size * 24)}" w:lineRule="exact"/>' + ppr
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shd}<w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr>{ppr}</w:pPr>{run}</w:p></w:tc>')

    def row(texts: list[str], height: float, head: bool = False) -> str:
        hdr = "<w:tblHeader/>" if head else ""
        cells = "".join(cell(t, c, w, head) for t, c, w in zip(texts, columns, widths))
        return (f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{_twips(height)}" w:hRule="atLeast"/>{hdr}'
                f'</w:trPr>{cells}</w:tr>')

    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
             f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
             f'<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
             f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
             f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>',
             row([c.label for c in columns], 9, head=True)]
    parts.extend(row(r.cells, height_mm) for page in pages for r in page)
    parts.append("</w:tbl>")
    tbl = parse_xml("".join(parts))
    body = doc.element.body
    body.sectPr.addprevious(tbl) if body.sectPr is not None else body.append(tbl)


def _docx_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def register_docx(session: Session, employees: Sequence[Employee], opts: FormOptions) -> bytes:
    """The register as DOCX: info block in the page header, repeated column-header row."""
    check_options(opts)
    words = form_words(opts.locale)
    doc = _docx_base(opts.locale, top_mm=MARGIN_Y + 10.5 + 5 * 7.5 + 10, header_mm=8)
    section = doc.sections[0]
    _docx_header(section, opts.company, f"{words['form_no']}：{opts.form_no}" if opts.form_no else "")
    _docx_title(section.header, form_title(words, "register_title", session.material))
    _docx_info(section.header, _register_info(session, employees, opts, words))
    section.header.add_paragraph()
    _docx_footer(section, words)
    columns = register_columns(words)
    _docx_grid(doc, columns, _rows(employees, columns, opts.blank, opts.rows_per_page),
               row_height(opts.rows_per_page))
    return _docx_bytes(doc)


def batch_receipt_docx(material: Material, employees: Sequence[Employee], opts: FormOptions,
                       issuer: str = "", when: date | None = None) -> bytes:
    check_options(opts)
    words = form_words(opts.locale)
    doc = _docx_base(opts.locale, top_mm=MARGIN_Y + 10.5 + 4 * 7.5 + 10, header_mm=8)
    section = doc.sections[0]
    _docx_header(section, opts.company, f"{words['form_no']}：{opts.form_no}" if opts.form_no else "")
    _docx_title(section.header, form_title(words, "batch_title", material))
    _docx_info(section.header, _batch_info(material, employees, opts, words, issuer, when))
    section.header.add_paragraph()
    _docx_footer(section, words)
    columns = batch_columns(words)
    _docx_grid(doc, columns, _rows(employees, columns, opts.blank, opts.rows_per_page),
               row_height(opts.rows_per_page))
    return _docx_bytes(doc)


def receipts_docx(material: Material, employees: Sequence[Employee], opts: FormOptions) -> bytes:
    """One 学习确认书 per employee, two per page (dashed cut line between them).

    The body is written as XML in one go: python-docx's table API made 5,000
    receipts take minutes."""
    check_options(opts)
    words = form_words(opts.locale)
    doc = _docx_base(opts.locale, top_mm=MARGIN_Y + 4, header_mm=8)
    section = doc.sections[0]
    section.bottom_margin = section.top_margin
    _docx_header(section, opts.company, f"{words['form_no']}：{opts.form_no}" if opts.form_no else "")
    _docx_footer(section, words, with_signoff=False)
    statement = escape(receipt_statement(material, opts.locale))
    people = list(employees) or [Employee("", "", "")]
    widths = [_twips(w) for w in (22, 68, 22, 68)]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    title = (f'<w:p><w:pPr><w:spacing w:before="0" w:after="120"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/>'
             f'<w:sz w:val="36"/></w:rPr><w:t xml:space="preserve">{escape(form_title(words, "receipt_title", material))}</w:t></w:r></w:p>')
    body = (f'<w:p><w:pPr><w:spacing w:before="0" w:after="200" w:line="480" w:lineRule="auto"/>'
            f'<w:ind w:firstLine="480"/></w:pPr><w:r><w:rPr><w:sz w:val="24"/></w:rPr>'
            f'<w:t xml:space="preserve">{statement}</w:t></w:r></w:p>')
    cut = ('<w:p><w:pPr><w:pBdr><w:bottom w:val="dashed" w:sz="6" w:space="1" w:color="808080"/></w:pBdr>'
           '<w:spacing w:before="480" w:after="480"/></w:pPr></w:p>')
    page_break = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'

    def cell(text: str, width: int, label: bool) -> str:
        shd = '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>' if label else ""
        jc = "center" if label else "left"
        size, lines = docx_cell_fit(text, width / 1440 * 25.4, 11.0) if text else (11.0, [])
        spacing = f'<w:spacing w:line="{round(size * 24)}" w:lineRule="exact"/>' if size < 11.0 else ""
        rpr = f'<w:rPr>{"<w:b/>" if label else ""}<w:sz w:val="{round(size * 2)}"/></w:rPr>'
        run = "<w:r><w:br/></w:r>".join(f'<w:r>{rpr}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>'
                                         for line in lines)
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shd}<w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr>{spacing}<w:jc w:val="{jc}"/></w:pPr>{run}</w:p></w:tc>')

    def table(e: Employee) -> str:
        rows = [(words["department"], e.department, words["position"], e.position),
                (words["name"], e.name, words["employee_no"], e.employee_no),
                (words["signature"], "", words["date"], "")]
        trs = "".join(
            f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{_twips(10)}" w:hRule="exact"/></w:trPr>'
            + "".join(cell(t, w, j % 2 == 0) for j, (t, w) in enumerate(zip(values, widths))) + "</w:tr>"
            for values in rows)
        return (f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
                f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{trs}</w:tbl>')

    parts = []
    for i, e in enumerate(people):
        if i:
            parts.append(page_break if i % RECEIPTS_PER_PAGE == 0 else cut)
        parts.append(title + body + table(e))
    wrapper = parse_xml(f'<w:body {nsdecls("w")}>{"".join(parts)}</w:body>')
    target = doc.element.body.sectPr
    for child in list(wrapper):
        target.addprevious(child)
    return _docx_bytes(doc)


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def write_outputs(outputs: dict[Path, bytes], *, mode: int = 0o644) -> list[Path]:
    """Write every file atomically (temp file + rename) — only call once all rendered.
    Files get ordinary permissions (``mode``, default 0644), not the temp file's 0600."""
    return atomic_write_files(outputs, mode=mode)


def write_new_outputs(stem: Path, files: dict[str, bytes], *, mode: int = 0o644) -> list[Path]:
    """Write ``stem + tail`` for every ``tail → bytes`` of ``files`` (tails such as ``.pdf``,
    ``.zh-Hant-TW.docx``), never replacing a file: when a name of the set is taken, the whole
    set is written as ``stem-2 + tail`` (then ``-3`` …). Issued forms are records — a second
    session on the same day gets its own files, and the first issue's files stay as recorded.

    Each name is claimed with an exclusive create before the data is renamed over it, so two
    runs at once never take the same name. Call only once everything rendered."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        base = stem if n == 1 else stem.with_name(f"{stem.name}-{n}")
        paths = [base.with_name(base.name + tail) for tail in files]
        claimed: list[Path] = []
        try:
            for path in paths:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
                claimed.append(path)
        except FileExistsError:
            for path in claimed:
                path.unlink(missing_ok=True)
            continue
        try:
            for path, data in zip(paths, files.values()):
                atomic_write_bytes(path, data, mode=mode)  # over the name claimed above
        except BaseException:
            for path in claimed:
                path.unlink(missing_ok=True)
            raise
        return paths
    raise PolicyError(stem.parent, 0, f"{stem.name}: no free file name (10,000 forms of this name exist)")


def safe_name(text: str) -> str:
    """A file-name part from a policy id / handbook name / date."""
    return re.sub(r"[^0-9A-Za-z\u3400-\u9fff._-]+", "_", text).strip("._") or "form"
