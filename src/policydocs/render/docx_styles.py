"""Our reference DOCX templates, generated from python-docx's default document.

python-docx's ``default.docx`` declares Japanese as the East Asian theme
language, uses theme fonts (which override explicit font names in Word) and
carries a 430 kB style sheet.  We keep its package skeleton (content types,
settings, theme, web settings) and rewrite what matters:

- ``styles.xml``: a small style sheet of our own.  Every style names its fonts
  explicitly (``w:ascii``/``w:hAnsi``/``w:eastAsia``/``w:cs``, no theme
  fonts) and the defaults say ``w:lang w:eastAsia="zh-CN"`` (zh-TW, zh-HK for
  Traditional locales);
- ``settings.xml``: ``w:themeFontLang w:eastAsia`` = the locale, no rsids;
- ``theme1.xml``: the East Asian theme typeface is our CJK font;
- ``fontTable.xml``: our fonts with the Chinese charset (GB2312 / Big5) and a
  Windows alternative name, so Word on a machine without Noto substitutes a
  Chinese font of the same kind (see docs/docx.md);
- ``document.xml``: one section with the preset's page size, margins and
  document grid.

Two presets: ``gbt9704`` (GB/T 9704-like: A4, 37/35/28/26 mm margins,
22 lines × 28 characters grid, 三号 body, 二号 title) and ``handbook``
(compact: 小四 body, 小二 title, 1.25 line spacing).

The templates are built on first use and cached per process (a few
milliseconds); ``python -m policydocs.render.docx_styles OUT.docx --preset
gbt9704 --locale zh-Hans`` exports one so an organisation can start its own
reference DOCX from it (``[docx] reference = "templates/reference.docx"``).
"""

from __future__ import annotations

import argparse
import io
import math
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

import docx

from ..core.locales import Locale, get_locale
from .presets import LAYOUT_PRESETS, LayoutPreset

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------


def mm(v: float) -> int:
    """Millimetres → twips (1/20 pt)."""
    return round(v / 25.4 * 1440)


def pt(v: float) -> int:
    """Points → twips."""
    return round(v * 20)


# --------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    name: str
    # page (twips)
    page_w: int
    page_h: int
    top: int
    bottom: int
    left: int
    right: int
    header: int
    footer: int
    # type (half-points)
    body_sz: int
    title_sz: int
    h1_sz: int
    h2_sz: int
    h3_sz: int
    table_sz: int
    header_sz: int
    # line spacing of body paragraphs: ("exact", twips) or ("auto", 240ths)
    line: tuple[str, int]
    grid: str  # docGrid type: lines (snap lines to line_pitch) | linesAndChars | none
    line_pitch: int  # twips
    chars_per_line: int = 0  # characters per line the body tracking is set for (0 = no tracking)
    para_after: int = 0  # twips after body paragraphs
    title_sans: bool = False  # title in the sans (黑体) family instead of serif bold (小标宋-like)
    layout: LayoutPreset | None = None  # the format-neutral figures this preset was made from

    @property
    def text_width(self) -> int:
        return self.page_w - self.left - self.right

    @property
    def char_space(self) -> int:
        """``w:docGrid/@w:charSpace`` for a ``linesAndChars`` grid: (pitch − font size) × 4096."""
        if not self.chars_per_line:
            return 0
        pitch = self.text_width / 20 / self.chars_per_line  # pt
        return round((pitch - self.body_sz / 2) * 4096)

    @property
    def tracking(self) -> int:
        """Body character spacing (``w:spacing``, twips) that fits ``chars_per_line`` 全角 characters.

        GB/T 9704 wants 28 characters of 16 pt in 156 mm: a pitch of 15.79 pt, so
        −0.21 pt per character.  Word can get this from a ``linesAndChars``
        document grid, but LibreOffice then gives each 16 pt character two grid
        cells (14 per line); tracking gives 28 per line in both.
        """
        if not self.chars_per_line:
            return 0
        pitch = self.text_width / self.chars_per_line  # twips
        return math.floor(pitch - self.body_sz * 10)


