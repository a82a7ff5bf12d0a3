"""In force is computed from the ledger: status on a date, scheduled releases, supersession,
repeal, retroactive releases, periodic review (复审)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_ledger_support import (
    POLICY_A,
    add_people,
    approve_all,
    cli,
    isolate_env,
    make_project,
    release_one,
    text_of,
)

from policydocs.core.errors import PolicyError
from policydocs.trust import ledger, reviews, status


@pytest.fixture
def root(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)  # records are made on 2024-12-20
    return make_project(tmp_path)


@pytest.fixture
def keys(root):
    return add_people(root)


def run(root, *argv):
    return cli(["-C", str(root), *argv])


def edit(root, old, new, pid="HR-ATT-001"):
    p = root / "policies" / f"{pid}.md"
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_as_of_reads_a_yaml_block_list_of_superseded_policies(root, keys):
    """`supersedes:\\n  - OLD-1` is a list; the ledger's old regex reader read it as empty."""
    release_one(root, keys)  # HR-ATT-001 effective 2025-01-01
    new = POLICY_A.replace("id: HR-ATT-001", "id: HR-ATT-002").replace("2025-01-01", "2025-05-01").replace(
        "lang: zh-Hans", "lang: zh-Hans\nsupersedes:\n  - HR-ATT-001")
    (root / "policies" / "HR-ATT-002.md").write_text(new, encoding="utf-8")
    release_one(root, keys, "HR-ATT-002")
    gone: dict[str, str] = {}
    assert set(status.as_of(root, date(2025, 5, 1), superseded=gone)) == {"HR-ATT-002"}
    assert gone == {"HR-ATT-001": "superseded by HR-ATT-002 A/0 effective 2025-05-01"}
    assert set(status.as_of(root, date(2025, 4, 30))) == {"HR-ATT-001"}


def test_scheduled_release_then_moved_date(root, keys):
    """A/1 in force; A/2 with a future effective date is scheduled; move the date: A/2 in force, A/1 superseded."""
    release_one(root, keys)  # A/0, effective 2025-01-01
    edit(root, "三十分钟", "二十分钟")
    release_one(root, keys, summary="迟到时限调整", effective=date(2025, 3, 1))  # A/1
    edit(root, "二十分钟", "十五分钟")
    release_one(root, keys, summary="再次调整", effective=date(2026, 1, 1))  # A/2, future on 2025-06-01
    before = status.status_on(root, "HR-ATT-001", date(2025, 6, 1))
    assert before.state == status.IN_FORCE and before.current.version == "A/1"
    assert before.upcoming.version == "A/2" and "A/2 scheduled from 2026-01-01" in before.describe()
    a2 = status.version_status(root, "HR-ATT-001", "A/2", date(2025, 6, 1))
    assert a2.state == status.SCHEDULED and a2.describe() == "scheduled: in force from 2026-01-01"
    assert status.as_of(root, date(2025, 6, 1))["HR-ATT-001"].version == "A/1"
    after = status.status_on(root, "HR-ATT-001", date(2026, 1, 1))
    assert after.state == status.IN_FORCE and after.current.version == "A/2" and after.upcoming is None
    a1 = status.version_status(root, "HR-ATT-001", "A/1", date(2026, 1, 1))
    assert a1.state == status.SUPERSEDED and a1.describe() == "superseded by A/2 effective 2026-01-01"
    a0 = status.version_status(root, "HR-ATT-001", "A/0", date(2026, 1, 1))
    assert a0.describe() == "superseded by A/1 effective 2025-03-01"
    # the same through the CLI, moving the date with --today
    assert run(root, "history", "HR-ATT-001", "--today", "2025-06-01", "--json") == 0


