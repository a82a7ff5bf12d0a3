"""CLI of the ledger: keys new, approve, release, history, as-of, verify, ledger repair;
racing approvals in real processes and crashes in the middle of an append."""

from __future__ import annotations

import json
import os
import stat

import pytest
from test_ledger_support import (
    POLICY_A,
    cli,
    cli_process,
    isolate_env,
    lines,
    make_project,
    records_path,
    verify,
)

from policydocs.trust import ledger


@pytest.fixture
def root(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)
    return make_project(tmp_path)  # XDG_CONFIG_HOME is root.parent / "xdg"


def run(root, *argv):
    return cli(["-C", str(root), *argv])


@pytest.fixture
def people(root):
    assert run(root, "keys", "new", "--person", "张伟", "--roles", "编制") == 0
    assert run(root, "keys", "new", "--person", "李娜", "--roles", "审核") == 0
    assert run(root, "keys", "new", "--person", "王强", "--roles", "批准") == 0
    return root


def approve3(root, pid="HR-ATT-001"):
    assert run(root, "approve", pid, "--role", "编制", "--as", "张伟") == 0
    assert run(root, "approve", pid, "--role", "审核", "--as", "李娜", "--comment", "同意") == 0
    assert run(root, "approve", pid, "--role", "批准", "--as", "王强") == 0


def test_keys_new_writes_private_key_outside_repo(root, people, capsys):
    key = (root.parent / "xdg") / "policydocs" / "keys" / "张伟.key"
    assert key.exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert not any(p.suffix == ".key" for p in root.rglob("*"))
    people_yaml = (root / "people.yaml").read_text(encoding="utf-8")
    assert "张伟" in people_yaml and "ed25519:" in people_yaml and "PRIVATE" not in people_yaml
    # second registration and silent key reuse are refused
    assert run(root, "keys", "new", "--person", "张伟") == 2
    assert "already registered" in capsys.readouterr().err


def test_keys_new_reuse_in_second_project(root, people, tmp_path, capsys):
    other = tmp_path / "other"
    (other / "policies").mkdir(parents=True)
    assert run(other, "keys", "new", "--person", "张伟", "--roles", "编制") == 2
    assert "--reuse" in capsys.readouterr().err
    assert run(other, "keys", "new", "--person", "张伟", "--roles", "编制", "--reuse") == 0
    a = (root / "people.yaml").read_text(encoding="utf-8").split("public_key: ")[1].split()[0]
    b = (other / "people.yaml").read_text(encoding="utf-8").split("public_key: ")[1].split()[0]
    assert a == b


def test_passphrase_protected_key(root, monkeypatch, capsys):
    monkeypatch.setenv("POLICYDOCS_KEY_PASSPHRASE", "correct horse")
    assert run(root, "keys", "new", "--person", "张伟", "--roles", "编制", "--passphrase") == 0
    assert b"ENCRYPTED" in ((root.parent / "xdg") / "policydocs" / "keys" / "张伟.key").read_bytes()
    monkeypatch.setenv("POLICYDOCS_KEY_PASSPHRASE", "wrong")
    assert run(root, "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟") == 2
    assert "wrong passphrase" in capsys.readouterr().err
    monkeypatch.setenv("POLICYDOCS_KEY_PASSPHRASE", "correct horse")
    assert run(root, "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟") == 0


def test_key_file_with_open_permissions_refused(root, people, capsys):
    key = (root.parent / "xdg") / "policydocs" / "keys" / "张伟.key"
    key.chmod(0o644)
    assert run(root, "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟") == 2
    assert "too open" in capsys.readouterr().err


