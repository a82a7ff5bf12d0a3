"""Document tree → DOCX (python-docx), the same content as the PDF.

One policy in one locale becomes one DOCX: a document-control header on every
page (company, 文件名称, 文件编号, 版本, 生效日期, 第x页 共y页 with PAGE/NUMPAGES
fields), the title, the body numbered as text (第一章, 第一条, （一）, 1. …,
or 一、（一）1. in sectioned documents), resolved references, tables with a
repeated header row, the effective-date clause, the approval block and the
revision history. A draft also carries Word's own text watermark (草稿 DRAFT,
diagonal, light red) in every header.

Styles come from a reference DOCX: ours (``docx_styles``, preset gbt9704 or
handbook, generated once per process) or the organisation's own
(``[docx] reference``), whose missing styles are filled in from ours.  Every
run names its East Asian font explicitly (``w:rFonts w:eastAsia``), resolved
from its style, so Chinese text never falls back to a theme font.

Speed: the reference is read and prepared once per process and opened from
bytes; the body is written as one XML string and parsed once, instead of
one python-docx call per run.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

import docx
from docx.enum.section import WD_SECTION_START
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from ..core.errors import PolicyError
from ..core.locales import Locale
from ..core.model import (
    Article,
    Chapter,
    Code,
    Emph,
    Inline,
    Item,
    ItemList,
    LineBreak,
    Link,
    Note,
    Paragraph,
    Ref,
    Section,
    Strong,
    Table,
    Text,
    plain_text,
)
from ..core.numbering import (
    article_label,
    chapter_label,
    heading_marker,
    item_marker,
    ref_text,
    section_label,
)
from . import docx_styles
from .context import RenderContext
from .docx_styles import R_NS, STYLE_NAMES, W_NS, get_preset, locale_fonts, word_lang

__all__ = ["write_docx", "load_reference", "policy_docx_document", "append_policy", "base_document",
           "write_control_header", "docx_bytes", "DOCX_CONTENT_TYPE"]

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOTX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_DRAFT_COLOR = "C00000"
_VML_NS = "urn:schemas-microsoft-com:vml"
_O_NS = "urn:schemas-microsoft-com:office:office"
_W10_NS = "urn:schemas-microsoft-com:office:word"
_WATERMARK_OPACITY = ".2"

# --------------------------------------------------------------------------
# Reference template
# --------------------------------------------------------------------------

_ORG_CACHE: dict[tuple, bytes] = {}


def _reference_path(config) -> Path | None:
    ref = (config.docx.reference or "").strip()
    if not ref:
        return None
    path = Path(ref).expanduser()
    return path if path.is_absolute() else Path(config.root) / path


def _read_org_reference(path: Path) -> bytes:
    """Validate an organisation's reference DOCX and return its bytes (.dotx is accepted)."""
    where = "docx.reference in policydocs.toml"
    if not path.exists():
        raise PolicyError(path, 0, f"DOCX reference template does not exist ({where})")
    if not path.is_file():
        raise PolicyError(path, 0, f"DOCX reference template is not a file ({where})")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    cached = _ORG_CACHE.get(key)
    if cached is not None:
        return cached
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise PolicyError(path, 0, f"DOCX reference template is not a DOCX file (not a ZIP package; {where})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            types = z.read("[Content_Types].xml").decode("utf-8", "replace") if "[Content_Types].xml" in names else ""
    except (zipfile.BadZipFile, OSError) as exc:
        raise PolicyError(path, 0, f"DOCX reference template is not a readable DOCX file ({exc}; {where})") from None
    if "word/document.xml" not in names or "wordprocessingml" not in types:
        raise PolicyError(path, 0, f"DOCX reference template is not a Word document (no word/document.xml; {where})")
    if "macroEnabled" in types:
        raise PolicyError(path, 0, f"DOCX reference template is macro-enabled (.docm/.dotm); save it as .docx ({where})")
    if _DOTX_CONTENT_TYPE in types:  # a .dotx: same package, other main content type
        data = _replace_zip_member(data, "[Content_Types].xml", types.replace(_DOTX_CONTENT_TYPE, DOCX_CONTENT_TYPE).encode())
    try:
        docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for broken packages
        raise PolicyError(path, 0, f"DOCX reference template cannot be opened: {exc} ({where})") from None
    _ORG_CACHE[key] = data
    return data


def _replace_zip_member(data: bytes, member: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == member else src.read(info.filename))
    return out.getvalue()


def load_reference(config, locale: str | None = None) -> bytes:
    """The reference DOCX bytes for ``config``: the organisation's ``docx.reference``
    (validated: a missing file or a non-DOCX is a PolicyError naming the path) or
    our generated template for ``docx.preset`` and ``locale`` (default: the
    source locale).  Cached per process."""
    path = _reference_path(config)
    if path is not None:
        return _read_org_reference(path)
    get_preset(config.docx.preset)  # ValueError for an unknown preset (config validation catches it first)
    return docx_styles.reference_bytes(config.docx.preset, locale or config.locales.source)


# --------------------------------------------------------------------------
# Styles of the document being written
# --------------------------------------------------------------------------


@dataclass
class _StyleInfo:
    ids: dict[str, str]  # our style id → style id in this document
    fonts: dict[str, str]  # our style id → East Asian font the style resolves to
    text_width: int  # twips
    indent: int  # two body characters, twips


def _our_styles(preset: str, locale: str) -> dict[str, object]:
    key = (preset, locale)
    cached = _OUR_STYLES.get(key)
    if cached is None:
        f = locale_fonts(_locale(locale))
        root = parse_xml(docx_styles.styles_xml(get_preset(preset), f).encode("utf-8"))
        cached = {el.get(qn("w:styleId")): el for el in root.iterchildren(qn("w:style"))}
        _OUR_STYLES[key] = cached
    return cached


_OUR_STYLES: dict[tuple, dict] = {}


def _locale(code: str) -> Locale:
    from ..core.locales import get_locale
    return get_locale(code)


def _style_info(document, preset: str, locale: Locale) -> _StyleInfo:
    """Map our style ids onto ``document``'s styles (by name), adding the missing ones
    from our style sheet, and resolve each style's East Asian font."""
    cached = getattr(document, "_pd_style_info", None)
    if cached is not None and cached[0] == (preset, locale.code):
        return cached[1]
    styles_el = document.styles.element
    by_name: dict[str, str] = {}
    by_id: dict[str, object] = {}
    for st in styles_el.iterchildren(qn("w:style")):
        sid = st.get(qn("w:styleId"))
        by_id[sid] = st
        name = st.find(qn("w:name"))
        if name is not None:
            by_name.setdefault(name.get(qn("w:val")).lower(), sid)
    ours = _our_styles(preset, locale.code)
    ids: dict[str, str] = {}
    missing = []
    for sid in ours:
        name = STYLE_NAMES.get(sid, sid).lower()
        if name in by_name:
            ids[sid] = by_name[name]
        else:
            new_id = sid if sid not in by_id else f"PD{sid}"
            ids[sid] = new_id
            missing.append(sid)
    body_sz = _body_size(by_id.get(ids["Normal"]), styles_el)
    for sid in missing:
        el = copy.deepcopy(ours[sid])
        _fit_to_body_size(el, sid, body_sz)
        el.set(qn("w:styleId"), ids[sid])
        el.attrib.pop(qn("w:default"), None)
        for tag in ("w:basedOn", "w:next", "w:link"):
            ref = el.find(qn(tag))
            if ref is not None:
                ref.set(qn("w:val"), ids.get(ref.get(qn("w:val")), ref.get(qn("w:val"))))
        styles_el.append(el)
        by_id[ids[sid]] = el
    default_font = _default_east_asia(styles_el) or locale.docx_east_asia_font
    fonts = {sid: _resolve_font(by_id, ids[sid], default_font) for sid in ours}
    sect = document.sections[-1]
    width = int((sect.page_width - sect.left_margin - sect.right_margin) / 635) if sect.page_width else 9000
    info = _StyleInfo(ids, fonts, width, body_sz * 20)
    document._pd_style_info = ((preset, locale.code), info)
    return info


def _body_size(normal, styles_el) -> int:
    """Half-points of the document's Normal text (Word's default is 10 pt)."""
    for rpr in (normal.find(qn("w:rPr")) if normal is not None else None,
                styles_el.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")):
        sz = rpr.find(qn("w:sz")) if rpr is not None else None
        if sz is not None and (sz.get(qn("w:val")) or "").isdigit():
            return int(sz.get(qn("w:val")))
    return 20


def _fit_to_body_size(style, sid: str, body_sz: int) -> None:
    """A style of ours added to an organisation's template takes its text size from their
    Normal (only the title and the small header text keep theirs), and character indents
    are measured in it."""
    rpr = style.find(qn("w:rPr"))
    if rpr is not None and sid not in ("Title", "PDHeaderText"):
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is not None:
                rpr.remove(el)
    ind = style.find(f"{qn('w:pPr')}/{qn('w:ind')}")
    if ind is not None:
        for attr, chars in (("w:firstLine", "w:firstLineChars"), ("w:left", "w:leftChars")):
            n = ind.get(qn(chars))
            if n is not None and n.isdigit() and ind.get(qn(attr)) is not None:
                ind.set(qn(attr), str(body_sz * 10 * int(n) // 100))


def _default_east_asia(styles_el) -> str | None:
    rfonts = styles_el.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


def _resolve_font(by_id: dict, sid: str, default: str) -> str:
    seen = set()
    while sid and sid not in seen and sid in by_id:
        seen.add(sid)
        st = by_id[sid]
        rfonts = st.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if rfonts is not None and rfonts.get(qn("w:eastAsia")):
            return rfonts.get(qn("w:eastAsia"))
        based = st.find(qn("w:basedOn"))
        sid = based.get(qn("w:val")) if based is not None else None
    return default


# --------------------------------------------------------------------------
# Base document
# --------------------------------------------------------------------------

_BASE_CACHE: dict[tuple, bytes] = {}


def _base_bytes(config, locale: str) -> bytes:
    """Reference bytes ready to be filled: body emptied (keeping the last section's
    page setup), our styles present.  Prepared once per process and locale."""
    path = _reference_path(config)
    ref = load_reference(config, locale)
    if path is None:
        return ref  # our template: already empty, already our styles
    key = (hashlib.sha256(ref).digest(), config.docx.preset, locale)
    cached = _BASE_CACHE.get(key)
    if cached is None:
        document = docx.Document(io.BytesIO(ref))
        body = document.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        _style_info(document, config.docx.preset, _locale(locale))
        out = io.BytesIO()
        document.save(out)
        cached = out.getvalue()
        _BASE_CACHE[key] = cached
    return cached


def base_document(config, locale: str):
    """An empty ``docx.Document`` from the project's reference (for the handbook)."""
    return docx.Document(io.BytesIO(_base_bytes(config, locale)))


# --------------------------------------------------------------------------
# XML helpers
# --------------------------------------------------------------------------

_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WRAP_OPEN = f'<w:body xmlns:w="{W_NS}" xmlns:r="{R_NS}">'


def _esc(text: str) -> str:
    return _xml_escape(_BAD_XML.sub("", text))


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


class _Xml:
    """Builds WordprocessingML for one policy as strings, with fonts resolved per style."""

    def __init__(self, document, ctx: RenderContext, info: _StyleInfo):
        self.document = document
        self.ctx = ctx
        self.loc = ctx.locale
        self.info = info
        self.ids = info.ids
        self.sectioned = ctx.doc.meta.numbering == "sectioned"
        self._bookmark = getattr(document, "_pd_bookmark", 0)
        self.prefix = f"pd{self._bookmark}_"
        self._rels: dict[str, str] = {}

    # -- runs ------------------------------------------------------------
    def run(self, text: str, font: str, *, bold: bool = False, em: bool = False, rstyle: str | None = None,
            color: str | None = None) -> str:
        if not text:
            return ""
        rpr = []
        if rstyle:
            rpr.append(f'<w:rStyle w:val="{self.ids[rstyle]}"/>')
        rpr.append(f'<w:rFonts w:eastAsia="{_attr(font)}" w:hint="eastAsia"/>')
        if bold:
            rpr.append("<w:b/><w:bCs/>")
        if color:
            rpr.append(f'<w:color w:val="{color}"/>')
        if em:
            rpr.append('<w:em w:val="dot"/>')
        return f'<w:r><w:rPr>{"".join(rpr)}</w:rPr><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'

    def field(self, instr: str, placeholder: str, font: str) -> str:
        rpr = f'<w:rPr><w:rFonts w:eastAsia="{_attr(font)}" w:hint="eastAsia"/></w:rPr>'
        return (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r>{rpr}<w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
                f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
                f'<w:r>{rpr}<w:t>{placeholder}</w:t></w:r>'
                f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')

    def link_rid(self, url: str) -> str:
        rid = self._rels.get(url)
        if rid is None:
            rid = self.document.part.relate_to(url, RT.HYPERLINK, is_external=True)
            self._rels[url] = rid
        return rid

    def inlines(self, nodes: list[Inline], font: str, *, bold: bool = False, em: bool = False) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, Text):
                out.append(self.run(node.text, font, bold=bold, em=em))
            elif isinstance(node, Code):
                out.append(self.run(node.text, font, bold=bold))  # ids, numbers: in the body font
            elif isinstance(node, Strong):
                out.append(self.inlines(node.children, font, bold=True, em=em))
            elif isinstance(node, Emph):
                out.append(self.inlines(node.children, font, bold=bold, em=True))
            elif isinstance(node, LineBreak):
                out.append("<w:r><w:br/></w:r>")
            elif isinstance(node, Link):
                inner = self.inlines(node.children, font, bold=bold, em=em)
                if node.href.startswith(_SAFE_SCHEMES):
                    inner = self.inlines(node.children, self.info.fonts["Hyperlink"], bold=bold, em=em)
                    inner = inner.replace("<w:rPr><w:rFonts", f'<w:rPr><w:rStyle w:val="{self.ids["Hyperlink"]}"/><w:rFonts')
                    out.append(f'<w:hyperlink r:id="{self.link_rid(node.href)}">{inner}</w:hyperlink>')
                else:
                    out.append(inner)
            elif isinstance(node, Ref):
                out.append(self.ref(node, font, bold=bold))
        return "".join(out)

    def ref(self, node: Ref, font: str, *, bold: bool = False) -> str:
        text = ref_text(node, self.loc)
        if node.policy_id:
            url = self.ctx.policy_links.get(node.policy_id)
            if url:
                inner = self.run(text, font, bold=bold, rstyle="Hyperlink")
                return f'<w:hyperlink r:id="{self.link_rid(url)}">{inner}</w:hyperlink>'
            return self.run(text, font, bold=bold)
        anchor = self.ref_anchor(node)
        if anchor:
            return f'<w:hyperlink w:anchor="{anchor}">{self.run(text, font, bold=bold)}</w:hyperlink>'
        return self.run(text, font, bold=bold)

    def ref_anchor(self, node: Ref) -> str | None:
        if node.style != "articles" or not node.numbers:
            return None
        if node.kind in ("article", "item") and node.numbers[0]:
            return f"{self.prefix}art{node.numbers[0]}"
        if node.kind == "chapter":
            return f"{self.prefix}ch{node.numbers[0]}"
        return None

    def bookmark(self, name: str, content: str) -> str:
        self._bookmark += 1
        self.document._pd_bookmark = self._bookmark
        n = self._bookmark
        return f'<w:bookmarkStart w:id="{n}" w:name="{name}"/>{content}<w:bookmarkEnd w:id="{n}"/>'

    # -- paragraphs ------------------------------------------------------
    def p(self, style: str, content: str, ppr: str = "") -> str:
        return f'<w:p><w:pPr><w:pStyle w:val="{self.ids[style]}"/>{ppr}</w:pPr>{content}</w:p>'

    def font(self, style: str) -> str:
        return self.info.fonts[style]

    # -- tables ----------------------------------------------------------
    def table(self, rows: list[list[tuple[str, int, str | None, str | None]]], widths: list[int], *,
              header_rows: int = 1, jc: str = "center", cell_style: str = "PDTableText") -> str:
        """rows of cells (content xml, grid span, alignment, fill); widths in twips."""
        total = sum(widths)
        out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.ids["TableGrid"]}"/><w:tblW w:w="{total}" w:type="dxa"/>'
               f'<w:jc w:val="{jc}"/><w:tblLayout w:type="fixed"/>'
               '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
               'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
        out.extend(f'<w:gridCol w:w="{w}"/>' for w in widths)
        out.append("</w:tblGrid>")
        for r, row in enumerate(rows):
            trpr = "<w:cantSplit/>" + ("<w:tblHeader/>" if r < header_rows else "")
            out.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
            col = 0
            for content, span, align, fill in row:
                w = sum(widths[col:col + span])
                col += span
                tcpr = f'<w:tcW w:w="{w}" w:type="dxa"/>'
                if span > 1:
                    tcpr += f'<w:gridSpan w:val="{span}"/>'
                if fill:
                    tcpr += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
                tcpr += '<w:vAlign w:val="center"/>'
                ppr = f'<w:jc w:val="{align}"/>' if align else ""
                out.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{self.p(cell_style, content, ppr)}</w:tc>")
            out.append("</w:tr>")
        out.append("</w:tbl>")
        return "".join(out)


def _widths(total: int, weights: list[float]) -> list[int]:
    s = sum(weights) or 1
    out = [int(total * w / s) for w in weights]
    out[-1] += total - sum(out)
    return out


def _text_weight(text: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


# --------------------------------------------------------------------------
# The policy body
# --------------------------------------------------------------------------


class _BodyWriter(_Xml):
    def body(self) -> str:
        return "".join(self.node(n) for n in self.ctx.body)

    def node(self, node) -> str:
        if isinstance(node, Chapter):
            return self.chapter(node)
        if isinstance(node, Section):
            return self.section(node)
        if isinstance(node, Article):
            return self.article(node)
        return self.block(node)

    def chapter(self, ch: Chapter) -> str:
        font = self.font("Heading1")
        if self.sectioned:
            label = heading_marker(1, ch.number, self.loc)
            ppr = f'<w:ind w:firstLine="{self.info.indent}" w:firstLineChars="200"/><w:jc w:val="left"/>'
            head = self.p("Heading1", self.run(label, font) + self.inlines(ch.title, font), ppr)
        else:
            label = chapter_label(ch.number, self.loc)
            runs = self.bookmark(f"{self.prefix}ch{ch.number}", self.run(label, font))
            head = self.p("Heading1", runs + self.run("\u3000", font) + self.inlines(ch.title, font))
        return head + "".join(self.node(c) for c in ch.children)

    def section(self, sec: Section) -> str:
        font = self.font("Heading2")
        if self.sectioned:
            label = heading_marker(2, sec.number, self.loc)
            ppr = f'<w:ind w:firstLine="{self.info.indent}" w:firstLineChars="200"/><w:jc w:val="left"/>'
        else:
            label = section_label(sec.number, self.loc) + "\u3000"
            ppr = ""
        head = self.p("Heading2", self.run(label, font) + self.inlines(sec.title, font), ppr)
        return head + "".join(self.node(c) for c in sec.children)

    def article(self, art: Article) -> str:
        if self.sectioned:
            font = self.font("Heading3")
            head = self.p("Heading3", self.run(heading_marker(3, art.number, self.loc), font)
                          + self.inlines(art.title, font))
            return head + "".join(self.block(b) for b in art.blocks)
        font = self.font("PDArticle")
        label_font = self.font("PDLabel")
        lead = self.bookmark(f"{self.prefix}art{art.number}",
                             self.run(article_label(art.number, self.loc), label_font, rstyle="PDLabel"))
        if art.title:
            lead += self.run("\u3000", font) + self.inlines(art.title, label_font, bold=True).replace(
                "<w:rPr><w:rFonts", f'<w:rPr><w:rStyle w:val="{self.ids["PDLabel"]}"/><w:rFonts')
        out: list[str] = []
        blocks = art.blocks
        if blocks and isinstance(blocks[0], Paragraph):
            out.append(self.p("PDArticle", lead + self.run("\u3000", font) + self.inlines(blocks[0].inlines, font)))
            blocks = blocks[1:]
        else:
            out.append(self.p("PDArticle", lead))
        out.extend(self.block(b, "PDArticle") for b in blocks)
        return "".join(out)

    def block(self, block, para_style: str = "PDBody") -> str:
        if isinstance(block, Paragraph):
            return self.p(para_style, self.inlines(block.inlines, self.font(para_style)))
        if isinstance(block, ItemList):
            return "".join(self.item(i) for i in block.items)
        if isinstance(block, Table):
            return self.md_table(block)
        if isinstance(block, Note):
            return "".join(self.block(b, "PDNote") for b in block.blocks)
        raise TypeError(f"not a block: {block!r}")

    def item(self, item: Item) -> str:
        font = self.font("PDItem")
        marker = item_marker(item.number, item.depth, self.loc)
        out = self.p("PDItem", self.run(marker, font) + self.inlines(item.inlines, font))
        return out + "".join(self.item(c) for c in item.children)

    def md_table(self, table: Table) -> str:
        ncols = max([len(table.header)] + [len(r) for r in table.rows]) if (table.header or table.rows) else 0
        if not ncols:
            return ""
        weights = [4.0] * ncols
        for row in [table.header, *table.rows]:
            for i, cell in enumerate(row):
                weights[i] = max(weights[i], min(30.0, float(_text_weight(plain_text(cell)))))
        widths = _widths(self.info.text_width, weights)
        font = self.font("PDTableText")
        sans = self.font("PDLabel")

        def align(i: int) -> str | None:
            a = table.align[i] if i < len(table.align) else None
            return {"left": "left", "right": "right", "center": "center"}.get(a or "")

        rows = [[(self.inlines(c, sans, bold=True), 1, "center", "F2F2F2") for c in table.header]
                + [("", 1, None, "F2F2F2")] * (ncols - len(table.header))]
        for r in table.rows:
            rows.append([(self.inlines(c, font), 1, align(i), None) for i, c in enumerate(r)]
                        + [("", 1, None, None)] * (ncols - len(r)))
        return self.table(rows, widths) + self.p("PDTableText", "")

    # -- front and back matter -------------------------------------------
    def title_block(self) -> str:
        """Title (试行 policies: 《…》（试行）), a status line for other non-effective
        statuses (with the successor's id when superseded), department and scope."""
        ctx, meta = self.ctx, self.ctx.doc.meta
        title_font = self.font("Title")
        title = self.run(meta.title, title_font)
        if meta.status == "trial":
            title += self.run(f"（{ctx.word('trial')}）", title_font)
        out = [self.p("Title", title)]
        if meta.status not in ("effective", "trial"):
            word = ctx.status_word
            text = f"（{word}）" if meta.status == "draft" else f"【{word}】"
            if meta.superseded_by:
                text += f" → {meta.superseded_by}"
            out.append(self.p("PDSubtitle", self.run(text, self.font("PDSubtitle"), color=_DRAFT_COLOR)))
        font = self.font("PDMeta")
        line = f"{ctx.word('department')}：{meta.department}\u3000{ctx.word('applies_to')}：{meta.applies_to}"
        out.append(self.p("PDMeta", self.run(line, font)))
        return "".join(out)

    def approval_block(self) -> str:
        ctx = self.ctx
        roles = list(ctx.config.versions.roles)
        approvals = {a.role: a for a in ctx.version.approvals}
        font, sans = self.font("PDTableText"), self.font("PDLabel")
        head = [(self.run(ctx.word("approval"), sans, bold=True), 1, "center", "F2F2F2")]
        head += [(self.run(ctx.role(r), sans, bold=True), 1, "center", "F2F2F2") for r in roles]
        names = [(self.run(ctx.word("name"), sans, bold=True), 1, "center", "F2F2F2")]
        names += [(self.run(approvals[r].person if r in approvals else "", font), 1, "center", None) for r in roles]
        dates = [(self.run(ctx.word("date"), sans, bold=True), 1, "center", "F2F2F2")]
        dates += [(self.run(ctx.date(approvals[r].date) if r in approvals else "", font), 1, "center", None)
                  for r in roles]
        widths = _widths(self.info.text_width, [1.2] + [2.0] * len(roles))
        return self.table([head, names, dates], widths)  # labelled by its own first cell

    def revision_history(self) -> str:
        ctx = self.ctx
        font, sans = self.font("PDTableText"), self.font("PDLabel")
        roles = ["编制", "审核", "批准"]
        revised_on = ctx.word("revision_date")
        heads = [ctx.word("no"), ctx.word("version"), revised_on, ctx.word("sections"), ctx.word("summary"),
                 *(ctx.role(r) for r in roles)]
        rows = [[(self.run(h, sans, bold=True), 1, "center", "F2F2F2") for h in heads]]
        revisions = ctx.version.revisions
        for i, rev in enumerate(revisions, start=1):
            cells = [str(i), rev.version, ctx.date(rev.date), rev.sections, rev.summary,
                     *(rev.approvals.get(r, "") for r in roles)]
            rows.append([(self.run(c, font), 1, None if k == 4 else "center", None) for k, c in enumerate(cells)])
        if not revisions:
            rows.append([("", 1, None, None)] * len(heads))
        widths = _widths(self.info.text_width, [12, 14, 36, 20, 29, 15, 15, 15])
        return (self.p("PDBlockHeading", self.run(ctx.word("revisions"), self.font("PDBlockHeading")))
                + self.table(rows, widths))

    def control_header(self, pages_field: str = "NUMPAGES") -> str:
        """The document-control table printed in the page header."""
        ctx, meta, v = self.ctx, self.ctx.doc.meta, self.ctx.version
        font = self.font("PDHeaderText")
        sans = self.font("PDLabel")
        fill = "F2F2F2"

        def label(key: str):
            return (self.run(ctx.word(key), sans, bold=True), 1, "center", fill)

        def value(text: str, span: int = 1, align: str | None = "center"):
            return (self.run(text, font), span, align, None)

        if v.is_draft:
            mark = self.run(f"{ctx.word('draft')} DRAFT", sans, bold=True, color=_DRAFT_COLOR)
        else:
            word = ctx.status_word if meta.status != "effective" else ctx.word("controlled")
            mark = self.run(word, sans, bold=True, color=None if meta.status in ("effective", "trial") else _DRAFT_COLOR)
        company = (self.run(ctx.company, sans, bold=True), 4, "center", None)
        page_of = ctx.word("page_of", page="\x00PAGE\x00", pages=f"\x00{pages_field}\x00")
        parts = page_of.split("\x00")
        page_xml = "".join(self.field(p, "1", font) if k % 2 else self.run(p, font) for k, p in enumerate(parts))
        when = v.effective_date or meta.effective_date
        rows = [
            [company, (mark, 2, "center", None)],
            [label("title"), value(meta.title, 3), label("doc_no"), value(meta.id)],
            [label("version"), value(v.version), label("effective"), value(ctx.date(when) if when else "—"),
             label("page"), (page_xml, 1, "center", None)],
        ]
        widths = _widths(self.info.text_width, [13, 21, 13, 20, 13, 20])
        return (self.table(rows, widths, header_rows=0, cell_style="PDHeaderText")
                + f'<w:p><w:pPr><w:pStyle w:val="{self.ids["PDHeaderText"]}"/><w:spacing w:before="0" w:after="0" '
                  f'w:line="120" w:lineRule="exact"/></w:pPr></w:p>')


def _parse_children(xml: str):
    return list(parse_xml((_WRAP_OPEN + xml + "</w:body>").encode("utf-8")))


# --------------------------------------------------------------------------
# Draft watermark
# --------------------------------------------------------------------------

# Word's WordArt shape type 136 ("text plain"), as Word's Design → Watermark writes it.
_WORDART_SHAPETYPE = (
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>'
    + "".join(f'<v:f eqn="{e}"/>' for e in (
        "sum #0 0 10800", "prod #0 2 1", "sum 21600 0 @1", "sum 0 0 @2", "sum 21600 0 @3", "if @0 @3 0",
        "if @0 21600 @1", "if @0 0 @2", "if @0 @4 21600", "mid @5 @6", "mid @8 @5", "mid @7 @8", "mid @6 @7",
        "sum @6 0 @5"))
    + '</v:formulas><v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" '
    'o:connectangles="270,180,90,0"/><v:textpath on="t" fitshape="t"/>'
    '<v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>'
    '<o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>')


def _watermark_run(text: str, font: str, text_width: int, n: int):
    """A ``w:r`` holding Word's text watermark: a VML WordArt shape (``#_x0000_t136``)
    named ``PowerPlusWaterMarkObject…`` (the name Word and LibreOffice recognise as a
    watermark), rotated 315° (−45°), centred on the type area, behind the text, light
    red at 20 % opacity, in ``font`` (an East Asian font of the document).

    ``text_width``: the type area's width in twips; the shape is a little wider and as
    high as the text's proportions ask (``fitshape`` stretches the text to the shape).
    ``n`` numbers the shape within the document (ids must be unique)."""
    width = text_width / 20 * 1.15  # points
    ems = max(2.0, _text_weight(text) / 2)  # CJK characters are 1 em wide, Latin letters about half
    height = width / ems * 1.1
    style = (f"position:absolute;margin-left:0;margin-top:0;width:{width:.1f}pt;height:{height:.1f}pt;"
             f"rotation:315;z-index:-251654144;mso-position-horizontal:center;"
             f"mso-position-horizontal-relative:margin;mso-position-vertical:center;"
             f"mso-position-vertical-relative:margin")
    font_style = _attr(f'font-family:"{font}";font-size:1pt')
    xml = (f'<w:r xmlns:w="{W_NS}" xmlns:v="{_VML_NS}" xmlns:o="{_O_NS}" xmlns:w10="{_W10_NS}">'
           f'<w:rPr><w:noProof/></w:rPr><w:pict>{_WORDART_SHAPETYPE}'
           f'<v:shape id="PowerPlusWaterMarkObject{n}" o:spid="_x0000_s{2048 + n}" type="#_x0000_t136" '
           f'style="{style}" o:allowincell="f" fillcolor="#{_DRAFT_COLOR}" stroked="f">'
           f'<v:fill opacity="{_WATERMARK_OPACITY}"/>'
           f'<v:textpath style="{font_style}" string="{_attr(text)}"/>'
           f'<w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r>')
    return parse_xml(xml.encode("utf-8"))


def _add_watermark(document, hdr, ctx: RenderContext, info: _StyleInfo) -> None:
    """Put the draft watermark into header element ``hdr`` (its last paragraph: the
    spacer under the control table, so the header's height does not change)."""
    n = getattr(document, "_pd_watermark", 0) + 1
    document._pd_watermark = n
    paragraphs = hdr.findall(qn("w:p"))
    if not paragraphs:
        hdr.append(parse_xml(f'<w:p xmlns:w="{W_NS}"/>'.encode()))
        paragraphs = hdr.findall(qn("w:p"))
    text = f"{ctx.word('draft')} DRAFT"
    paragraphs[-1].append(_watermark_run(text, info.fonts["PDLabel"], info.text_width, n))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


_SECTPR_AFTER_PGNUMTYPE = ("cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi",
                           "rtlGutter", "docGrid", "printerSettings", "sectPrChange")


def _restart_page_numbers(sect_pr) -> None:
    """``<w:pgNumType w:start="1"/>`` in schema position."""
    el = sect_pr.find(qn("w:pgNumType"))
    if el is None:
        el = parse_xml(f'<w:pgNumType xmlns:w="{W_NS}"/>'.encode())
        after = next((c for c in sect_pr if c.tag in {qn(f"w:{t}") for t in _SECTPR_AFTER_PGNUMTYPE}), None)
        if after is not None:
            after.addprevious(el)
        else:
            sect_pr.append(el)
    el.set(qn("w:start"), "1")


def write_control_header(document, ctx: RenderContext, section=None, *, section_pages: bool = False) -> None:
    """Put the document-control header of ``ctx`` into ``section`` (default: the last).

    ``section_pages``: 第x页 共y页 counts the pages of this section only (SECTIONPAGES,
    numbering restarted at 1) — for a handbook where each policy has its own header.

    A draft (``ctx.version.is_draft``) also gets Word's 草稿 DRAFT watermark in each
    header written here (default, first page, even pages), so in a handbook only the
    draft policy's pages carry it."""
    info = _style_info(document, ctx.config.docx.preset, ctx.locale)
    section = section if section is not None else document.sections[-1]
    if section_pages:
        _restart_page_numbers(section._sectPr)
    xml = _BodyWriter(document, ctx, info).control_header("SECTIONPAGES" if section_pages else "NUMPAGES")
    headers = [section.header]
    if section.different_first_page_header_footer:
        headers.append(section.first_page_header)
    if document.settings.odd_and_even_pages_header_footer:
        headers.append(section.even_page_header)
    for header in headers:
        header.is_linked_to_previous = False
        hdr = header._element
        for child in list(hdr):
            hdr.remove(child)
        for child in _parse_children(xml):
            hdr.append(child)
        if ctx.version.is_draft:
            _add_watermark(document, hdr, ctx, info)


def append_policy(document, ctx: RenderContext, *, new_section: bool = False, header: bool = True,
                  section_pages: bool = False) -> None:
    """Append one policy (title, approvals, body, effective clause, revisions) to ``document``.

    With ``new_section`` the policy starts a new section on a new page whose
    header is this policy's (for the handbook); ``header`` writes the
    document-control header into the (new) last section; ``section_pages``
    makes its 第x页 共y页 count this policy's pages only.
    """
    info = _style_info(document, ctx.config.docx.preset, ctx.locale)
    body_el = document.element.body
    sect_pr = body_el.sectPr
    if new_section and sect_pr is not None:
        ended = copy.deepcopy(sect_pr)
        body_el.insert(body_el.index(sect_pr), parse_xml(
            f'<w:p xmlns:w="{W_NS}"><w:pPr/></w:p>'.encode()))
        body_el[body_el.index(sect_pr) - 1].find(qn("w:pPr")).append(ended)
        for ref in sect_pr.findall(qn("w:headerReference")):
            sect_pr.remove(ref)
        sect_pr.start_type = WD_SECTION_START.NEW_PAGE
    w = _BodyWriter(document, ctx, info)
    # the PDF's order: title, approvals, body, effective-date clause, revision history
    xml = (w.title_block() + w.approval_block() + w.body() + w.revision_history())
    children = _parse_children(xml)
    if sect_pr is not None:
        for child in children:
            sect_pr.addprevious(child)
    else:
        body_el.extend(children)
    if header:
        write_control_header(document, ctx, section_pages=section_pages)


def _core_properties(document, ctx: RenderContext) -> None:
    meta = ctx.doc.meta
    cp = document.core_properties
    cp.title = meta.title
    cp.subject = meta.id
    cp.identifier = meta.id
    cp.keywords = "; ".join(x for x in (meta.id, meta.category, meta.department, ctx.version.version) if x)
    cp.version = ctx.version.version
    cp.language = word_lang(ctx.locale)
    cp.category = meta.category
    cp.author = ctx.company
    cp.last_modified_by = "policydocs"
    cp.comments = meta.summary or ""
    cp.content_status = ctx.word("draft_status") if ctx.version.is_draft else (ctx.status_word or ctx.word("effective_status"))
    when = ctx.version.effective_date or meta.effective_date or date(2000, 1, 1)
    stamp = datetime(when.year, when.month, when.day)
    cp.created = stamp
    cp.modified = stamp
    cp.revision = 1


def policy_docx_document(ctx: RenderContext):
    """The complete ``docx.Document`` for one policy in ``ctx.locale``."""
    document = base_document(ctx.config, ctx.locale.code)
    append_policy(document, ctx)
    _core_properties(document, ctx)
    return document


def docx_bytes(document, when: date | None = None) -> bytes:
    """Serialise ``document`` reproducibly: python-docx stamps every ZIP member with the
    current time; we re-stamp them with ``when`` so equal input gives equal bytes."""
    buf = io.BytesIO()
    document.save(buf)
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0) if when else (1980, 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


class DocxWriter:
    """The ``docx`` writer (python-docx, the organisation's reference styles)."""

    format = "docx"
    suffix = ".docx"
    templates = ()  # the organisation's reference DOCX ([docx] reference) is keyed by the build
    links_policies = True  # a cited policy's title links to its DOCX beside this one

    def __init__(self, project_root: Path):
        self.root = project_root

    def write(self, ctx: RenderContext) -> bytes:
        """One policy DOCX; the bytes depend only on the inputs, not on the clock."""
        when = ctx.version.effective_date or ctx.doc.meta.effective_date
        return docx_bytes(policy_docx_document(ctx), when)


def write_docx(ctx: RenderContext, out_path: Path) -> None:
    """Write one policy DOCX to ``out_path`` (the caller handles temp file + rename).

    The bytes depend only on the inputs (tree, config, version), not on the clock."""
    when = ctx.version.effective_date or ctx.doc.meta.effective_date
    data = docx_bytes(policy_docx_document(ctx), when)
    Path(out_path).write_bytes(data)
