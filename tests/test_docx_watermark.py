"""Draft DOCX files carry Word's own text watermark (草稿 DRAFT); released ones do not.

The watermark is what Word's Design → Watermark writes: a VML WordArt shape
(``#_x0000_t136``) named ``PowerPlusWaterMarkObject…`` in a paragraph of every
header of the document.  python-docx reads the files back, and LibreOffice, as
a second client, must really draw it: light red pixels on a diagonal across the
middle of page 1 of the draft, none on the released text.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import copy_project, preview, published, run_cli
from lxml import etree
from test_docx_support import articles_doc, context

from policydocs.core.model import VersionInfo
from policydocs.read.config import Config
from policydocs.render.docx import write_docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
V = "urn:schemas-microsoft-com:vml"
O = "urn:schemas-microsoft-com:office:office"
HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
NS = {"w": W, "v": V, "o": O, "r": R}
LO_TIMEOUT = 240


def draft_ctx(locale: str = "zh-Hans", config: Config | None = None):
    doc = articles_doc()
    doc.locale = locale
    return context(doc, config=config, version=VersionInfo.draft(doc))


def released_ctx(locale: str = "zh-Hans"):
    doc = articles_doc()
    doc.locale = locale
    return context(doc)


def write(ctx, path: Path) -> Path:
    write_docx(ctx, path)
    docx.Document(str(path))  # python-docx opens it
    return path


def document_headers(data: bytes) -> dict[str, etree._Element]:
    """{part name: parsed XML} of every header the document's sections reference
    (all of them must be referenced, none left over)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        targets = {r.get("Id"): "word/" + r.get("Target") for r in rels if r.get("Type") == HEADER_REL}
        body = etree.fromstring(z.read("word/document.xml"))
        used = {targets[ref.get(f"{{{R}}}id")] for ref in body.iter(f"{{{W}}}headerReference")}
        parts = sorted(n for n in names if re.fullmatch(r"word/header\d+\.xml", n))
        assert used == set(targets.values()) == set(parts), (used, targets, parts)
        return {n: etree.fromstring(z.read(n)) for n in parts}  # each one parses


def watermarks(root: etree._Element) -> list[etree._Element]:
    return root.xpath("//v:shape[starts-with(@id, 'PowerPlusWaterMarkObject')]", namespaces=NS)


