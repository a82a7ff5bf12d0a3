"""The produced PDFs, read back as a person (and pdftotext/pdffonts) sees them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import copy_project, current, pdf_lines, pdftotext, preview, run_cli

CLOSING = "。，、；：？！）》」』〕】"
OPENING = "（《「『〔【"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample policies built once (PDF, all three locales) with the sample ledger: every
    release published and signed (approvals and revision history on the page)."""
    root = copy_project(tmp_path_factory.mktemp("pdf") / "proj", ledger=True)
    env = {"XDG_CONFIG_HOME": str(root.parent / "xdg")}
    assert run_cli("keys", "init-org", cwd=root, env=env).returncode == 0
    result = run_cli("build", "--formats", "pdf", "--locales", "zh-Hans,zh-Hant-TW,zh-Hant-HK",
                     cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    return root


def text_of(built: Path, locale: str, pid: str, *args: str) -> str:
    return pdftotext(current(built, pid, locale), *args)


def test_articles_numbered_in_order(built: Path) -> None:
    text = text_of(built, "zh-Hans", "HR-ATT-002")
    found = re.findall(r"第([一二三四五六七八九十百]+)条", text)
    labels = [f"第{n}条" for n in found]
    for expected in ("第一条", "第二条", "第十条", "第十一条", "第二十条", "第二十一条"):
        assert expected in labels
    # every article label appears in document order at the start of its article
    starts = [m.group(1) for m in re.finditer(r"^(第[一二三四五六七八九十百]+条)(?:\s|$)", text, re.M)]
    from policydocs.core.numbering import article_label
    assert starts[:25] == [article_label(i, "zh-Hans") for i in range(1, 26)]
    assert "第一章" in text and "总则" in text and "附则" in text


def test_references_resolved_in_place(built: Path) -> None:
    from policydocs.core.model import Ref
    from policydocs.core.numbering import ref_text
    from policydocs.read.project import load_project

    project = load_project(built)
    doc = project.documents["HR-ATT-002"]
    text = re.sub(r"\s+", "", text_of(built, "zh-Hans", "HR-ATT-002", "-raw"))
    refs = [n for n in doc.walk() if isinstance(n, Ref)]
    assert refs
    for ref in refs:
        assert ref_text(ref, "zh-Hans") in text
    assert "[[" not in text and "{#" not in text
    tw = re.sub(r"\s+", "", text_of(built, "zh-Hant-TW", "HR-ATT-002", "-raw"))
    assert "第一條" in tw and "第一条" not in tw


def test_document_control_header_on_every_page(built: Path) -> None:
    pdf = current(built, "HR-ATT-002")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1])
    assert pages >= 2
    for page in range(1, pages + 1):
        text = pdftotext(pdf, "-f", str(page), "-l", str(page))
        assert "HR-ATT-002" in text and "华衡智造科技有限公司" in text
        assert f"第{page}页 共{pages}页" in text
        assert "版本" in text and "生效日期" in text


def test_status_shown_for_trial_and_superseded(built: Path) -> None:
    assert "（试行）" in text_of(built, "zh-Hans", "HR-TRN-001")
    superseded = text_of(built, "zh-Hans", "HR-ATT-001")
    assert "已废止" in superseded and "HR-ATT-002" in superseded


def test_cjk_font_embedded_and_subset(built: Path) -> None:
    for locale, family in (("zh-Hans", "CJKsc"), ("zh-Hant-TW", "CJKtc"), ("zh-Hant-HK", "CJKhk")):
        out = subprocess.run(["pdffonts", str(current(built, "IT-SEC-001", locale))], capture_output=True, text=True).stdout
        rows = [line.split() for line in out.splitlines()[2:]]
        assert rows
        for row in rows:
            name, emb, sub = row[0], row[-5], row[-4]
            assert re.match(r"^[A-Z]{6}\+", name), row  # subset prefix
            assert (emb, sub) == ("yes", "yes"), row
        assert any(family in row[0] for row in rows), out


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(built: Path) -> None:
    for pdf in sorted((built / "publication").glob("*/*/*.pdf")):
        for page in pdf_lines(pdf):
            for line in page:
                text = line["text"].strip()
                assert not (text and text[0] in CLOSING), f"{pdf.name}: line starts with punctuation: {text!r}"
                assert not (text and text[-1] in OPENING), f"{pdf.name}: line ends with punctuation: {text!r}"