def test_cli_history_and_as_of_show_status(root, keys, capsys):
    release_one(root, keys)
    edit(root, "三十分钟", "二十分钟")
    release_one(root, keys, summary="迟到时限调整", effective=date(2026, 1, 1))
    capsys.readouterr()
    assert run(root, "history", "HR-ATT-001", "--today", "2025-06-01") == 0
    out = capsys.readouterr().out
    assert "status on 2025-06-01" in out and "in force since 2025-01-01" in out
    assert "scheduled: in force from 2026-01-01" in out
    assert run(root, "history", "HR-ATT-001", "--today", "2026-02-01") == 0
    assert "superseded by A/1 effective 2026-01-01" in capsys.readouterr().out
    assert run(root, "as-of", "2025-06-01") == 0
    out = capsys.readouterr().out
    assert "HR-ATT-001  A/0" in out and "A/1 from 2026-01-01" in out


def test_repeal_is_computed(root, keys):
    release_one(root, keys)
    edit(root, "status: effective", "status: repealed")
    edit(root, "2025-01-01", "2025-09-01")
    release_one(root, keys, summary="废止")
    st = status.status_on(root, "HR-ATT-001", date(2025, 10, 1))
    assert st.state == status.REPEALED and st.describe() == "repealed effective 2025-09-01 (A/1)"
    assert status.version_status(root, "HR-ATT-001", "A/0", date(2025, 10, 1)).state == status.REPEALED
    assert status.status_on(root, "HR-ATT-001", date(2025, 8, 31)).state == status.IN_FORCE


def test_later_release_overtakes_a_scheduled_one(root, keys):
    release_one(root, keys)
    edit(root, "三十分钟", "二十分钟")
    release_one(root, keys, summary="计划修订", effective=date(2026, 1, 1))  # A/1 scheduled
    edit(root, "二十分钟", "二十五分钟")
    release_one(root, keys, summary="更正", effective=date(2025, 6, 1))  # A/2 replaces it before its date
    a1 = status.version_status(root, "HR-ATT-001", "A/1", date(2026, 3, 1))
    assert a1.state == status.WITHDRAWN and "never in force" in a1.describe()
    assert status.status_on(root, "HR-ATT-001", date(2026, 3, 1)).current.version == "A/2"


# --------------------------------------------------------------------------- retroactive


