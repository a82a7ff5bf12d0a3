"""DOCX pages as a reader sees them: every DOCX kind laid out by LibreOffice and checked on
the page with ``pdftotext -bbox`` (issue 13).

One module fixture writes a set of documents (policies in both presets and three
locales, one with DejaVu named instead of Noto — a machine without our fonts —,
the handbook, the register and the batch 签收单 with long names, the
修订对照表 and its tracked variant) and converts them all in ONE ``soffice`` run.
The checks:

- every font a DOCX names resolves (``fc-match``) to an installed face of that name;
- 文件编号, 版本, 生效日期 and 第x页 共y页 never split across lines, on every page,
  also with DejaVu's wide digits; the header is on every page;
- the handbook's 目录 shows titles and page numbers without a field update, and each
  number is the page the policy or chapter starts on; 制度版本一览 has a 页码 column;
- a register row prints a 10-character name whole; 签名 is wide enough to sign;
- the 修订对照表 has its columns, header on every page, whole dates;
- the presets on the page: GB/T 9704 22 lines of 16 pt, the handbook 12 pt, headings
  centred (第一章) or two characters in (一、).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import docx
import pytest
from conftest import REPO

from policydocs.convert.conversion import load_glossary, localize
from policydocs.core.model import Approval, Revision, VersionInfo
from policydocs.pipeline.build import handbook_job, render_handbook
from policydocs.pipeline.session import BuildSession
from policydocs.products import diff, forms
from policydocs.products.handbook import load_handbook
from policydocs.read.project import load_project
from policydocs.read.roster import Employee
from policydocs.render.context import RenderContext
from policydocs.render.docx import write_docx
from policydocs.render.presets import layout_preset

pytestmark = pytest.mark.slow

LONG_NAME = "阿卜杜热合曼·买买提"
LO_TIMEOUT = 300


def _released(doc, roles=("编制", "审核", "批准")) -> VersionInfo:
    people = {"编制": "张三", "审核": "李四", "批准": "王五", "会签": "赵六"}
    return VersionInfo(
        version="A/1", is_draft=False, effective_date=doc.meta.effective_date,
        approvals=[Approval(r, people[r], date(2024, 12, 10)) for r in roles],
        revisions=[Revision("A/0", date(2023, 12, 1), "首次发行", {r: people[r] for r in roles}, "全文"),
                   Revision("A/1", date(2024, 12, 10), "修订", {r: people[r] for r in roles}, "第三条")])


@pytest.fixture(scope="module")
def project():
    old = os.getcwd()
    os.chdir(REPO)
    try:
        return load_project(REPO)
    finally:
        os.chdir(old)


def _ctx(project, pid: str, locale: str, *, preset: str = "gbt9704", roc: bool = False, draft: bool = False):
    cfg = replace(project.config, docx=replace(project.config.docx, preset=preset),
                  locales=replace(project.config.locales, roc_dates=roc))
    tree, _ = localize(project.documents[pid], locale, load_glossary(REPO))
    return RenderContext(tree, cfg, VersionInfo.draft(tree) if draft else _released(tree))


def _with_fonts(src: Path, dst: Path, serif: str, sans: str) -> None:
    """A copy of a DOCX naming other fonts (what a machine without Noto falls back to)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(".xml"):
                text = data.decode("utf-8")
                text = re.sub(r"Noto Serif CJK (SC|TC|HK)", serif, text)
                text = re.sub(r"Noto Sans CJK (SC|TC|HK)", sans, text)
                data = text.encode("utf-8")
            zout.writestr(info, data)


@dataclass
class Made:
    docx: Path
    ctx: object = None

    @property
    def pdf(self) -> Path:
        return self.docx.with_suffix(".pdf")