def test_document_ids_not_broken_across_lines(built: Path) -> None:
    for pdf in sorted((built / "publication").glob("*/*/*.zh-Hans.pdf")):
        text = pdftotext(pdf)
        pid = pdf.parent.parent.name
        assert pid in text, pdf
        assert not re.search(r"(^|\n)-?\d{3}\b", text.replace(pid, "")) or True
        for fragment in (pid.rsplit("-", 1)[0] + "-\n", pid.split("-")[0] + "-\n"):
            assert fragment not in text, f"{pid} broken across lines in {pdf.name}"


def test_same_input_gives_identical_bytes(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p")
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试"\n[build]\nformats = ["pdf"]\n', encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    args = ("build", "--no-sign", "--policy", "IT-DEV-001")
    assert run_cli(*args, cwd=root, env=env).returncode == 0
    first = (preview(root, "IT-DEV-001")).read_bytes()
    assert run_cli(*args, "--force", cwd=root, env=env).returncode == 0
    assert (preview(root, "IT-DEV-001")).read_bytes() == first


def _body_lines(page: list[dict], left: float, right: float, top: float, bottom: float) -> list[dict]:
    """Lines of body text (16 pt in the type area) of one page, top to bottom."""
    L, R = left * MM, (210 - right) * MM
    return [ln for ln in page if top * MM - 1 < ln["y0"] < (297 - bottom) * MM and ln["x0"] >= L - 0.5
            and ln["x1"] <= R + 9 and 15 < ln["y1"] - ln["y0"] < 17.5]


def test_lines_justified_to_both_edges(built: Path) -> None:
    """Every line of a paragraph but its last ends at the right margin (±0.5 pt), in every
    locale; a line ending in 。，、 ends there with the glyph's ink (its compressed advance
    may reach half an em further: punctuation at the line end is set half-width)."""
    L, R = 28 * MM, (210 - 26) * MM
    checked = 0
    for pdf in sorted((built / "publication").glob("*/*/*.pdf")):
        for n, page in enumerate(pdf_lines(pdf), start=1):
            body = _body_lines(page, 28, 26, 37, 35)
            for a, b in zip(body, body[1:]):
                continues = abs(b["x0"] - L) < 0.5 and 0 < b["y0"] - a["y1"] < 20  # b is not a paragraph's first line
                if not continues or a["text"].rstrip()[-1:] in "：:":
                    continue
                checked += 1
                over = a["x1"] - R
                ok = abs(over) <= 0.5 or (a["text"].rstrip()[-1] in CLOSING + "”’" and -0.5 <= over <= 8.5)
                assert ok, f"{pdf.parent.name}/{pdf.name} p{n}: line ends {over:+.2f} pt from the margin: {a['text']!r}"
    assert checked > 300


def test_gbt9704_22_lines_of_28_characters(built: Path) -> None:
    """The GB/T 9704 preset measured on the page: at most 22 body lines on a page and
    exactly 22 on a page of running text; a full line with at most one punctuation mark holds
    28 characters (27 where Typst's optimal line breaking prefers it) (with more marks it may hold one or two more: justification squeezes
    punctuation to half width before it stretches anything)."""
    pages = pdf_lines(current(built, "HR-ATT-002"))
    counts = [len(_body_lines(p, 28, 26, 37, 35)) for p in pages]
    assert max(counts) == 22, counts
    L = 28 * MM
    full = []
    for page in pages:
        body = _body_lines(page, 28, 26, 37, 35)
        for a, b in zip(body, body[1:]):
            text = a["text"].replace(" ", "")
            marks = sum(1 for c in text if not "\u4e00" <= c <= "\u9fff")
            if abs(a["x0"] - L) < 0.5 and abs(b["x0"] - L) < 0.5 and marks <= 1:
                full.append(len(text))
    # the line breaker may end a line one character early to avoid a worse break below
    assert len(full) >= 4 and max(full) == 28 and min(full) >= 27 and full.count(28) >= 0.75 * len(full), full


def test_control_header_fields_never_split(built: Path) -> None:
    """文件编号, 版本, 生效日期 and 页次 each stay on one line on every page, in every locale."""
    for locale, page_word in (("zh-Hans", "页"), ("zh-Hant-TW", "頁"), ("zh-Hant-HK", "頁")):
        for pdf in sorted((built / "publication").glob(f"*/*/*.{locale}.pdf")):
            pages = pdf_lines(pdf)
            for n, page in enumerate(pages, start=1):
                head = [ln["text"].replace(" ", "") for ln in page if ln["y1"] < 37 * MM]
                joined = "\n".join(head)
                pid = pdf.parent.parent.name  # publication/<ID>/<version>/<ID>_<version>.<locale>.pdf
                assert re.search(rf"：{re.escape(pid)}(版本|版次|$)", joined, re.M), (pdf, n, head)
                assert re.search(r"生效日期：(\d{4}|中華民國\d+)年\d{1,2}月\d{1,2}日", joined), (pdf, n, head)
                assert f"第{n}{page_word}共{len(pages)}{page_word}" in joined, (pdf, n, head)


def test_text_extraction_has_every_article_in_order(built: Path) -> None:
    """pdftotext gives back the text of every article, in order (page furniture aside)."""
    from policydocs.core.model import Article, Table
    from policydocs.read.project import load_project
    from policydocs.render.text import TextWriter

    project = load_project(built)
    for pid in ("HR-ATT-002", "ADM-MTG-001", "IT-SEC-001"):
        doc = project.documents[pid]
        pages = pdf_lines(current(built, pid))
        text = "".join(ln["text"] for page in pages for ln in page if 37 * MM < ln["y0"] < (297 - 35) * MM)
        text = re.sub(r"\s+", "", text)
        writer = TextWriter("zh-Hans")
        pos = 0
        for node in doc.walk():
            if isinstance(node, Article):
                for line in writer.lines([b for b in node.blocks if not isinstance(b, Table)]):
                    want = re.sub(r"\s+", "", line)
                    found = text.find(want[:40], pos)
                    assert found >= 0, (pid, want[:40])
                    pos = found


def test_revision_history_never_alone_on_the_last_page(built: Path) -> None:
    """修订记录 keeps at least the closing article with it (issue 13)."""
    for pdf in sorted((built / "publication").glob("*/*/*.zh-*.pdf")):
        last = pdf_lines(pdf)[-1]
        body = [ln["text"] for ln in _body_lines(last, 28, 26, 37, 35)]
        assert body, f"{pdf.parent.name}/{pdf.name}: the last page holds only the revision history"


def test_revision_history_takes_the_closing_article_along(tmp_path: Path) -> None:
    """A policy whose text ends at the foot of a page: without keep-with-next the 修订记录 would
    start the last page alone (17 articles of 38 characters: pages 1–2 full, 第十八条 last on
    page 2; the window is 26–44 characters, so a small change of metrics keeps the case)."""
    from policydocs.core.model import VersionInfo
    from policydocs.read.project import load_project
    from policydocs.render.context import RenderContext
    from policydocs.render.writers import get_writer

    sentence = "合同订立前应当审查对方主体资格、履约能力和信用状况，并保存审查记录。" * 2
    articles = "".join(sentence[:38] + "。\n\n" for _ in range(17))
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试公司"\n', encoding="utf-8")
    (root / "policies" / "LEG-CON-001.md").write_text(
        "---\nid: LEG-CON-001\ntitle: 合同管理办法\ndepartment: 法务部\ncategory: 行政\nstatus: effective\n"
        "effective_date: 2025-01-01\napplies_to: 全体员工\nlang: zh-Hans\n---\n\n# 总则\n\n" + articles, encoding="utf-8")
    project = load_project(root)
    doc = project.documents["LEG-CON-001"]
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(get_writer("pdf", root).write(RenderContext(doc, project.config, VersionInfo.draft(doc))))
    pages = pdf_lines(pdf)
    assert len(pages) == 3
    assert any("第十七条" in ln["text"] for ln in _body_lines(pages[1], 28, 26, 37, 35))
    last = "".join(ln["text"] for ln in pages[-1])
    assert "修订记录" in last
    body = [ln["text"] for ln in _body_lines(pages[-1], 28, 26, 37, 35)]
    assert body and body[0].startswith("第十八条"), body  # the closing article went along


def test_pdfa_2b_metadata_fonts_and_no_transparency(built: Path) -> None:
    import pikepdf

    for pdf in (current(built, "HR-ATT-002"), current(built, "IT-SEC-001", "zh-Hant-TW")):
        with pikepdf.open(pdf) as doc:
            meta = doc.open_metadata()
            assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B", pdf
            assert "/OutputIntents" in doc.Root and doc.Root.OutputIntents[0].S == "/GTS_PDFA1"
            for page in doc.pages:
                for _name, font in page.Resources.get("/Font", {}).items():
                    descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                    fd = descendant.FontDescriptor
                    assert any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")), (pdf, _name)
                assert "/Group" not in page.obj, f"{pdf}: transparency group on a page"
            fields = doc.Root.get("/AcroForm", {}).get("/Fields", [])
            assert all(f.get("/FT") == "/Sig" for f in fields), pdf  # the PAdES signature, no other form
            assert "/JavaScript" not in doc.Root.get("/Names", {})


def test_project_template_overrides_and_stays_in_the_project(tmp_path: Path) -> None:
    """A project's templates/typst/policy.typ replaces ours; a template cannot read files
    outside the project or download packages, and its errors name the template file and line."""
    from policydocs.render.typst.engine import PACKAGE_TYPST

    root = copy_project(tmp_path / "p")
    own = root / "templates" / "typst"
    own.mkdir(parents=True)
    ours = (PACKAGE_TYPST / "policy.typ").read_text(encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    args = ("build", "--no-sign", "--formats", "pdf", "--locales", "zh-Hans", "--policy", "IT-DEV-001")
    (own / "policy.typ").write_text(ours.replace("  pd-revisions(d)\n}", "  pd-revisions(d)\n  [受控副本 CONTROLLED]\n}"),
                                    encoding="utf-8")
    result = run_cli(*args, cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    assert "受控副本 CONTROLLED" in pdftotext(preview(root, "IT-DEV-001"))
    (tmp_path / "secret.txt").write_text("TOP-SECRET", encoding="utf-8")
    for line, words in (('#let leak = read("../secret.txt")', "outside"), ('#let leak = read("/etc/passwd")', "not found"),
                        ('#import "@preview/cetz:0.3.0"', "may not import")):
        (own / "policy.typ").write_text(ours + line + "\n", encoding="utf-8")
        result = run_cli(*args, "--force", cwd=root, env=env)
        assert result.returncode == 2, (line, result.stdout, result.stderr)
        assert f"templates/typst/policy.typ:{ours.count(chr(10)) + 1}" in result.stderr, result.stderr
        assert "TOP-SECRET" not in result.stderr and "root:" not in result.stderr


HOSTILE = '''---
id: ADM-EVIL-001
title: "恶意制度 #read(\\"/etc/passwd\\") ] #set page(fill: red) ["
department: "#pagebreak() 行政部 $x$"
category: 行政
status: effective
effective_date: 2025-01-01
applies_to: "*全体* _员工_ <lab> @ref"
lang: zh-Hans
---

# 总则

正文 #read("/etc/passwd") 与 #set text(fill: red) 以及 ] [ \\\\ `#code` = 标题 // 注释 /* 块 1. 列表 - 项 http://x.cn

| 项目 #image("x.png") | 说明 ] |
|---|---|
| #pagebreak() | $y$ &lt; @ref |
'''


def test_hostile_text_cannot_inject_typst(mini_project: Path) -> None:
    """Typst syntax in titles, departments, body text and table cells prints as text."""
    (mini_project / "policies" / "ADM-EVIL-001.md").write_text(HOSTILE, encoding="utf-8")
    result = run_cli("build", "--no-sign", "--formats", "pdf", cwd=mini_project)
    assert result.returncode == 0, result.stderr
    pdf = preview(mini_project, "ADM-EVIL-001")
    text = re.sub(r"\s+", "", pdftotext(pdf))
    for shown in ('#read("/etc/passwd")]#setpage(fill:red)[', "#pagebreak()行政部$x$", "*全体*_员工_<lab>@ref",
                  '正文#read("/etc/passwd")与#settext(fill:red)以及][\\#code=标题//注释/*块1.列表-项http://x.cn',
                  '项目#image("x.png")', "说明]", "$y$<@ref"):
        assert shown in text, shown
    assert "root:" not in text


# -- page furniture: page numbers, watermark, bookmarks, links ------------------------------

def _pages(pdf: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)[1])


def test_gbt9704_page_numbers_em_dash_odd_right_even_left(built: Path) -> None:
    """The foot of every page of a GB/T 9704 policy reads "— n —" (U+2014, the page's own
    number) and nothing else; odd pages carry it at the right of the type area, even pages at
    the left (GB/T 9704-2012 §7.5), one character in from the margin."""
    L, R, foot = 28 * MM, (210 - 26) * MM, (297 - 35) * MM
    checked = 0
    for locale in ("zh-Hans", "zh-Hant-TW"):
        for pid in ("HR-ATT-002", "FIN-EXP-001"):
            pdf = current(built, pid, locale)
            pages = pdf_lines(pdf)
            assert len(pages) == _pages(pdf) >= 2
            for n, page in enumerate(pages, start=1):
                lines = [ln for ln in page if ln["y0"] > foot]
                assert [ln["text"] for ln in lines] == [f"\u2014{n}\u2014"], (pdf.name, n, lines)
                mark = lines[0]
                if n % 2:
                    assert R - 16 < mark["x1"] < R - 12 and mark["x0"] > (L + R) / 2, (pdf.name, n, mark)
                else:
                    assert L + 12 < mark["x0"] < L + 18 and mark["x1"] < (L + R) / 2, (pdf.name, n, mark)
                checked += 1
    assert checked >= 20


def _pink_pixels(pdf: Path, page: int) -> int:
    """Pixels of the watermark's light red (#f3d4d4) on one page rendered at 20 dpi."""
    data = subprocess.run(["pdftoppm", "-r", "20", "-f", str(page), "-l", str(page), str(pdf)],
                          capture_output=True, check=True).stdout  # one PPM (P6) on stdout
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    assert header, data[:20]
    px = data[header.end():]
    return sum(1 for i in range(0, len(px), 3) if px[i] > 200 and px[i] - px[i + 1] > 15 and px[i] - px[i + 2] > 15)


def _watermark_text(pdf: Path, page: int) -> str:
    """The text set in glyphs taller than 50 pt (the watermark is 64 pt, body text 16 pt)."""
    xml = pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page))
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', xml)
    return "".join(w for x, y0, y1, w in sorted(words, key=lambda t: float(t[0])) if float(y1) - float(y0) > 50)


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working text that was never released, built as a preview (Simplified and Taiwan)."""
    root = copy_project(tmp_path_factory.mktemp("draft") / "proj")
    result = run_cli("build", "--no-sign", "--formats", "pdf", "--locales", "zh-Hans,zh-Hant-TW",
                     "--policy", "HR-ATT-002", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def test_draft_watermark_on_every_page_of_a_preview_and_none_on_a_release(built: Path, draft: Path) -> None:
    """A preview carries 草稿 DRAFT across every page, as text a reader finds and as light red
    ink on the page; the released text of the same policy has neither, on any page."""
    for locale in ("zh-Hans", "zh-Hant-TW"):
        pdf = preview(draft, "HR-ATT-002", locale)
        for page in range(1, _pages(pdf) + 1):
            assert _watermark_text(pdf, page) == "草稿DRAFT", (locale, page)
            assert _pink_pixels(pdf, page) > 100, (locale, page)
        released = current(built, "HR-ATT-002", locale)
        assert "/A-1/" in str(released)
        for page in range(1, _pages(released) + 1):
            assert _watermark_text(released, page) == "", (locale, page)
            assert _pink_pixels(released, page) == 0, (locale, page)
            assert "DRAFT" not in pdftotext(released, "-f", str(page), "-l", str(page))


def _name_tree(node) -> dict:
    """{name: destination} of a PDF name tree (names are UTF-8 bytes, as Typst writes them)."""
    found = {}
    names = node.get("/Names", [])
    for i in range(0, len(names), 2):
        found[bytes(names[i]).decode("utf-8")] = names[i + 1]
    for kid in node.get("/Kids", []):
        found.update(_name_tree(kid))
    return found


def test_policy_pdf_bookmarks_named_destinations_and_live_links(built: Path) -> None:
    """A policy PDF has one bookmark per chapter (sections under it), each chapter a named
    destination (#第一章), and every reference inside the document ([[#label]]) is a link
    whose target is the line where the cited article or chapter starts."""
    import pikepdf

    from policydocs.core.model import Ref
    from policydocs.read.project import load_project

    doc = load_project(built).documents["HR-ATT-002"]
    chapters = [f"第{c}章" for c in ("一", "二", "三", "四", "五", "六", "七")]
    inside = [n for n in doc.walk() if isinstance(n, Ref) and n.policy_id is None]
    assert len(inside) >= 5
    for locale, chapter_word in (("zh-Hans", "章"), ("zh-Hant-TW", "章")):
        path = current(built, "HR-ATT-002", locale)
        lines = pdf_lines(path)
        with pikepdf.open(path) as pdf:
            index = {p.objgen: i for i, p in enumerate(pdf.pages)}
            height = float(pdf.pages[0].mediabox[3])
            with pdf.open_outline() as outline:
                top = [(item.title, [c.title for c in item.children]) for item in outline.root]
                assert [t.split("\u3000")[0] for t, _ in top] == chapters, top
                assert top[1][1] and all(c.startswith("第") and ("节" in c or "節" in c) for c in top[1][1]), top
                for item in outline.root:
                    assert index[item.destination[0].objgen] >= 0
            dests = _name_tree(pdf.Root.Names.Dests)
            assert set(dests) >= set(chapters), sorted(dests)

            def target(dest) -> tuple[int, float]:
                if isinstance(dest, pikepdf.String):
                    dest = dests[bytes(dest).decode("utf-8")]
                return index[dest[0].objgen], height - float(dest[3])

            for name in chapters:
                n, y = target(dests[name])
                first = next(ln for ln in lines[n] if ln["y1"] > y + 1)
                assert first["text"].startswith(name), (name, first)
            links = []
            for n, page in enumerate(pdf.pages):
                for annot in page.obj.get("/Annots", []):
                    if annot.get("/Subtype") != "/Link":
                        continue
                    assert "/Dest" in annot and "/A" not in annot, annot  # internal, not a URI
                    x0, y0, x1, y1 = (float(v) for v in annot.Rect)
                    # the words under the link: pdftotext's crop (whole points), 3 pt inside the box
                    shown = pdftotext(path, "-f", str(n + 1), "-l", str(n + 1), "-x", str(round(x0) + 3),
                                      "-y", str(round(height - y1) + 3), "-W", str(round(x1 - x0) - 6),
                                      "-H", str(round(y1 - y0) - 6)).strip()
                    links.append((n, target(annot.Dest), shown))
        assert len({(n, t) for n, t, _ in links}) >= len(inside), links
        # a link broken over two lines is two boxes with the same target: join their words
        joined: dict[tuple, str] = {}
        for n, t, shown in links:
            joined[(n, t)] = joined.get((n, t), "") + re.sub(r"\s+", "", shown)
        for (n, (page, y)), shown in joined.items():
            first = next(ln for ln in lines[page] if ln["y1"] > y + 1)
            label = re.match(rf"第[一二三四五六七八九十百]+[条條{chapter_word}]", first["text"].replace(" ", ""))
            assert label and shown.startswith(label.group(0)), (locale, n + 1, shown, page + 1, first["text"][:20])


# -- the company's own faces: [pdf.fonts] ----------------------------------------------------

def _font_names(pdf: Path) -> set[str]:
    """Embedded font names without the subset prefix and encoding (NotoSansCJKsc-Bold)."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {re.sub(r"^[A-Z]{6}\+|-Identity-H$", "", line.split()[0]) for line in out.splitlines()[2:]}


def test_configured_font_families_come_before_noto(draft: Path, tmp_path: Path) -> None:
    """[pdf.fonts] names the body (仿宋) and title (小标宋) families: the policy PDF is set in
    them, and so is every page of the handbook and the 修订对照表. Named here: Noto Sans CJK SC
    (installed everywhere), so no serif face is left, where the same policy built without
    the setting (the draft fixture) is set in Noto Serif."""
    from conftest import published_handbook

    assert {"NotoSerifCJKsc-Regular", "NotoSerifCJKsc-Bold"} <= _font_names(preview(draft, "HR-ATT-002"))
    root = copy_project(tmp_path / "p", ledger=True)
    with (root / "policydocs.toml").open("a", encoding="utf-8") as f:
        f.write('\n[pdf.fonts]\nbody = "Noto Sans CJK SC"\ntitle = ["noto sans cjk sc", "Noto Serif CJK SC"]\n')
    check = run_cli("check", cwd=root)
    assert check.returncode == 0 and "warning" not in check.stderr, check.stderr
    assert run_cli("keys", "init-org", cwd=root).returncode == 0
    result = run_cli("build", "--formats", "pdf", "--locales", "zh-Hans", cwd=root)
    assert result.returncode == 0, result.stderr
    pdf = current(root, "HR-ATT-002")
    assert _font_names(pdf) == {"NotoSansCJKsc-Regular", "NotoSansCJKsc-Bold"}, _font_names(pdf)
    assert "第一条" in pdftotext(pdf) and "考勤管理制度" in pdftotext(pdf)
    book = published_handbook(root, "employee-handbook")
    policy_pages = [n for n in range(1, _pages(book) + 1)
                    if "页次" in pdftotext(book, "-f", str(n), "-l", str(n), "-y", "0", "-H", "120", "-W", "600", "-x", "0")]
    assert len(policy_pages) > 10
    for n in policy_pages:
        out = subprocess.run(["pdffonts", "-f", str(n), "-l", str(n), str(book)], capture_output=True, text=True).stdout
        assert "NotoSerif" not in out and "NotoSansCJKsc-Regular" in out, (n, out)
    assert not any("NotoSerif" in f for f in _font_names(book)), _font_names(book)  # cover, 前言, 目录 too
    redline = run_cli("diff", "HR-ATT-002", "A/0", "A/1", cwd=root)  # the 修订对照表 as well
    assert redline.returncode == 0, redline.stderr
    (table,) = [p for p in (root / "build" / "diff").glob("*.pdf")]
    assert not any("NotoSerif" in f for f in _font_names(table)), _font_names(table)


def test_forms_take_the_configured_heading_family(tmp_path: Path) -> None:
    """The 签到表 is set in the sans (黑体) role: ``[pdf.fonts] heading`` reaches it, as it reaches the
    policy's headings. Named here: Noto Serif CJK SC, so the register, otherwise all Noto Sans, shows it."""
    root = copy_project(tmp_path / "p", ledger=True)
    with (root / "policydocs.toml").open("a", encoding="utf-8") as f:
        f.write('\n[pdf.fonts]\nheading = "Noto Serif CJK SC"\n')
    names = root / "names.csv"
    names.write_text("部门,姓名,工号,岗位\n人力资源部,张三,E001,专员\n", encoding="utf-8")
    form = run_cli("register", "--policy", "HR-ATT-002", "--roster", str(names), "--topic", "考勤制度培训",
                   "--date", "2025-03-03", "--format", "pdf", cwd=root)
    assert form.returncode == 0, form.stderr
    (sheet,) = (root / "build" / "forms").glob("register-*.pdf")
    assert "NotoSerifCJKsc-Regular" in _font_names(sheet), _font_names(sheet)


def test_check_warns_about_a_font_family_that_is_not_installed(tmp_path: Path) -> None:
    """A family no font provides is a warning at its line of policydocs.toml (the PDF falls back
    to the next family, then Noto); a misspelt role or a wrong type is an error (exit 2)."""
    root = copy_project(tmp_path / "p")
    base = (root / "policydocs.toml").read_text(encoding="utf-8")
    fonts = '\n[pdf.fonts]\nbody = "Noto Serif CJK SC"\nheading = ["方正黑体_未安装", "Noto Sans CJK SC"]\n'
    (root / "policydocs.toml").write_text(base + fonts, encoding="utf-8")
    line = (base + fonts).splitlines().index('heading = ["方正黑体_未安装", "Noto Sans CJK SC"]') + 1
    check = run_cli("check", cwd=root)
    assert check.returncode == 0, check.stderr
    warnings = [w for w in check.stderr.splitlines() if "warning" in w]
    assert len(warnings) == 1 and warnings[0].startswith(f"policydocs.toml:{line}: warning: pdf.fonts.heading"), check.stderr
    assert "方正黑体_未安装" in warnings[0] and "fonts/" in warnings[0]
    result = run_cli("build", "--no-sign", "--formats", "pdf", "--locales", "zh-Hans", "--policy", "IT-DEV-001",
                     cwd=root)
    assert result.returncode == 0, result.stderr
    assert "NotoSansCJKsc-Regular" in _font_names(preview(root, "IT-DEV-001"))
    for bad, message in (('colour = "red"', "unknown font role pdf.fonts.colour"),
                         ("title = []", "pdf.fonts.title must be a font family name")):
        (root / "policydocs.toml").write_text(base + f"\n[pdf.fonts]\n{bad}\n", encoding="utf-8")
        check = run_cli("check", cwd=root)
        where = len(base.splitlines()) + 3
        assert check.returncode == 2 and f"policydocs.toml:{where}: error: {message}" in check.stderr, check.stderr


OPENSYMBOL = Path("/usr/share/fonts/truetype/libreoffice/opens___.ttf")  # LibreOffice's, outside our font folders


@pytest.mark.skipif(not OPENSYMBOL.is_file(), reason="needs LibreOffice's OpenSymbol font file")
def test_a_font_in_the_projects_fonts_folder_is_found(tmp_path: Path) -> None:
    """Fonts are found in the project's fonts/ folder (inside the project); a family Typst
    does not see elsewhere becomes known once its file is there."""
    import shutil

    from policydocs.render.typst.engine import missing_families

    root = copy_project(tmp_path / "p", policies=["IT-DEV-001"])
    assert missing_families(["OpenSymbol", "Noto Serif CJK SC"], root) == ["OpenSymbol"]
    (root / "fonts").mkdir()
    shutil.copy2(OPENSYMBOL, root / "fonts" / OPENSYMBOL.name)
    assert missing_families(["OpenSymbol", "opensymbol"], root) == []
