"""One local worker pool (core/workers.py) for the build, `import` and the ledger's signature
check (issue 12: five pools with mixed start methods, one of them plain fork)."""

from __future__ import annotations

import os

import pytest
from conftest import run_cli
from test_ledger_support import add_people, isolate_env, make_project, release_one

from policydocs.core import workers
from policydocs.trust import ledger


def _square(n: int) -> int:
    return n * n


@pytest.mark.parametrize("n", [1, 2])
def test_map_keeps_the_order_and_run_names_each_item(n):
    pool = workers.local_executor(n)
    try:
        assert pool.map(_square, [3, 1, 2]) == [9, 1, 4]
        assert sorted(pool.run(_square, [3, 1, 2])) == [(1, 1), (2, 4), (3, 9)]
    finally:
        pool.close()
    assert isinstance(pool, workers.LocalPool if n > 1 else workers.InProcess)


def test_the_ledger_checks_signatures_in_the_shared_pool(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)
    root = make_project(tmp_path)
    release_one(root, add_people(root))
    entries = ledger.read_ledger(root).entries
    serial = ledger.verify_signatures(entries)
    used = []
    real = workers.local_executor
    monkeypatch.setattr(ledger, "local_executor", lambda n, **kw: used.append(n) or real(n, **kw))
    monkeypatch.setattr(ledger, "PARALLEL_SIGNATURES_FROM", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert ledger.verify_signatures(entries) == serial and len(serial) == 6  # 3 keys, 3 approvals
    assert used == [2]


def test_import_reports_progress_with_one_worker_too(mini_project, tmp_path):
    """`import -j 1` read a folder without a word of progress (it bypassed the pool)."""
    folder = tmp_path / "legacy"
    folder.mkdir()
    for n in (1, 2):
        (folder / f"rule-{n}.txt").write_text(f"第{n}号管理规定\n第一条 为规范管理，制定本规定。\n", encoding="utf-8")
    result = run_cli("import", str(folder), "-j", "1", cwd=mini_project)
    assert result.returncode == 0, result.stderr
    assert "[2/2] read" in result.stderr and "wrote 2 policies from 2 file(s)" in result.stderr
