"""Every kind of bad input: a clear file:line message, exit 2, nothing written."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import preview, run_cli

GOOD = """---
id: {id}
title: 测试制度
department: 行政部
category: 行政
status: effective
effective_date: 2025-01-01
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范管理，制定本制度。{{#purpose}}

依照[[#purpose]]执行。
"""


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / "policies" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def assert_rejected(root: Path, pattern: str, *, command: str = "check") -> str:
    result = run_cli(command, cwd=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert re.search(pattern, result.stderr), result.stderr
    assert not (root / "build" / "manifest.json").exists()
    assert not list((root / "build").rglob("*.pdf")) if (root / "build").exists() else True
    return result.stderr


CASES = {
    "missing front matter": ("# 总则\n\n正文。\n", r"policies/bad\.md:1: error: missing front matter"),
    "unterminated front matter": ("---\nid: X-1\ntitle: 标题\n\n正文。\n", r"policies/bad\.md:1: error: unterminated front matter"),
    "yaml syntax": (GOOD.format(id="X-1").replace("title: 测试制度", "title: [测试制度"), r"policies/bad\.md:\d+: error: front matter is not valid YAML"),
    "unknown status": (GOOD.format(id="X-1").replace("status: effective", "status: active"), r"policies/bad\.md:6: error: unknown status 'active'"),
    "impossible date": (GOOD.format(id="X-1").replace("2025-01-01", "2025-02-30"), r"policies/bad\.md:7: error: effective_date 2025-02-30 is not a real date"),
    "id with slash": (GOOD.format(id="HR/ATT"), r"policies/bad\.md:2: error: invalid id 'HR/ATT'"),
    "id with dotdot": (GOOD.format(id="../etc"), r"policies/bad\.md:2: error: invalid id '\.\./etc'"),
    "id with space": (GOOD.format(id="'HR ATT'"), r"policies/bad\.md:2: error: invalid id 'HR ATT'"),
    "missing label": (GOOD.format(id="X-1").replace("[[#purpose]]", "[[#nowhere]]"), r"policies/bad\.md:16: error: reference to missing label \{#nowhere\}"),
    "missing policy": (GOOD.format(id="X-1").replace("[[#purpose]]", "[[NOPE-9]]"), r"policies/bad\.md:16: error: reference to unknown policy \[\[NOPE-9\]\]"),
    "missing label in other policy": (GOOD.format(id="X-1").replace("[[#purpose]]", "[[X-1#zzz]]"), r"policies/bad\.md:16: error: reference to missing label \{#zzz\} in X-1"),
    "duplicate label": (GOOD.format(id="X-1") + "\n再一条。{#purpose}\n", r"policies/bad\.md:18: error: duplicate label \{#purpose\} \(first defined at line 14\)"),
    "raw html block": (GOOD.format(id="X-1") + "\n<script>alert(1)</script>\n", r"policies/bad\.md:18: error: raw HTML is not allowed"),
    "raw html inline": (GOOD.format(id="X-1").replace("依照", "<img src=/etc/passwd>依照"), r"policies/bad\.md:16: error: raw HTML is not allowed"),
    "empty body": (GOOD.format(id="X-1").split("# 总则")[0], r"policies/bad\.md:\d+: error: the policy has no body text"),
    "unknown key": (GOOD.format(id="X-1").replace("lang: zh-Hans", "lang: zh-Hans\nauthor: 张三"), r"policies/bad\.md:10: error: unknown key 'author'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_policy_is_reported_with_file_and_line(mini_project: Path, case: str) -> None:
    text, pattern = CASES[case]
    write(mini_project, "bad.md", text)
    assert_rejected(mini_project, pattern)


def test_not_utf8_names_the_line(mini_project: Path) -> None:
    text = GOOD.format(id="X-1").replace("依照", "依照").encode("utf-8")
    text = text.replace("依照".encode(), "依照".encode("gbk"))  # a GBK-saved line
    write(mini_project, "bad.md", text)
    assert_rejected(mini_project, r"policies/bad\.md:16: error: file is not UTF-8")


def test_duplicate_ids_across_files(mini_project: Path) -> None:
    write(mini_project, "a.md", GOOD.format(id="X-1"))
    write(mini_project, "b.md", GOOD.format(id="X-1"))
    err = assert_rejected(mini_project, r"policies/b\.md:2: error: duplicate id 'X-1': also used by policies/a\.md")
    assert "1 error(s)" in err


def test_all_errors_reported_at_once(mini_project: Path) -> None:
    write(mini_project, "a.md", GOOD.format(id="X-1").replace("status: effective", "status: nope"))
    write(mini_project, "b.md", GOOD.format(id="X-2").replace("[[#purpose]]", "[[#none]]"))
    err = assert_rejected(mini_project, r"policies/a\.md:6")
    assert "policies/b.md:16" in err and "2 error(s)" in err


def test_build_refuses_bad_input_and_keeps_previous_outputs(mini_project: Path) -> None:
    write(mini_project, "good.md", GOOD.format(id="X-1"))
    ok = run_cli("build", "--no-sign", cwd=mini_project)
    assert ok.returncode == 0, ok.stderr
    pdf = preview(mini_project, "X-1")
    manifest = mini_project / "build" / "manifest.json"
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (pdf, manifest)}
    # change the good policy (so it would be re-rendered) and add a broken one
    write(mini_project, "good.md", GOOD.format(id="X-1").replace("为规范管理", "为加强管理"))
    write(mini_project, "bad.md", GOOD.format(id="X-2").replace("[[#purpose]]", "[[#none]]"))
    bad = run_cli("build", "--no-sign", cwd=mini_project)
    assert bad.returncode == 2 and "policies/bad.md:16" in bad.stderr
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (pdf, manifest)} == before
    assert not list((mini_project / "build").glob(".staging-*")), "staging folder left behind"


def test_render_failure_midway_leaves_previous_outputs(mini_project: Path, monkeypatch) -> None:
    """A crash while rendering (not a validation error) must not publish anything either."""
    from policydocs.pipeline import build as build_mod

    write(mini_project, "good.md", GOOD.format(id="X-1"))
    write(mini_project, "other.md", GOOD.format(id="X-2"))
    build_mod.build(mini_project, sign=False, jobs=1)
    pdf = preview(mini_project, "X-1")
    before = pdf.read_bytes()
    write(mini_project, "good.md", GOOD.format(id="X-1").replace("为规范管理", "为加强管理"))
    write(mini_project, "other.md", GOOD.format(id="X-2").replace("为规范管理", "为加强管理"))
    calls = {"n": 0}
    real = build_mod.render_policy

    def flaky(job):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full (simulated)")
        return real(job)

    monkeypatch.setattr(build_mod, "render_policy", flaky)
    with pytest.raises(RuntimeError):
        build_mod.build(mini_project, sign=False, jobs=1)
    assert pdf.read_bytes() == before
    assert not list((mini_project / "build").glob(".staging-*"))


def test_one_megabyte_policy_builds(mini_project: Path) -> None:
    article = "员工应当遵守公司的各项规章制度，爱护公司财产，保守商业秘密，按时完成工作任务，不得从事损害公司利益的活动。"
    paragraphs = "\n\n".join(f"{article}第{i}段补充说明。" for i in range(6500))
    text = GOOD.format(id="BIG-1").replace("为规范管理，制定本制度。{#purpose}", paragraphs + "{#purpose}")
    path = write(mini_project, "big.md", text)
    assert path.stat().st_size >= 1_000_000
    result = run_cli("build", "--no-sign", "--formats", "pdf", cwd=mini_project)
    assert result.returncode == 0, result.stderr
    out = preview(mini_project, "BIG-1")
    assert out.stat().st_size > 100_000


def test_bad_config_is_reported(mini_project: Path) -> None:
    (mini_project / "policydocs.toml").write_text('[locales]\npublish = ["zh-Hant-XX"]\n', encoding="utf-8")
    write(mini_project, "good.md", GOOD.format(id="X-1"))
    assert_rejected(mini_project, r"policydocs\.toml:2: error: unknown locale 'zh-Hant-XX'")


def test_errors_survive_the_trip_from_a_worker_process() -> None:
    import pickle

    from policydocs.core.errors import Diagnostic, PolicyError, PolicyErrors

    one = pickle.loads(pickle.dumps(PolicyError("policies/a.md", 3, "bad")))
    assert str(one) == "policies/a.md:3: error: bad"
    many = pickle.loads(pickle.dumps(PolicyErrors([Diagnostic("policies/b.md", 1, "worse")])))
    assert [str(d) for d in many.diagnostics] == ["policies/b.md:1: error: worse"]
