"""Page and type presets shared by every writer (DOCX now; the PDF engine reads the same figures).

A preset says how a controlled document looks on the page, in units a
typesetter uses (mm, pt), independent of the file format:

- ``gbt9704``: GB/T 9704-2012, the government document format many companies
  imitate: A4, margins top 37 / bottom 35 / left 28 / right 26 mm (type area
  156 × 225 mm), 22 lines × 28 characters, 三号 16 pt body, 二号 22 pt title;
- ``handbook``: the lighter style of company handbooks: 小四 12 pt body,
  1.25 line spacing, 小二 18 pt sans title.

Rules that hold in every preset (docs/docx.md, "Presets"):

- Headings of documents with chapters (第一章, 第一节) are centred; the headings of
  sectioned documents (一、 （一） 1.) sit where a paragraph starts: left-aligned,
  indented two characters (GB/T 9704 §7.3.3 places them like body text).
- No space between Han characters and Latin letters or digits
  (``cjk_latin_spacing = False``): dates print tight, ``2025年1月1日``, as GB/T 9704
  documents do, and text read back from the PDF (search, copy, ``pdftotext``)
  is the text as written — a layout gap reads back as ``2025 年 1 月 1 日``.
  Typst: ``text(cjk-latin-spacing: none)``; Word and WPS: ``w:autoSpaceDE`` and
  ``w:autoSpaceDN`` off. LibreOffice's DOCX import ignores both switches and
  adds a small gap (0.13–0.2 em) on screen; its text is unchanged.
- Latin letters and digits use the Latin glyphs of the same Noto CJK face as
  the Han text (no separate Latin font).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HeadingStyle:
    size_pt: float
    family: str  # "serif" (宋/仿宋-like) | "sans" (黑体-like)
    bold: bool


@dataclass(frozen=True)
class LayoutPreset:
    """The page and type of one preset, in mm and pt."""

    name: str
    page_mm: tuple[float, float]
    margin_top_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    margin_right_mm: float
    header_mm: float  # page edge → page header
    footer_mm: float  # page edge → page footer
    body_pt: float
    title: HeadingStyle
    chapter: HeadingStyle  # 第一章 / 一、
    section: HeadingStyle  # 第一节 / （一）
    subsection: HeadingStyle  # sectioned level 3: 1.
    table_pt: float
    header_pt: float  # the document-control header
    line_pitch_pt: float | None = None  # exact line pitch of body text (GB/T: 225 mm / 22)
    line_multiple: float | None = None  # or a multiple of single spacing
    lines_per_page: int = 0  # 0: not fixed
    chars_per_line: int = 0  # 0: not fixed (GB/T: 28 characters of 16 pt in 156 mm)
    para_after_pt: float = 0
    cjk_latin_spacing: bool = False
    chapter_align: str = "center"  # headings of documents with chapters
    sectioned_align: str = "indent"  # 一、（一）1.: left, two characters in

    @property
    def text_width_mm(self) -> float:
        return self.page_mm[0] - self.margin_left_mm - self.margin_right_mm

    @property
    def text_height_mm(self) -> float:
        return self.page_mm[1] - self.margin_top_mm - self.margin_bottom_mm


A4_MM = (210.0, 297.0)

LAYOUT_PRESETS: dict[str, LayoutPreset] = {
    "gbt9704": LayoutPreset(
        "gbt9704", A4_MM, margin_top_mm=37, margin_bottom_mm=35, margin_left_mm=28, margin_right_mm=26,
        header_mm=12, footer_mm=20, body_pt=16,
        title=HeadingStyle(22, "serif", True),  # 二号 小标宋-like
        chapter=HeadingStyle(16, "sans", False),  # 三号 黑体
        section=HeadingStyle(16, "serif", True),  # 楷体-like (Noto has no Kai: bold serif)
        subsection=HeadingStyle(16, "serif", True),
        table_pt=12, header_pt=10.5,
        line_pitch_pt=225 / 25.4 * 72 / 22, lines_per_page=22, chars_per_line=28,
    ),
    "handbook": LayoutPreset(
        "handbook", A4_MM, margin_top_mm=25, margin_bottom_mm=22, margin_left_mm=22, margin_right_mm=20,
        header_mm=10, footer_mm=10, body_pt=12,
        title=HeadingStyle(18, "sans", True),
        chapter=HeadingStyle(15, "sans", False),
        section=HeadingStyle(14, "serif", True),
        subsection=HeadingStyle(12, "serif", True),
        table_pt=10.5, header_pt=9,
        line_multiple=1.25, para_after_pt=3,
    ),
}


def layout_preset(name: str) -> LayoutPreset:
    """The preset called ``name``; ValueError names the known ones."""
    try:
        return LAYOUT_PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(LAYOUT_PRESETS)}") from None