def _from_layout(lp: LayoutPreset) -> Preset:
    """The twips/half-points of a format-neutral preset (render/presets.py)."""
    # Rounded down: 22 lines of 580 twips (29.0 pt) are 0.2 pt more than GB/T's 225 mm type
    # area, and LibreOffice then fits 21; 579 twips (28.95 pt) fit 22.
    exact = math.floor(lp.line_pitch_pt * 20) if lp.line_pitch_pt else 0
    line = ("exact", exact) if exact else ("auto", round(240 * (lp.line_multiple or 1.0)))
    pitch = exact or round(lp.body_pt * 20 * 1.3)
    return Preset(
        lp.name, mm(lp.page_mm[0]), mm(lp.page_mm[1]), top=mm(lp.margin_top_mm), bottom=mm(lp.margin_bottom_mm),
        left=mm(lp.margin_left_mm), right=mm(lp.margin_right_mm), header=mm(lp.header_mm), footer=mm(lp.footer_mm),
        body_sz=round(lp.body_pt * 2), title_sz=round(lp.title.size_pt * 2), h1_sz=round(lp.chapter.size_pt * 2),
        h2_sz=round(lp.section.size_pt * 2), h3_sz=round(lp.subsection.size_pt * 2), table_sz=round(lp.table_pt * 2),
        header_sz=round(lp.header_pt * 2), line=line, grid="lines" if lp.lines_per_page else "none",
        line_pitch=pitch, chars_per_line=lp.chars_per_line, para_after=pt(lp.para_after_pt),
        title_sans=lp.title.family == "sans", layout=lp,
    )


PRESETS: dict[str, Preset] = {name: _from_layout(lp) for name, lp in LAYOUT_PRESETS.items()}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown DOCX preset {name!r}; known: {', '.join(PRESETS)}") from None


# --------------------------------------------------------------------------
# Fonts per locale
# --------------------------------------------------------------------------


def word_lang(locale: Locale) -> str:
    """The Word language tag for a locale (``w:lang/@w:eastAsia``, core language)."""
    if locale.code.endswith("HK"):
        return "zh-HK"
    return "zh-TW" if locale.traditional else "zh-CN"


# Windows fonts of the same kind, written as w:altName in the font table.
# ECMA-376 §17.8.3.1: a comma-separated list tried in order when the font is missing,
# before substitution by charset/family.  Windows Chinese fonts, English and Chinese names.
_ALT_SERIF = {False: "FangSong,仿宋,SimSun,宋体", True: "PMingLiU,新細明體,MingLiU,細明體"}
_ALT_SANS = {False: "SimHei,黑体,Microsoft YaHei,微软雅黑", True: "Microsoft JhengHei,微軟正黑體"}


@dataclass(frozen=True)
class Fonts:
    serif: str  # body (仿宋/宋体-like)
    sans: str  # headings, labels (黑体-like)
    lang: str
    charset: str  # fontTable charset: 86 GB2312, 88 Big5


def locale_fonts(locale: Locale) -> Fonts:
    return Fonts(
        serif=locale.docx_east_asia_font,
        sans=locale.sans_family,
        lang=word_lang(locale),
        charset="88" if locale.traditional else "86",
    )


# --------------------------------------------------------------------------
# Style sheet
# --------------------------------------------------------------------------

# Style ids used by the writer (render/docx.py).  Names are what Word shows.
STYLE_NAMES = {
    "Normal": "Normal",
    "Title": "Title",
    "Heading1": "heading 1",
    "Heading2": "heading 2",
    "Heading3": "heading 3",
    "Header": "header",
    "Footer": "footer",
    "PDArticle": "PD Article",
    "PDBody": "PD Body",
    "PDItem": "PD Item",
    "PDNote": "PD Note",
    "PDClause": "PD Clause",
    "PDSubtitle": "PD Subtitle",
    "PDMeta": "PD Meta",
    "PDBlockHeading": "PD Block Heading",
    "PDTableText": "PD Table Text",
    "PDHeaderText": "PD Header Text",
    "PDLabel": "PD Label",
    "TOC1": "toc 1",
    "TOC2": "toc 2",
    "Hyperlink": "Hyperlink",
    "TableGrid": "Table Grid",
    "TableNormal": "Normal Table",
    "DefaultParagraphFont": "Default Paragraph Font",
}