def test_full_cycle_history_as_of_verify(root, people, capsys, monkeypatch):
    monkeypatch.setenv(ledger.NOW_ENV, "2024-12-20T10:00:00+08:00")
    approve3(root)
    assert run(root, "release", "HR-ATT-001") == 0
    assert "released A/0, effective 2025-01-01" in capsys.readouterr().out
    p = root / "policies" / "HR-ATT-001.md"
    p.write_text(POLICY_A.replace("三十分钟", "二十分钟"), encoding="utf-8")
    assert run(root, "verify") == 0
    out = capsys.readouterr().out
    assert "HR-ATT-001: changed since A/0 (record #7)" in out and "FIN-EXP-001: never released" in out
    assert run(root, "verify", "--strict") == 1
    monkeypatch.setenv(ledger.NOW_ENV, "2025-06-20T09:30:00+08:00")
    approve3(root)
    assert run(root, "release", "HR-ATT-001", "--effective", "2025-07-01", "--summary", "迟到时限调整") == 0
    capsys.readouterr()
    assert run(root, "history", "HR-ATT-001") == 0
    out = capsys.readouterr().out
    assert "A/0" in out and "首次发行" in out and "A/1" in out and "迟到时限调整" in out
    assert "张伟 2024-12-20" in out and "王强 2025-06-20" in out
    assert run(root, "history", "HR-ATT-001", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["version"] for r in data["releases"]] == ["A/0", "A/1"]
    assert data["releases"][1]["approvals"][1] == {"role": "审核", "person": "李娜",
                                                   "time": "2025-06-20T09:30:00+08:00", "record": 9}
    assert run(root, "as-of", "2025-03-01", "--json") == 0
    assert json.loads(capsys.readouterr().out)["policies"]["HR-ATT-001"]["version"] == "A/0"
    assert run(root, "as-of", "2025-07-01") == 0
    assert "A/1" in capsys.readouterr().out
    assert run(root, "verify") == 0
    assert "verify OK: 11 records" in capsys.readouterr().out
    assert run(root, "verify", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and data["states"]["HR-ATT-001"] == "released A/1 (record #11)"


def test_verify_cli_failure_message_and_exit(root, people, capsys):
    approve3(root)
    assert run(root, "release", "HR-ATT-001") == 0
    ls = lines(root)
    ls[4] = ls[4].replace("李娜".encode(), "赵六".encode())
    records_path(root).write_bytes(b"".join(ls))
    assert run(root, "verify") == 1
    err = capsys.readouterr().err
    assert "error: record #5 (approve HR-ATT-001 审核 by 赵六) at line 5: content does not match its hash" in err
    assert "verify FAILED" in err


def test_extra_verifiers_are_run(root, capsys, monkeypatch):
    from policydocs.cli import ledger_cmds

    monkeypatch.setattr(ledger_cmds, "EXTRA_VERIFIERS", [lambda args, r, cfg: ["build/zh-Hans/X.pdf: signature invalid"]])
    assert run(root, "verify") == 1
    assert "signature invalid" in capsys.readouterr().err


def test_cli_out_of_order_and_missing_role(root, people, capsys):
    assert run(root, "approve", "HR-ATT-001", "--role", "审核", "--as", "李娜") == 2
    err = capsys.readouterr().err
    assert "policies/HR-ATT-001.md" in err and "out of order" in err
    assert run(root, "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟") == 0
    assert run(root, "release", "HR-ATT-001") == 2
    err = capsys.readouterr().err
    assert "HR-ATT-001: cannot release — no 审核 approval" in err and "编制 by 张伟 (record #4)" in err


def test_keys_subparsers_exposed_for_init_org():
    from test_ledger_support import parser

    from policydocs.cli import ledger_cmds

    parser()
    sub = ledger_cmds.keys_subparsers()
    p = sub.add_parser("init-org")
    p.set_defaults(func=lambda a: 0)
    assert "init-org" in sub.choices and "new" in sub.choices


# --------------------------------------------------------------------------
# concurrency and crashes (real processes)
# --------------------------------------------------------------------------


def test_racing_approvals_in_two_processes(root, people):
    env = {"XDG_CONFIG_HOME": str((root.parent / "xdg"))}
    # each process approves a different policy as 编制, repeatedly with distinct texts
    procs = [cli_process(["-C", str(root), "approve", pid, "--role", "编制", "--as", "张伟"], env=env)
             for pid in ("HR-ATT-001", "FIN-EXP-001")]
    procs += [cli_process(["-C", str(root), "keys", "new", "--person", f"员工{i}", "--roles", "审核"], env=env)
              for i in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    rep = verify(root)
    assert rep.ok, rep.problems
    assert rep.records == 3 + 2 + 4
    assert [ledger.describe(e.rec).split(" (")[1].split()[0] for e in ledger.read_ledger(root).entries].count("approve") == 2
    assert "(approved so far: 编制)" in rep.states["HR-ATT-001"]


def test_racing_api_appends_many(root, people):
    """Two processes × 15 approvals each (different policies), interleaved under the lock."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from policydocs.trust import ledger, keys;"
        "root=Path(sys.argv[1]); pid=sys.argv[2]; k=keys.load_private_key('张伟');"
        "[ledger.approve(root, None, pid, '编制', '张伟', k, f'---\\nid: {pid}\\n---\\n\\n第{i}版\\n') for i in range(15)]"
    )
    env = dict(os.environ, XDG_CONFIG_HOME=str((root.parent / "xdg")))
    procs = [subprocess.Popen([sys.executable, "-c", code, str(root), pid], env=env, stderr=subprocess.PIPE, text=True)
             for pid in ("P-1", "P-2")]
    for p in procs:
        assert p.wait(timeout=60) == 0, p.stderr.read()
    rep = ledger.verify_ledger(root, None, {})
    assert rep.ok, rep.problems
    assert rep.records == 33
    seqs = [e.rec["seq"] for e in ledger.read_ledger(root).entries]
    assert seqs == list(range(1, 34))


def test_crash_midway_through_append_then_explicit_repair(root, people, capsys):
    env = {"XDG_CONFIG_HOME": str((root.parent / "xdg")), ledger.FAULT_ENV: "torn-append"}
    p = cli_process(["-C", str(root), "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟"], env=env)
    p.communicate(timeout=60)
    assert p.returncode == 75
    assert not records_path(root).read_bytes().endswith(b"\n")
    rep = verify(root)
    assert not rep.ok and rep.repairable
    msg = rep.problems[0]
    assert "line 4" in msg and "after record #3" in msg and "HR-ATT-001" in msg and "ledger repair" in msg
    # nothing is appended after a torn line, and nothing is fixed silently
    assert run(root, "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟") == 2
    assert "ledger repair" in capsys.readouterr().err
    assert run(root, "verify") == 1
    capsys.readouterr()
    assert run(root, "ledger", "repair", "--dry-run") == 0
    assert "would: removed incomplete line 4" in capsys.readouterr().out
    assert not verify(root).ok
    assert run(root, "ledger", "repair") == 0
    out = capsys.readouterr().out
    assert "removed incomplete line 4" in out and "record #4 (repair)" in out
    saved = list((root / "ledger" / "repair").glob("*.torn"))
    assert len(saved) == 1
    rep = verify(root)
    assert rep.ok, rep.problems
    assert run(root, "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟") == 0
    assert verify(root).ok
    assert run(root, "ledger", "repair") == 0
    assert "nothing to repair" in capsys.readouterr().out


def test_crash_after_append_before_head(root, people, capsys):
    env = {"XDG_CONFIG_HOME": str((root.parent / "xdg")), ledger.FAULT_ENV: "after-append"}
    p = cli_process(["-C", str(root), "approve", "HR-ATT-001", "--role", "编制", "--as", "张伟"], env=env)
    p.communicate(timeout=60)
    assert p.returncode == 75
    rep = verify(root)
    assert not rep.ok and rep.repairable
    assert any("HEAD names record #3" in m and "record #4 (approve HR-ATT-001 编制 by 张伟)" in m for m in rep.problems)
    assert run(root, "ledger", "repair") == 0
    assert verify(root).ok


def test_crash_during_release_leaves_orphan_snapshot(root, people, monkeypatch, capsys):
    approve3(root)
    monkeypatch.setenv(ledger.FAULT_ENV, "torn-append")
    env = {"XDG_CONFIG_HOME": str((root.parent / "xdg")), ledger.FAULT_ENV: "torn-append"}
    p = cli_process(["-C", str(root), "release", "HR-ATT-001"], env=env)
    p.communicate(timeout=60)
    monkeypatch.delenv(ledger.FAULT_ENV)
    rep = verify(root)
    assert rep.repairable
    assert any("line 7" in m and "after record #6" in m for m in rep.problems)
    assert any("(HR-ATT-001): staged snapshot not referenced by any release record" in m for m in rep.problems)
    assert run(root, "ledger", "repair") == 0
    assert verify(root).ok
    assert run(root, "release", "HR-ATT-001") == 0
    assert verify(root).ok


def test_repair_refuses_tampering(root, people, capsys):
    approve3(root)
    ls = lines(root)
    del ls[3]
    records_path(root).write_bytes(b"".join(ls))
    assert run(root, "ledger", "repair") == 2
    assert "repair refused" in capsys.readouterr().err


def test_racing_approvals_same_policy_same_role(root, people):
    """Two people holding 编制 approve the same text at the same moment: both recorded, chain intact."""
    assert run(root, "keys", "new", "--person", "孙丽", "--roles", "编制") == 0
    env = {"XDG_CONFIG_HOME": str(root.parent / "xdg")}
    procs = [cli_process(["-C", str(root), "approve", "HR-ATT-001", "--role", "编制", "--as", who], env=env)
             for who in ("张伟", "孙丽")]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    rep = verify(root)
    assert rep.ok, rep.problems
    pend = ledger.load_state(root).policies["HR-ATT-001"].pending
    assert sorted(a.person for a in pend) == ["孙丽", "张伟"]
    assert run(root, "approve", "HR-ATT-001", "--role", "审核", "--as", "李娜") == 0
    assert run(root, "approve", "HR-ATT-001", "--role", "批准", "--as", "王强") == 0
    assert run(root, "release", "HR-ATT-001") == 0
    assert verify(root).ok


def test_policy_id_cannot_name_a_path(root, people, capsys):
    (root.parent / "outside.md").write_text("secret\n", encoding="utf-8")
    assert run(root, "approve", "../outside", "--role", "编制", "--as", "张伟") == 2
    assert "invalid policy id" in capsys.readouterr().err


def test_real_entry_point_end_to_end(root):
    """Through `python -m policydocs`, as a user runs it (all command modules loaded)."""
    from conftest import run_cli

    env = {"XDG_CONFIG_HOME": str(root.parent / "xdg")}
    for name, role in [("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")]:
        r = run_cli("-C", str(root), "keys", "new", "--person", name, "--roles", role, cwd=root, env=env)
        assert r.returncode == 0, r.stderr
    for name, role in [("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")]:
        r = run_cli("-C", str(root), "approve", "HR-ATT-001", "--role", role, "--as", name, cwd=root, env=env)
        assert r.returncode == 0, r.stderr
    r = run_cli("-C", str(root), "release", "HR-ATT-001", cwd=root, env=env)
    assert r.returncode == 0 and "released A/0" in r.stdout, r.stderr
    r = run_cli("-C", str(root), "verify", cwd=root, env=env)
    assert r.returncode == 0 and "HR-ATT-001: released A/0 (record #7)" in r.stdout, r.stderr
    lines_ = records_path(root).read_bytes().splitlines(keepends=True)
    records_path(root).write_bytes(b"".join(lines_[:4] + lines_[5:]))
    r = run_cli("-C", str(root), "verify", cwd=root, env=env)
    assert r.returncode == 1 and "record #6 (approve HR-ATT-001 批准 by 王强)" in r.stderr


def test_key_rotation(root, people, capsys):
    approve3(root)
    assert run(root, "release", "HR-ATT-001") == 0
    assert run(root, "keys", "rotate", "--person", "李娜") == 0
    out = capsys.readouterr().out
    assert "record #8 (key 李娜 rotation)" in out
    keydir = root.parent / "xdg" / "policydocs" / "keys"
    assert len(list(keydir.glob("李娜.*.retired"))) == 1
    p = root / "policies" / "HR-ATT-001.md"
    p.write_text(POLICY_A.replace("三十分钟", "二十分钟"), encoding="utf-8")
    approve3(root)  # 李娜 signs with the new key
    assert run(root, "release", "HR-ATT-001", "--summary", "x") == 0
    rep = verify(root)
    assert rep.ok, rep.problems  # old approvals verify with the old key, new ones with the new key


def test_forged_rotation_detected(root, people):
    from policydocs.trust import keys as keymod

    led = ledger.Ledger(root)
    attacker = keymod.generate_private_key()
    reg = ledger.registered_person(root, "李娜")
    payload = {"person": "李娜", "roles": ["审核"], "public_key": keymod.public_key_text(attacker),
               "fingerprint": keymod.fingerprint(keymod.public_key_text(attacker)), "replaces": reg.fingerprint}
    payload["proof"] = keymod.sign(attacker, ledger.rotation_proof_bytes(payload))
    with led.locked():
        st = ledger._writable_state(led, None or ledger.load_config(root))
        led.append("key", payload, last=st.last, signer="李娜", key=attacker)  # not signed by the current key
    rep = verify(root)
    assert any("record #4 (key 李娜 rotation)" in m and "not signed by 李娜's current key" in m for m in rep.problems)
