"""Handbook (员工手册): validation of the definition, and what the PDF/DOCX show."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import copy_project, pdftotext, published_handbook, run_cli

from policydocs.core.errors import PolicyError, PolicyErrors
from policydocs.pipeline.build import build, handbook_job, render_handbook
from policydocs.pipeline.session import BuildSession
from policydocs.products.handbook import HandbookRenderer, load_handbook
from policydocs.read.project import load_project


def render(root: Path, hb, locale: str, fmt: str = "pdf") -> bytes:
    """One handbook in one locale, localized by a build session, laid out as the build does."""
    return render_handbook(handbook_job(BuildSession.open(root), hb, locale, (fmt,)))[fmt]


def build_books(root: Path, locales: list[str], formats: list[str], env: dict | None = None) -> list[dict]:
    """Publish the project (a demo CA first) and return the handbooks it published."""
    if not (root / "keys" / "org-ca.pem").exists():
        assert run_cli("keys", "init-org", cwd=root, env=env).returncode == 0
    result = run_cli("build", "--formats", ",".join(formats), "--locales", ",".join(locales), cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    return [a for a in manifest["artifacts"] if a["kind"] == "handbook"]


def pages_of(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample project with its ledger (released versions) and the demo handbook."""
    return copy_project(tmp_path_factory.mktemp("hb") / "proj", ledger=True)


@pytest.fixture(scope="module")
def built(sample):
    """The demo handbook as the build publishes it: the versions in force, the whole book in
    one Typst run, signed. (project, project folder, handbook artifacts of the manifest)"""
    env = {"XDG_CONFIG_HOME": str(sample.parent / "xdg")}
    arts = build_books(sample, ["zh-Hans"], ["pdf", "docx"], env=env)
    return load_project(sample), sample, arts


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
                        ("title: [a\n", "YAML syntax error"),
                        ("title: a\npolicies: [HR-ATT-002]\ntitle: b\n",
                         "x.yaml:3: error: duplicate key 'title' (first given at line 1)")]:
        with pytest.raises((PolicyError, PolicyErrors)) as exc:
            load_handbook(write_hb(project, text), proj)
        assert "x.yaml:" in str(exc.value) and words in str(exc.value), (text, str(exc.value))


def test_build_refuses_a_bad_handbook_and_writes_nothing(project, tmp_path):
    write_hb(project, "title: a\npolicies: [HR-ATT-001]\n")
    with pytest.raises(PolicyErrors):
        build(project, locales=["zh-Hans"], formats=["pdf"], sign=False)
    assert not list((project / "build").rglob("*.pdf"))


def test_categories_expand_in_file_order_in_force_only(sample):
    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    assert "HR-ATT-001" not in hb.policy_ids  # superseded
    in_force = [pid for pid, d in project.documents.items() if d.meta.status in ("effective", "trial")]
    assert sorted(hb.policy_ids) == sorted(in_force)


# ------------------------------------------------------------------ PDF


def test_artifacts(built):
    project, out, arts = built
    assert sorted((a["kind"], a["locale"], a["format"]) for a in arts) == [
        ("handbook", "zh-Hans", "docx"), ("handbook", "zh-Hans", "pdf")]
    assert all(re.fullmatch(r"publication/handbooks/employee-handbook/\d{8}-[0-9a-f]{8}/"
                            r"employee-handbook_\d{8}-[0-9a-f]{8}\.zh-Hans\.(pdf|docx)", a["path"]) for a in arts)
    assert {a["title"] for a in arts} == {"员工手册"} and all(a["signed"] for a in arts if a["format"] == "pdf")
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
    pdf = published_handbook(out, "employee-handbook")
    hb = load_handbook(project.root / "handbooks" / "employee-handbook.yaml", project)
    toc = toc_entries(pdf)
    assert list(toc) == hb.policy_ids
    for pid, page in toc.items():
        here = pdftotext(pdf, "-f", str(page), "-l", str(page))
        before = pdftotext(pdf, "-f", str(page - 1), "-l", str(page - 1))
        title = project.documents[pid].meta.title
        assert f"文件编号：{pid}" in here and title in here, pid  # its running header and title
        assert f"文件编号：{pid}" not in before, pid  # …and it starts there, on a new page
        assert re.search(rf"—\s*{page}\s*—", here), pid  # the book's page number in the foot
        assert re.search(r"第1页\s*共\d+页", here), pid  # 页次 counted within the policy


