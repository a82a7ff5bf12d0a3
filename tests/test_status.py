"""In force is computed from the ledger: status on a date, scheduled releases, supersession, repeal."""

from __future__ import annotations

from datetime import date

import pytest
from test_ledger_support import POLICY_A, add_people, isolate_env, make_project, release_one

from policydocs.trust import ledger, status


@pytest.fixture
def root(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)
    return make_project(tmp_path)


@pytest.fixture
def keys(root):
    return add_people(root)


def test_as_of_reads_a_yaml_block_list_of_superseded_policies(root, keys):
    """`supersedes:\\n  - OLD-1` is a list; the old regex reader read it as empty."""
    release_one(root, keys)  # HR-ATT-001 effective 2025-01-01
    new = POLICY_A.replace("id: HR-ATT-001", "id: HR-ATT-002").replace("2025-01-01", "2025-05-01").replace(
        "lang: zh-Hans", "lang: zh-Hans\nsupersedes:\n  - HR-ATT-001")
    (root / "policies" / "HR-ATT-002.md").write_text(new, encoding="utf-8")
    release_one(root, keys, "HR-ATT-002")
    gone: dict[str, str] = {}
    assert set(status.as_of(root, date(2025, 5, 1), superseded=gone)) == {"HR-ATT-002"}
    assert "HR-ATT-001" in gone
