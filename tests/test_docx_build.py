"""`policydocs build` with DOCX: files beside the PDF, --formats, and bad input stopping the build."""

from __future__ import annotations

from pathlib import Path

import docx
from conftest import preview, run_cli


def _files(root: Path, suffix: str) -> list[str]:
    build = root / "build"
    return sorted(str(p.relative_to(build)) for p in build.rglob(f"*{suffix}")) if build.exists() else []


def test_build_writes_docx_beside_pdf(project):
    r = run_cli("build", "--formats", "pdf,docx", "--locales", "zh-Hans,zh-Hant-TW", "--policy", "HR-ATT-002",
                "--policy", "ADM-MTG-001", cwd=project)
    assert r.returncode == 0, r.stderr
    pdfs, docxs = _files(project, ".pdf"), _files(project, ".docx")
    assert len(docxs) == 4 and [p[:-5] for p in docxs] == [p[:-4] for p in pdfs]
    d = docx.Document(str(preview(project, "HR-ATT-002", fmt="docx")))
    assert d.core_properties.subject == "HR-ATT-002"
    assert any(p.text.startswith("第一条") for p in d.paragraphs)


def test_formats_docx_only(project):
    r = run_cli("build", "--formats", "docx", cwd=project)
    assert r.returncode == 0, r.stderr
    docxs = _files(project, ".docx")
    assert len(docxs) == 3 * len(list((project / "policies").glob("*.md"))) and not _files(project, ".pdf")


def test_bad_policy_stops_the_docx_build(mini_project):
    (mini_project / "policies" / "T-001.md").write_text(
        "---\nid: T-001\ntitle: 测试制度\ndepartment: 行政部\ncategory: 行政\nstatus: effective\n"
        "effective_date: 2025-02-30\napplies_to: 全体员工\nlang: zh-Hans\n---\n\n# 总则\n\n见[[#nowhere]]。\n",
        encoding="utf-8")
    r = run_cli("build", "--formats", "docx", cwd=mini_project)
    assert r.returncode == 2
    assert "T-001.md:7" in r.stderr  # impossible date, with file and line
    assert not _files(mini_project, ".docx")


def test_bad_reference_docx_stops_the_build(project):
    cfg = project / "policydocs.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[docx]\nreference = "templates/missing.docx"\n',
                   encoding="utf-8")
    r = run_cli("build", "--formats", "docx", cwd=project)
    assert r.returncode == 2
    assert "templates/missing.docx" in r.stderr and "does not exist" in r.stderr
    assert not _files(project, ".docx")
    (project / "templates").mkdir()
    (project / "templates" / "missing.docx").write_text("not a docx", encoding="utf-8")
    r = run_cli("build", "--formats", "docx", cwd=project)
    assert r.returncode == 2 and "not a DOCX file" in r.stderr
    assert not _files(project, ".docx")
