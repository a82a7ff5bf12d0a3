"""What a user sees when something is wrong: one line naming the file and line,
never a traceback; internal errors said to be bugs; a closed pipe ends quietly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from policydocs import cli
from policydocs.core.errors import PolicyError, PolicyErrors
from policydocs.read.markdown import MAX_SOURCE_BYTES, read_source
from policydocs.read.roster import load_roster

POLICY = """---
id: X-1
title: 测试制度
department: 行政部
category: 行政
status: effective
effective_date: 2025-01-01
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范管理，制定本制度。
"""


@pytest.fixture
def root(mini_project: Path) -> Path:
    (mini_project / "policies" / "X-1.md").write_text(POLICY, encoding="utf-8")
    return mini_project


def test_check_validates_glossary_handbooks_and_templates_together(root):
    (root / "glossary.yaml").write_text("protect:\n  - term: 华衡\n    colour: red\n", encoding="utf-8")
    (root / "handbooks").mkdir()
    (root / "handbooks" / "staff.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    (root / "templates" / "site").mkdir(parents=True)
    (root / "templates" / "site" / "base.html.j2").write_text("<title>{{ title }}</title>\n{% if x %}\n<p>\n",
                                                            encoding="utf-8")
    result = run_cli("check", cwd=root)
    assert result.returncode == 2, result.stdout
    lines = result.stderr.splitlines()
    assert "glossary.yaml:2: error: unknown key 'colour' in protected term; known: term, reason" in lines
    assert any(line.startswith("handbooks/staff.yaml:") and ": error: " in line for line in lines), lines
    assert any(re.fullmatch(r"templates/site/base\.html\.j2:\d: error: template syntax error: Unexpected end of "
                            r"template\. Jinja was looking for the following tags: .*'endif'.*", line) for line in lines), lines
    assert "Traceback" not in result.stderr


def test_a_broken_portal_template_is_one_line(root):
    (root / "templates" / "site").mkdir(parents=True)
    source = (Path(__file__).resolve().parent.parent / "templates/site/index.html.j2").read_text(encoding="utf-8")
    lines = source.splitlines()
    lines[1] = lines[1].replace("{{ sw.home }}", "{{ sw.home }}{{ no_such_value }}")  # inside {% block title %}
    assert "no_such_value" in lines[1]
    (root / "templates" / "site" / "index.html.j2").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("site", "--no-sign", "-q", cwd=root)
    assert result.returncode == 2
    assert result.stderr.strip() == "templates/site/index.html.j2:2: error: template error: 'no_such_value' is undefined"
    assert not (root / "build" / "site").exists()


def test_check_compiles_the_projects_typst_templates(root):
    (root / "templates" / "typst").mkdir(parents=True)
    (root / "templates" / "typst" / "policy.typ").write_text("#let pd-policy(doc) = {\n  [正文\n}\n", encoding="utf-8")
    result = run_cli("check", cwd=root)
    assert result.returncode == 2
    assert re.match(r"templates/typst/policy\.typ:\d+: error: Typst: ", result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_check_is_clean_for_a_good_project(root):
    result = run_cli("check", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: 1 policies, 1 articles, 0 picture(s), 0 handbook(s), 0 project template(s)")


def test_oversized_policy_shows_its_real_size(tmp_path):
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * (MAX_SOURCE_BYTES + 3 * 512 * 1024))
    with pytest.raises(PolicyError) as info:
        read_source(path)
    assert str(info.value) == (f"{path}: error: file is 9.5 MB ({MAX_SOURCE_BYTES + 3 * 512 * 1024} bytes); "
                               "the limit is 8 MB: split the policy into several")


def test_xlsx_formula_without_saved_value_is_named(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["部门", "姓名", "工号"])
    ws.append(["行政部", "张三", "A001"])
    ws.append(["行政部", '=B2&"（代）"', "A002"])  # openpyxl writes the formula, never a value
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    with pytest.raises(PolicyErrors) as info:
        load_roster(path)
    assert [str(d) for d in info.value.diagnostics] == [
        f'{path}:3: error: row 3: 姓名 (name) is the formula =B2&"（代）" with no saved value (the file was written '
        "by a program, not saved by a spreadsheet): open it in Excel, WPS or LibreOffice and save it, or paste the values"]


def _boom(args):
    raise TypeError("'Any' object is not subscriptable")


@pytest.fixture
def broken_check(monkeypatch):
    real = cli.build_parser

    def parser():
        p = real()
        for action in p._subparsers._group_actions:  # noqa: SLF001 - reach the check subcommand
            action.choices["check"].set_defaults(func=_boom)
        return p

    monkeypatch.setattr(cli, "build_parser", parser)


def test_internal_error_is_one_line_and_says_it_is_a_bug(broken_check, capsys, monkeypatch):
    monkeypatch.delenv("POLICYDOCS_DEBUG", raising=False)
    assert cli.main(["check"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "'Any' object" not in err
    assert err.startswith("error: internal error in `policydocs check` (TypeError); this is a bug in policydocs")
    assert "--debug" in err


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(broken_check, capsys, monkeypatch, how):
    monkeypatch.setenv("POLICYDOCS_DEBUG", "1" if how == "env" else "0")
    assert cli.main(["--debug", "check"] if how == "flag" else ["check"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "'Any' object is not subscriptable" in err


PRINTER = """
import sys
from policydocs import cli

def many_lines(args):
    for i in range(200_000):
        print(f"第{i}行 记录")  # like `history` or `as-of` on a long ledger
    return 0

real = cli.build_parser
def parser():
    p = real()
    for action in p._subparsers._group_actions:
        action.choices["check"].set_defaults(func=many_lines)
    return p
cli.build_parser = parser
sys.exit(cli.main(["check"]))
"""


def test_reader_closing_the_pipe_ends_quietly(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", PRINTER], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout.read(64)
    proc.stdout.close()  # like `| head`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == cli.EXIT_PIPE
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
