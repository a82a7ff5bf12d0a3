"""PDF: characters with positions (pdfium) → lines → paragraphs and tables.

Nothing here depends on which program made the PDF: it uses what every PDF
has — glyphs with positions, sizes and angles, and the ruling lines of
tables.  Rotated glyphs (a 草稿/DRAFT watermark) are dropped; lines that
repeat in the top or bottom band of the pages (running headers, page
numbers) are dropped; a line joins the paragraph above unless the line above
ended short, this one is indented, the gap is larger than the line pitch or
the font changes — which also holds for justified text, whose character
gaps vary.  Ruled tables become tables, cell by cell.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..blocks import RawDocument, SourceBlock, UnreadableFile
from ..markers import leading_marker

BAND = 0.11  # top and bottom share of the page searched for running headers/footers
_PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d+[-—–－\s]*|第\s*\d+\s*[页頁](?:\s*[,，/]?\s*共\s*\d+\s*[页頁])?|\d+\s*/\s*\d+|"
                          r"[Pp]age\s*\d+(?:\s*of\s*\d+)?|页次|頁次)$")


@dataclass
class _Char:
    ch: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    size: float
    bold: bool


@dataclass
class _Line:
    chars: list[_Char]
    page: int
    number: int = 0  # line number on its page (1-based), for the report
    text: str = ""
    # measured once (read many times while paragraphs are built)
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0
    bold: bool = False

    def __post_init__(self) -> None:
        visible = [c for c in self.chars if not c.ch.isspace()]
        self.x0, self.x1 = self.chars[0].x0, self.chars[-1].x1
        self.top = min(c.top for c in self.chars)
        self.bottom = max(c.bottom for c in self.chars)
        self.size = statistics.median(c.size for c in visible) if visible else 0.0
        self.bold = bool(visible) and sum(c.bold for c in visible) > len(visible) / 2


@dataclass
class _Grid:
    rows: list[float]  # y of horizontal rules, top to bottom
    cols: list[float]  # x of vertical rules, left to right
    verticals: list[tuple[float, float, float]] = field(default_factory=list)  # (x, y0, y1)

    def row_edges(self, r: int) -> list[float]:
        """The column edges that cross row ``r`` (a spanning cell has fewer)."""
        mid = (self.rows[r] + self.rows[r + 1]) / 2
        return _cluster([x for x, y0, y1 in self.verticals if y0 - 1 <= mid <= y1 + 1]) or self.cols

    def contains(self, x: float, y: float) -> bool:
        return self.cols[0] - 1 <= x <= self.cols[-1] + 1 and self.rows[0] - 1 <= y <= self.rows[-1] + 1


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)
    grids: list[_Grid] = field(default_factory=list)
    rotated: int = 0


def read_pdf(path: Path) -> RawDocument:
    """Read a PDF's text layer; UnreadableFile for damaged, encrypted or image-only PDFs."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(path, f"not a readable PDF ({exc})") from None
    try:
        meta = pdf.get_metadata_dict()
        pages = [_read_page(pdf, i) for i in range(len(pdf))]
    finally:
        pdf.close()
    raw = RawDocument(path=path, blocks=[], kind="pdf", title_hint=(meta.get("Title") or "").strip())
    if not any(p.lines for p in pages):
        raise UnreadableFile(path, "the PDF has no text layer (a scan?); run OCR first")
    rotated = sum(p.rotated for p in pages)
    if rotated:
        raw.dropped.append(("all pages", f"{rotated} rotated characters", "a watermark (text at an angle)"))
    _drop_bands(pages, raw)
    _build_blocks(pages, raw)
    return raw


# ---------------------------------------------------------------------------
# characters and lines
# ---------------------------------------------------------------------------


def _read_page(pdf, index: int) -> _Page:
    page = pdf[index]
    width, height = page.get_size()
    result = _Page(index + 1, width, height)
    textpage = page.get_textpage()
    tp = textpage.raw
    chars: list[_Char] = []
    rect = pdfium_c.FS_RECTF()
    name_buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    for i in range(pdfium_c.FPDFText_CountChars(tp)):
        code = pdfium_c.FPDFText_GetUnicode(tp, i)
        if code in (0, 0xFFFE, 0xFFFF, 0x0D, 0x0A) or pdfium_c.FPDFText_IsGenerated(tp, i) == 1:
            continue
        angle = pdfium_c.FPDFText_GetCharAngle(tp, i)
        if 0.02 < angle < 6.26:
            result.rotated += 1
            continue
        # the loose box spans the font's ascent to descent: the same for every glyph of a line,
        # so a comma sits on its line and the gap after a full-width comma is not a word space
        if not pdfium_c.FPDFText_GetLooseCharBox(tp, i, ctypes.byref(rect)):
            continue
        size = pdfium_c.FPDFText_GetFontSize(tp, i)
        ch = chr(code)
        top, bottom = height - rect.top, height - rect.bottom
        if ch.isspace():
            if chars and ch != "\t":
                chars.append(_Char(" ", rect.left, rect.right, top, bottom, size, False))
            continue
        weight = pdfium_c.FPDFText_GetFontWeight(tp, i)
        pdfium_c.FPDFText_GetFontInfo(tp, i, name_buffer, 128, ctypes.byref(flags))
        font = name_buffer.value.decode("latin-1").lower()
        bold = weight >= 600 or any(w in font for w in ("bold", "black", "heavy", "semibold", "黑体"))
        chars.append(_Char(ch, rect.left, rect.right, top, bottom, size, bold))
    result.lines = _lines(chars, index + 1)
    result.grids = _grids(page, height)
    textpage.close()
    page.close()
    return result


