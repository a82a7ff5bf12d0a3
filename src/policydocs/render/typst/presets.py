"""Page presets of the PDF writer (the same names as the DOCX presets).

``gbt9704`` follows GB/T 9704-2012: A4, top 37 mm, bottom 35 mm, left
(binding) 28 mm, right 26 mm, so a type area of 156 × 225 mm holding 22 lines
of 28 characters: body 三号 16 pt on a line pitch of 225 mm / 22 = 28.99 pt,
characters tracked −0.21 pt so that 28 fit in 156 mm (a 16 pt character
needs 15.79 pt), title 二号 22 pt, page numbers "— 1 —" in 四号 14 pt,
odd pages right, even pages left.

``handbook`` is the lighter company style: 小四 12 pt body on 1.25 lines,
小二 18 pt 黑体 title, compact margins.

The page, type and heading figures come from ``render/presets.py``, which the
DOCX writer reads too, so a policy's PDF and DOCX agree.

Fonts: a fresh machine has Noto CJK (Regular and Bold), DejaVu and
Liberation only, so 仿宋 (body) and 小标宋 (title) are Noto Serif CJK
Regular/Bold, 黑体 is Noto Sans CJK and 楷体 (second-level headings) falls
back to Noto Serif CJK. A company with licensed faces names their families in
``[pdf.fonts]`` (body, title, heading); they come first, the locale's Noto
face after them (for what they lack, e.g. a GB2312 仿宋 in a Traditional text).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ...core.locales import Locale
from ...read.config import PDF_FONT_ROLES, PdfConfig
from ..presets import HeadingStyle, LayoutPreset, layout_preset

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Face:
    """Size and face of one kind of heading."""

    size: float  # pt
    family: str  # "serif" (宋/仿宋/小标宋-like) | "sans" (黑体-like)
    bold: bool


@dataclass(frozen=True)
class PagePreset:
    name: str
    top: float  # margins, mm
    bottom: float
    left: float
    right: float
    body_size: float  # pt
    pitch: float  # pt from one baseline to the next in body text
    tracking: float  # pt added after every character of body text
    title: Face
    chapter: Face  # 第一章 / 一、
    section: Face  # 第一节 / （一）
    subsection: Face  # sectioned level 3: 1.
    table_size: float
    header_size: float  # the document-control header
    page_number_size: float
    para_gap: float = 0.0  # pt between paragraphs beyond the line pitch
    mirror_page_numbers: bool = False  # GB/T: odd pages right, even pages left

    @property
    def type_width(self) -> float:
        """Width of the type area in pt."""
        return (210 - self.left - self.right) * MM

    def as_data(self) -> dict:
        """The preset as template data (sizes in pt, margins in mm)."""
        return asdict(self)


def _tracking_for(chars: int, size: float, left: float, right: float) -> float:
    """Tracking (pt, rounded down to 0.01) that fits ``chars`` full-width characters per line."""
    pitch = (210 - left - right) * MM / chars
    return -(int(round((size - pitch) * 100 + 0.5))) / 100 if pitch < size else 0.0


#: Noto CJK's single line (ascender + descender) in em, as Word and LibreOffice measure it.
NOTO_SINGLE_LINE = 1.448


def _face(style: HeadingStyle) -> Face:
    return Face(style.size_pt, style.family, style.bold)


def from_layout(layout: LayoutPreset, *, page_number_size: float, mirror_page_numbers: bool = False) -> PagePreset:
    """The PDF preset of a shared layout preset (render/presets.py): the same page, type
    and headings as the DOCX, plus what only a PDF decides (tracking to fit the
    characters per line exactly, the page number's size and side)."""
    pitch = layout.line_pitch_pt or layout.body_pt * NOTO_SINGLE_LINE * (layout.line_multiple or 1.0)
    tracking = (_tracking_for(layout.chars_per_line, layout.body_pt, layout.margin_left_mm, layout.margin_right_mm)
                if layout.chars_per_line else 0.0)
    return PagePreset(layout.name, top=layout.margin_top_mm, bottom=layout.margin_bottom_mm,
                      left=layout.margin_left_mm, right=layout.margin_right_mm, body_size=layout.body_pt,
                      pitch=pitch, tracking=tracking, title=_face(layout.title), chapter=_face(layout.chapter),
                      section=_face(layout.section), subsection=_face(layout.subsection),
                      table_size=layout.table_pt, header_size=layout.header_pt, page_number_size=page_number_size,
                      para_gap=layout.para_after_pt, mirror_page_numbers=mirror_page_numbers)


PRESETS: dict[str, PagePreset] = {
    # GB/T 9704-2012: page numbers "— 1 —" in 四号 14 pt, odd pages right, even pages left.
    "gbt9704": from_layout(layout_preset("gbt9704"), page_number_size=14, mirror_page_numbers=True),
    "handbook": from_layout(layout_preset("handbook"), page_number_size=10.5),
}


def get_preset(name: str) -> PagePreset:
    """A preset by name; ValueError naming the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown PDF preset {name!r}; known: {', '.join(PRESETS)}") from None


_REGIONS = {"zh-Hans": "cn", "zh-Hant": "tw", "zh-Hant-TW": "tw", "zh-Hant-HK": "hk"}


def locale_data(loc: Locale, fonts: PdfConfig | None = None) -> dict:
    """Language, region and font families of a locale, for the templates: ``serif`` and
    ``sans`` are the locale's Noto faces; ``body``, ``title`` and ``heading`` the families
    ``[pdf.fonts]`` names (``fonts``), which the templates put ahead of them."""
    named = {role: list(fonts.font_families(role)) if fonts else [] for role in PDF_FONT_ROLES}
    return {"lang": "zh", "region": _REGIONS.get(loc.code, "cn"), "serif": loc.font_family,
            "sans": loc.sans_family, "code": loc.code, **named}
