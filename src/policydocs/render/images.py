"""Pictures (``model.Image``) for the writers that cannot just point at the file.

- :func:`display_size_px`: the size a picture is shown at — its own size at
  96 dpi, never wider than the text.
- :func:`svg_to_png`: a PNG copy of an SVG drawing (drawn by Typst at 2×,
  with the project's fonts), for Word versions that cannot show SVG.
- :func:`docx_picture_xml`: the ``w:drawing`` run of a picture in a DOCX;
  SVG goes in as Office 2016's ``asvg:svgBlip`` with the PNG copy as the
  fallback every Word, WPS and LibreOffice version can show.

The HTML writer needs none of this (``<img src>``); the PDF engine (Typst)
reads the picture itself, by its project-relative path ``Image.rel``.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import typst
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from lxml import etree

from ..core.errors import PolicyError
from ..core.model import Image
from .typst.engine import engine_for
from .typst.escape import string

EMU_PER_PX = 9525  # 914400 EMU per inch / 96 px per inch
_SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
_ASVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
_DEFAULT_PX = (480.0, 270.0)  # an SVG that states no size at all


def display_size_px(image: Image, max_width_px: float) -> tuple[float, float]:
    """(width, height) in CSS px: the picture's own size, scaled down to ``max_width_px``."""
    width, height = image.width or _DEFAULT_PX[0], image.height or _DEFAULT_PX[1]
    if width > max_width_px:
        width, height = max_width_px, height * max_width_px / width
    return width, height


def svg_to_png(image: Image, scale: float = 2.0) -> bytes:
    """A PNG rendering of an SVG picture at ``scale`` × its display size (cached by content hash)."""
    if image.path is None:
        raise ValueError("svg_to_png needs a resolved image")
    width, _ = display_size_px(image, 10_000)
    root = Path(str(image.path)[: -len(image.rel)]) if image.rel else image.path.parent
    return _svg_png(str(root), image.rel or image.path.name, image.sha256, round(width), scale)


@functools.lru_cache(maxsize=64)
def _svg_png(root: str, rel: str, sha256: str, width_px: int, scale: float) -> bytes:
    """Typst draws the SVG (its own SVG renderer, the project's fonts) on a page of exactly its size."""
    source = (f'#set page(width: auto, height: auto, margin: 0pt)\n'
              f'#image({string("/" + rel)}, width: {width_px * 0.75}pt)\n')
    try:
        return engine_for(root).compiler.compile(input=source.encode("utf-8"), format="png", ppi=96 * scale)
    except typst.TypstError as exc:
        raise PolicyError(rel, 0, f"cannot draw the SVG picture: {exc.message}") from None


def docx_picture_xml(part, image: Image, max_width_emu: int, shape_id: int) -> str:
    """``<w:r><w:drawing>…</w:drawing></w:r>`` showing ``image`` in the story ``part``
    (the document body), at most ``max_width_emu`` wide; the picture's parts are added once per content."""
    width, height = display_size_px(image, max_width_emu / EMU_PER_PX)
    cx, cy = round(width * EMU_PER_PX), round(height * EMU_PER_PX)
    if image.media_type == "image/svg+xml":
        png = svg_to_png(image)
    else:
        png = image.path.read_bytes()  # type: ignore[union-attr]
    rid, _ = part.get_or_add_image(io.BytesIO(png))
    name = Path(image.rel).name or "picture"
    inline = CT_Inline.new_pic_inline(shape_id, rid, name, cx, cy)
    inline.docPr.set("descr", image.alt or name)
    if image.media_type == "image/svg+xml":
        svg_rid = _svg_part(part, image)
        blip = inline.find(".//" + qn("a:blip"))
        ext_lst = etree.SubElement(blip, qn("a:extLst"))
        ext = etree.SubElement(ext_lst, qn("a:ext"), uri=_SVG_EXT)
        svg = etree.SubElement(ext, f"{{{_ASVG_NS}}}svgBlip", nsmap={"asvg": _ASVG_NS})
        svg.set(qn("r:embed"), svg_rid)
    drawing = etree.tostring(inline, encoding="unicode")
    return f"<w:r><w:drawing>{drawing}</w:drawing></w:r>"


def _svg_part(part, image: Image) -> str:
    """The relationship id of the SVG itself (one part per content hash)."""
    partname = PackURI(f"/word/media/svg-{image.sha256[:16]}.svg")
    for rel in part.rels.values():
        if not rel.is_external and rel.target_part.partname == partname:
            return rel.rId
    svg_part = Part(partname, "image/svg+xml", image.path.read_bytes(), part.package)  # type: ignore[union-attr]
    return part.relate_to(svg_part, RT.IMAGE)