def _lines(chars: list[_Char], page: int) -> list[_Line]:
    """Group characters into lines by vertical overlap; order lines top to bottom."""
    visible = [c for c in chars if c.ch != " "]
    spaces = [c for c in chars if c.ch == " "]
    visible.sort(key=lambda c: (round((c.top + c.bottom) / 2), c.x0))
    lines: list[list[_Char]] = []
    for c in sorted(visible, key=lambda c: (c.top + c.bottom) / 2):
        mid = (c.top + c.bottom) / 2
        for line in reversed(lines[-4:]):
            ref = line[0]
            if ref.top - 1 <= mid <= ref.bottom + 1 and abs(ref.size - c.size) < max(ref.size, c.size) * 0.6:
                line.append(c)
                break
        else:
            lines.append([c])
    out = []
    for group in lines:
        group.sort(key=lambda c: c.x0)
        mid_top, mid_bottom = min(c.top for c in group), max(c.bottom for c in group)
        group_spaces = [s for s in spaces if mid_top - 1 <= (s.top + s.bottom) / 2 <= mid_bottom + 1
                        and group[0].x0 < s.x0 < group[-1].x1]
        merged = sorted(group + group_spaces, key=lambda c: c.x0)
        out.append(_Line(merged, page))
    out.sort(key=lambda line: (line.top, line.x0))
    for n, line in enumerate(out, start=1):
        line.number = n
        line.text = _line_text(line.chars)
    return out


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _line_text(chars: list[_Char], gap_factor: float = 0.6) -> str:
    """Characters joined; a space where a visible gap separates them (not inside justified CJK)."""
    out: list[str] = []
    prev: _Char | None = None
    for c in chars:
        if c.ch == " ":
            if out and out[-1] != " " and prev is not None and _is_latin(prev.ch):
                out.append(" ")
            continue
        if prev is not None and out and out[-1] != " ":
            gap = c.x0 - prev.x1
            if gap > gap_factor * max(c.size, prev.size) or (gap > 0.15 * c.size and _is_latin(prev.ch) and _is_latin(c.ch)):
                out.append(" ")
        elif prev is not None and out and out[-1] == " " and not (_is_latin(prev.ch) and _is_latin(c.ch)):
            gap = c.x0 - prev.x1
            if gap < gap_factor * max(c.size, prev.size):
                out.pop()
        out.append(c.ch)
        prev = c
    return "".join(out).strip()


# ---------------------------------------------------------------------------
# ruled tables
# ---------------------------------------------------------------------------