def test_revision_summary_lists_id_version_date_and_page(built):
    project, out, arts = built
    pdf = published_handbook(out, "employee-handbook")
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
    pdf = published_handbook(out, "employee-handbook")
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


def test_every_policy_page_has_its_own_header_and_page_count(built):
    """Each policy's pages carry its running header and 第x页 共y页 counted within the policy."""
    project, out, arts = built
    pdf = published_handbook(out, "employee-handbook")
    toc = toc_entries(pdf)
    total = pages_of(pdf)
    starts = sorted(toc.items(), key=lambda kv: kv[1])
    for (pid, start), nxt in zip(starts, starts[1:] + [(None, total + 1)]):
        count = nxt[1] - start
        for page in range(start, nxt[1]):
            text = re.sub(r"[ \t]+", "", pdftotext(pdf, "-f", str(page), "-l", str(page)))
            assert f"文件编号：{pid}" in text, (pid, page)  # the running header is the current policy's
            assert f"第{page - start + 1}页共{count}页" in text, (pid, page)


# ------------------------------------------------------------------ DOCX


def test_docx_toc_field_sections_and_headers(built):
    project, out, arts = built
    data = published_handbook(out, "employee-handbook", fmt="docx").read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    doc = z.read("word/document.xml").decode()
    assert 'TOC \\h \\z \\t "Title,1,heading 1,2"' in doc
    assert "updateFields" not in z.read("word/settings.xml").decode()  # numbers laid out: no prompt in Word
    hb = load_handbook(project.root / "handbooks" / "employee-handbook.yaml", project)
    assert doc.count("<w:sectPr") == 1 + len(hb.policy_ids)  # front matter + one section per policy
    headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
    for pid in hb.policy_ids:
        assert any(pid in h for h in headers), pid
    assert "制度版本一览" in doc and "<w:tblHeader/>" in doc


def test_without_libreoffice_the_build_warns_once_and_word_fills_the_numbers(tmp_path, monkeypatch):
    """Without soffice the 目录 numbers cannot be laid out: one warning naming the package to
    install (not one per book or locale), and the DOCX asks Word to update its fields."""
    from policydocs.render import docx_layout

    root = copy_project(tmp_path / "p", ledger=True)
    write_hb(root, "title: 新员工手册\npolicies: [HR-ATT-002]\n", "second")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert run_cli("keys", "init-org", cwd=root, env=env).returncode == 0
    monkeypatch.setenv("XDG_CONFIG_HOME", env["XDG_CONFIG_HOME"])
    monkeypatch.setattr(docx_layout, "soffice", lambda: None)
    result = build(root, formats=["docx"], locales=["zh-Hans", "zh-Hant-TW"], jobs=1)
    warned = [w for w in result.warnings if "page numbers" in w]
    assert warned == ["handbook DOCX without page numbers in its 目录 and 制度版本一览: soffice not found; install "
                      "the Debian package(s) libreoffice-writer (`make setup` does). An edition published now "
                      "keeps its blank numbers"]
    docx_file = published_handbook(root, "second", "zh-Hant-TW", fmt="docx")
    settings = zipfile.ZipFile(docx_file).read("word/settings.xml").decode()
    assert '<w:updateFields w:val="true"/>' in settings


def test_traditional_handbook(sample, tmp_path):
    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    hb.policy_ids = hb.policy_ids[:2]
    pdf = tmp_path / "tw.pdf"
    pdf.write_bytes(render(sample, hb, "zh-Hant-TW"))
    text = re.sub(r"\s+", "", pdftotext(pdf))
    assert "員工手冊" in text and "目錄" in text and "考勤管理制度" in text and "頁" in text
    toc = toc_entries(pdf)
    first = min(toc.values())
    here = re.sub(r"\s+", "", pdftotext(pdf, "-f", str(first), "-l", str(first)))
    assert "第1頁共" in here and "文件編號" in here and "页" not in here  # the header in Traditional words