def _rfonts(font: str) -> str:
    """One face for every script: Latin letters and digits use the Latin glyphs of the
    Noto CJK face itself, so they match the Han text in weight and height, print the
    same in PDF and DOCX, and need no font beyond the CJK package the set-up installs."""
    a = quoteattr(font)
    return f'<w:rFonts w:ascii={a} w:hAnsi={a} w:eastAsia={a} w:cs={a}/>'


def _rpr(fonts: str, sz: int | None = None, bold: bool = False, color: str | None = None, extra: str = "",
         tracking: int = 0) -> str:
    out = [fonts]  # schema order: rFonts, b, bCs, color, spacing, sz, szCs, u …
    if bold:
        out.append("<w:b/><w:bCs/>")
    if color:
        out.append(f'<w:color w:val="{color}"/>')
    if tracking:
        out.append(f'<w:spacing w:val="{tracking}"/>')
    if sz:
        out.append(f'<w:sz w:val="{sz}"/><w:szCs w:val="{sz}"/>')
    out.append(extra)
    return "<w:rPr>" + "".join(out) + "</w:rPr>"


def _spacing(p: Preset, before: int = 0, after: int = 0, line: tuple[str, int] | None = None) -> str:
    """Paragraph spacing; a style with its own line spacing (titles, tables, header) is taken
    off the document grid, which would otherwise stretch each of its lines to a grid line."""
    rule, val = line or p.line
    off_grid = '<w:snapToGrid w:val="0"/>' if line is not None else ""
    return f'{off_grid}<w:spacing w:before="{before}" w:after="{after}" w:line="{val}" w:lineRule="{rule}"/>'


def _indent_chars(p: Preset, chars: int = 2, sz: int | None = None) -> str:
    twips = (sz or p.body_sz) * 10 * chars
    return f'<w:ind w:firstLine="{twips}" w:firstLineChars="{chars * 100}"/>'


def _style(kind: str, sid: str, *, based: str | None = None, nxt: str | None = None, default: bool = False,
           ppr: str = "", rpr: str = "", tblpr: str = "", hidden: bool = False, qformat: bool = False,
           priority: int | None = None) -> str:
    """One w:style, children in schema order (name, basedOn, next, uiPriority, semiHidden,
    unhideWhenUsed, qFormat, pPr, rPr, tblPr) so Word accepts the file."""
    attrs = f' w:type="{kind}"' + (' w:default="1"' if default else "") + f' w:styleId="{sid}"'
    out = [f"<w:style{attrs}>", f'<w:name w:val="{STYLE_NAMES.get(sid, sid)}"/>']
    if based:
        out.append(f'<w:basedOn w:val="{based}"/>')
    if nxt:
        out.append(f'<w:next w:val="{nxt}"/>')
    if priority is not None:
        out.append(f'<w:uiPriority w:val="{priority}"/>')
    if hidden:
        out.append("<w:semiHidden/><w:unhideWhenUsed/>")
    if qformat:
        out.append("<w:qFormat/>")
    if ppr:
        out.append(f"<w:pPr>{ppr}</w:pPr>")
    if rpr:
        out.append(rpr)
    if tblpr:
        out.append(f"<w:tblPr>{tblpr}</w:tblPr>")
    out.append("</w:style>")
    return "".join(out)


# Paragraph defaults: kinsoku and overflowPunct explicit (LibreOffice dropped a full-width comma
# at the end of a justified line without the latter); no automatic space between Han and
# Latin letters (autoSpaceDE) or digits (autoSpaceDN): dates print tight (2025年1月1日) as
# in the PDF (Typst ``cjk-latin-spacing: none``) and in GB/T 9704 documents. Word and WPS
# honour the switches; LibreOffice's DOCX import ignores them and adds a small gap.
_PPR_DEFAULT = ('<w:widowControl w:val="0"/><w:kinsoku w:val="1"/><w:overflowPunct w:val="1"/>'
                '<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:jc w:val="both"/>')


