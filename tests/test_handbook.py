"""Handbook (员工手册): validation of the definition, and what the PDF/DOCX show."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, copy_project, pdftotext

from policydocs.core.errors import PolicyError, PolicyErrors
from policydocs.products.handbook import (
    HandbookRenderer,
    build_handbooks,
    load_handbook,
)
from policydocs.read.project import load_project


def pages_of(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample project with its ledger (released versions) and the demo handbook."""
    root = copy_project(tmp_path_factory.mktemp("hb") / "proj")
    for name in ("ledger", "keys", "handbooks"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    return root


@pytest.fixture(scope="module", params=[1, 3], ids=["one-document", "parallel-parts"])
def built(sample, tmp_path_factory, request):
    """The demo handbook as the build makes it: laid out as one document (jobs=1)
    or in three parts in parallel processes, joined afterwards (jobs=3)."""
    out = tmp_path_factory.mktemp("out")
    project = load_project(sample)
    arts = build_handbooks(project, out, ["zh-Hans"], ("pdf", "docx"), jobs=request.param)
    return project, out, arts


def write_hb(root: Path, text: str, name: str = "x") -> Path:
    (root / "handbooks").mkdir(exist_ok=True)
    path = root / "handbooks" / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ validation


def test_missing_and_repealed_entries_name_file_line_and_entry(project):
    path = write_hb(project, "title: 员工手册\npolicies:\n  - HR-ATT-002\n  - HR-NOPE-009\n  - HR-ATT-001\n"
                             "  - category: 没有\n  - HR-ATT-002\n")
    with pytest.raises(PolicyErrors) as exc:
        load_handbook(path, load_project(project))
    text = str(exc.value)
    assert re.search(r"x\.yaml:4: error: entry 'HR-NOPE-009': no such policy", text), text
    assert re.search(r"x\.yaml:5: error: entry 'HR-ATT-001': policy is superseded .*HR-ATT-002", text), text
    assert re.search(r"x\.yaml:6: error: entry category '没有'", text), text
    assert re.search(r"x\.yaml:7: error: policy HR-ATT-002 is listed twice \(first on line 3\)", text), text


def test_other_definition_errors(project):
    proj = load_project(project)
    for text, words in [("title: a\npolicies: []\n", "non-empty list"), ("policies:\n  - HR-ATT-002\n", "missing title"),
                        ("title: a\ntitel: b\npolicies: [HR-ATT-002]\n", "unknown key 'titel'"),
                        ("title: a\nlocales: [zh-XX]\npolicies: [HR-ATT-002]\n", "unknown locale"),
                        ("title: [a\n", "YAML syntax error")]:
        with pytest.raises((PolicyError, PolicyErrors)) as exc:
            load_handbook(write_hb(project, text), proj)
        assert "x.yaml:" in str(exc.value) and words in str(exc.value), (text, str(exc.value))


def test_build_refuses_a_bad_handbook_and_writes_nothing(project, tmp_path):
    write_hb(project, "title: a\npolicies: [HR-ATT-001]\n")
    out = tmp_path / "out"
    with pytest.raises(PolicyErrors):
        build_handbooks(load_project(project), out, ["zh-Hans"], ("pdf",))
    assert not out.exists()


def test_categories_expand_in_file_order_in_force_only(sample):
    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    assert "HR-ATT-001" not in hb.policy_ids  # superseded
    in_force = [pid for pid, d in project.documents.items() if d.meta.status in ("effective", "trial")]
    assert sorted(hb.policy_ids) == sorted(in_force)


# ------------------------------------------------------------------ PDF


def test_artifacts(built):
    project, out, arts = built
    assert [(a["path"], a["kind"], a["locale"], a["format"]) for a in arts] == [
        ("handbooks/employee-handbook.zh-Hans.pdf", "handbook", "zh-Hans", "pdf"),
        ("handbooks/employee-handbook.zh-Hans.docx", "handbook", "zh-Hans", "docx")]
    assert arts[0]["title"] == "员工手册"
    assert all((out / a["path"]).stat().st_size > 1000 for a in arts)


def toc_entries(pdf: Path) -> dict[str, int]:
    """id → page number printed in the table of contents."""
    entries: dict[str, int] = {}
    for page in range(2, 6):
        for line in pdftotext(pdf, "-layout", "-f", str(page), "-l", str(page)).splitlines():
            m = re.match(r"\s*([A-Z]+-[A-Z]+-\d{3})\s*\S.*?…{3,}\s*(\d+)\s*$", line)  # ……… leader
            if m:
                entries[m.group(1)] = int(m.group(2))
    return entries


def test_toc_page_numbers_are_where_each_policy_starts(built):
    project, out, arts = built
    pdf = out / "handbooks" / "employee-handbook.zh-Hans.pdf"
    hb = load_handbook(project.root / "handbooks" / "employee-handbook.yaml", project)
    toc = toc_entries(pdf)
    assert list(toc) == hb.policy_ids
    total = pages_of(pdf)
    for pid, page in toc.items():
        here = pdftotext(pdf, "-f", str(page), "-l", str(page))
        before = pdftotext(pdf, "-f", str(page - 1), "-l", str(page - 1))
        title = project.documents[pid].meta.title
        assert f"文件编号：{pid}" in here and title in here, pid  # its running header and title
        assert f"文件编号：{pid}" not in before, pid  # …and it starts there, on a new page
        assert f"第{page}页 共{total}页" in here  # overall page count in the header


def test_revision_summary_lists_id_version_date_and_page(built):
    project, out, arts = built
    pdf = out / "handbooks" / "employee-handbook.zh-Hans.pdf"
    toc = toc_entries(pdf)
    text = ""
    for page in range(2, 7):
        t = pdftotext(pdf, "-layout", "-f", str(page), "-l", str(page))
        if "页码" in t and "生效日期" in t:
            text = t
    assert text
    for pid, page in toc.items():
        line = next(ln for ln in text.splitlines() if pid in ln)
        assert re.search(r"(A/\d|草稿)", line) and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", line), line
        assert line.rstrip().endswith(str(page)), line


def test_bookmarks_per_policy_and_chapter(built):
    project, out, arts = built
    pdf = out / "handbooks" / "employee-handbook.zh-Hans.pdf"
    xml = subprocess.run(["pdftohtml", "-xml", "-stdout", "-i", "-q", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    outline = xml[xml.index("<outline>"):]
    items = re.findall(r'<item page="(\d+)">([^<]*)</item>', outline)
    titles = [t for _, t in items]
    toc = toc_entries(pdf)
    for pid, page in toc.items():
        doc = project.documents[pid]
        entry = next((int(p), t) for p, t in items if t.startswith(doc.meta.title))
        assert entry[0] == page
    assert "目录" in titles and "制度版本一览" in titles
    assert any(t.startswith("第一章") for t in titles)


def test_every_policy_page_has_a_header_and_no_blank_policy_title(built):
    project, out, arts = built
    pdf = out / "handbooks" / "employee-handbook.zh-Hans.pdf"
    toc = toc_entries(pdf)
    total = pages_of(pdf)
    starts = sorted(toc.items(), key=lambda kv: kv[1])
    for (pid, start), nxt in zip(starts, starts[1:] + [(None, total + 1)]):
        for page in range(start, nxt[1]):
            text = pdftotext(pdf, "-f", str(page), "-l", str(page))
            assert f"文件编号：{pid}" in text, (pid, page)  # the running header is the current policy's


# ------------------------------------------------------------------ DOCX


def test_docx_toc_field_sections_and_headers(built):
    project, out, arts = built
    data = (out / "handbooks" / "employee-handbook.zh-Hans.docx").read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    doc = z.read("word/document.xml").decode()
    assert 'TOC \\h \\z \\t "Title,1,heading 1,2"' in doc
    assert '<w:updateFields w:val="true"/>' in z.read("word/settings.xml").decode()
    hb = load_handbook(project.root / "handbooks" / "employee-handbook.yaml", project)
    assert doc.count("<w:sectPr") == 1 + len(hb.policy_ids)  # front matter + one section per policy
    headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
    for pid in hb.policy_ids:
        assert any(pid in h for h in headers), pid
    assert "制度版本一览" in doc and "<w:tblHeader/>" in doc


def test_traditional_handbook(sample, tmp_path):
    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    hb.policy_ids = hb.policy_ids[:2]
    renderer = HandbookRenderer(project)
    pdf = tmp_path / "tw.pdf"
    pdf.write_bytes(renderer.pdf(hb, "zh-Hant-TW"))
    text = re.sub(r"\s+", "", pdftotext(pdf))
    assert "員工手冊" in text and "目錄" in text and "考勤管理制度" in text and "頁" in text
    total = pages_of(pdf)
    front = re.sub(r"\s+", "", pdftotext(pdf, "-f", "2", "-l", "2"))  # 前言: its foot in Traditional words
    assert f"第2頁共{total}頁" in front and "页" not in front
    parallel = tmp_path / "tw-parallel.pdf"
    parallel.write_bytes(renderer.pdf(hb, "zh-Hant-TW", jobs=2))
    assert pdftotext(parallel, "-layout") == pdftotext(pdf, "-layout")


def test_locales_render_in_parallel_processes(project, tmp_path):
    write_hb(project, "title: 员工手册\nlocales: [zh-Hans, zh-Hant-TW]\npolicies: [HR-ATT-002, FIN-EXP-001]\n", "small")
    out = tmp_path / "out"
    arts = build_handbooks(load_project(project), out, ["zh-Hans", "zh-Hant-TW", "zh-Hant-HK"], ("pdf",), jobs=2)
    assert [(a["path"], a["title"]) for a in arts] == [("handbooks/small.zh-Hans.pdf", "员工手册"),
                                                       ("handbooks/small.zh-Hant-TW.pdf", "員工手冊")]
    for a in arts:
        assert "考勤管理制度" in pdftotext(out / a["path"])


def test_same_input_same_bytes(sample):
    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    hb.policy_ids = hb.policy_ids[:1]
    renderer = HandbookRenderer(project)
    assert renderer.pdf(hb, "zh-Hans") == renderer.pdf(hb, "zh-Hans")
    assert renderer.docx(hb, "zh-Hans") == renderer.docx(hb, "zh-Hans")


def test_unchanged_handbook_is_reused_and_an_edited_policy_rerenders_it(project, monkeypatch):
    from policydocs.pipeline.build import build

    write_hb(project, "title: 手册\npolicies: [HR-ATT-002]\n", "small")
    build(project, formats=["pdf"], locales=["zh-Hans"], sign=False, jobs=1)
    pdf = project / "build" / "handbooks" / "small.zh-Hans.pdf"
    first = pdf.read_bytes()
    calls = []
    original = HandbookRenderer.pdf
    monkeypatch.setattr(HandbookRenderer, "pdf", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    build(project, formats=["pdf"], locales=["zh-Hans"], sign=False, jobs=1)
    assert calls == [] and pdf.read_bytes() == first
    src = project / "policies" / "HR-ATT-002.md"
    src.write_text(src.read_text(encoding="utf-8") + "\n员工应当遵守本制度的各项规定。\n", encoding="utf-8")
    build(project, formats=["pdf"], locales=["zh-Hans"], sign=False, jobs=1)
    assert calls == [1] and "员工应当遵守本制度的各项规定" in re.sub(r"\s+", "", pdftotext(pdf))


def test_every_link_in_the_book_has_its_target(sample):
    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    html = HandbookRenderer(project).html(hb, "zh-Hans")
    hrefs = set(re.findall(r'href="#([^"]+)"', html))
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert any("-第" in h for h in hrefs)  # references between policies point into the book
    assert hrefs and not hrefs - ids
    # a policy outside the book is cited by title, without a dangling link
    hb.policy_ids = ["ADM-OFF-001"]
    html = HandbookRenderer(project).html(hb, "zh-Hans")
    assert not set(re.findall(r'href="#([^"]+)"', html)) - set(re.findall(r'id="([^"]+)"', html))
    assert "《考勤管理制度》" in html