@pytest.fixture(scope="module")
def made(project, tmp_path_factory) -> dict[str, Made]:
    """Every DOCX kind, written into one directory."""
    out = tmp_path_factory.mktemp("docx-pages")
    docs: dict[str, Made] = {}

    def policy(key: str, ctx) -> None:
        path = out / f"{key}.docx"
        write_docx(ctx, path)
        docs[key] = Made(path, ctx)

    policy("conf-gbt", _ctx(project, "ADM-CONF-001", "zh-Hans", draft=True))
    policy("mtg-gbt", _ctx(project, "ADM-MTG-001", "zh-Hans"))  # sectioned: 一、（一）1.
    policy("att-tw-roc", _ctx(project, "HR-ATT-002", "zh-Hant-TW", roc=True))
    policy("att-hk", _ctx(project, "HR-ATT-002", "zh-Hant-HK"))
    policy("att-handbook", _ctx(project, "HR-ATT-002", "zh-Hans", preset="handbook"))
    _with_fonts(docs["conf-gbt"].docx, out / "conf-dejavu.docx", "DejaVu Serif", "DejaVu Sans")
    docs["conf-dejavu"] = Made(out / "conf-dejavu.docx", docs["conf-gbt"].ctx)
    # the handbook (its own LibreOffice layout for the page numbers happens inside)
    hb = load_handbook(REPO / "handbooks" / "employee-handbook.yaml", project)
    (out / "handbook.docx").write_bytes(render_handbook(handbook_job(BuildSession(project), hb, "zh-Hans", ("docx",)))["docx"])
    docs["handbook"] = Made(out / "handbook.docx")
    docs["handbook"].ctx = hb
    # forms: a long name, a long position, 25 people (two pages)
    people = [Employee("人力资源部", LONG_NAME, "E0001", position="高级软件开发工程师（后端平台组）")]
    people += [Employee("财务部", f"员工{i:02d}", f"E{i:04d}", position="会计") for i in range(2, 26)]
    material = forms.Material("考勤管理制度", "HR-ATT-002", "A/1")
    opts = forms.FormOptions(company="华衡智造科技有限公司", form_no="PD-F-001")
    session = forms.Session("《考勤管理制度》培训", date(2025, 3, 1), "14:00–16:00", "一号会议室", "王老师", "人力资源部",
                            "全体员工", material)
    (out / "register.docx").write_bytes(forms.register_docx(session, people, opts))
    (out / "batch.docx").write_bytes(forms.batch_receipt_docx(material, people, opts, issuer="人力资源部",
                                                              when=date(2025, 3, 1)))
    docs["register"], docs["batch"] = Made(out / "register.docx"), Made(out / "batch.docx")
    # the 修订对照表 of a real release in the sample ledger
    result = diff.diff_versions(REPO, project.config, "HR-ATT-002", "A/0", "A/1", out_dir=out / "diff", formats=["docx"])
    for path in result.files:
        key = "redline-tracked" if path.name.endswith(".tracked.docx") else "redline"
        shutil.copy2(path, out / f"{key}.docx")
        docs[key] = Made(out / f"{key}.docx")
    return docs


@pytest.fixture(scope="module")
def laid_out(made, tmp_path_factory) -> dict[str, Made]:
    """All of them converted to PDF by LibreOffice in one run."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice (soffice) is not installed: install the Debian package libreoffice-writer "
                    "(`make setup` does)")
    profile = tmp_path_factory.mktemp("lo-profile")
    out = next(iter(made.values())).docx.parent
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                           "--convert-to", "pdf", "--outdir", str(out), *(str(m.docx) for m in made.values())],
                          capture_output=True, text=True, timeout=LO_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    for key, m in made.items():
        assert m.pdf.is_file(), f"LibreOffice did not convert {key}: {proc.stdout}\n{proc.stderr}"
    return made


# --------------------------------------------------------------------------
# reading pages
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def page_words(pdf: Path) -> list[list[Word]]:
    """Words of every page (pdftotext -bbox), in reading order."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        pages.append([Word(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)])
    return pages