def test_retroactive_release_refused_without_flag_and_shown_with_it(root, keys, capsys, monkeypatch):
    monkeypatch.setenv(ledger.NOW_ENV, "2025-03-02T10:00:00+08:00")  # after the front matter's 2025-01-01
    approve_all(root, keys)
    assert run(root, "release", "HR-ATT-001") == 2
    err = capsys.readouterr().err
    assert "effective date 2025-01-01 is before the release date 2025-03-02" in err and "--retroactive" in err
    assert run(root, "release", "HR-ATT-001", "--retroactive") == 2  # a reason is required
    assert "--reason" in capsys.readouterr().err
    with pytest.raises(PolicyError, match="before the release date"):
        ledger.release(root, None, "HR-ATT-001", text_of(root))
    assert run(root, "release", "HR-ATT-001", "--retroactive", "--reason", "董事会决议自2025年1月1日起适用") == 0
    out = capsys.readouterr().out
    assert "retroactive (effective 2025-01-01, released 2025-03-02): 董事会决议自2025年1月1日起适用" in out
    (rel,) = ledger.released_versions(root, "HR-ATT-001")
    assert rel.retroactive and rel.retroactive_reason == "董事会决议自2025年1月1日起适用"
    assert run(root, "history", "HR-ATT-001") == 0
    assert "董事会决议自2025年1月1日起适用" in capsys.readouterr().out
    assert run(root, "history", "HR-ATT-001", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["releases"][0]["retroactive_reason"] == "董事会决议自2025年1月1日起适用"
    assert run(root, "as-of", "2025-02-01") == 0
    assert "董事会决议自2025年1月1日起适用" in capsys.readouterr().out
    assert run(root, "verify") == 0


def test_future_effective_date_needs_no_flag(root, keys, capsys):
    approve_all(root, keys)
    assert run(root, "release", "HR-ATT-001", "--effective", "2025-02-01") == 0
    assert "scheduled — in force from 2025-02-01" in capsys.readouterr().out


# --------------------------------------------------------------------------- 复审


def test_due_and_review(root, keys, capsys, monkeypatch):
    release_one(root, keys)  # released 2024-12-20, review_cycle_months 12 → due 2025-12-20
    edit(root, "review_cycle_months: 12", "review_cycle_months: 6", "FIN-EXP-001")
    release_one(root, keys, "FIN-EXP-001")  # due 2025-06-20
    assert [(d.policy, d.due) for d in reviews.schedule(root, date(2025, 1, 1))] == [
        ("FIN-EXP-001", date(2025, 6, 20)), ("HR-ATT-001", date(2025, 12, 20))]
    assert run(root, "due", "--today", "2025-06-01") == 0
    out = capsys.readouterr().out
    assert "FIN-EXP-001" in out and "due (+19 d)" in out and "HR-ATT-001" not in out
    assert run(root, "due", "--today", "2025-12-25", "--fail-overdue") == 1
    out = capsys.readouterr().out
    assert "overdue (-188 d)" in out and "overdue (-5 d)" in out
    # --all lists every policy in force, and says so (not "due within 30 days")
    assert run(root, "due", "--today", "2025-01-01", "--all") == 0
    out = capsys.readouterr().out
    assert "HR-ATT-001" in out and "FIN-EXP-001" in out
    assert "every policy in force" in out and "(due within" not in out
    # a review that changes nothing: signed record, no new version, next review a cycle later
    monkeypatch.setenv(ledger.NOW_ENV, "2025-06-10T09:00:00+08:00")
    assert run(root, "review", "FIN-EXP-001", "--as", "王强", "--note", "经复审，内容仍适用") == 0
    out = capsys.readouterr().out
    assert "复审 of A/0 recorded as record #" in out and "next review due 2025-12-10" in out
    assert [r.version for r in ledger.released_versions(root, "FIN-EXP-001")] == ["A/0"]
    (rv,) = ledger.load_state(root).reviews["FIN-EXP-001"]
    assert rv.person == "王强" and rv.note == "经复审，内容仍适用"
    assert run(root, "due", "--today", "2025-06-15", "--json") == 0
    assert json.loads(capsys.readouterr().out)["policies"] == []
    assert run(root, "verify") == 0
    capsys.readouterr()
    # an unregistered reviewer is named as such; a forged review is caught by verify
    assert run(root, "review", "FIN-EXP-001", "--as", "赵六") == 2
    assert "赵六 is not registered" in capsys.readouterr().err
    path = root / "ledger" / "records.jsonl"
    path.write_bytes(path.read_bytes().replace("经复审，内容仍适用".encode(), "未复审".encode()))
    assert run(root, "verify") == 1
    assert "review FIN-EXP-001 A/0 by 王强" in capsys.readouterr().err


# --------------------------------------------------------------------------- CLI errors and help (issue 13)


def test_history_of_unknown_policy_exits_2(root, keys, capsys):
    assert run(root, "history", "NO-SUCH-001") == 2
    assert "no such policy: NO-SUCH-001" in capsys.readouterr().err
    assert run(root, "history", "FIN-EXP-001") == 0  # known, never released
    assert "never released" in capsys.readouterr().out


def test_approve_as_unregistered_person(root, keys, capsys):
    assert run(root, "approve", "HR-ATT-001", "--role", "编制", "--as", "赵六") == 2
    err = capsys.readouterr().err
    assert "赵六 is not registered in this project" in err and "keys new --person 赵六" in err


@pytest.mark.parametrize("command", ["approve", "release", "history", "as-of", "diff", "verify", "review", "due",
                                     "evidence", "verify-evidence", "verify-file"])
def test_help_has_description_and_examples(command):
    from policydocs.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    text = sub.choices[command].format_help()
    assert "examples:" in text and f"policydocs {command}" in text.split("examples:")[1]
    assert len(sub.choices[command].description or "") > 80
    if command == "as-of":
        assert "YYYY-MM-DD" in text
