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
from ..core.locales import Locale, get_locale
from ..core.model import (
    Article,
    Chapter,
    Code,
    Emph,
    Image,
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
    Visitor,
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
from .images import docx_picture_xml
from .text import TextWriter

__all__ = ["write_docx", "load_reference", "policy_docx_document", "append_policy", "base_document",
           "write_control_header", "docx_bytes", "blocks", "DocxBlocks", "TocEntry", "text_twips", "fit_widths",
           "DOCX_CONTENT_TYPE"]

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
    table_size: int = 24  # half-points of table text (PD Table Text)
    header_size: int = 21  # half-points of the document-control header (PD Header Text)
    # Latin letters and digits in the run's own (CJK) face: our templates name one face per
    # style for every script; an organisation's template with its own Latin font keeps it.
    latin_follows: bool = True


def _our_styles(preset: str, locale: str) -> dict[str, object]:
    key = (preset, locale)
    cached = _OUR_STYLES.get(key)
    if cached is None:
        f = locale_fonts(get_locale(locale))
        root = parse_xml(docx_styles.styles_xml(get_preset(preset), f).encode("utf-8"))
        cached = {el.get(qn("w:styleId")): el for el in root.iterchildren(qn("w:style"))}
        _OUR_STYLES[key] = cached
    return cached


_OUR_STYLES: dict[tuple, dict] = {}


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
    sizes = {sid: _resolve_size(by_id, ids[sid], body_sz) for sid in ("PDTableText", "PDHeaderText")}
    info = _StyleInfo(ids, fonts, width, body_sz * 20, sizes["PDTableText"], sizes["PDHeaderText"],
                      _one_face(by_id.get(ids["Normal"]), styles_el))
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


def _one_face(normal, styles_el) -> bool:
    """Whether the template's body text names the same face for Latin and East Asian text."""
    for rpr in (normal.find(qn("w:rPr")) if normal is not None else None,
                styles_el.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")):
        rfonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        if rfonts is not None and rfonts.get(qn("w:eastAsia")):
            return rfonts.get(qn("w:ascii")) == rfonts.get(qn("w:eastAsia"))
    return False


def _resolve_size(by_id: dict, sid: str, default: int) -> int:
    """Half-points a style's text resolves to (its own w:sz, or the one it is based on)."""
    seen = set()
    while sid and sid not in seen and sid in by_id:
        seen.add(sid)
        sz = by_id[sid].find(f"{qn('w:rPr')}/{qn('w:sz')}")
        if sz is not None and (sz.get(qn("w:val")) or "").isdigit():
            return int(sz.get(qn("w:val")))
        based = by_id[sid].find(qn("w:basedOn"))
        sid = based.get(qn("w:val")) if based is not None else None
    return default


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
        _style_info(document, config.docx.preset, get_locale(locale))
        out = io.BytesIO()
        document.save(out)
        cached = out.getvalue()
        _BASE_CACHE[key] = cached
    return cached


def base_document(config, locale: str):
    """An empty ``docx.Document`` from the project's reference (for the handbook, the forms
    and the 修订对照表: the house template)."""
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


class DocxBlocks:
    """Builds WordprocessingML for ``document`` as strings (runs, paragraphs, fields, tables,
    bookmarks), with the style ids and fonts of the document's template.

    ``parse(xml)`` turns the strings into elements; ``insert(xml, before)`` puts them into
    the body.  Used by the policy writer and by products that write their own parts
    (the handbook's front matter, the 修订对照表)."""

    def __init__(self, document, info: _StyleInfo):
        self.document = document
        self.info = info
        self.ids = info.ids
        self._bookmark = getattr(document, "_pd_bookmark", 0)
        self._rels: dict[str, str] = {}

    # -- runs ------------------------------------------------------------
    def run(self, text: str, font: str, *, bold: bool = False, em: bool = False, rstyle: str | None = None,
            color: str | None = None, size: int | None = None) -> str:
        """One ``w:r``; ``size`` in half-points overrides the style's size (text fitted to a cell)."""
        if not text:
            return ""
        rpr = []
        if rstyle:
            rpr.append(f'<w:rStyle w:val="{self.ids[rstyle]}"/>')
        rpr.append(self.rfonts(font))
        if bold:
            rpr.append("<w:b/><w:bCs/>")
        if color:
            rpr.append(f'<w:color w:val="{color}"/>')
        if size:
            rpr.append(f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>')
        if em:
            rpr.append('<w:em w:val="dot"/>')
        return f'<w:r><w:rPr>{"".join(rpr)}</w:rPr><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'

    def rfonts(self, font: str) -> str:
        """``w:rFonts`` of a run: its East Asian font (and its Latin one, the same face, when
        the template uses one face per style)."""
        f = _attr(font)
        if self.info.latin_follows:
            return f'<w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}" w:hint="eastAsia"/>'
        return f'<w:rFonts w:eastAsia="{f}" w:hint="eastAsia"/>'

    def field(self, instr: str, placeholder: str, font: str, size: int | None = None) -> str:
        sz = f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>' if size else ""
        rpr = f'<w:rPr>{self.rfonts(font)}{sz}</w:rPr>'
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

    def bookmark(self, name: str, content: str) -> str:
        """``content`` wrapped in a bookmark called ``name`` (ids unique in the document)."""
        self._bookmark += 1
        self.document._pd_bookmark = self._bookmark
        n = self._bookmark
        return f'<w:bookmarkStart w:id="{n}" w:name="{name}"/>{content}<w:bookmarkEnd w:id="{n}"/>'

    def next_bookmark_id(self) -> int:
        """The id the next ``bookmark`` gets (to name hidden _Toc bookmarks uniquely)."""
        return self._bookmark + 1

    # -- paragraphs ------------------------------------------------------
    def p(self, style: str, content: str, ppr: str = "") -> str:
        return f'<w:p><w:pPr><w:pStyle w:val="{self.ids[style]}"/>{ppr}</w:pPr>{content}</w:p>'

    def font(self, style: str) -> str:
        return self.info.fonts[style]

    def page_break(self) -> str:
        return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'

    def parse(self, xml: str) -> list:
        """Body-level elements from WordprocessingML strings."""
        return _parse_children(xml)

    def insert(self, xml: str, before=None) -> list:
        """Parse ``xml`` and insert it before element ``before`` (default: the end of the body)."""
        children = _parse_children(xml)
        body = self.document.element.body
        anchor = before if before is not None else body.sectPr
        for child in children:
            if anchor is not None:
                anchor.addprevious(child)
            else:
                body.append(child)
        return children

    # -- tables ----------------------------------------------------------
    def table(self, rows: list[list[tuple[str, int, str | None, str | None]]], widths: list[int], *,
              header_rows: int = 1, jc: str = "center", cell_style: str = "PDTableText",
              no_wrap: set[int] | frozenset[int] = frozenset(), no_wrap_spans: bool = True,
              split_rows: bool = False) -> str:
        """rows of cells (content xml, grid span, alignment, fill); widths in twips.

        Rows do not split across pages (``w:cantSplit``) unless ``split_rows`` (rows that
        may be longer than a page, as in a 修订对照表; the header row never splits).

        Cells starting in a column of ``no_wrap`` get ``w:noWrap`` (their widths are
        made to fit the text; this keeps a client with wider glyphs from breaking
        a number or a date); ``no_wrap_spans=False`` leaves merged cells wrapping."""
        total = sum(widths)
        out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.ids["TableGrid"]}"/><w:tblW w:w="{total}" w:type="dxa"/>'
               f'<w:jc w:val="{jc}"/><w:tblLayout w:type="fixed"/>'
               '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
               'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
        out.extend(f'<w:gridCol w:w="{w}"/>' for w in widths)
        out.append("</w:tblGrid>")
        for r, row in enumerate(rows):
            trpr = ("<w:cantSplit/>" if r < header_rows or not split_rows else "") + (
                "<w:tblHeader/>" if r < header_rows else "")
            out.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
            col = 0
            for content, span, align, fill in row:
                w = sum(widths[col:col + span])
                tcpr = f'<w:tcW w:w="{w}" w:type="dxa"/>'
                if span > 1:
                    tcpr += f'<w:gridSpan w:val="{span}"/>'
                if fill:
                    tcpr += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
                if col in no_wrap and (span == 1 or no_wrap_spans):
                    tcpr += "<w:noWrap/>"
                tcpr += '<w:vAlign w:val="center"/>'
                col += span
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


# Widths of characters in em, the widest of the faces a client may lay the text out in:
# Noto CJK's own Latin, Liberation (Times/Arial metrics) and DejaVu, the fallback of a
# machine without Noto (digits 0.64–0.70 em, capitals up to 0.75 em on average, bold).
_EM_DIGIT, _EM_UPPER, _EM_LOWER, _EM_NARROW, _EM_OTHER = 0.70, 0.80, 0.64, 0.42, 0.62
CELL_PAD = 85 * 2 + 60  # twips: the table style's cell margins and a little air


def _em_width(ch: str) -> float:
    if ord(ch) >= 0x2E80:
        return 1.0
    if ch.isdigit():
        return _EM_DIGIT
    if ch.isupper():
        return _EM_UPPER
    if ch.islower():
        return _EM_LOWER
    return _EM_NARROW if ch in " -/.,:;()[]'|" else _EM_OTHER


def _autospaced(a: str, b: str) -> bool:
    """Whether a client puts its automatic Han–Latin space between ``a`` and ``b``."""
    cjk_a, cjk_b = ord(a) >= 0x2E80, ord(b) >= 0x2E80
    other = b if cjk_a else a
    return cjk_a != cjk_b and other.isascii() and other.isalnum()


def text_twips(text: str, half_points: int, *, bold: bool = False) -> int:
    """The width of ``text`` on one line at ``half_points``, in twips, generously measured
    (``_em_width``, plus a quarter em where Han meets a Latin letter or digit: the
    clients' automatic spacing), so a cell made this wide holds it in any reasonable font."""
    ems = sum(_em_width(c) for c in text) * (1.05 if bold else 1.0)
    ems += 0.25 * sum(1 for a, b in zip(text, text[1:]) if _autospaced(a, b))
    return int(ems * half_points * 10) + 1


def fit_widths(total: int, needs: list[int], whole: set[int], flex: dict[int, float]) -> list[int]:
    """Column widths (twips) summing to ``total``: every column gets what it needs when
    that fits, the rest goes to the ``flex`` columns (by weight).  When it does not fit,
    the flexible columns give way first (down to 4 em of 10.5 pt), then every column
    shrinks in proportion (its text is then fitted: ``_shrink``)."""
    widths = list(needs)
    slack = total - sum(widths)
    if slack >= 0:
        weights = flex or {k: 1.0 for k in range(len(widths))}
        s = sum(weights.values())
        for k, wgt in weights.items():
            widths[k] += int(slack * wgt / s)
    else:
        floor = 840
        give = {k: max(0, widths[k] - floor) for k in flex if k not in whole}
        for k, room in give.items():
            take = min(room, -slack)
            widths[k] -= take
            slack += take
        if slack < 0:
            scale = total / sum(widths)
            widths = [int(w * scale) for w in widths]
    widths[-1] += total - sum(widths)
    return widths


def _shrink(half_points: int, need: int, width: int) -> int | None:
    """A smaller size (half-points) that fits text needing ``need`` twips into ``width``, or None."""
    if need <= width:
        return None
    return max(10, int(half_points * (width - CELL_PAD) / max(1, need - CELL_PAD)))


# --------------------------------------------------------------------------
# The policy body
# --------------------------------------------------------------------------


class _BodyWriter(DocxBlocks, Visitor):
    """One policy as WordprocessingML: one ``visit_<Node>`` rule per node type of the tree
    (core/model.py ``Visitor``), plus the front and back matter around the body."""

    def __init__(self, document, ctx: RenderContext, info: _StyleInfo, *, toc: bool = False):
        super().__init__(document, info)
        self.ctx = ctx
        self.loc = ctx.locale
        self.sectioned = ctx.doc.meta.numbering == "sectioned"
        self.prefix = f"pd{self._bookmark}_"
        # hidden _Toc bookmarks on the title and the chapters, for a table of contents
        self.toc: list[TocEntry] | None = [] if toc else None
        self._run = _RunStyle(self.font("PDBody"))
        self._para = "PDBody"  # paragraph style of loose paragraphs in the current container

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

    def toc_mark(self, level: int, text: str, content: str) -> str:
        """``content`` inside a hidden ``_Toc`` bookmark recorded as a contents entry (if wanted)."""
        if self.toc is None:
            return content
        name = f"_TocPD{self.next_bookmark_id()}"
        self.toc.append(TocEntry(level, text, name))
        return self.bookmark(name, content)

    # -- inlines (one rule per node type) ----------------------------------
    def inlines(self, nodes: list[Inline], font: str, *, bold: bool = False, em: bool = False,
                rstyle: str | None = None) -> str:
        """Runs for ``nodes`` in ``font`` (bold/emphasis marks inherited by the rules)."""
        saved = self._run
        self._run = _RunStyle(font, bold, em, rstyle)
        try:
            return "".join(self.visit_all(nodes))
        finally:
            self._run = saved

    def _text(self, text: str, *, bold: bool | None = None, em: bool | None = None) -> str:
        r = self._run
        return self.run(text, r.font, bold=r.bold if bold is None else bold, em=r.em if em is None else em,
                        rstyle=r.rstyle)

    def visit_Text(self, node: Text) -> str:
        return self._text(node.text)

    def visit_Code(self, node: Code) -> str:
        return self._text(node.text, em=False)  # ids, numbers: in the body font

    def visit_Strong(self, node: Strong) -> str:
        r = self._run
        return self.inlines(node.children, r.font, bold=True, em=r.em, rstyle=r.rstyle)

    def visit_Emph(self, node: Emph) -> str:
        r = self._run
        return self.inlines(node.children, r.font, bold=r.bold, em=True, rstyle=r.rstyle)

    def visit_LineBreak(self, node: LineBreak) -> str:
        return "<w:r><w:br/></w:r>"

    def visit_Link(self, node: Link) -> str:
        r = self._run
        if not node.href.startswith(_SAFE_SCHEMES):
            return self.inlines(node.children, r.font, bold=r.bold, em=r.em, rstyle=r.rstyle)
        inner = self.inlines(node.children, self.info.fonts["Hyperlink"], bold=r.bold, em=r.em, rstyle="Hyperlink")
        return f'<w:hyperlink r:id="{self.link_rid(node.href)}">{inner}</w:hyperlink>'

    def visit_Ref(self, node: Ref) -> str:
        return self.ref(node, self._run.font, bold=self._run.bold)

    # -- blocks and containers ----------------------------------------------
    def body(self) -> str:
        """The body every writer renders (``ctx.body``: the closing article included)."""
        return "".join(self.visit_all(self.ctx.body))

    def _sectioned_heading(self, style: str, marker: str, title: list[Inline]) -> str:
        """一、/（一）/1. headings of sectioned documents: where a paragraph starts (two characters in)."""
        font = self.font(style)
        ppr = f'<w:ind w:firstLine="{self.info.indent}" w:firstLineChars="200"/><w:jc w:val="left"/>'
        return self.p(style, self.run(marker, font) + self.inlines(title, font), ppr)

    def visit_Chapter(self, ch: Chapter) -> str:
        font = self.font("Heading1")
        title = TextWriter(self.loc).inline(ch.title)
        if self.sectioned:
            marker = heading_marker(1, ch.number, self.loc)
            ppr = f'<w:ind w:firstLine="{self.info.indent}" w:firstLineChars="200"/><w:jc w:val="left"/>'
            runs = self.toc_mark(2, marker + title, self.run(marker, font) + self.inlines(ch.title, font))
            head = self.p("Heading1", runs, ppr)
        else:
            label = chapter_label(ch.number, self.loc)
            runs = self.bookmark(f"{self.prefix}ch{ch.number}", self.run(label, font))
            runs = self.toc_mark(2, f"{label}\u3000{title}", runs + self.run("\u3000", font) + self.inlines(ch.title, font))
            head = self.p("Heading1", runs)
        return head + "".join(self.visit_all(ch.children))

    def visit_Section(self, sec: Section) -> str:
        if self.sectioned:
            head = self._sectioned_heading("Heading2", heading_marker(2, sec.number, self.loc), sec.title)
        else:
            font = self.font("Heading2")
            head = self.p("Heading2", self.run(section_label(sec.number, self.loc) + "\u3000", font)
                          + self.inlines(sec.title, font))
        return head + "".join(self.visit_all(sec.children))

    def visit_Article(self, art: Article) -> str:
        if self.sectioned:
            head = self._sectioned_heading("Heading3", heading_marker(3, art.number, self.loc), art.title)
            return head + "".join(self.visit_all(art.blocks))
        font = self.font("PDArticle")
        label_font = self.font("PDLabel")
        lead = self.bookmark(f"{self.prefix}art{art.number}",
                             self.run(article_label(art.number, self.loc), label_font, rstyle="PDLabel"))
        if art.title:
            lead += self.run("\u3000", font) + self.inlines(art.title, label_font, bold=True, rstyle="PDLabel")
        blocks = art.blocks
        if blocks and isinstance(blocks[0], Paragraph):
            out = [self.p("PDArticle", lead + self.run("\u3000", font) + self.inlines(blocks[0].inlines, font))]
            blocks = blocks[1:]
        else:
            out = [self.p("PDArticle", lead)]
        saved, self._para = self._para, "PDArticle"
        try:
            out.extend(self.visit_all(blocks))
        finally:
            self._para = saved
        return "".join(out)

    def visit_Image(self, image: Image) -> str:
        """A picture centred in its own paragraph, its description below as caption
        (an unresolved picture: the caption only)."""
        centred = '<w:jc w:val="center"/><w:ind w:firstLine="0" w:firstLineChars="0"/>'
        caption = self.p("PDTableText", self.run(image.alt, self.font("PDTableText")), centred) if image.alt else ""
        if image.path is None:
            return caption
        self._bookmark += 1
        self.document._pd_bookmark = self._bookmark
        run = docx_picture_xml(self.document.part, image, self.info.text_width * 635, 1000 + self._bookmark)
        return self.p("PDBody", run, centred + '<w:keepNext/>') + caption

    def visit_Paragraph(self, block: Paragraph) -> str:
        return self.p(self._para, self.inlines(block.inlines, self.font(self._para)))

    def visit_ItemList(self, block: ItemList) -> str:
        return "".join(self.visit_all(block.items))

    def visit_Item(self, item: Item) -> str:
        font = self.font("PDItem")
        marker = item_marker(item.number, item.depth, self.loc, sectioned=item.sectioned)
        out = self.p("PDItem", self.run(marker, font) + self.inlines(item.inlines, font))
        return out + "".join(self.visit_all(item.children))

    def visit_Note(self, block: Note) -> str:
        saved, self._para = self._para, "PDNote"
        try:
            return "".join(self.visit_all(block.blocks))
        finally:
            self._para = saved

    def visit_Table(self, table: Table) -> str:
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
        text = meta.title + (f"（{ctx.word('trial')}）" if meta.status == "trial" else "")
        out = [self.p("Title", self.toc_mark(1, text, self.run(text, title_font)))]
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
        """审批 | one column per ``[versions] roles``; rows 姓名 and 日期 (blank for drafts).
        The corner cell is the word for the table (审批; TW 簽核), never a role name."""
        ctx = self.ctx
        roles = list(ctx.config.versions.roles)
        approvals = {a.role: a for a in ctx.version.approvals}
        font, sans = self.font("PDTableText"), self.font("PDLabel")
        head = [(self.run(ctx.word("approval"), sans, bold=True), 1, "center", "F2F2F2")]
        head += [(self.run(ctx.role(r), sans, bold=True), 1, "center", "F2F2F2") for r in roles]
        names = [(self.run(ctx.word("name"), sans, bold=True), 1, "center", "F2F2F2")]
        names += [(self.run(approvals[r].person if r in approvals else "", font), 1, "center", None) for r in roles]
        # the label column as wide as its words, the roles share the rest equally; a date never
        # wraps (中華民國113年12月10日 in a quarter of the line): smaller type if it must
        size = self.info.table_size
        label_need = max(text_twips(ctx.word(k), size, bold=True) for k in ("approval", "name", "date")) + CELL_PAD
        widths = fit_widths(self.info.text_width, [label_need] + [0] * len(roles), {0},
                            {k: 1.0 for k in range(1, len(roles) + 1)})
        texts = [ctx.date(approvals[r].date) if r in approvals else "" for r in roles]
        need = max([text_twips(t, size) + CELL_PAD for t in texts] + [0])
        date_size = _shrink(size, need, min(widths[1:]))
        dates = [(self.run(ctx.word("date"), sans, bold=True), 1, "center", "F2F2F2")]
        dates += [(self.run(t, font, size=date_size), 1, "center", None) for t in texts]
        return self.table([head, names, dates], widths)  # labelled by its own first cell

    def revision_history(self) -> str:
        """修订记录: 序号, 版本, 修订日期, 修订章节, 修订内容摘要 and one column per
        ``[versions] roles`` (the people of each release).  Columns that hold numbers,
        dates and names are as wide as their longest entry (never split); the summary
        and the sections take the rest."""
        ctx = self.ctx
        font, sans = self.font("PDTableText"), self.font("PDLabel")
        roles = list(ctx.config.versions.roles)
        heads = [ctx.word("no"), ctx.word("version"), ctx.word("revision_date"), ctx.word("sections"),
                 ctx.word("summary"), *(ctx.role(r) for r in roles)]
        rows_text = [[str(i), rev.version, ctx.date(rev.date), rev.sections, rev.summary,
                      *(rev.approvals.get(r, "") for r in roles)]
                     for i, rev in enumerate(ctx.version.revisions, start=1)]
        size = self.info.table_size
        fixed = {0, 1, 2, *range(5, 5 + len(roles))}  # whole: number, version, date, people
        needs = [max([text_twips(h, size, bold=True) for h in heads[k:k + 1]]
                     + [text_twips(r[k], size) for r in rows_text]) + CELL_PAD for k in range(len(heads))]
        widths = fit_widths(self.info.text_width, needs, fixed, {3: 1.0, 4: 2.2})
        rows = [[(self.run(h, sans, bold=True), 1, "center", "F2F2F2") for h in heads]]
        for cells in rows_text:
            rows.append([(self.run(c, font), 1, None if k in (3, 4) else "center", None) for k, c in enumerate(cells)])
        if not rows_text:
            rows.append([("", 1, None, None)] * len(heads))
        return (self.p("PDBlockHeading", self.run(ctx.word("revisions"), self.font("PDBlockHeading")))
                + self.table(rows, widths, no_wrap=fixed))

    def control_header(self, pages_field: str = "NUMPAGES") -> str:
        """The document-control table printed in the page header.

        Six columns: label | value | label | value | label | value.  文件编号, 版本,
        生效日期 and 第x页 共y页 must never wrap: each column is as wide as its
        longest entry measured with the widest reasonable Latin digits
        (``text_twips``; a document opened where Noto is missing falls back to
        DejaVu), page numbers up to 999; the title takes what is left.  An entry
        too long for the page shrinks its own text instead of wrapping."""
        ctx, meta, v = self.ctx, self.ctx.doc.meta, self.ctx.version
        font = self.font("PDHeaderText")
        sans = self.font("PDLabel")
        size = self.info.header_size
        fill = "F2F2F2"
        when = v.effective_date or meta.effective_date
        date_text = ctx.date(when) if when else "—"
        page_sample = ctx.word("page_of", page="999", pages="999")
        labels = {k: ctx.word(k) for k in ("title", "doc_no", "version", "effective", "page")}
        pad = CELL_PAD

        def need(text: str, bold: bool = False) -> int:
            return text_twips(text, size, bold=bold) + pad

        # column needs (twips): 1 文件名称/版本 | 2 version | 3 生效日期 | 4 date | 5 文件编号/页次 | 6 id/page
        needs = [max(need(labels["title"], True), need(labels["version"], True)), need(v.version),
                 need(labels["effective"], True), need(date_text),
                 max(need(labels["doc_no"], True), need(labels["page"], True)), max(need(meta.id), need(page_sample))]
        # an overlong value (a 30-character id) gets at most 30 % of the line; its own text
        # shrinks to fit, the other columns keep their size
        cap = self.info.text_width * 3 // 10
        widths = fit_widths(self.info.text_width, [min(n, cap) for n in needs], {0, 2, 4, 5, 1, 3}, {1: 1.0, 3: 1.0})
        sizes = {k: _shrink(size, needs[k], widths[k]) for k in range(6)}

        def label(key: str, col: int):
            return (self.run(labels[key], sans, bold=True, size=sizes[col]), 1, "center", fill)

        def value(text: str, col: int, span: int = 1):
            return (self.run(text, font, size=sizes[col] if span == 1 else None), span, "center", None)

        if v.is_draft:
            mark = self.run(f"{ctx.word('draft')} DRAFT", sans, bold=True, color=_DRAFT_COLOR)
        else:
            word = ctx.status_word if meta.status != "effective" else ctx.word("controlled")
            mark = self.run(word, sans, bold=True, color=None if meta.status in ("effective", "trial") else _DRAFT_COLOR)
        company = (self.run(ctx.company, sans, bold=True), 4, "center", None)
        page_of = ctx.word("page_of", page="\x00PAGE\x00", pages=f"\x00{pages_field}\x00")
        parts = page_of.split("\x00")
        page_xml = "".join(self.field(p, "1", font, size=sizes[5]) if k % 2 else self.run(p, font, size=sizes[5])
                           for k, p in enumerate(parts))
        rows = [
            [company, (mark, 2, "center", None)],
            [label("title", 0), value(meta.title, 1, span=3), label("doc_no", 4), value(meta.id, 5)],
            [label("version", 0), value(v.version, 1), label("effective", 2), value(date_text, 3),
             label("page", 4), (page_xml, 1, "center", None)],
        ]
        no_wrap = {0, 2, 4, 5, 1, 3}
        return (self.table(rows, widths, header_rows=0, cell_style="PDHeaderText", no_wrap=no_wrap,
                           no_wrap_spans=False)
                + f'<w:p><w:pPr><w:pStyle w:val="{self.ids["PDHeaderText"]}"/><w:spacing w:before="0" w:after="0" '
                  f'w:line="120" w:lineRule="exact"/></w:pPr></w:p>')


@dataclass(frozen=True)
class TocEntry:
    """One line of a table of contents: level 1 a policy title, level 2 a chapter; the hidden
    ``_Toc…`` bookmark on its heading (Word's PAGEREF target)."""

    level: int
    text: str
    bookmark: str


@dataclass(frozen=True)
class _RunStyle:
    """How the inline rules render text at the current place: font, bold, emphasis, character style."""

    font: str
    bold: bool = False
    em: bool = False
    rstyle: str | None = None



def blocks(document, preset: str, locale: str | Locale) -> DocxBlocks:
    """A :class:`DocxBlocks` for ``document`` (styles of ``preset`` filled in, fonts of ``locale``)."""
    loc = locale if isinstance(locale, Locale) else get_locale(locale)
    return DocxBlocks(document, _style_info(document, preset, loc))


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
                  section_pages: bool = False, toc: bool = False) -> list[TocEntry]:
    """Append one policy (title, approvals, body, effective clause, revisions) to ``document``.

    With ``new_section`` the policy starts a new section on a new page whose
    header is this policy's (for the handbook); ``header`` writes the
    document-control header into the (new) last section; ``section_pages``
    makes its 第x页 共y页 count this policy's pages only.  With ``toc`` the title
    and the chapter headings get hidden ``_Toc`` bookmarks, returned as contents
    entries (empty list otherwise).
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
    w = _BodyWriter(document, ctx, info, toc=toc)
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
    return w.toc or []


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