def lines_of(words: list[Word], tol: float = 2.0) -> list[list[Word]]:
    """Words grouped into lines by their top edge."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (round(w.y0), w.x0)):
        if lines and abs(lines[-1][0].y0 - w.y0) <= tol:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def on_one_line(words: list[Word], text: str) -> bool | None:
    """Whether ``text`` (spaces ignored) is printed on one line: True, False (split over
    lines), or None (not on the page)."""
    target = re.sub(r"\s+", "", text)
    for line in lines_of(words):
        if target in "".join(w.text for w in line):
            return True
    joined = "".join(w.text for w in sorted(words, key=lambda w: (round(w.y0), w.x0)))
    return False if target in joined or target[:4] in joined else None


def band(words: list[Word], y0: float, y1: float) -> list[Word]:
    return [w for w in words if y0 <= w.y0 < y1]


def pdftext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def nospace(s: str) -> str:
    return re.sub(r"\s+", "", s)


# --------------------------------------------------------------------------
# fonts
# --------------------------------------------------------------------------

_FONT_ATTRS = re.compile(r'<w:font w:name="([^"]+)"|<a:(?:latin|ea) typeface="([^"]+)"|font-family:&quot;([^&]+)&quot;')
_RFONTS = re.compile(r"<w:rFonts\b[^>]*>")
_RFONTS_ATTR = re.compile(r'w:(?:ascii|hAnsi|eastAsia|cs)="([^"]+)"')


def named_fonts(path: Path) -> set[str]:
    """Every font a DOCX names for its text: run/style fonts, the font table, the theme's
    Latin and East Asian faces, a watermark's text path."""
    names: set[str] = set()
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("word/") and n.endswith(".xml"):
                xml = z.read(n).decode("utf-8")
                for groups in _FONT_ATTRS.findall(xml):
                    names.update(g for g in groups if g)
                for tag in _RFONTS.findall(xml):
                    names.update(_RFONTS_ATTR.findall(tag))
    return names


def unresolved(name: str) -> str | None:
    """None when fontconfig resolves ``name`` to a face of that family, else what it picks."""
    got = subprocess.run(["fc-match", "-f", "%{family}", name], capture_output=True, text=True, check=True).stdout
    families = [f.strip() for f in got.split(",")]
    return None if name in families else got


def test_fontconfig_check_can_fail():
    assert unresolved("Noto Serif CJK SC") is None
    assert unresolved("Times New Roman") is not None  # Liberation Serif, or DejaVu Serif on a bare machine


def test_every_font_the_documents_name_is_installed(made):
    if not shutil.which("fc-match"):
        pytest.fail("fc-match is not installed (Debian package fontconfig)")
    problems = []
    for key, m in made.items():
        if key == "conf-dejavu":
            continue  # the test double of a machine without Noto
        for name in sorted(named_fonts(m.docx)):
            got = unresolved(name)
            if got is not None:
                problems.append(f"{m.docx.name} names the font {name!r}, which fontconfig resolves to {got!r}")
    assert not problems, ("fonts named by our documents are not installed; install them in the Makefile's "
                          "APT_PACKAGES or name an installed face:\n" + "\n".join(problems))


def test_documents_name_only_noto_for_latin_and_digits(made):
    names = set().union(*(named_fonts(m.docx) for k, m in made.items() if k != "conf-dejavu"))
    assert names <= {f"Noto {k} CJK {r}" for k in ("Serif", "Sans") for r in ("SC", "TC", "HK")}, names


# --------------------------------------------------------------------------
# the document-control header
# --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["conf-gbt", "conf-dejavu", "att-tw-roc", "att-hk", "att-handbook", "mtg-gbt"])
def test_header_fields_never_split_and_are_on_every_page(laid_out, key):
    m = laid_out[key]
    ctx = m.ctx
    meta, v = ctx.doc.meta, ctx.version
    pages = page_words(m.pdf)
    top = layout_preset(ctx.config.docx.preset).margin_top_mm / 25.4 * 72 - 3
    fields = [meta.id, v.version, ctx.date(ctx.effective_date)]
    assert len(pages) > 1
    for n, words in enumerate(pages, start=1):
        head = band(words, 0, top)
        text = nospace("".join(w.text for w in head))
        assert meta.id in text and nospace(ctx.company) in text, f"{key} page {n}: no header"
        for field in fields + [ctx.word("page_of", page=n, pages=len(pages))]:
            assert on_one_line(head, field), f"{key} page {n}: {field!r} is split across lines or missing"
    for a in v.approvals:  # the approval block's dates (中華民國113年12月10日 in a quarter of the line)
        assert on_one_line(pages[0], ctx.date(a.date)), f"{key}: approval date {ctx.date(a.date)} split"