def styles_xml(p: Preset, f: Fonts) -> str:
    serif = _rfonts(f.serif)
    sans = _rfonts(f.sans)
    title_fonts = sans if p.title_sans else serif
    exact_single = ("auto", 240)
    table_line = ("auto", 240)
    s: list[str] = []
    s.append(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:styles xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f"{serif}"
        f'<w:kern w:val="2"/><w:sz w:val="{p.body_sz}"/><w:szCs w:val="{p.body_sz}"/>'
        f'<w:lang w:val="en-US" w:eastAsia="{f.lang}" w:bidi="ar-SA"/>'
        "</w:rPr></w:rPrDefault>"
        f'<w:pPrDefault><w:pPr>{_PPR_DEFAULT}</w:pPr></w:pPrDefault>'
        "</w:docDefaults>"
    )
    body_ppr = _spacing(p, after=p.para_after)
    s.append(_style("paragraph", "Normal", default=True, qformat=True, priority=0, ppr=body_ppr,
                    rpr=_rpr(serif, p.body_sz, tracking=p.tracking)))
    s.append(_style("character", "DefaultParagraphFont", default=True, priority=1, hidden=True))
    s.append(_style("table", "TableNormal", default=True, priority=99, hidden=True, rpr=_rpr(serif),
                    tblpr='<w:tblInd w:w="0" w:type="dxa"/>'
                          '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
                          '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>'))
    s.append(_style("table", "TableGrid", based="TableNormal", priority=59,
                    ppr=_spacing(p, line=table_line), rpr=_rpr(serif),
                    tblpr='<w:tblBorders>'
                          + "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
                                    for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
                          + '</w:tblBorders><w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
                            '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'))
    # Title: 二号 小标宋-like (serif bold) for GB/T, 黑体 for the handbook.
    s.append(_style("paragraph", "Title", based="Normal", nxt="Normal", qformat=True, priority=10,
                    ppr='<w:keepNext/>' + _spacing(p, before=0, after=pt(p.title_sz / 4), line=("auto", 240))
                        + '<w:ind w:firstLine="0" w:firstLineChars="0"/><w:jc w:val="center"/>',
                    rpr=_rpr(title_fonts, p.title_sz, bold=True)))
    s.append(_style("paragraph", "PDSubtitle", based="Normal", nxt="Normal", qformat=True,
                    ppr=_spacing(p, after=pt(6), line=exact_single) + '<w:jc w:val="center"/>',
                    rpr=_rpr(serif, p.body_sz)))
    s.append(_style("paragraph", "PDMeta", based="Normal", nxt="Normal",
                    ppr=_spacing(p, after=pt(p.body_sz / 2), line=exact_single) + '<w:jc w:val="center"/>',
                    rpr=_rpr(serif, p.table_sz)))
    # Headings: chapter 黑体, section 楷体-like (serif bold; Noto has no Kai), third level bold.
    # On a line grid (GB/T 9704: 22 lines a page) a heading takes one grid line, no extra space.
    h1_space = 0 if p.grid == "lines" else pt(p.h1_sz / 4)
    s.append(_style("paragraph", "Heading1", based="Normal", nxt="Normal", qformat=True, priority=9,
                    ppr='<w:keepNext/><w:keepLines/>' + _spacing(p, before=h1_space, after=h1_space)
                        + '<w:jc w:val="center"/><w:outlineLvl w:val="0"/>',
                    rpr=_rpr(sans, p.h1_sz)))
    s.append(_style("paragraph", "Heading2", based="Normal", nxt="Normal", qformat=True, priority=9,
                    ppr='<w:keepNext/><w:keepLines/>' + _spacing(p) + '<w:jc w:val="center"/><w:outlineLvl w:val="1"/>',
                    rpr=_rpr(serif, p.h2_sz, bold=True)))
    s.append(_style("paragraph", "Heading3", based="Normal", nxt="Normal", qformat=True, priority=9,
                    ppr='<w:keepNext/><w:keepLines/>' + _spacing(p) + _indent_chars(p, 2, p.h3_sz)
                        + '<w:outlineLvl w:val="2"/>',
                    rpr=_rpr(serif, p.h3_sz, bold=True)))
    # Body paragraphs: two-character first-line indent.
    for sid in ("PDArticle", "PDBody", "PDItem", "PDClause"):
        s.append(_style("paragraph", sid, based="Normal", nxt=sid, qformat=sid == "PDArticle",
                        ppr=_indent_chars(p), rpr=_rpr(serif)))
    s.append(_style("paragraph", "PDNote", based="Normal", nxt="Normal",
                    ppr=f'<w:ind w:left="{p.body_sz * 20}" w:leftChars="200"/>',
                    rpr=_rpr(serif, p.table_sz + (4 if p.name == "gbt9704" else 0))))
    s.append(_style("paragraph", "PDBlockHeading", based="Normal", nxt="Normal",
                    ppr='<w:keepNext/>' + _spacing(p, before=pt(12), after=pt(6), line=exact_single)
                        + '<w:jc w:val="left"/>',
                    rpr=_rpr(sans, p.table_sz + 4)))
    s.append(_style("paragraph", "PDTableText", based="Normal", nxt="PDTableText",
                    ppr=_spacing(p, line=table_line) + '<w:jc w:val="left"/>',
                    rpr=_rpr(serif, p.table_sz)))
    s.append(_style("paragraph", "Header", based="Normal", priority=99,
                    ppr=_spacing(p, line=("auto", 240)) + '<w:jc w:val="center"/>',
                    rpr=_rpr(serif, p.header_sz)))
    s.append(_style("paragraph", "Footer", based="Normal", priority=99,
                    ppr=_spacing(p, line=("auto", 240)) + '<w:jc w:val="center"/>',
                    rpr=_rpr(serif, p.header_sz)))
    s.append(_style("paragraph", "PDHeaderText", based="Header",
                    ppr=_spacing(p, line=("auto", 240)) + '<w:jc w:val="left"/>',
                    rpr=_rpr(serif, p.header_sz)))
    # Table of contents (Word's built-in "toc 1"/"toc 2"): title or chapter, dot leader, page number.
    toc_tabs = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{p.text_width}"/></w:tabs>'
    s.append(_style("paragraph", "TOC1", based="Normal", nxt="Normal", priority=39,
                    ppr=toc_tabs + _spacing(p, before=pt(6), line=("auto", 276))
                        + '<w:ind w:firstLine="0" w:firstLineChars="0"/><w:jc w:val="left"/>',
                    rpr=_rpr(sans, p.body_sz)))
    s.append(_style("paragraph", "TOC2", based="Normal", nxt="Normal", priority=39,
                    ppr=toc_tabs + _spacing(p, line=("auto", 276))
                        + f'<w:ind w:left="{p.body_sz * 20}" w:leftChars="200" w:firstLine="0" w:firstLineChars="0"/>'
                          '<w:jc w:val="left"/>',
                    rpr=_rpr(serif, p.table_sz + 2)))
    s.append(_style("character", "PDLabel", based="DefaultParagraphFont", qformat=True, rpr=_rpr(sans)))
    s.append(_style("character", "Hyperlink", based="DefaultParagraphFont", priority=99,
                    rpr=_rpr(serif, color="0563C1", extra='<w:u w:val="single"/>')))
    s.append("</w:styles>")
    return "".join(s)