def font_table(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/fontTable.xml"))
    return {f.get(f"{{{W}}}name") for f in root.iter(f"{{{W}}}font")}


def check_shape(shape: etree._Element, text: str) -> str:
    """The shape is Word's watermark; returns the font family of its text."""
    assert shape.get("type") == "#_x0000_t136"
    assert re.fullmatch(r"_x0000_s\d+", shape.get(f"{{{O}}}spid"))
    style = dict(kv.split(":", 1) for kv in shape.get("style").split(";"))
    assert style["position"] == "absolute" and style["rotation"] == "315"
    assert int(style["z-index"]) < 0  # behind the text
    for axis in ("horizontal", "vertical"):
        assert style[f"mso-position-{axis}"] == "center"
        assert style[f"mso-position-{axis}-relative"] == "margin"
    assert shape.get("fillcolor") == "#C00000" and shape.get("stroked") == "f"
    assert 0 < float(shape.find(f"{{{V}}}fill").get("opacity")) <= 0.5
    textpath = shape.find(f"{{{V}}}textpath")
    assert textpath.get("string") == text
    # the shape type it refers to is defined in the same part, as a text path
    root = shape.getroottree()
    shapetype = root.xpath("//v:shapetype[@id='_x0000_t136']", namespaces=NS)
    assert shapetype and shapetype[0].find(f"{{{V}}}textpath").get("on") == "t"
    # it sits in a run in a paragraph of the header
    assert shape.getparent().tag == f"{{{W}}}pict"
    assert shape.getparent().getparent().tag == f"{{{W}}}r"
    assert shape.getparent().getparent().getparent().tag == f"{{{W}}}p"
    family = re.search(r'font-family:"([^"]+)"', textpath.get("style"))
    assert family, textpath.get("style")
    return family.group(1)


# --------------------------------------------------------------------------
# The XML
# --------------------------------------------------------------------------


def test_draft_has_the_watermark_in_every_header(tmp_path):
    data = write(draft_ctx(), tmp_path / "draft.docx").read_bytes()
    headers = document_headers(data)
    assert headers
    for name, root in headers.items():
        shapes = watermarks(root)
        assert len(shapes) == 1, name
        font = check_shape(shapes[0], "草稿 DRAFT")
        assert font == "Noto Sans CJK SC" and font in font_table(data)
        # the control table is still there, and the red 草稿 DRAFT mark in it
        assert root.find(f"{{{W}}}tbl") is not None
        assert "草稿 DRAFT" in "".join(root.itertext())


def test_released_document_has_no_watermark(tmp_path):
    data = write(released_ctx(), tmp_path / "released.docx").read_bytes()
    assert document_headers(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                assert "PowerPlusWaterMark" not in xml and "v:textpath" not in xml and "_x0000_t136" not in xml, name


@pytest.mark.parametrize("locale, font", [("zh-Hant-TW", "Noto Sans CJK TC"), ("zh-Hant-HK", "Noto Sans CJK HK")])
def test_traditional_draft_uses_the_traditional_font(tmp_path, locale, font):
    ctx = draft_ctx(locale)
    assert ctx.word("draft") == "草稿"  # the same word in Traditional
    data = write(ctx, tmp_path / f"{locale}.docx").read_bytes()
    for root in document_headers(data).values():
        (shape,) = watermarks(root)
        assert check_shape(shape, "草稿 DRAFT") == font
    assert font in font_table(data)


def test_first_page_and_even_page_headers_are_watermarked_too(tmp_path):
    """An organisation's template with a different first page and odd/even headers:
    all three headers get the watermark, each shape with its own id."""
    ref = tmp_path / "org.docx"
    org = docx.Document()
    org.sections[0].different_first_page_header_footer = True
    org.settings.odd_and_even_pages_header_footer = True
    org.save(str(ref))
    cfg = Config(root=tmp_path)
    cfg.docx.reference = "org.docx"
    data = write(draft_ctx(config=cfg), tmp_path / "draft.docx").read_bytes()
    headers = document_headers(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        kinds = sorted(h.get(f"{{{W}}}type") for h in etree.fromstring(z.read("word/document.xml"))
                       .iter(f"{{{W}}}headerReference"))
    assert kinds == ["default", "even", "first"]
    ids = []
    for root in headers.values():
        (shape,) = watermarks(root)
        check_shape(shape, "草稿 DRAFT")
        ids += [shape.get("id"), shape.get(f"{{{O}}}spid")]
    assert len(ids) == len(set(ids)) == 6


def test_draft_output_is_reproducible(tmp_path):
    a = write(draft_ctx(), tmp_path / "a.docx").read_bytes()
    b = write(draft_ctx(), tmp_path / "b.docx").read_bytes()
    assert a == b


# --------------------------------------------------------------------------
# The real build and the handbook
# --------------------------------------------------------------------------


def _edit(root: Path, pid: str) -> None:
    """Working text that differs from the last release: built as a draft."""
    path = root / "policies" / f"{pid}.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip() + "\n\n本制度由人力资源部负责解释。\n", encoding="utf-8")


def test_build_watermarks_the_changed_policy_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    root = copy_project(tmp_path / "proj", ledger=True)
    _edit(root, "HR-TRN-001")
    assert run_cli("keys", "init-org", cwd=root).returncode == 0
    r = run_cli("build", "--formats", "docx", "--locales", "zh-Hans,zh-Hant-TW", "--policy", "HR-TRN-001",
                "--policy", "HR-ATT-002", cwd=root)
    assert r.returncode == 0, r.stderr
    for locale, font in (("zh-Hans", "Noto Sans CJK SC"), ("zh-Hant-TW", "Noto Sans CJK TC")):
        draft = preview(root, "HR-TRN-001", locale, "docx").read_bytes()
        for root_el in document_headers(draft).values():
            (shape,) = watermarks(root_el)
            assert check_shape(shape, "草稿 DRAFT") == font
        released = published(root, "HR-ATT-002", "A/1", locale, "docx").read_bytes()
        assert all(not watermarks(h) for h in document_headers(released).values())


def test_handbook_watermarks_the_draft_policy_section_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    from policydocs.pipeline.build import handbook_job, render_handbook
    from policydocs.pipeline.session import BuildSession
    from policydocs.products.handbook import load_handbook

    root = copy_project(tmp_path / "proj", ledger=True)
    _edit(root, "HR-TRN-001")
    session = BuildSession.open(root)
    hb = load_handbook(root / "handbooks" / "employee-handbook.yaml", session.project)
    hb.policy_ids = hb.policy_ids[:3]
    job = handbook_job(session, hb, "zh-Hans", ("docx",))
    parts = job.parts
    drafts = {p.ctx.doc.meta.id for p in parts if p.ctx.version.is_draft}
    assert drafts == {"HR-TRN-001"} and len(parts) == 3
    data = render_handbook(job)["docx"]
    docx.Document(io.BytesIO(data))
    marked, plain = set(), set()
    for root_el in document_headers(data).values():
        pid = re.search(r"[A-Z]+-[A-Z]+-\d{3}", "".join(root_el.itertext())).group(0)
        (marked if watermarks(root_el) else plain).add(pid)
        for shape in watermarks(root_el):
            check_shape(shape, "草稿 DRAFT")
    assert marked == {"HR-TRN-001"}
    assert plain == {p.ctx.doc.meta.id for p in parts} - drafts


# --------------------------------------------------------------------------
# LibreOffice draws it
# --------------------------------------------------------------------------


def _soffice() -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice (soffice) is not installed: install the Debian package libreoffice-writer "
                    "(`make setup` does) — it is the independent second client proving the DOCX files are valid")
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is not installed: install the Debian package poppler-utils")
    return soffice


def _reddish(png: Path) -> tuple[int, float, tuple[float, float]]:
    """Light red pixels (the watermark's 20 % #C00000 over white is about (242, 204, 204))
    in the page below the header: (count, correlation of x and y, centre as page fractions)."""
    from PIL import Image

    img = Image.open(png).convert("RGB")
    w, h = img.size
    px = img.load()
    pts = []
    for y in range(int(h * 0.2), h):  # below the header with its red 草稿 DRAFT mark
        for x in range(w):
            r, g, b = px[x, y]
            if r >= 200 and r - g >= 20 and r - b >= 20 and abs(g - b) <= 25:
                pts.append((x, y))
    n = len(pts)
    if n < 2:
        return n, 0.0, (0.0, 0.0)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxy = sum((x - mx) * (y - my) for x, y in pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    syy = sum((y - my) ** 2 for _, y in pts)
    corr = sxy / ((sxx * syy) ** 0.5) if sxx and syy else 0.0
    return n, corr, (mx / w, my / h)


def test_libreoffice_draws_the_watermark_on_the_draft_only(tmp_path):
    soffice = _soffice()
    files = [write(draft_ctx(), tmp_path / "draft.docx"), write(released_ctx(), tmp_path / "released.docx"),
             write(draft_ctx("zh-Hant-TW"), tmp_path / "draft-tw.docx")]
    out = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(out), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=LO_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    found = {}
    for path in files:
        pdf = out / (path.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice did not convert {path.name}: {proc.stdout}\n{proc.stderr}"
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(tmp_path / path.stem)], check=True)
        found[path.stem] = _reddish(tmp_path / f"{path.stem}.png")
    released, _, _ = found["released"]
    assert released < 20, found  # a released page has (next to) no red in its body
    for name in ("draft", "draft-tw"):
        n, corr, (cx, cy) = found[name]
        assert n > 1000 and n > 50 * max(released, 1), found
        assert corr < -0.6, found  # one diagonal, lower left to upper right (rotated −45°)
        assert 0.35 < cx < 0.65 and 0.35 < cy < 0.7, found  # around the middle of the page
