"""scripts/seed_demo_ledger.py on a copy of the sample policies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from policydocs.trust import ledger

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (REPO / "policies" / "HR-ATT-002.md").exists(), reason="sample policies not present")
def test_seed_demo_ledger(project, tmp_path):
    before = {p.name: p.read_bytes() for p in (project / "policies").glob("*.md")}
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "seed_demo_ledger.py"), str(project)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert {p.name: p.read_bytes() for p in (project / "policies").glob("*.md")} == before
    for pid in ("HR-ATT-002", "FIN-EXP-001"):
        rels = ledger.released_versions(project, pid)
        assert [r.version for r in rels] == ["A/0", "A/1"]
        assert rels[0].effective_date < rels[1].effective_date
        assert rels[1].summary != "首次发行"
    rep = ledger.verify_ledger(project, None, ledger.working_texts(project))
    assert rep.ok, rep.problems
    texts = ledger.working_texts(project)
    for pid, text in texts.items():
        if ledger.front_matter(text).get("status") != "draft":
            assert rep.states[pid].startswith("released "), (pid, rep.states[pid])
    # idempotent
    again = subprocess.run([sys.executable, str(REPO / "scripts" / "seed_demo_ledger.py"), str(project)],
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "already released" in again.stdout
