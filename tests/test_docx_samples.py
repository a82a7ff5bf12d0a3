"""DOCX for the real sample policies: python-docx read-back and LibreOffice as a second client.

All sample DOCX files are converted to PDF in ONE ``soffice --headless`` call
with its own user installation; ``pdftotext`` of each PDF must contain the
body text and the header fields with real page numbers (第2页 共N页 …).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import docx
import pytest
from test_docx_support import assert_cjk_fonts, body_paragraph_texts, header_text

from policydocs.convert.conversion import load_glossary, localize
from policydocs.core.model import Approval, Ref, Revision, VersionInfo
from policydocs.core.numbering import article_label, chapter_label, ref_text
from policydocs.read.project import load_project
from policydocs.render.context import RenderContext
from policydocs.render.docx import write_docx
from policydocs.render.docx_styles import get_preset

REPO = Path(__file__).resolve().parent.parent
LOCALES = ("zh-Hans", "zh-Hant-TW", "zh-Hant-HK")
DRAFT_ID = "IT-SEC-001"
LO_TIMEOUT = 240


def _version(doc) -> VersionInfo:
    if doc.meta.id == DRAFT_ID:
        return VersionInfo.draft(doc)
    return VersionInfo(
        version="A/0", is_draft=False, effective_date=doc.meta.effective_date,
        approvals=[Approval("编制", "张三", date(2024, 12, 1)), Approval("审核", "李四", date(2024, 12, 5)),
                   Approval("批准", "王五", date(2024, 12, 10))],
        revisions=[Revision("A/0", date(2024, 12, 10), "首次发行", {"编制": "张三", "审核": "李四", "批准": "王五"}, "全文")])


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """{(id, locale): (ctx, docx path)} for every sample policy in every published locale."""
    import os
    old = os.getcwd()
    os.chdir(REPO)  # project paths are relative to the project root
    try:
        project = load_project(REPO)
    finally:
        os.chdir(old)
    assert len(project.documents) >= 5, "sample policies missing"
    glossary = load_glossary(REPO)
    out_dir = tmp_path_factory.mktemp("docx-samples")
    produced = {}
    for pid, doc in project.documents.items():
        for locale in LOCALES:
            tree, _report = localize(doc, locale, glossary)
            ctx = RenderContext(tree, project.config, _version(tree))
            path = out_dir / f"{pid}.{locale}.docx"
            write_docx(ctx, path)
            produced[(pid, locale)] = (ctx, path)
    return produced


def _expected_labels(ctx) -> list[str]:
    doc = ctx.doc
    out = []
    if doc.meta.numbering == "articles":
        out += [article_label(a.number, ctx.locale) for a in doc.articles()]
        out += [chapter_label(c.number, ctx.locale) for c in doc.chapters()]
    return out


def _refs(ctx) -> list[str]:
    return [ref_text(n, ctx.locale) for n in ctx.doc.walk() if isinstance(n, Ref)]


def test_samples_read_back_with_numbering_references_and_fonts(samples):
    refs_seen = 0
    for (pid, locale), (ctx, path) in samples.items():
        d = docx.Document(str(path))
        texts = body_paragraph_texts(d)
        joined = "\n".join(texts)
        assert texts[0].startswith(ctx.doc.meta.title), (pid, locale)
        for label in _expected_labels(ctx):
            assert any(t.startswith(label) for t in texts), f"{pid} {locale}: no paragraph starts with {label}"
        for ref in _refs(ctx):
            assert ref in joined, f"{pid} {locale}: reference {ref!r} not rendered"
            refs_seen += 1
        assert "[[" not in joined
        assert pid in header_text(d)
        fonts = {"zh-Hans": {"Noto Serif CJK SC", "Noto Sans CJK SC"},
                 "zh-Hant-TW": {"Noto Serif CJK TC", "Noto Sans CJK TC"},
                 "zh-Hant-HK": {"Noto Serif CJK HK", "Noto Sans CJK HK"}}[locale]
        assert assert_cjk_fonts(d, fonts) > 10
        assert d.core_properties.subject == pid
    assert refs_seen > 0, "the samples should contain cross references"


def test_traditional_samples_are_converted(samples):
    ctx, path = samples[("HR-ATT-002", "zh-Hant-TW")]
    joined = "\n".join(body_paragraph_texts(docx.Document(str(path))))
    assert "第一條" in joined and "考勤管理制度" in joined
    assert "管理" in joined and "為" in joined  # converted text, not the Simplified source


def _nospace(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _pdftotext(pdf: Path, first: int | None = None, last: int | None = None,
               crop: tuple[float, float] | None = None, raw: bool = False) -> str:
    """Text of ``pdf`` (pages first…last), optionally only the band y0…y1 (points from the top);
    ``raw`` keeps content-stream order (table cells stay whole)."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-raw"] if raw else [])
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    if crop:
        args += ["-x", "0", "-y", str(int(crop[0])), "-W", "10000", "-H", str(int(crop[1] - crop[0]))]
    return subprocess.run(args + [str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _pdfinfo(pdf: Path) -> tuple[int, float]:
    """(pages, page height in points)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    height = float(re.search(r"^Page size:\s+[\d.]+ x ([\d.]+) pts", info, re.M).group(1))
    return pages, height


def test_libreoffice_opens_and_lays_out_every_sample(samples, tmp_path_factory):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice (soffice) is not installed: install the Debian package libreoffice-writer "
                    "(`make setup` does) — it is the independent second client proving the DOCX files are valid")
    for tool in ("pdftotext", "pdfinfo"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed: install the Debian package poppler-utils")
    # one conversion run for every file: all locales of all samples
    chosen = {k: v for k, v in samples.items()}
    work = tmp_path_factory.mktemp("lo")
    profile = tmp_path_factory.mktemp("lo-profile")
    cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(work), *(str(p) for _, p in chosen.values())]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=LO_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    multi_page = 0
    preset = get_preset(next(iter(chosen.values()))[0].config.docx.preset)
    split = preset.top / 20 - 3  # points: the header lies above the top margin, the body below
    for (pid, locale), (ctx, path) in chosen.items():
        pdf = work / (path.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice did not convert {path.name}: {proc.stdout}\n{proc.stderr}"
        n, height = _pdfinfo(pdf)
        full = _nospace(_pdftotext(pdf, crop=(split, height)))  # body text of all pages, without headers
        meta = ctx.doc.meta
        # body text: title, numbering, every reference, text of the first paragraph
        assert _nospace(meta.title) in full, (pid, locale)
        for label in _expected_labels(ctx):
            assert label in full, f"{pid} {locale}: {label} missing from the LibreOffice PDF"
        for ref in _refs(ctx):
            assert _nospace(ref) in full, f"{pid} {locale}: {ref} missing"
        # header on every page, with real page numbers (pdftotext ends each page with a form feed)
        headers = _pdftotext(pdf, crop=(0, split)).split("\f")
        assert len(headers) >= n
        for page in range(1, n + 1):
            text = _nospace(headers[page - 1])
            page_of = _nospace(ctx.word("page_of", page=page, pages=n))
            assert page_of in text, f"{pid} {locale} page {page}: {page_of!r} not in header"
            assert pid in text and _nospace(ctx.company) in text
            assert _nospace(ctx.version.version) in text
            assert _nospace(meta.title) in text
            if ctx.version.is_draft:
                assert "DRAFT" in text
            elif meta.effective_date:
                assert _nospace(ctx.date(meta.effective_date)) in text
        # every paragraph of the body made it into the layout, in order; every table cell too
        d = docx.Document(str(path))
        pos = 0
        for para in d.paragraphs:
            text = _nospace(para.text)
            if text:
                found = full.find(text, pos)
                assert found >= 0, f"{pid} {locale}: paragraph {text[:30]!r} missing (or out of order)"
                pos = found + len(text)
        raw = _nospace(_pdftotext(pdf, crop=(split, height), raw=True))
        for table in d.tables:
            for row in table.rows:
                for cell in row.cells:
                    assert _nospace(cell.text) in raw, f"{pid} {locale}: table cell {cell.text!r} missing"
        multi_page += n > 1
    assert multi_page >= 3, "some samples must span several pages to prove NUMPAGES/PAGE"
