"""Pictures (``model.Image``) for the writers that cannot just point at the file.

- :func:`display_size_px`: the size a picture is shown at — its own size at
  96 dpi, never wider than the text.
- :func:`svg_to_png`: a PNG copy of an SVG drawing (WeasyPrint lays it out
  as a one-page PDF, poppler's ``pdftoppm`` rasterises it at 2×), for Word
  versions that cannot show SVG.
- :func:`docx_picture_xml`: the ``w:drawing`` run of a picture in a DOCX;
  SVG goes in as Office 2016's ``asvg:svgBlip`` with the PNG copy as the
  fallback every Word, WPS and LibreOffice version can show.

The HTML writer needs none of this (``<img src>``); the PDF engine reads
``Image.path`` itself.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from lxml import etree

from ..core.errors import PolicyError
from ..core.model import Image

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
    width, height = display_size_px(image, 10_000)
    return _svg_png(str(image.path), image.sha256, round(width), round(height), scale)


@functools.lru_cache(maxsize=64)
def _svg_png(path: str, sha256: str, width: int, height: int, scale: float) -> bytes:
    # imported here: only SVG pictures in a DOCX need it; `import weasyprint` measured 1.6–3.6 s on the
    # shared machine against 0.2–0.6 s for the whole DOCX writer (python -X importtime, same run)
    import weasyprint

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PolicyError(path, 0, "an SVG picture in a DOCX needs pdftoppm for its PNG copy: "
                                   "apt-get install poppler-utils (or use a PNG picture)")
    html = (f'<style>@page {{ size: {width}px {height}px; margin: 0 }} html, body {{ margin: 0 }}'
            f' img {{ display: block; width: {width}px; height: {height}px }}</style>'
            f'<img src="{Path(path).as_uri()}">')
    folder = Path(path).parent
    with tempfile.TemporaryDirectory(prefix="policydocs-svg-") as tmp:
        pdf = Path(tmp) / "drawing.pdf"
        weasyprint.HTML(string=html, base_url=str(folder)).write_pdf(pdf)
        dpi = round(96 * scale)
        subprocess.run([pdftoppm, "-png", "-r", str(dpi), "-singlefile", str(pdf), str(Path(tmp) / "drawing")],
                       check=True, capture_output=True, timeout=60)
        return (Path(tmp) / "drawing.png").read_bytes()


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