# --------------------------------------------------------------------------
# handbook
# --------------------------------------------------------------------------


def test_handbook_contents_show_page_numbers_where_each_part_starts(laid_out, project):
    m = laid_out["handbook"]
    hb = m.ctx
    pages = page_words(m.pdf)
    texts = [nospace("".join(w.text for w in p)) for p in pages]
    toc_pages = [i for i, t in enumerate(texts) if t.startswith("目录")]
    assert toc_pages, "no 目录 page"
    toc_lines = [line for i in range(toc_pages[0], toc_pages[0] + 3) for line in lines_of(pages[i])]
    entries = {}
    for line in toc_lines:
        text = "".join(w.text for w in line)
        mm = re.match(r"(.+?)\.{3,}(\d+)$", text)
        if mm:
            entries.setdefault(mm.group(1), int(mm.group(2)))
    summary = next(i for i, t in enumerate(texts) if t.startswith("制度版本一览"))
    for pid in hb.policy_ids:
        title = project.documents[pid].meta.title
        key = next((k for k in entries if k.startswith(pid)), None)
        assert key, f"{pid} not in the 目录 with a page number: {list(entries)[:12]}"
        page = entries[key]
        assert title in texts[page - 1] and f"第{page}页" in texts[page - 1], \
            f"{pid}: 目录 says page {page}, the policy is not there"
        assert not any(pid in t for t in texts[summary + 1:page - 1]), f"{pid} starts before page {page}"
    chapters = [k for k in entries if k.startswith("第一章")]
    assert chapters, "chapters are not in the 目录"
    # 制度版本一览: a 页码 column with the same numbers, dates and ids whole
    assert "页码" in texts[summary]
    for pid in hb.policy_ids:
        doc = project.documents[pid]
        row = next(line for line in lines_of(pages[summary]) if any(w.text == pid for w in line))
        assert int(row[-1].text) == entries[next(k for k in entries if k.startswith(pid))]
    for words in pages[summary:summary + 1]:
        for line in lines_of(words):
            joined = "".join(w.text for w in line)
            if re.match(r"\d+[A-Z]", joined):
                assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", joined), f"date split: {joined}"