def test_a_book_is_published_in_the_locales_it_names(tmp_path):
    root = copy_project(tmp_path / "p", ledger=True)
    shutil.rmtree(root / "handbooks")
    write_hb(root, "title: 员工手册\nlocales: [zh-Hans, zh-Hant-TW]\npolicies: [HR-ATT-002, FIN-EXP-001]\n", "small")
    arts = build_books(root, ["zh-Hans", "zh-Hant-TW", "zh-Hant-HK"], ["pdf"])
    assert sorted((a["locale"], a["title"]) for a in arts) == [("zh-Hans", "员工手册"), ("zh-Hant-TW", "員工手冊")]
    assert len({Path(a["path"]).parent for a in arts}) == 1  # one edition, in each of its locales
    for a in arts:
        assert "考勤管理制度" in pdftotext(root / a["path"])


def test_same_input_same_bytes(sample):
    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    hb.policy_ids = hb.policy_ids[:1]
    assert render(sample, hb, "zh-Hans") == render(sample, hb, "zh-Hans")
    assert render(sample, hb, "zh-Hans", "docx") == render(sample, hb, "zh-Hans", "docx")


def test_a_book_is_published_once_and_binds_releases_not_working_texts(tmp_path, monkeypatch):
    """Built again, an unchanged book is not laid out again; an edited working text is a
    preview and leaves the published book as it was (only a release changes what it binds)."""
    root = copy_project(tmp_path / "p", ledger=True)
    shutil.rmtree(root / "handbooks")
    write_hb(root, "title: 手册\npolicies: [HR-ATT-002]\n", "small")
    (first,) = build_books(root, ["zh-Hans"], ["pdf"])
    before = (root / first["path"]).read_bytes()
    calls = []
    original = HandbookRenderer.pdf
    monkeypatch.setattr(HandbookRenderer, "pdf", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    build(root, formats=["pdf"], locales=["zh-Hans"], jobs=1)
    src = root / "policies" / "HR-ATT-002.md"
    src.write_text(src.read_text(encoding="utf-8") + "\n员工应当遵守本制度的各项规定。\n", encoding="utf-8")
    result = build(root, formats=["pdf"], locales=["zh-Hans"], jobs=1)
    assert calls == [] and (root / first["path"]).read_bytes() == before
    assert "员工应当遵守本制度的各项规定" not in re.sub(r"\s+", "", pdftotext(root / first["path"]))
    assert [a.policy_id for a in result.previews] == ["HR-ATT-002"]


def test_every_link_in_the_book_has_its_target(sample, tmp_path):
    """Links inside the book (目录, 制度版本一览, references between its policies) land on
    the page they name; a policy outside the book is cited by title, without a link."""
    import pikepdf

    project = load_project(sample)
    hb = load_handbook(sample / "handbooks" / "employee-handbook.yaml", project)
    session = BuildSession.open(sample)

    def source_of(hb):
        job = handbook_job(session, hb, "zh-Hans", ("pdf",))
        return HandbookRenderer(job.config, job.texts).typst_source(hb, "zh-Hans", job.parts)

    source = source_of(hb)
    assert re.search(r'pd-ref\("[A-Z]+-[A-Z]+-\d{3}-第', source)  # references between policies point into the book
    pdf = tmp_path / "hb.pdf"
    pdf.write_bytes(render(sample, hb, "zh-Hans"))
    with pikepdf.open(pdf) as doc:
        index = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        dests = {str(k): v for k, v in pikepdf.NameTree(doc.Root.Names.Dests).items()} if "/Names" in doc.Root else {}
        links = 0
        for page in doc.pages:
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") != "/Link" or "/A" in annot and annot.A.get("/S") == "/URI":
                    continue
                dest = annot.get("/Dest")
                if dest is None and "/A" in annot:
                    dest = annot.A.get("/D")
                if isinstance(dest, (pikepdf.String, str)):
                    dest = dests[str(dest)]
                assert dest[0].objgen in index
                links += 1
    assert links > 50
    hb.policy_ids = ["ADM-OFF-001"]
    source = source_of(hb)
    assert "考勤管理制度" in source and not re.search(r'pd-ref\("HR-ATT-002', source)
