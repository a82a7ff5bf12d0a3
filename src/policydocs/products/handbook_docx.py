"""The handbook (员工手册) as DOCX: cover, foreword, 目录, 制度版本一览, then every policy.

The policies are written by the DOCX writer (``render/docx.py``), each in its own
section with its own document-control header; the front matter is filled in once
they are written, and its page numbers come from one LibreOffice layout of the
finished file (``render/docx_layout.py``). The PDF is laid out by
:class:`~policydocs.products.handbook.HandbookRenderer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Mapping
from xml.sax.saxutils import escape

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from ..core.locales import get_locale
from ..core.words import words
from ..read.config import Config
from ..render import docx_layout
from ..render.docx import (
    CELL_PAD,
    TocEntry,
    append_policy,
    base_document,
    blocks,
    docx_bytes,
    fit_widths,
    text_twips,
)
from ..render.docx_styles import word_lang

if TYPE_CHECKING:
    from .handbook import Handbook, HandbookRenderer, _Part


def docx_config(config: Config) -> Config:
    """The configuration the handbook DOCX is written with: the organisation's reference
    DOCX when it has one, else our ``handbook`` preset (小四 body), whatever preset the
    single-policy DOCX use."""
    if (config.docx.reference or "").strip():
        return config
    return replace(config, docx=replace(config.docx, preset="handbook"))


def handbook_docx(r: HandbookRenderer, hb: Handbook, locale: str, parts: list[_Part]) -> bytes:
    """The handbook DOCX: cover, foreword, 目录 (a TOC field whose stored result has the
    titles, chapters and page numbers), 制度版本一览 with a 页码 column, then each policy
    in its own section with its own document-control header.

    Page numbers come from one LibreOffice layout of the finished file
    (``render/docx_layout.py``); Word recomputes them from the same bookmarks when
    asked (F9).  Without LibreOffice the entries have no numbers and the file asks
    Word to update its fields on open (``w:updateFields``); with them it does not,
    so Word opens a published copy without a prompt and without marking it changed."""
    loc = get_locale(locale)
    config = docx_config(r.config)
    src = r.config.locales.source
    w = words(loc.code, "handbook")
    document = base_document(config, locale)
    front = _docx_front(document, r, hb, loc, w, parts, src, locale, config.docx.preset)
    for part in parts:
        front.entries.extend(append_policy(document, replace(part.ctx, config=config), new_section=True,
                                           header=True, toc=True))
    front.write_contents()
    cp = document.core_properties
    cp.title = r.convert(hb.title, src, locale)
    cp.subject = hb.doc_no
    cp.author = r.company(hb, locale)
    cp.version = hb.version
    cp.language = word_lang(loc)
    dates = [p.ctx.version.effective_date or p.ctx.doc.meta.effective_date for p in parts]
    when = max((d for d in dates if d), default=None)
    if when:
        cp.created = cp.modified = datetime(when.year, when.month, when.day)
    pages = docx_layout.bookmark_pages(docx_bytes(document, when), front.bookmarks(),
                                       what=str(hb.path))
    if not front.set_pages(pages):
        _update_fields_on_open(document)  # blank numbers: Word fills them (the build has warned)
    return docx_bytes(document, when)


@dataclass
class _DocxFront:
    """The handbook's front matter in the DOCX, filled in once the policies are written:
    the 目录 (a TOC field, its result pre-filled as Word writes it) and 制度版本一览."""

    blocks: object  # render.docx.DocxBlocks
    words: Mapping[str, str]
    parts: list[_Part]
    toc_anchor: object  # the paragraph the 目录 goes before
    summary_anchor: object  # the paragraph the 制度版本一览 table goes before
    summary_bookmark: str
    entries: list = field(default_factory=list)  # render.docx.TocEntry, in order
    _page_runs: list = field(default_factory=list)  # (bookmark, w:t element holding its page number)

    def bookmarks(self) -> list[str]:
        return [e.bookmark for e in self.entries]

    def write_contents(self) -> None:
        """Write the 目录 and the 制度版本一览 table (page numbers still blank)."""
        b, w = self.blocks, self.words
        titles = [e for e in self.entries if e.level == 1]
        by_part = dict(zip((p.ctx.doc.meta.id for p in self.parts), titles[1:]))  # [0]: 制度版本一览
        shown = {e.bookmark: replace(e, text=f"{pid}\u3000{e.text}") for pid, e in by_part.items()}
        entries = [shown.get(e.bookmark, e) for e in self.entries]
        inserted = b.insert(_toc_field(b, entries), before=self.toc_anchor)
        inserted += b.insert(_summary_table(b, w, self.parts, by_part), before=self.summary_anchor)
        for el in inserted:
            for t in el.iter(qn("w:t")):
                if t.get("policydocs-page"):
                    self._page_runs.append((t.get("policydocs-page"), t))
                    del t.attrib["policydocs-page"]
        for anchor in (self.toc_anchor, self.summary_anchor):
            anchor.getparent().remove(anchor)

    def set_pages(self, pages: dict[str, int] | None) -> bool:
        """Put the laid-out page numbers into the TOC result and the 页码 column;
        False when a number is left blank."""
        for bookmark, t in self._page_runs:
            t.text = str(pages[bookmark]) if pages and bookmark in pages else ""
        return all(t.text for _, t in self._page_runs)


def _docx_front(document, r: HandbookRenderer, hb: Handbook, loc, w: Mapping[str, str], parts: list[_Part],
                src: str, locale: str, preset: str) -> _DocxFront:
    """Cover, foreword, the 目录 heading and the 制度版本一览 heading, before the first policy;
    returns where the contents and the summary table go once the policies are written."""
    b = blocks(document, preset, loc)
    sans, serif = b.font("PDLabel"), b.font("PDBody")

    def para(text: str, font: str, size: float, *, bold: bool = False, before: float = 0, after: float = 0,
             align: str = "center", indent: bool = False, bookmark: str = "") -> str:
        ppr = (f'<w:keepNext/><w:snapToGrid w:val="0"/><w:spacing w:before="{round(before * 20)}" '
               f'w:after="{round(after * 20)}" w:line="{round(size * 20 * 1.5)}" w:lineRule="atLeast"/>'
               + (f'<w:ind w:firstLine="{round(size * 40)}"/>' if indent else '<w:ind w:firstLine="0" w:firstLineChars="0"/>')
               + f'<w:jc w:val="{align}"/>')
        content = b.run(text, font, bold=bold, size=round(size * 2))
        return b.p("PDBody", b.bookmark(bookmark, content) if bookmark else content, ppr)

    out = [para(r.company(hb, locale), sans, 18, before=120, after=48),
           para(r.convert(hb.title, src, locale), sans, 42, bold=True, after=30)]
    if hb.cover:
        out += [para(line, serif, 16) for line in r.convert(hb.cover, src, locale).splitlines() if line.strip()]
    out.append(para("", serif, 12, after=120))
    if hb.audience:
        out.append(para(f"{w['audience']}：{r.convert(hb.audience, src, locale)}", serif, 12, after=6))
    out.append(para(f"{w['doc_no']}：{hb.doc_no}\u3000{w['version']}：{hb.version}", serif, 12))
    out.append(para(f"{w['count']}：{len(parts)}", serif, 12))
    out.append(b.page_break())
    if hb.foreword:
        out.append(para(w["foreword"], sans, 18, bold=True, after=18))
        out += [para(text.strip(), serif, 12, after=6, align="both", indent=True)
                for text in r.convert(hb.foreword, src, locale).split("\n\n") if text.strip()]
        out.append(b.page_break())
    out.append(para(w["toc"], sans, 18, bold=True, after=18))
    toc_marker = '<w:p><w:pPr><w:pStyle w:val="PDTOCMARK"/></w:pPr></w:p>'
    out.append(toc_marker)
    out.append(b.page_break())
    summary = f"_TocPD{b.next_bookmark_id()}"
    out.append(para(w["revisions"], sans, 18, bold=True, after=12, bookmark=summary))
    summary_marker = '<w:p><w:pPr><w:pStyle w:val="PDSUMMARYMARK"/></w:pPr></w:p>'
    out.append(summary_marker)
    elements = b.insert("".join(out))
    toc_anchor = next(e for e in elements if b"PDTOCMARK" in _xml_bytes(e))
    summary_anchor = next(e for e in elements if b"PDSUMMARYMARK" in _xml_bytes(e))
    front = _DocxFront(b, w, parts, toc_anchor, summary_anchor, summary)
    front.entries.append(TocEntry(1, w["revisions"], summary))
    return front


def _xml_bytes(el) -> bytes:
    return etree.tostring(el)


def _toc_field(b, entries: list) -> str:
    """The 目录 as Word writes a TOC field: ``TOC \\o \\h \\z \\t`` around one paragraph per
    entry (style toc 1 / toc 2, a link to the heading's _Toc bookmark, a dot-leader tab and a
    PAGEREF field whose result is the page number, filled in after the layout)."""
    instr = escape(' TOC \\h \\z \\t "Title,1,heading 1,2" ')
    tabs = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{b.info.text_width}"/></w:tabs>'
    paras = []
    for k, e in enumerate(entries):
        style = "TOC1" if e.level == 1 else "TOC2"
        font = b.font(style)
        rpr = f"<w:rPr>{b.rfonts(font)}</w:rPr>"
        begin = (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                 f'<w:r>{rpr}<w:instrText xml:space="preserve">{instr}</w:instrText></w:r>'
                 f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>') if k == 0 else ""
        end = f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>' if k == len(entries) - 1 else ""
        page = (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGEREF {e.bookmark} \\h </w:instrText></w:r>'
                f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
                f'<w:r>{rpr}<w:t policydocs-page="{e.bookmark}"></w:t></w:r>'
                f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')
        link = (f'<w:hyperlink w:anchor="{e.bookmark}" w:history="1">{b.run(e.text, font)}'
                f'<w:r>{rpr}<w:tab/></w:r>{page}</w:hyperlink>')
        paras.append(f'<w:p><w:pPr><w:pStyle w:val="{b.ids[style]}"/>{tabs}</w:pPr>{begin}{link}{end}</w:p>')
    return "".join(paras)


def _summary_table(b, w: Mapping[str, str], parts: list[_Part], titles: dict) -> str:
    """制度版本一览: 序号 | 文件编号 | 文件名称 | 版本 | 生效日期 | 页码.  Numbers, ids, versions and
    dates are as wide as their longest entry (never split); the title takes the rest.  The
    页码 cell is a PAGEREF to the policy's title, its result filled in after the layout."""
    size = b.info.table_size
    heads = [w["no"], w["doc_no"], w["title"], w["version"], w["effective"], w["page"]]
    rows = []
    for i, part in enumerate(parts, start=1):
        meta = part.ctx.doc.meta
        when = part.ctx.version.effective_date or meta.effective_date
        rows.append([str(i), meta.id, meta.title, part.ctx.version.version, part.ctx.date(when) if when else "—", "999"])
    needs = [max([text_twips(heads[k], size, bold=True)] + [text_twips(r[k], size) for r in rows]) + CELL_PAD
             for k in range(len(heads))]
    widths = fit_widths(b.info.text_width, needs, {0, 1, 3, 4, 5}, {2: 1.0})
    sans, serif = b.font("PDLabel"), b.font("PDTableText")
    table_rows = [[(b.run(h, sans, bold=True), 1, "center", "F2F2F2") for h in heads]]
    for part, cells in zip(parts, rows):
        entry = titles.get(part.ctx.doc.meta.id)
        rpr = f"<w:rPr>{b.rfonts(serif)}</w:rPr>"
        page = (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGEREF {entry.bookmark} \\h </w:instrText></w:r>'
                f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
                f'<w:r>{rpr}<w:t policydocs-page="{entry.bookmark}"></w:t></w:r>'
                f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>') if entry else ""
        table_rows.append([(b.run(c, serif), 1, "left" if k == 2 else "center", None) for k, c in enumerate(cells[:5])]
                          + [(page, 1, "center", None)])
    return b.table(table_rows, widths, no_wrap={0, 1, 3, 4, 5})


def _update_fields_on_open(document) -> None:
    """<w:updateFields w:val="true"/>: Word asks to update the fields on every open (only
    for a file whose 目录 numbers could not be laid out)."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        el = OxmlElement("w:updateFields")
        el.set(qn("w:val"), "true")
        settings.append(el)