def style_east_asia_fonts(p: Preset, f: Fonts) -> dict[str, str]:
    """styleId → East Asian font, as declared by ``styles_xml`` (used by tests)."""
    sans = {"Heading1", "PDBlockHeading", "PDLabel", "TOC1"} | ({"Title"} if p.title_sans else set())
    return {sid: (f.sans if sid in sans else f.serif) for sid in STYLE_NAMES}


# --------------------------------------------------------------------------
# Other parts
# --------------------------------------------------------------------------


def document_xml(p: Preset) -> str:
    grid = f'<w:docGrid w:linePitch="{p.line_pitch}"' if p.grid == "none" else \
        f'<w:docGrid w:type="{p.grid}" w:linePitch="{p.line_pitch}"'
    if p.grid == "linesAndChars":
        grid += f' w:charSpace="{p.char_space}"'
    grid += "/>"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body><w:sectPr>'
        f'<w:pgSz w:w="{p.page_w}" w:h="{p.page_h}"/>'
        f'<w:pgMar w:top="{p.top}" w:right="{p.right}" w:bottom="{p.bottom}" w:left="{p.left}" '
        f'w:header="{p.header}" w:footer="{p.footer}" w:gutter="0"/>'
        f'<w:cols w:space="425"/>{grid}</w:sectPr></w:body></w:document>'
    )


