"""The produced PDFs, read back as a person (and pdftotext/pdffonts) sees them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import copy_project, pdftotext, run_cli

CLOSING = "。，、；：？！）》」』〕】"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample policies built once (PDF, zh-Hans + zh-Hant-TW), unsigned drafts."""
    root = copy_project(tmp_path_factory.mktemp("pdf") / "proj")
    env = {"XDG_CONFIG_HOME": str(root.parent / "xdg")}
    result = run_cli("build", "--no-sign", "--formats", "pdf", "--locales", "zh-Hans,zh-Hant-TW", cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    return root


def text_of(built: Path, locale: str, pid: str, *args: str) -> str:
    return pdftotext(built / "build" / locale / f"{pid}.pdf", *args)


def test_articles_numbered_in_order(built: Path) -> None:
    text = text_of(built, "zh-Hans", "HR-ATT-002")
    found = re.findall(r"第([一二三四五六七八九十百]+)条", text)
    labels = [f"第{n}条" for n in found]
    for expected in ("第一条", "第二条", "第十条", "第十一条", "第二十条", "第二十一条"):
        assert expected in labels
    # every article label appears in document order at the start of its article
    starts = [m.group(0) for m in re.finditer(r"^第[一二三四五六七八九十百]+条", text, re.M)]
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
    pdf = built / "build" / "zh-Hans" / "HR-ATT-002.pdf"
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
    for locale, family in (("zh-Hans", "CJK-SC"), ("zh-Hant-TW", "CJK-TC")):
        out = subprocess.run(["pdffonts", str(built / "build" / locale / "IT-SEC-001.pdf")], capture_output=True, text=True).stdout
        rows = [line.split() for line in out.splitlines()[2:]]
        assert rows
        for row in rows:
            name, emb, sub = row[0], row[-5], row[-4]
            assert re.match(r"^[A-Z]{6}\+", name), row  # subset prefix
            assert (emb, sub) == ("yes", "yes"), row
        assert any(family in row[0] for row in rows), out


def test_no_line_starts_with_closing_punctuation(built: Path) -> None:
    for pdf in sorted((built / "build").glob("*/*.pdf")):
        for line in pdftotext(pdf).splitlines():
            stripped = line.strip()
            assert not (stripped and stripped[0] in CLOSING), f"{pdf.name}: line starts with punctuation: {line!r}"


def test_document_ids_not_broken_across_lines(built: Path) -> None:
    for pdf in sorted((built / "build").glob("zh-Hans/*.pdf")):
        text = pdftotext(pdf)
        pid = pdf.stem
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
    first = (root / "build" / "zh-Hans" / "IT-DEV-001.pdf").read_bytes()
    assert run_cli(*args, "--force", cwd=root, env=env).returncode == 0
    assert (root / "build" / "zh-Hans" / "IT-DEV-001.pdf").read_bytes() == first


def test_renderer_fetches_only_project_files(tmp_path: Path) -> None:
    from policydocs.render.pdf import ProjectOnlyFetcher

    inside = tmp_path / "proj"
    inside.mkdir()
    (inside / "logo.txt").write_text("x")
    fetcher = ProjectOnlyFetcher(inside)
    fetcher.fetch((inside / "logo.txt").as_uri())  # allowed
    for url in ("file:///etc/passwd", (inside / ".." / "secret").as_uri(), "http://127.0.0.1:9/x", "https://example.com/a.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
