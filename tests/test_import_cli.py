"""`policydocs import` as a user runs it: help, exit codes, reports, no silent overwrite, folders."""

from __future__ import annotations

from conftest import run_cli

POLICY_TEXT = ("值班管理规定（试行）\n文件编号：ADM-DUTY-001　版本：A/0\n"
               "第一章 总则\n第一条 为加强值班管理，制定本规定。\n第二条 本规定由行政部负责解释。\n"
               "第三条 本规定自2025年5月1日起施行。\n")


def test_help_has_description_and_examples(mini_project):
    result = run_cli("import", "--help", cwd=mini_project)
    assert result.returncode == 0
    assert "examples:" in result.stdout and "import-reports" in result.stdout and "--force" in result.stdout


def test_import_writes_policy_and_report(mini_project, tmp_path):
    source = tmp_path / "duty.txt"
    source.write_text(POLICY_TEXT, encoding="utf-8")
    result = run_cli("import", str(source), cwd=mini_project)
    assert result.returncode == 0, result.stderr
    policy = mini_project / "policies" / "ADM-DUTY-001.md"
    text = policy.read_text(encoding="utf-8")
    assert "status: trial" in text and "effective_date: 2025-05-01" in text and 'department: "行政部"' in text
    assert "第一条" not in text and "# 总则" in text
    report = (mini_project / "import-reports" / "ADM-DUTY-001.md").read_text(encoding="utf-8")
    assert report.startswith("# Import report: ADM-DUTY-001") and "(试行)" in report.replace("（", "(").replace("）", ")")
    assert "ADM-DUTY-001" in result.stdout and "guess(es) to review" in result.stdout
    assert run_cli("check", cwd=mini_project).returncode == 0


def test_never_overwrites_without_force(mini_project, tmp_path):
    source = tmp_path / "duty.txt"
    source.write_text(POLICY_TEXT, encoding="utf-8")
    assert run_cli("import", str(source), cwd=mini_project).returncode == 0
    policy = mini_project / "policies" / "ADM-DUTY-001.md"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n人工修改。\n", encoding="utf-8")
    before = policy.read_bytes()
    again = run_cli("import", str(source), cwd=mini_project)
    assert again.returncode == 2 and "--force" in again.stderr
    assert policy.read_bytes() == before
    forced = run_cli("import", str(source), "--force", cwd=mini_project)
    assert forced.returncode == 0 and "人工修改" not in policy.read_text(encoding="utf-8")


def test_unreadable_files_exit_2_with_reason(mini_project, tmp_path):
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"this is not a pdf")
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    result = run_cli("import", str(fake), str(binary), "--into", str(mini_project / "policies"), cwd=mini_project)
    assert result.returncode == 2
    assert "scan.pdf: error: not a readable PDF" in result.stderr
    assert "data.txt: error: binary file" in result.stderr
    assert not list((mini_project / "policies").glob("*.md"))
    missing = run_cli("import", str(tmp_path / "nope.docx"), cwd=mini_project)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_folder_imports_in_parallel_with_progress(mini_project, tmp_path):
    folder = tmp_path / "legacy"
    folder.mkdir()
    for n in range(1, 4):
        cite = "第三条 违反本规定的，按照《第1号管理规定》第二条处理。\n" if n > 1 else ""
        (folder / f"rule-{n}.txt").write_text(f"第{n}号管理规定\n第一条 为规范管理，制定本规定。\n第二条 本规定适用于全体员工。\n"
                                             + cite, encoding="utf-8")
    (folder / "notes.xyz").write_text("ignored", encoding="utf-8")
    result = run_cli("import", str(folder), "-j", "2", cwd=mini_project)
    assert result.returncode == 0, result.stderr
    assert "[3/3]" in result.stderr and "wrote 3 policies from 3 file(s)" in result.stderr
    assert sorted(p.name for p in (mini_project / "policies").glob("*.md")) == ["RULE-1.md", "RULE-2.md", "RULE-3.md"]
    # citations across files of one import became references, labels put on the cited article
    assert "[[RULE-1#art-2]]" in (mini_project / "policies" / "RULE-3.md").read_text(encoding="utf-8")
    assert "{#art-2}" in (mini_project / "policies" / "RULE-1.md").read_text(encoding="utf-8")
    assert run_cli("check", cwd=mini_project).returncode == 0
    assert run_cli("import", str(folder / "rule-1.txt"), str(folder / "rule-2.txt"), "--id", "X-1",
                   cwd=mini_project).returncode == 2
    # one process (-j 1, or a one-CPU machine) shows the same progress
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "policydocs.toml").write_bytes((mini_project / "policydocs.toml").read_bytes())
    sequential = run_cli("import", str(folder), "-j", "1", cwd=fresh)
    assert sequential.returncode == 0, sequential.stderr
    assert [line.split(" read ")[0] for line in sequential.stderr.splitlines() if " read " in line] == \
        ["[1/3]", "[2/3]", "[3/3]"]


def test_dry_run_writes_nothing(mini_project, tmp_path):
    source = tmp_path / "duty.txt"
    source.write_text(POLICY_TEXT, encoding="utf-8")
    result = run_cli("import", str(source), "--dry-run", "--report", cwd=mini_project)
    assert result.returncode == 0 and "[metadata]" in result.stdout
    assert not list((mini_project / "policies").glob("*.md")) and not (mini_project / "import-reports").exists()