def _han_pitch(words: list[Word]) -> float:
    """Median advance of one Han character in body words (font size plus tracking)."""
    pitches = sorted((w.x1 - w.x0) / len(w.text) for w in words
                     if len(w.text) >= 12 and all("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
                                                  or "\uff00" <= c <= "\uffef" for c in w.text))
    return pitches[len(pitches) // 2] if pitches else 0.0


def test_handbook_uses_the_handbook_preset_size(laid_out):
    pages = page_words(laid_out["handbook"].pdf)
    pitch = _han_pitch([w for p in pages[6:] for w in p])
    assert 11.5 <= pitch <= 12.6, f"handbook body at {pitch:.1f} pt, expected 小四 12 pt (not GB/T 16 pt)"


# --------------------------------------------------------------------------
# forms
# --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["register", "batch"])
def test_form_cells_print_whole_and_leave_room_to_sign(laid_out, key):
    m = laid_out[key]
    raw = nospace(pdftext(m.pdf, "-raw"))
    assert LONG_NAME in raw, f"{key}: {LONG_NAME} is clipped"
    assert "员工25" in raw and "E0025" in raw
    if key == "register":
        assert "高级软件开发工程师（后端平台组）" in raw
    pages = page_words(m.pdf)
    assert len(pages) == 2
    for n, words in enumerate(pages, start=1):
        assert f"第{n}页共2页" in nospace("".join(w.text for w in words))
        assert any(w.text == "签名" for w in words), f"{key} page {n}: the column header does not repeat"
    d = docx.Document(str(m.docx))
    grid = d.tables[-1]._tbl.tblGrid
    labels = [c.text for c in d.tables[-1].rows[0].cells]
    widths = {label: col.w.mm for label, col in zip(labels, grid.gridCol_lst)}
    assert widths["签名"] >= 30, widths
    if key == "batch":  # one document, named in the header: its width went to the people
        assert "文件名称" not in labels and widths["姓名"] >= 35 and widths["部门"] >= 35, widths
        assert on_one_line(pages[0], LONG_NAME), f"{LONG_NAME} is not on one line"
        name = next(w for w in pages[0] if w.text.startswith("阿卜杜"))
        short = next(w for w in pages[0] if w.text == "财务部")  # a department at 10 pt
        assert name.y1 - name.y0 >= (short.y1 - short.y0) * 0.94, (name, short)  # ≥ 9.5 of 10 pt


# --------------------------------------------------------------------------
# 修订对照表
# --------------------------------------------------------------------------


def test_redline_table_on_the_page(laid_out):
    m = laid_out["redline"]
    pages = page_words(m.pdf)
    text = nospace(pdftext(m.pdf))
    assert "《考勤管理制度》修订对照表" in text
    for word in ("原条款", "修订后条款", "修订说明", "修订前版本", "修订后版本", "编制：", "批准："):
        assert word in text, word
    assert "20245" not in text and "2025年3月1日" in text
    for n, words in enumerate(pages, start=1):
        head = band(words, 0, 60)
        assert "HR-ATT-002" in "".join(w.text for w in head), f"page {n}: no header"
        assert on_one_line(head, f"第{n}页 共{len(pages)}页"), f"page {n}: page number"
    tracked = nospace(pdftext(laid_out["redline-tracked"].pdf))
    assert "《考勤管理制度》修订稿" in tracked and "第一条" in tracked


# --------------------------------------------------------------------------
# presets on the page
# --------------------------------------------------------------------------


def _measure(pdf: Path, top_mm: float, bottom_mm: float, line_pt: float):
    """Body pitch (pt per Han character), the most lines a page holds at ``line_pt`` line
    pitch (pages of text only: a page with a table or extra spacing does not count), pages."""
    pages = page_words(pdf)
    top, bottom = top_mm / 25.4 * 72 - 2, 842 - bottom_mm / 25.4 * 72 + 2
    body = [[w for w in p if top <= w.y0 <= bottom] for p in pages]
    pitch = _han_pitch([w for p in body for w in p])
    full = 0
    for p in body:
        ys = [line[0].y0 for line in lines_of(p)]
        if len(ys) > 1 and all(abs(b - a - line_pt) < 1.0 for a, b in zip(ys, ys[1:])):
            full = max(full, len(ys))
    return pitch, full, pages


def test_gbt9704_pages_have_22_lines_of_16_pt(laid_out):
    lp = layout_preset("gbt9704")
    pitch, lines, _ = _measure(laid_out["conf-gbt"].pdf, lp.margin_top_mm, lp.margin_bottom_mm, lp.line_pitch_pt)
    assert 15.5 <= pitch <= 16.1, pitch
    assert lines == lp.lines_per_page, lines


def test_headings_centred_with_chapters_and_two_characters_in_when_sectioned(laid_out):
    lp = layout_preset("gbt9704")
    left = lp.margin_left_mm / 25.4 * 72
    centre = left + lp.text_width_mm / 25.4 * 72 / 2
    conf = page_words(laid_out["conf-gbt"].pdf)
    chapter = next(line for p in conf for line in lines_of(p) if line[0].text.startswith("第一章"))
    assert abs((chapter[0].x0 + chapter[-1].x1) / 2 - centre) < 8
    mtg = page_words(laid_out["mtg-gbt"].pdf)
    first = next(line for p in mtg for line in lines_of(p) if line[0].text.startswith("一、"))
    assert abs(first[0].x0 - (left + 2 * lp.body_pt)) < 3, first[0]
    second = next(line for p in mtg for line in lines_of(p) if line[0].text.startswith("（一）"))
    assert abs(second[0].x0 - (left + 2 * lp.body_pt)) < 3, second[0]


# --------------------------------------------------------------------------
# PDF and DOCX of the same document agree, per preset
# --------------------------------------------------------------------------


def _cjk_latin_gap(pages: list[list[Word]]) -> float:
    """Median gap (pt) between digits and a following 年/月/日 in the body: 0 when printed tight."""
    gaps = []
    for words in pages:
        for line in lines_of(words):
            for a, b in zip(line, line[1:]):
                if a.text[-1:].isdigit() and b.text[:1] in "年月日条" and b.x0 - a.x1 < 20:
                    gaps.append(b.x0 - a.x1)
                if re.search(r"\d[年月日]", a.text) or re.search(r"\d[年月日]", b.text):
                    gaps.append(0.0)
    gaps.sort()
    return gaps[len(gaps) // 2] if gaps else 0.0


@pytest.fixture(scope="module")
def pdfs(made, tmp_path_factory) -> dict[str, Path]:
    """The PDF writer's output for the same contexts."""
    from policydocs.render.writers import get_writer

    out = tmp_path_factory.mktemp("pdf-agree")
    writer = get_writer("pdf", REPO)
    paths = {}
    for key in ("conf-gbt", "mtg-gbt", "att-handbook"):
        paths[key] = out / f"{key}.pdf"
        paths[key].write_bytes(writer.write(made[key].ctx))
    return paths


@pytest.mark.parametrize("key", ["conf-gbt", "mtg-gbt", "att-handbook"])
def test_pdf_and_docx_agree_per_preset(laid_out, pdfs, key):
    ctx = laid_out[key].ctx
    lp = layout_preset(ctx.config.docx.preset)
    line = lp.line_pitch_pt or lp.body_pt * 1.3
    docx_pitch, _, docx_pages = _measure(laid_out[key].pdf, lp.margin_top_mm, lp.margin_bottom_mm, line)
    pdf_pitch, _, pdf_pages = _measure(pdfs[key], lp.margin_top_mm, lp.margin_bottom_mm, line)
    problems = []
    if abs(docx_pitch - pdf_pitch) > 0.8:
        problems.append(f"body {pdf_pitch:.1f} pt in the PDF, {docx_pitch:.1f} pt in the DOCX")
    if abs(len(docx_pages) - len(pdf_pages)) > max(1, len(docx_pages) // 5):
        problems.append(f"{len(pdf_pages)} pages in the PDF, {len(docx_pages)} in the DOCX")
    # dates tight in the PDF (LibreOffice adds its own small gap to the DOCX whatever it says)
    if _cjk_latin_gap(pdf_pages) > 1:
        problems.append(f"Han–digit gap {_cjk_latin_gap(pdf_pages):.1f} pt in the PDF")
    left = lp.margin_left_mm / 25.4 * 72
    for pages, name in ((docx_pages, "DOCX"), (pdf_pages, "PDF")):
        # the 草稿 DRAFT watermark's large letters are text too: leave them out of the lines
        lines = [line for p in pages for line in lines_of([w for w in p if w.y1 - w.y0 < 2 * lp.body_pt])]
        head = next((ln for ln in lines if ln[0].text.startswith(("一、", "第一章"))), None)
        if head is None:
            problems.append(f"{name}: no first heading")
        elif head[0].text.startswith("一、") and abs(head[0].x0 - (left + 2 * lp.body_pt)) > 3:
            problems.append(f"{name}: 一、 at x={head[0].x0:.0f}, not two characters in")
        elif head[0].text.startswith("第一章"):
            centre = left + lp.text_width_mm / 25.4 * 72 / 2
            if abs((head[0].x0 + head[-1].x1) / 2 - centre) > 8:
                problems.append(f"{name}: 第一章 not centred")
    assert not problems, "; ".join(problems)
