"""The command line as a user meets it: help, init, doctor, check."""

from __future__ import annotations

from pathlib import Path

from conftest import pdftotext, preview, run_cli


def test_every_command_has_help(tmp_path: Path) -> None:
    from policydocs.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = list(sub.choices)
    for expected in ("check", "build", "init", "doctor", "convert", "approve", "release", "history", "verify",
                     "verify-file", "register", "receipts", "site", "serve", "keys"):
        assert expected in names, expected
    for name in names:
        result = run_cli(name, "--help", cwd=tmp_path)
        assert result.returncode == 0, (name, result.stderr)
        assert "usage: policydocs" in result.stdout


def test_init_creates_a_project_that_builds(tmp_path: Path) -> None:
    result = run_cli("init", "rules", "--company", "青禾物流有限公司", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "rules"
    assert (root / "policydocs.toml").exists() and list((root / "policies").glob("*.md"))
    check = run_cli("check", cwd=root)
    assert check.returncode == 0 and "ok:" in check.stdout, check.stderr
    build = run_cli("build", "--no-sign", cwd=root)
    assert build.returncode == 0, build.stderr
    pdfs = sorted((root / "build" / "preview").glob("*/*.pdf"))
    assert pdfs and (root / "build" / "preview" / "zh-Hant-TW").is_dir()
    text = pdftotext(preview(root, "ADM-GEN-001"))
    assert "青禾物流有限公司" in text and "第一条" in text and "草稿" in text
    # init refuses to overwrite a project
    again = run_cli("init", "rules", cwd=tmp_path)
    assert again.returncode == 2 and "not empty" in again.stderr


def test_doctor_reports_the_stack(tmp_path: Path) -> None:
    result = run_cli("doctor", cwd=tmp_path)
    assert "[ok] Typst" in result.stdout and "OpenCC" in result.stdout
    assert "[ok] font Noto Serif CJK SC" in result.stdout
    assert result.returncode == 0, result.stdout  # the set-up installs everything doctor checks


def test_check_outside_a_project_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "no policies/ directory" in result.stderr