def font_table_xml(p: Preset, f: Fonts) -> str:
    def font(name: str, charset: str, family: str, alt: str = "") -> str:
        alt_xml = f"<w:altName w:val={quoteattr(alt)}/>" if alt else ""
        return (f"<w:font w:name={quoteattr(name)}>{alt_xml}<w:charset w:val=\"{charset}\"/>"
                f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>')

    trad = f.charset == "88"
    fonts = [font(f.serif, f.charset, "roman", _ALT_SERIF[trad])]
    if f.sans != f.serif:
        fonts.append(font(f.sans, f.charset, "modern", _ALT_SANS[trad]))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:fonts xmlns:w="{W_NS}" xmlns:r="{R_NS}">' + "".join(fonts) + "</w:fonts>")


def _settings_xml(src: str, f: Fonts) -> str:
    src = re.sub(r"<w:rsids>.*?</w:rsids>", "", src, flags=re.S)
    src = re.sub(r'<w:themeFontLang [^>]*/>', f'<w:themeFontLang w:val="en-US" w:eastAsia="{f.lang}"/>', src)
    src = src.replace('<w:proofState w:spelling="clean" w:grammar="clean"/>', "")
    return src


def _theme_xml(src: str, f: Fonts) -> str:
    """Theme fonts (major = headings, minor = body): our faces for Latin and East Asian
    text, so even a user's new style that takes theme fonts lands on a Noto face."""
    for kind, face in (("major", f.sans), ("minor", f.serif)):
        def fix(m: re.Match, face: str = face) -> str:
            block = re.sub(r'<a:latin typeface="[^"]*"', f'<a:latin typeface={quoteattr(face)}', m.group(0), count=1)
            return re.sub(r'<a:ea typeface="[^"]*"/>', f'<a:ea typeface={quoteattr(face)}/>', block, count=1)
        src = re.sub(rf"<a:{kind}Font>.*?</a:{kind}Font>", fix, src, count=1, flags=re.S)
    return src


_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title/><dc:subject/><dc:creator>policydocs</dc:creator><cp:keywords/>"
    "<cp:lastModifiedBy>policydocs</cp:lastModifiedBy><cp:revision>1</cp:revision>"
    "</cp:coreProperties>"
)

_DROP_PARTS = ("word/stylesWithEffects.xml", "word/numbering.xml", "docProps/thumbnail.jpeg",
               "customXml/")


def _default_docx_path() -> Path:
    return Path(docx.__file__).parent / "templates" / "default.docx"


@lru_cache(maxsize=None)
def reference_bytes(preset: str = "gbt9704", locale: str = "zh-Hans") -> bytes:
    """The reference DOCX for a preset and locale (built once per process)."""
    p = get_preset(preset)
    f = locale_fonts(get_locale(locale))
    out = io.BytesIO()
    with zipfile.ZipFile(_default_docx_path()) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            if any(name.startswith(d) for d in _DROP_PARTS):
                continue
            data = src.read(name).decode("utf-8")
            if name == "[Content_Types].xml":
                data = re.sub(r'<Override PartName="/(word/stylesWithEffects|word/numbering|customXml/[^"]*)[^>]*/>', "", data)
            elif name == "_rels/.rels":
                data = re.sub(r'<Relationship [^>]*thumbnail[^>]*/>', "", data)
            elif name == "word/_rels/document.xml.rels":
                data = re.sub(r'<Relationship [^>]*(stylesWithEffects|customXml|numbering)[^>]*/>', "", data)
            elif name == "word/styles.xml":
                data = styles_xml(p, f)
            elif name == "word/settings.xml":
                data = _settings_xml(data, f)
            elif name == "word/theme/theme1.xml":
                data = _theme_xml(data, f)
            elif name == "word/fontTable.xml":
                data = font_table_xml(p, f)
            elif name == "word/document.xml":
                data = document_xml(p)
            elif name == "docProps/core.xml":
                data = _CORE
            elif name == "docProps/app.xml":
                data = re.sub(r"<Application>[^<]*</Application>", "<Application>policydocs</Application>", data)
                data = data.replace("<Template>Normal.dotm</Template>", "")
            dst.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data.encode("utf-8"),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m policydocs.render.docx_styles",
                                 description="Export a policydocs reference DOCX to customise in Word.")
    ap.add_argument("out", type=Path)
    ap.add_argument("--preset", default="gbt9704", choices=sorted(PRESETS))
    ap.add_argument("--locale", default="zh-Hans")
    args = ap.parse_args(argv)
    args.out.write_bytes(reference_bytes(args.preset, args.locale))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
