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

PDF: Jinja2 templates ``templates/forms/*.html.j2`` + ``forms.css`` (a
project's own ``templates/forms/`` overrides ours) through WeasyPrint.
Pagination is explicit (``rows_per_page`` rows per sheet) so page counts are
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
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

from ..core.errors import PolicyError
from ..core.locales import format_date, get_locale
from ..core.words import words
from ..read.roster import Employee
from ..render.templates import PACKAGE_TEMPLATES


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
    templates: Sequence[Path] = field(default_factory=tuple)  # project template dirs searched before ours


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
    return [Column("no", words["no"], 10), Column("department", words["department"], 32),
            Column("name", words["name"], 20, "tab"), Column("employee_no", words["employee_no"], 20, "tab"),
            Column("position", words["position"], 20, "tab"), Column("checkin", words["checkin"], 18),
            Column("signature", words["signature"], 40), Column("remark", words["remark"], 20)]


def batch_columns(words: dict[str, str]) -> list[Column]:
    return [Column("no", words["no"], 10), Column("department", words["department"], 22),
            Column("name", words["name"], 18), Column("employee_no", words["employee_no"], 17),
            Column("doc_title", words["doc_title"], 30), Column("doc_no_version", words["doc_no_version"], 25),
            Column("receipt_date", words["receipt_date"], 18), Column("signature", words["signature"], 26),
            Column("remark", words["remark"], 14)]


@dataclass
class _Row:
    cells: list[str]
    blank: bool = False


def _rows(employees: Sequence[Employee], columns: list[Column], blank: int, rows_per_page: int,
          extra: dict[str, str] | None = None) -> list[list[_Row]]:
    """Rows cut into pages; the last page is filled with empty numbered rows for walk-ins."""
    extra = extra or {}
    rows: list[_Row] = []
    for i, e in enumerate(employees, start=1):
        values = {"no": str(i), "department": e.department, "name": e.name, "employee_no": e.employee_no,
                  "position": e.position, "remark": e.note, **extra}
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
    if ord(ch) >= 0x2E80:
        return 1.0  # CJK and full-width forms
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


@dataclass
class Block:
    """Absolutely positioned text (one line per ``lines`` entry, each ``line_h`` high)."""

    x: float
    y: float
    w: float
    lines: list[str]
    line_h: float
    cls: str = ""
    head: str = ""  # a bold first line (the column header)
    pt: float = 0  # font size override (values cut out as too wide)
    tab: float = 0  # tab-size (mm) of a block holding several tab-separated columns


_NO_LINE_START = set("。，、；：？！）》」』〕】…—%")
MIN_PT = 6.0


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


def _fit(text: str, x: float, y: float, w: float, h: float, align: str) -> Block | None:
    """A separate block for a value too wide for its cell, None if it fits.

    Smaller type on one line if that is enough, else two (or three) lines cut
    here — explicit lines in a preformatted block cost WeasyPrint far less
    than letting it wrap and centre (flex) a box.
    """
    inner = w - 2.4
    if text_width(text, BODY_PT) <= inner:
        return None
    for n in (1, 2, 3):
        lines = _split_lines(text, n)
        widest = max(text_width(ln, 1.0) for ln in lines)
        pt = min(SMALL_PT, inner / widest, (h - 0.4) / (len(lines) * PT_MM * 1.12))
        if pt >= MIN_PT or n == 3:
            pt = max(pt, 4.5)
            line_h = pt * PT_MM * 1.12
            pad = max(0.0, (h - len(lines) * line_h) / 2)
            if align == "left":  # .left pads 1.5 mm itself
                return Block(x, y + pad, w - 0.9, lines, line_h, "wrap left", pt=round(pt, 2))
            return Block(x + 1.2, y + pad, w - 2.4, lines, line_h, "wrap " + align, pt=round(pt, 2))
    return None  # pragma: no cover


def _grid_blocks(columns: list[Column], page: list[_Row], top: float, rh: float) -> list[Block]:
    """Text blocks of one sheet's table.

    A column is one block with one line per row.  Adjacent ``tab`` columns of
    equal width share one block whose fields are separated by tab characters
    at ``tab-size`` = the column width: a row then costs WeasyPrint one line
    instead of one per column (the register's four text columns: ~40 % less
    layout time).  A value too wide for its cell is cut out into its own block
    first, so a field never reaches the next tab stop.
    """
    blocks: list[Block] = []
    xs = [sum(c.width for c in columns[:i]) for i in range(len(columns))]
    cells: list[list[str]] = []  # column → lines after cutting out the wide values
    for ci, col in enumerate(columns):
        lines: list[str] = []
        align = "left" if col.align == "tab" else col.align
        for ri, row in enumerate(page):
            text = row.cells[ci]
            fitted = _fit(text, xs[ci], top + rh * (ri + 1), col.width, rh, align) if text else None
            if fitted:
                blocks.append(fitted)
                text = ""
            lines.append(text)
        cells.append(lines)
    ci = 0
    while ci < len(columns):
        col = columns[ci]
        end = ci + 1
        if col.align == "tab":
            while end < len(columns) and columns[end].align == "tab" and columns[end].width == col.width:
                end += 1
        if end - ci > 1:
            for k in range(ci, end):  # centred header labels, one block each
                blocks.append(Block(xs[k], top, columns[k].width, [], rh, "col center", head=columns[k].label))
            rows = []
            for r in range(len(page)):
                fields = [cells[k][r] for k in range(ci, end)]
                if not fields[0] and any(fields):
                    # Pango places text after a leading tab ~0.4 mm off the stop: such rows
                    # (first value cut out as too wide) get one small block per field instead.
                    for k, text in zip(range(ci, end), fields):
                        if text:
                            blocks.append(Block(xs[k], top + rh * (r + 1), columns[k].width, [text], rh,
                                                "col left"))  # .left pads 1.5 mm, like the tab block
                    fields = [""]
                rows.append("\t".join(fields).rstrip("\t"))
            while rows and not rows[-1]:
                rows.pop()
            blocks.append(Block(xs[ci] + 1.5, top + rh, col.width * (end - ci) - 1.5, rows, rh, "col tabs",
                                tab=col.width))
        else:
            lines = cells[ci]
            while lines and not lines[-1]:
                lines.pop()
            align = "left" if col.align == "tab" else col.align
            blocks.append(Block(xs[ci], top, col.width, lines, rh, "col " + align, head=col.label))
        ci = end
    return blocks


def _info_blocks(info: list[list[tuple[str, str, bool]]], top: float) -> list[Block]:
    """The session header: label/value pairs in four columns, a wide row spans three."""
    value_w = (CONTENT_W - 2 * INFO_LABEL_W) / 2
    xs = (0.0, INFO_LABEL_W, INFO_LABEL_W + value_w, 2 * INFO_LABEL_W + value_w)
    cols: list[list[str]] = [[], [], [], []]
    extra: list[Block] = []
    for r, fields in enumerate(info):
        y = top + r * INFO_ROW_H
        for c in range(4):
            cols[c].append("")
        for i, (label, value, wide) in enumerate(fields):
            cols[2 * i][r] = label
            w = CONTENT_W - INFO_LABEL_W if wide else value_w
            fitted = _fit(value, xs[2 * i + 1], y, w, INFO_ROW_H, "left") if value else None
            if fitted:
                extra.append(fitted)
            else:
                cols[2 * i + 1][r] = value
    widths = (INFO_LABEL_W, CONTENT_W - INFO_LABEL_W, INFO_LABEL_W, value_w)  # wide rows run across
    blocks = [Block(xs[c], top, widths[c], cols[c], INFO_ROW_H,
                    "label center" if c % 2 == 0 else "value left") for c in range(4)]
    return blocks + extra


def _grid_svg(columns: list[Column], info: list[list[tuple[str, str, bool]]], info_top: float, grid_top: float,
              rows: int, rh: float) -> str:
    """Lines and shading of one sheet as an SVG data URI (the same image on every sheet)."""
    import base64

    value_w = (CONTENT_W - 2 * INFO_LABEL_W) / 2
    h_total = grid_top + rh * (rows + 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{CONTENT_W}mm" height="{h_total:.2f}mm" '
           f'viewBox="0 0 {CONTENT_W} {h_total:.2f}">']
    # shading: info labels, column header
    for r, fields in enumerate(info):
        y = info_top + r * INFO_ROW_H
        for i in range(len(fields)):
            x = i * (INFO_LABEL_W + value_w)
            out.append(f'<rect x="{x}" y="{y}" width="{INFO_LABEL_W}" height="{INFO_ROW_H}" fill="#f0f0f0"/>')
    out.append(f'<rect x="0" y="{grid_top}" width="{CONTENT_W}" height="{rh}" fill="#e6e6e6"/>')
    out.append('<g stroke="#000" stroke-width="0.25" fill="none">')
    # info block
    info_bottom = info_top + len(info) * INFO_ROW_H
    out.append(f'<rect x="0" y="{info_top}" width="{CONTENT_W}" height="{info_bottom - info_top}"/>')
    for r, fields in enumerate(info):
        y = info_top + r * INFO_ROW_H
        if r:
            out.append(f'<line x1="0" y1="{y}" x2="{CONTENT_W}" y2="{y}"/>')
        xs = [INFO_LABEL_W] if len(fields) == 1 else [INFO_LABEL_W, INFO_LABEL_W + value_w, 2 * INFO_LABEL_W + value_w]
        for x in xs:
            out.append(f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y + INFO_ROW_H}"/>')
    # the table
    out.append(f'<rect x="0" y="{grid_top}" width="{CONTENT_W}" height="{rh * (rows + 1):.2f}" stroke-width="0.4"/>')
    x = 0.0
    for col in columns[:-1]:
        x += col.width
        out.append(f'<line x1="{x:.2f}" y1="{grid_top}" x2="{x:.2f}" y2="{h_total:.2f}"/>')
    for r in range(1, rows + 1):
        y = grid_top + rh * r
        out.append(f'<line x1="0" y1="{y:.2f}" x2="{CONTENT_W}" y2="{y:.2f}"/>')
    out.append("</g></svg>")
    return "data:image/svg+xml;base64," + base64.b64encode("".join(out).encode()).decode()


def _sheets(title: str, info, columns: list[Column], pages: list[list[_Row]], opts: FormOptions,
            words: dict[str, str], first: int = 1, total: int = 0) -> tuple[list[dict], str, float]:
    rh = row_height(opts.rows_per_page, len(info))
    grid_top = INFO_Y + len(info) * INFO_ROW_H + GAP
    info_blocks = _info_blocks(info, INFO_Y)
    svg = _grid_svg(columns, info, INFO_Y, grid_top, opts.rows_per_page, rh)
    foot_y = grid_top + rh * (opts.rows_per_page + 1) + GAP
    sheets = []
    for n, page in enumerate(pages, start=first):
        sheets.append({"blocks": info_blocks + _grid_blocks(columns, page, grid_top, rh), "foot_y": foot_y,
                       "page_no": words["page_of"].format(page=n, pages=total or len(pages))})
    return sheets, svg, rh


# --------------------------------------------------------------------------
# HTML / PDF
# --------------------------------------------------------------------------


def _css_string(text: str) -> str:
    """Text safe inside a CSS double-quoted string (also inside <style>)."""
    out = []
    for ch in text:
        if ch in '"\\<>' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def _env(extra_dirs: Sequence[Path]):
    import jinja2

    dirs = [str(d) for d in extra_dirs if Path(d).is_dir()] + [str(PACKAGE_TEMPLATES)]
    return jinja2.Environment(loader=jinja2.FileSystemLoader(dirs), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def _css(env, opts: FormOptions, font: str, **extra) -> str:
    import jinja2

    source, _, _ = env.loader.get_source(env, "forms/forms.css")
    tmpl = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined).from_string(source)
    values = dict(font=_css_string(font), margin_x=MARGIN_X, margin_y=MARGIN_Y, sheet_h=SHEET_H,
                  body_pt=BODY_PT, title_y=TITLE_Y, title_h=TITLE_H, receipt_h=0, grid_svg="", who_svg="",
                  who_w=0, row_h=0, receipt_pt=0)
    values.update(extra)
    return tmpl.render(**values)


def _font(locale: str) -> str:
    return get_locale(locale).sans_family


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


def _sheet_html(template: str, title: str, info, columns, pages, opts: FormOptions, first: int = 1,
                total: int = 0) -> str:
    words = form_words(opts.locale)
    env = _env(opts.templates)
    sheets, svg, _ = _sheets(title, info, columns, pages, opts, words, first, total)
    css = _css(env, opts, _font(opts.locale), grid_svg=svg)
    return env.get_template(template).render(
        lang=get_locale(opts.locale).html_lang, title=title, sheets=sheets, words=words, css=css,
        company=opts.company, form_no=f"{words['form_no']}：{opts.form_no}" if opts.form_no else "")


def _register_parts(session: Session, employees: Sequence[Employee], opts: FormOptions):
    check_options(opts)
    words = form_words(opts.locale)
    columns = register_columns(words)
    pages = _rows(employees, columns, opts.blank, opts.rows_per_page)
    return ("forms/register.html.j2", words["register_title"], _register_info(session, employees, opts, words),
            columns, pages)


def _batch_parts(material: Material, employees: Sequence[Employee], opts: FormOptions, issuer: str,
                 when: date | None):
    check_options(opts)
    words = form_words(opts.locale)
    columns = batch_columns(words)
    extra = {"doc_title": f"《{material.title}》", "doc_no_version": f"{material.doc_no} / {material.version}"}
    pages = _rows(employees, columns, opts.blank, opts.rows_per_page, extra)
    return ("forms/receipts-batch.html.j2", words["batch_title"],
            _batch_info(material, employees, opts, words, issuer, when), columns, pages)


def register_html(session: Session, employees: Sequence[Employee], opts: FormOptions) -> str:
    """The register as one HTML document (explicit sheets of ``rows_per_page`` rows)."""
    template, title, info, columns, pages = _register_parts(session, employees, opts)
    return _sheet_html(template, title, info, columns, pages, opts)


def batch_receipt_html(material: Material, employees: Sequence[Employee], opts: FormOptions,
                       issuer: str = "", when: date | None = None) -> str:
    """The batch 签收单: one row per employee, document columns prefilled."""
    template, title, info, columns, pages = _batch_parts(material, employees, opts, issuer, when)
    return _sheet_html(template, title, info, columns, pages, opts)


def register_pdf(session: Session, employees: Sequence[Employee], opts: FormOptions,
                 project_root: str | Path | None = None, jobs: int = 0) -> bytes:
    """The register as PDF bytes; big registers render in parallel (see :func:`_paged_pdf`)."""
    return _paged_pdf(*_register_parts(session, employees, opts), opts, project_root, jobs)


def batch_receipt_pdf(material: Material, employees: Sequence[Employee], opts: FormOptions,
                      issuer: str = "", when: date | None = None, project_root: str | Path | None = None,
                      jobs: int = 0) -> bytes:
    return _paged_pdf(*_batch_parts(material, employees, opts, issuer, when), opts, project_root, jobs)


#: Below this many sheets a second process costs more than it saves.
PARALLEL_MIN_SHEETS = 60


def _paged_pdf(template, title, info, columns, pages, opts: FormOptions, project_root, jobs: int) -> bytes:
    """Sheets are independent (explicit page numbers), so a long form is cut into
    ``jobs`` runs of sheets rendered in parallel processes and joined by
    ``render.stitch`` (pikepdf) — WeasyPrint itself is single-threaded.  Short
    forms render in one process."""
    jobs = jobs or os.cpu_count() or 1
    total = len(pages)
    if jobs < 2 or total < PARALLEL_MIN_SHEETS:
        return html_to_pdf(_sheet_html(template, title, info, columns, pages, opts), project_root)
    jobs = min(jobs, total // (PARALLEL_MIN_SHEETS // 2))
    bounds = [round(total * i / jobs) for i in range(jobs + 1)]
    htmls = [_sheet_html(template, title, info, columns, pages[a:b], opts, first=a + 1, total=total)
             for a, b in zip(bounds, bounds[1:])]
    return _render_parallel(htmls, project_root)


def _render_parallel(htmls: list[str], project_root) -> bytes:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ..render.stitch import RenderedPart, assemble

    root = str(Path(project_root or ".").resolve())
    # spawn, not fork: the parent may already hold Pango/fontconfig state.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(htmls) - 1, mp_context=ctx) as pool:
        futures = [pool.submit(html_to_pdf, h, root) for h in htmls[1:]]
        parts = [html_to_pdf(htmls[0], root)] + [f.result() for f in futures]
    return assemble([RenderedPart(data, frozenset()) for data in parts])


RECEIPTS_PER_PAGE = 2


def receipt_statement(material: Material, locale: str) -> str:
    return form_words(locale)["statement"].format(title=material.title, doc_no=material.doc_no,
                                                  version=material.version)


RECEIPT_WHO = (20.0, 64.0, 20.0, 64.0)  # label, value, label, value (mm): the 部门/姓名/签名 table
RECEIPT_ROW_H = 10.0
RECEIPT_PT = 11.0


def _receipt_svg(words: dict[str, str]) -> str:
    """The who-table grid of a 学习确认书 (the same image on every receipt)."""
    import base64

    w, h = sum(RECEIPT_WHO), 3 * RECEIPT_ROW_H
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">']
    x = 0.0
    for i, cw in enumerate(RECEIPT_WHO):
        if i % 2 == 0:
            out.append(f'<rect x="{x}" y="0" width="{cw}" height="{h}" fill="#f0f0f0"/>')
        x += cw
    out.append(f'<g stroke="#000" stroke-width="0.26" fill="none"><rect x="0" y="0" width="{w}" height="{h}"/>')
    x = 0.0
    for cw in RECEIPT_WHO[:-1]:
        x += cw
        out.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{h}"/>')
    for r in (1, 2):
        out.append(f'<line x1="0" y1="{r * RECEIPT_ROW_H}" x2="{w}" y2="{r * RECEIPT_ROW_H}"/>')
    out.append("</g></svg>")
    return "data:image/svg+xml;base64," + base64.b64encode("".join(out).encode()).decode()


def _value_pt(values: list[str], width: float) -> float:
    """The receipt's value size, smaller when a long department or position needs it."""
    widest = max((text_width(v, 1.0) for v in values if v), default=0)
    return round(max(7.0, min(RECEIPT_PT, (width - 3.5) / widest)) if widest else RECEIPT_PT, 2)


def receipts_html(material: Material, employees: Sequence[Employee], opts: FormOptions) -> str:
    """One 学习确认书 per employee, two per A4 sheet with a dashed cut line.

    The who-table is an SVG grid with its labels and values as preformatted
    blocks (one per column), like the register: a receipt costs WeasyPrint
    six boxes instead of a table of twelve cells."""
    check_options(opts)
    words = form_words(opts.locale)
    env = _env(opts.templates)
    people = list(employees) or [Employee("", "", "")]  # no roster: one blank receipt to copy
    receipts = [{"e": e, "pt1": _value_pt([e.department, e.name], RECEIPT_WHO[1]),
                 "pt2": _value_pt([e.position, e.employee_no], RECEIPT_WHO[3])} for e in people]
    pages = [receipts[i:i + RECEIPTS_PER_PAGE] for i in range(0, len(receipts), RECEIPTS_PER_PAGE)]
    height = (SHEET_H - PAGE_NO_H) / RECEIPTS_PER_PAGE - 1
    xs = [sum(RECEIPT_WHO[:i]) for i in range(4)]
    return env.get_template("forms/receipts.html.j2").render(
        lang=get_locale(opts.locale).html_lang, title=words["receipt_title"], pages=pages, words=words,
        statement=receipt_statement(material, opts.locale), company=opts.company,
        form_no=f"{words['form_no']}：{opts.form_no}" if opts.form_no else "", xs=xs, widths=RECEIPT_WHO,
        page_of=[words["page_of"].format(page=n, pages=len(pages)) for n in range(1, len(pages) + 1)],
        css=_css(env, opts, _font(opts.locale), receipt_h=height, who_svg=_receipt_svg(words),
                 who_w=sum(RECEIPT_WHO), row_h=RECEIPT_ROW_H, receipt_pt=RECEIPT_PT))


def receipts_pdf(material: Material, employees: Sequence[Employee], opts: FormOptions,
                 project_root: str | Path | None = None, jobs: int = 0) -> bytes:
    """The receipts as PDF; thousands of employees render in parallel runs of sheets."""
    html = receipts_html(material, employees, opts)
    jobs = jobs or os.cpu_count() or 1
    sheets = html.count('<section class="sheet receipt-sheet">')
    if jobs < 2 or sheets < PARALLEL_MIN_SHEETS:
        return html_to_pdf(html, project_root)
    head, _, rest = html.partition('<section class="sheet receipt-sheet">')
    body, _, tail = ('<section class="sheet receipt-sheet">' + rest).rpartition("</section>")
    parts = body.split('<section class="sheet receipt-sheet">')[1:]
    parts[-1] += "</section>"
    jobs = min(jobs, sheets // (PARALLEL_MIN_SHEETS // 2))
    bounds = [round(sheets * i / jobs) for i in range(jobs + 1)]
    htmls = [head + "".join('<section class="sheet receipt-sheet">' + p for p in parts[a:b]) + tail
             for a, b in zip(bounds, bounds[1:])]
    return _render_parallel(htmls, project_root)


def html_to_pdf(html: str, project_root: str | Path | None = None) -> bytes:
    """HTML → PDF bytes with the process-wide PdfRenderer's FontConfiguration and
    its project-confined URL fetcher (forms use only ``data:`` URLs).

    The policy stylesheets (page header with 页次) are not applied: forms bring
    their own CSS inline.  The PDF identifier derives from the content, so the
    same input gives the same bytes.
    """
    import hashlib

    import weasyprint

    from ..render.pdf import renderer_for

    renderer = renderer_for(Path(project_root or ".").resolve())
    doc = weasyprint.HTML(string=html, base_url=str(renderer.root) + "/", url_fetcher=renderer.fetcher)
    ident = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    return doc.write_pdf(font_config=renderer.font_config, pdf_identifier=ident)


# --------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------


def _docx_base(locale: str, *, top_mm: float, header_mm: float = 10):
    from docx import Document as DocxDocument
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    loc = get_locale(locale)
    doc = DocxDocument()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(top_mm), Mm(30)
    section.header_distance, section.footer_distance = Mm(header_mm), Mm(8)
    lang = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "zh-Hant-TW": "zh-TW", "zh-Hant-HK": "zh-HK"}[loc.code]
    for style_name in ("Normal", "Table Grid"):
        style = doc.styles[style_name]
        style.font.name = loc.sans_family
        style.font.size = Pt(10)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), loc.sans_family)
        lang_el = rpr.find(qn("w:lang"))
        if lang_el is None:
            lang_el = OxmlElement("w:lang")
            rpr.append(lang_el)
        lang_el.set(qn("w:val"), lang)
        lang_el.set(qn("w:eastAsia"), lang)
    pf = doc.styles["Normal"].paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    return doc


def _set_cell(cell, text: str, *, bold: bool = False, size: float | None = None, align: str = "center",
              shade: str | None = None) -> None:
    from docx.enum.table import WD_ALIGN_VERTICAL
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

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
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    row.height = Mm(height_mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST
    tr_height = row._tr.trPr.find(qn("w:trHeight"))
    tr_height.addprevious(OxmlElement("w:cantSplit"))
    if header:
        tr_height.addnext(OxmlElement("w:tblHeader"))


def _fixed_widths(table, widths_mm: Sequence[float]) -> None:
    from docx.shared import Mm

    table.autofit = False  # w:tblLayout w:type="fixed"
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)
    for col, w in zip(table.columns, widths_mm):
        col.width = Mm(w)


def _field_run(paragraph, instr: str) -> None:
    """A Word field (PAGE, NUMPAGES) as fldChar runs; Word/LibreOffice fill it in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

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
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

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
    from docx.document import Document as _Doc
    from docx.shared import Mm

    if isinstance(container, _Doc):
        return container.add_table(rows=rows, cols=cols)
    return container.add_table(rows, cols, Mm(width_mm))


def _docx_footer(section, words: dict[str, str], with_signoff: bool = True) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    footer = section.footer
    first = footer.paragraphs[0]
    if with_signoff:
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
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Mm, Pt, Twips

    para = section.header.paragraphs[0]
    stops = para.paragraph_format.tab_stops
    for inherited in (4680, 9360):  # the Header style's centre and right stops: cleared here
        stops.add_tab_stop(Twips(inherited), WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(Mm(180), WD_TAB_ALIGNMENT.RIGHT)
    run = para.add_run(f"{company}\t{form_label}")
    run.font.size = Pt(8.5)


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _docx_grid(doc, columns: list[Column], pages: list[list[_Row]], height_mm: float) -> None:
    """The sign-in table, written as XML in one go (python-docx's cell API is
    O(rows) per access: 70 s for 5,000 rows; this takes well under a second).

    The first row is a repeated header row (w:tblHeader); no row may split
    across pages (w:cantSplit); heights are exact so every row can be signed.
    """
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    widths = [_twips(c.width) for c in columns]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)

    def cell(text: str, width: int, head: bool) -> str:
        shd = '<w:shd w:val="clear" w:color="auto" w:fill="E8E8E8"/>' if head else ""
        run = ""
        if text:
            rpr = "<w:rPr><w:b/></w:rPr>" if head else ""
            run = f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shd}<w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{run}</w:p></w:tc>')

    def row(texts: list[str], height: float, head: bool = False) -> str:
        hdr = "<w:tblHeader/>" if head else ""
        cells = "".join(cell(t, w, head) for t, w in zip(texts, widths))
        return (f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{_twips(height)}" w:hRule="exact"/>{hdr}'
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
    _docx_title(section.header, words["register_title"])
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
    _docx_title(section.header, words["batch_title"])
    info = [[(words["doc_title"], f"《{material.title}》", True)],
            [(words["doc_no"], material.doc_no, False), (words["version"], material.version, False)],
            [(words["issuer"], issuer, False), (words["date"], _date(when, opts), False)],
            [(words["count"], f"{len(employees)} {words['persons']}", True)]]
    _docx_info(section.header, info)
    section.header.add_paragraph()
    _docx_footer(section, words)
    columns = batch_columns(words)
    extra = {"doc_title": f"《{material.title}》", "doc_no_version": f"{material.doc_no} / {material.version}"}
    _docx_grid(doc, columns, _rows(employees, columns, opts.blank, opts.rows_per_page, extra),
               row_height(opts.rows_per_page))
    return _docx_bytes(doc)


def receipts_docx(material: Material, employees: Sequence[Employee], opts: FormOptions) -> bytes:
    """One 学习确认书 per employee, two per page (dashed cut line between them).

    The body is written as XML in one go: python-docx's table API made 5,000
    receipts take minutes."""
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

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
             f'<w:sz w:val="36"/></w:rPr><w:t xml:space="preserve">{escape(words["receipt_title"])}</w:t></w:r></w:p>')
    body = (f'<w:p><w:pPr><w:spacing w:before="0" w:after="200" w:line="480" w:lineRule="auto"/>'
            f'<w:ind w:firstLine="480"/></w:pPr><w:r><w:rPr><w:sz w:val="24"/></w:rPr>'
            f'<w:t xml:space="preserve">{statement}</w:t></w:r></w:p>')
    cut = ('<w:p><w:pPr><w:pBdr><w:bottom w:val="dashed" w:sz="6" w:space="1" w:color="808080"/></w:pBdr>'
           '<w:spacing w:before="480" w:after="480"/></w:pPr></w:p>')
    page_break = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'

    def cell(text: str, width: int, label: bool) -> str:
        shd = '<w:shd w:val="clear" w:color="auto" w:fill="F2F2F2"/>' if label else ""
        jc = "center" if label else "left"
        run = (f'<w:r><w:rPr>{"<w:b/>" if label else ""}<w:sz w:val="22"/></w:rPr>'
               f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>') if text else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shd}<w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr><w:jc w:val="{jc}"/></w:pPr>{run}</w:p></w:tc>')

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


def write_outputs(outputs: dict[Path, bytes]) -> list[Path]:
    """Write every file atomically (temp file + rename) — only call once all rendered."""
    written: list[Path] = []
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            temps.append((tmp, path))
        for tmp, path in temps:
            os.replace(tmp, path)
            written.append(path)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return written


def safe_name(text: str) -> str:
    """A file-name part from a policy id / handbook name / date."""
    return re.sub(r"[^0-9A-Za-z\u3400-\u9fff._-]+", "_", text).strip("._") or "form"
