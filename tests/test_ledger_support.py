"""Shared helpers for the ledger/keys/diff tests (no tests here).

Every test project lives in a tmp dir and XDG_CONFIG_HOME points to a tmp dir,
so private keys never touch the real ~/.config.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from policydocs.cli import ledger_cmds
from policydocs.read.config import load_config
from policydocs.trust import keys as keymod
from policydocs.trust import ledger

POLICY_A = """---
id: HR-ATT-001
title: 考勤管理制度
department: 人力资源部
category: 人事
status: effective
effective_date: 2025-01-01
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为加强考勤管理，维护工作秩序，特制定本制度。

上班时间开始后五分钟至三十分钟内到岗的，按迟到处理。{#late}

# 附则

违反本制度的，依照[[#late]]处理。
"""

POLICY_B = """---
id: FIN-EXP-001
title: 费用报销管理制度
department: 财务部
category: 财务
status: effective
effective_date: 2025-03-01
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范费用报销，特制定本制度。

报销应在费用发生后三十日内提交。
"""

RECORD_TIME = "2024-12-20T10:00:00+08:00"

PEOPLE = [("张伟", ["编制"]), ("李娜", ["审核"]), ("王强", ["批准"])]
ROLES = ["编制", "审核", "批准"]


def make_project(base: Path) -> Path:
    root = base / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[versions]\nscheme = "A/0"\nroles = ["编制", "审核", "批准"]\n', encoding="utf-8")
    (root / "policies" / "HR-ATT-001.md").write_text(POLICY_A, encoding="utf-8")
    (root / "policies" / "FIN-EXP-001.md").write_text(POLICY_B, encoding="utf-8")
    return root


def isolate_env(monkeypatch, tmp_path: Path) -> Path:
    xdg = tmp_path / "xdg"
    xdg.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    # records are made before the sample policies take effect (2025-01-01): releases are not retroactive
    monkeypatch.setenv(ledger.NOW_ENV, RECORD_TIME)
    monkeypatch.delenv(ledger.TODAY_ENV, raising=False)
    monkeypatch.delenv(ledger.FAULT_ENV, raising=False)
    monkeypatch.delenv(keymod.PASSPHRASE_ENV, raising=False)
    return xdg


def add_person(root: Path, name: str, roles: list[str]):
    key = keymod.generate_private_key()
    keymod.save_private_key(key, name)
    ledger.register_person(root, None, name, roles, key)
    return key


def add_people(root: Path) -> dict:
    return {name: add_person(root, name, roles) for name, roles in PEOPLE}


def text_of(root: Path, pid: str = "HR-ATT-001") -> str:
    return (root / "policies" / f"{pid}.md").read_text(encoding="utf-8")


def approve_all(root: Path, keys: dict, pid: str = "HR-ATT-001") -> None:
    for name, roles in PEOPLE:
        ledger.approve(root, None, pid, roles[0], name, keys[name], text_of(root, pid))


def release_one(root: Path, keys: dict, pid: str = "HR-ATT-001", **kw):
    approve_all(root, keys, pid)
    return ledger.release(root, None, pid, text_of(root, pid), **kw)


def verify(root: Path) -> ledger.VerifyReport:
    return ledger.verify_ledger(root, load_config(root), ledger.working_texts(root))


def records_path(root: Path) -> Path:
    return root / "ledger" / "records.jsonl"


def lines(root: Path) -> list[bytes]:
    return records_path(root).read_bytes().splitlines(keepends=True)


def write_lines(root: Path, ls: list[bytes]) -> None:
    records_path(root).write_bytes(b"".join(ls))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policydocs")
    p.add_argument("-C", "--project", default=".")
    sub = p.add_subparsers(dest="command")
    ledger_cmds.register(sub)
    return p


def cli(argv: list[str]) -> int:
    """Run the ledger subcommands like `policydocs` does (errors → exit 2)."""
    from policydocs.core.errors import PolicyError, PolicyErrors

    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PolicyErrors as exc:
        for d in exc.diagnostics:
            print(d, file=sys.stderr)
        return 2
    except PolicyError as exc:
        print(exc.diagnostic, file=sys.stderr)
        return 2


RUNNER = (
    "import sys; sys.path.insert(0, {tests!r}); "
    "from test_ledger_support import cli; sys.exit(cli(sys.argv[1:]))"
)


def cli_process(argv: list[str], env: dict | None = None, **kw) -> subprocess.Popen:
    """Start the CLI in a separate process (for races and crashes)."""
    code = RUNNER.format(tests=str(Path(__file__).parent))
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen([sys.executable, "-c", code, *argv], env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