def _grids(page, height: float) -> list[_Grid]:
    """Tables drawn with rules: connected thin horizontal and vertical lines."""
    hs: list[tuple[float, float, float]] = []  # (y, x0, x1)
    vs: list[tuple[float, float, float]] = []  # (x, y0, y1)
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=4):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        y0, y1 = height - top, height - bottom
        if h <= 3 and w > 8:
            hs.append(((y0 + y1) / 2, left, right))
        elif w <= 3 and h > 5:
            vs.append(((left + right) / 2, y0, y1))
    if len(hs) < 2 or len(vs) < 2:
        return []
    rules = [("h", *r) for r in hs] + [("v", *r) for r in vs]
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def touches(a, b) -> bool:
        if a[0] == b[0]:
            if a[0] == "h":
                return abs(a[1] - b[1]) < 2 and a[2] <= b[3] + 2 and b[2] <= a[3] + 2
            return abs(a[1] - b[1]) < 2 and a[2] <= b[3] + 2 and b[2] <= a[3] + 2
        h, v = (a, b) if a[0] == "h" else (b, a)
        return h[2] - 2 <= v[1] <= h[3] + 2 and v[2] - 2 <= h[1] <= v[3] + 2

    for i in range(len(rules)):
        for j in range(i + 1, len(rules)):
            if touches(rules[i], rules[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(find(i), []).append(rule)
    grids = []
    for members in groups.values():
        ys = _cluster([r[1] for r in members if r[0] == "h"])
        xs = _cluster([r[1] for r in members if r[0] == "v"])
        if len(ys) >= 2 and len(xs) >= 2:
            grids.append(_Grid(ys, xs, [(r[1], r[2], r[3]) for r in members if r[0] == "v"]))
    return grids


def _cluster(values: list[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tolerance:
            continue
        out.append(v)
    return out


# ---------------------------------------------------------------------------
# running headers and footers
# ---------------------------------------------------------------------------


def _band_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _drop_bands(pages: list[_Page], raw: RawDocument) -> None:
    """Remove lines in the top/bottom band that repeat on most pages, and page numbers."""
    counts: Counter[str] = Counter()
    for page in pages:
        keys = set()
        for line in page.lines:
            if _in_band(line, page):
                keys.add(_band_key(line.text))
        counts.update(keys)
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) * 0.5)}
    for page in pages:
        band_grids = [g for g in page.grids if g.rows[-1] < page.height * BAND or g.rows[0] > page.height * (1 - BAND)]
        kept = []
        for line in page.lines:
            in_band = _in_band(line, page)
            key = _band_key(line.text)
            if in_band and (key in repeated or _PAGE_NUMBER.match(line.text.strip())):
                raw.header_lines.append(line.text)
                if page.number == 1:
                    raw.dropped.append((f"page {page.number} line {line.number}", line.text, "running header/footer"))
                continue
            if in_band and any(g.contains((line.x0 + line.x1) / 2, (line.top + line.bottom) / 2) for g in band_grids) \
                    and len(pages) >= 2:
                raw.header_lines.append(line.text)
                continue
            kept.append(line)
        page.lines = kept
        page.grids = [g for g in page.grids if g not in band_grids or len(pages) < 2]
    if len(pages) >= 2 and counts:
        raw.dropped.append(("pages 2–%d" % len(pages), "the same header/footer lines", "repeated on every page"))


def _in_band(line: _Line, page: _Page) -> bool:
    return line.bottom < page.height * BAND or line.top > page.height * (1 - BAND)


# ---------------------------------------------------------------------------
# paragraphs and tables
# ---------------------------------------------------------------------------


def _build_blocks(pages: list[_Page], raw: RawDocument) -> None:
    body_lines = [line for page in pages for line in page.lines]
    if not body_lines:
        return
    sizes: Counter[float] = Counter()
    for line in body_lines:
        sizes[round(line.size, 1)] += len(line.text)
    body_size = sizes.most_common(1)[0][0]
    lefts = Counter(round(line.x0) for line in body_lines if abs(line.size - body_size) < 0.5)
    left = min(k for k, _ in lefts.most_common(3)) if lefts else min(line.x0 for line in body_lines)
    rights = sorted(line.x1 for line in body_lines if abs(line.size - body_size) < 0.5)
    right = rights[int(len(rights) * 0.9)] if rights else max(line.x1 for line in body_lines)
    pitches = [b.top - a.top for page in pages for a, b in zip(page.lines, page.lines[1:])
               if abs(a.size - body_size) < 0.5 and abs(b.size - body_size) < 0.5 and 0 < b.top - a.top < body_size * 3]
    pitch = statistics.median(pitches) if pitches else body_size * 1.6

    indents = Counter(round(line.x0) for line in body_lines
                      if abs(line.size - body_size) < 0.5 and line.x0 > left + 0.8 * body_size)
    indent = indents.most_common(1)[0][0] if indents else left + 2 * body_size  # the usual first-line indent
    pending_table: list[list[str]] | None = None
    pending_where = ""
    current: list[_Line] = []

    def flush_paragraph() -> None:
        if not current:
            return
        first = current[0]
        text = ""
        for line in current:
            if text and _is_latin(text[-1]) and line.text and _is_latin(line.text[0]):
                text += " "
            text += line.text
        heading = 0
        centered = (abs((first.x0 + first.x1) / 2 - (left + right) / 2) < body_size * 1.5
                    and first.x0 > left + body_size * 2 and first.x1 < right - body_size * 2)
        if first.size > body_size * 1.15 or (first.bold and centered and len(current) == 1):
            heading = 1
        lead = ""
        for c in first.chars:
            if c.ch == " " and lead:
                lead += " "
                continue
            if not c.bold:
                break
            lead += c.ch
        lead = lead.strip()
        if lead and len(lead.replace(" ", "")) >= len(text.replace(" ", "")):
            lead = ""
        raw.blocks.append(SourceBlock(text, first.page * 1000 + first.number,
                                      f"page {first.page} line {first.number}", heading=heading,
                                      bold_lead=lead, centered=centered))
        current.clear()

    def flush_table() -> None:
        nonlocal pending_table
        if pending_table:
            raw.blocks.append(SourceBlock("", len(raw.blocks), pending_where, table=pending_table))
        pending_table = None

    for page in pages:
        table_lines: dict[int, list[_Line]] = {}
        for line in page.lines:
            for k, grid in enumerate(page.grids):
                if grid.contains((line.x0 + line.x1) / 2, (line.top + line.bottom) / 2):
                    table_lines.setdefault(k, []).append(line)
                    break
        in_table = {id(line) for lines in table_lines.values() for line in lines}
        events: list[tuple[float, str, object]] = []
        for k, grid in enumerate(page.grids):
            if k in table_lines:
                events.append((grid.rows[0], "table", (grid, table_lines[k])))
        for line in page.lines:
            if id(line) not in in_table:
                events.append((line.top, "line", line))
        events.sort(key=lambda e: e[0])
        prev: _Line | None = None
        for _, kind, item in events:
            if kind == "table":
                flush_paragraph()
                grid, lines = item  # type: ignore[misc]
                rows = _table_rows(grid, lines)
                if pending_table and rows and len(rows[0]) == len(pending_table[0]) and not current:
                    if rows[0] == pending_table[0]:
                        rows = rows[1:]  # the header row repeated on a new page
                    pending_table.extend(rows)
                else:
                    flush_table()
                    pending_table = rows
                    pending_where = f"page {page.number} line {lines[0].number}"
                prev = None
                continue
            line = item  # type: ignore[assignment]
            if pending_table is not None and (prev is not None or current):
                flush_table()
            if current and _continues(current[0], prev or current[-1], line, left, right, pitch, body_size,
                                      new_page=prev is None, indent=indent):
                current.append(line)
            else:
                flush_paragraph()
                if pending_table is not None:
                    flush_table()
                current.append(line)
            prev = line
    flush_paragraph()
    flush_table()


def _continues(first: _Line, prev: _Line, line: _Line, left: float, right: float, pitch: float, size: float,
               new_page: bool, indent: float) -> bool:
    """Does ``line`` continue the paragraph that starts with ``first`` and ends with ``prev``?"""
    if abs(prev.size - line.size) > 0.5 or prev.bold != line.bold and len(line.text) < 30:
        return False
    if prev.x1 < right - max(2.2 * size, (right - left) * 0.06):
        return False  # the line above ended short: its paragraph ended there
    if line.x0 > left + 0.8 * size:
        # indented: a new paragraph or item starts — unless the whole block is indented alike (a note box)
        if abs(line.x0 - first.x0) > 0.3 * size or leading_marker(line.text)[0] is not None:
            return False
        # same x as the first line: a hanging-indented item, or a note box, continues;
        # an ordinary paragraph's first-line indent does not
        first_marker = leading_marker(first.text)[0]
        if abs(first.x0 - indent) < 0.3 * size and (first_marker is None or first_marker.fixed):
            return False
    if not new_page and line.top - prev.top > pitch * 1.4:
        return False
    return True


def _table_rows(grid: _Grid, lines: list[_Line]) -> list[list[str]]:
    ncols = len(grid.cols) - 1
    nrows = len(grid.rows) - 1
    cells: list[list[list[_Char]]] = [[[] for _ in range(ncols)] for _ in range(nrows)]
    for line in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        y = (line.top + line.bottom) / 2
        r = _index(grid.rows, y)
        if r is None:
            continue
        edges = grid.row_edges(r)
        for c in line.chars:
            k = _index(edges, (c.x0 + c.x1) / 2)
            col = _index(grid.cols, edges[k] + 2) if k is not None else None
            if col is not None:
                cells[r][col].append(c)
    rows = []
    for row in cells:
        texts = [_cell_text(chars) for chars in row]
        if any(texts):
            rows.append(texts)
    return rows


def _cell_text(chars: list[_Char]) -> str:
    if not chars:
        return ""
    # chars arrive line by line; join lines of a wrapped cell without a separator
    lines: list[list[_Char]] = []
    for c in chars:
        if lines and abs(lines[-1][0].top - c.top) < max(c.size, 1) * 0.5:
            lines[-1].append(c)
        else:
            lines.append([c])
    out = ""
    for group in lines:
        text = _line_text(sorted(group, key=lambda c: c.x0))
        if out and _is_latin(out[-1]) and text and _is_latin(text[0]):
            out += " "
        out += text
    return out


def _index(edges: list[float], value: float) -> int | None:
    for i in range(len(edges) - 1):
        if edges[i] - 1 <= value <= edges[i + 1] + 1:
            return i
    return None
