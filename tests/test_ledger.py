"""Ledger core: hashing, approve/release rules, version_info, and every tamper case of issue #5."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from test_ledger_support import (
    POLICY_A,
    add_people,
    add_person,
    approve_all,
    isolate_env,
    lines,
    make_project,
    release_one,
    text_of,
    verify,
    write_lines,
)

from policydocs.core.errors import PolicyError
from policydocs.read.config import load_config
from policydocs.trust import keys as keymod
from policydocs.trust import ledger, status


@pytest.fixture
def root(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)
    return make_project(tmp_path)


@pytest.fixture
def keys(root):
    return add_people(root)


@pytest.fixture
def released(root, keys):
    """HR-ATT-001 released as A/0 (records 1–3 keys, 4–6 approvals, 7 release)."""
    release_one(root, keys)
    return root


def forge(root: Path, rtype: str, payload: dict, signer=None, key=None) -> dict:
    """Append a record the way a modified tool could, bypassing the rules."""
    cfg = load_config(root)
    led = ledger.Ledger(root)
    with led.locked():
        st = ledger._writable_state(led, cfg)
        return led.append(rtype, payload, last=st.last, signer=signer, key=key)


def assert_problem(report, *needles):
    assert not report.ok
    hits = [p for p in report.problems if all(n in p for n in needles)]
    assert hits, f"no problem mentions {needles}: {report.problems}"
    return hits[0]


# --------------------------------------------------------------------------
# content hash
# --------------------------------------------------------------------------


def test_content_hash_ignores_invisible_differences():
    h = ledger.content_hash(POLICY_A)
    assert ledger.content_hash(POLICY_A.replace("\n", "\r\n")) == h
    assert ledger.content_hash("\ufeff" + POLICY_A) == h
    assert ledger.content_hash(POLICY_A.replace("特制定本制度。", "特制定本制度。 \t")) == h
    assert ledger.content_hash(POLICY_A + "\n\n\n") == h
    assert ledger.content_hash(POLICY_A.rstrip("\n")) == h


def test_content_hash_binds_visible_text_and_front_matter():
    h = ledger.content_hash(POLICY_A)
    assert ledger.content_hash(POLICY_A.replace("三十分钟", "二十分钟")) != h
    assert ledger.content_hash(POLICY_A.replace("2025-01-01", "2025-02-01")) != h
    # a Markdown hard break (two trailing spaces) is visible and kept
    assert ledger.content_hash(POLICY_A.replace("特制定本制度。", "特制定本制度。  ")) != h
    # no NFC: a CJK compatibility ideograph is a different text
    assert ledger.content_hash("\uf900") != ledger.content_hash("\u8c48")


# --------------------------------------------------------------------------
# approve / release / version_info
# --------------------------------------------------------------------------


def test_release_assigns_a0_and_version_info(released):
    root = released
    info = ledger.version_info(root, None, "HR-ATT-001", text_of(root))
    assert info.version == "A/0" and not info.is_draft
    assert info.effective_date == date(2025, 1, 1)  # from the front matter
    assert [(a.role, a.person) for a in info.approvals] == [("编制", "张伟"), ("审核", "李娜"), ("批准", "王强")]
    assert [(r.version, r.summary) for r in info.revisions] == [("A/0", "首次发行")]
    assert info.revisions[0].approvals == {"编制": "张伟", "审核": "李娜", "批准": "王强"}
    assert info.content_hash == ledger.content_hash(text_of(root))
    rep = verify(root)
    assert rep.ok, rep.problems
    assert rep.states["HR-ATT-001"] == "released A/0 (record #7)"
    assert rep.states["FIN-EXP-001"] == "never released"
    snap = ledger.released_versions(root, "HR-ATT-001")[0].snapshot
    assert ledger.snapshot_text(root, snap) == text_of(root)


def test_second_release_and_major_and_drafts(released, keys):
    root = released
    p = root / "policies" / "HR-ATT-001.md"
    p.write_text(text_of(root).replace("三十分钟", "二十分钟"), encoding="utf-8")
    info = ledger.version_info(root, None, "HR-ATT-001", text_of(root), fallback_effective=date(2025, 6, 1))
    assert info.is_draft and info.version == "草稿" and info.approvals == []
    assert [r.version for r in info.revisions] == ["A/0"]
    assert info.effective_date == date(2025, 6, 1)
    assert verify(root).states["HR-ATT-001"] == "changed since A/0 (record #7)"
    with pytest.raises(PolicyError, match="--summary"):
        release_one(root, keys)
    rel = ledger.release(root, None, "HR-ATT-001", text_of(root), summary="迟到时限调整", effective=date(2025, 7, 1))
    assert rel.version == "A/1"
    info = ledger.version_info(root, None, "HR-ATT-001", text_of(root))
    assert info.version == "A/1" and info.effective_date == date(2025, 7, 1)
    assert [(r.version, r.summary) for r in info.revisions] == [("A/0", "首次发行"), ("A/1", "迟到时限调整")]
    p.write_text(text_of(root).replace("二十分钟", "十五分钟"), encoding="utf-8")
    assert release_one(root, keys, summary="全面修订", major=True, effective=date(2025, 9, 1)).version == "B/0"
    assert verify(root).ok
    # as-of: by effective date
    assert status.as_of(root, date(2024, 12, 31)) == {}
    assert status.as_of(root, date(2025, 3, 1))["HR-ATT-001"].version == "A/0"
    assert status.as_of(root, date(2025, 7, 1))["HR-ATT-001"].version == "A/1"


def test_reverted_text_is_not_current(released, keys):
    root = released
    p = root / "policies" / "HR-ATT-001.md"
    original = text_of(root)
    p.write_text(original.replace("三十分钟", "二十分钟"), encoding="utf-8")
    release_one(root, keys, summary="调整")
    p.write_text(original, encoding="utf-8")
    assert ledger.version_info(root, None, "HR-ATT-001", original).is_draft
    assert verify(root).states["HR-ATT-001"].startswith("matches A/0 (record #7), not the current A/1")


def test_v10_scheme(root, keys):
    (root / "policydocs.toml").write_text('[versions]\nscheme = "V1.0"\n', encoding="utf-8")
    assert release_one(root, keys).version == "V1.0"
    (root / "policies" / "HR-ATT-001.md").write_text(POLICY_A.replace("三十", "二十"), encoding="utf-8")
    assert release_one(root, keys, summary="x").version == "V1.1"
    (root / "policies" / "HR-ATT-001.md").write_text(POLICY_A.replace("三十", "十"), encoding="utf-8")
    assert release_one(root, keys, summary="y", major=True).version == "V2.0"
    assert verify(root).ok


def test_unchanged_text_cannot_be_approved_or_released_again(released, keys):
    with pytest.raises(PolicyError, match="unchanged since A/0"):
        ledger.approve(released, None, "HR-ATT-001", "编制", "张伟", keys["张伟"], text_of(released))
    with pytest.raises(PolicyError, match="unchanged since A/0"):
        ledger.release(released, None, "HR-ATT-001", text_of(released))


def test_approvals_of_an_edited_text_do_not_carry_over(root, keys):
    approve_all(root, keys)
    (root / "policies" / "HR-ATT-001.md").write_text(POLICY_A.replace("三十", "四十"), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"HR-ATT-001: cannot release — no 编制 approval.*earlier text"):
        ledger.release(root, None, "HR-ATT-001", text_of(root))


def test_role_aliases_accepted(root, keys):
    ledger.approve(root, None, "HR-ATT-001", "制定", "张伟", keys["张伟"], POLICY_A)  # TW name of 编制
    ledger.approve(root, None, "HR-ATT-001", "審核", "李娜", keys["李娜"], POLICY_A)
    ledger.approve(root, None, "HR-ATT-001", "核准", "王强", keys["王强"], POLICY_A)
    assert ledger.release(root, None, "HR-ATT-001", POLICY_A).version == "A/0"


def test_approval_by_person_without_role_refused(root, keys):
    with pytest.raises(PolicyError, match="李娜 does not hold the role 编制"):
        ledger.approve(root, None, "HR-ATT-001", "编制", "李娜", keys["李娜"], POLICY_A)


def test_key_on_computer_must_match_registration(root, keys):
    with pytest.raises(PolicyError, match="does not match the key registered in record #1"):
        ledger.approve(root, None, "HR-ATT-001", "编制", "张伟", keys["李娜"], POLICY_A)


# --------------------------------------------------------------------------
# tamper cases: each caught by verify, naming the policy and the record
# --------------------------------------------------------------------------


def test_tamper_edit_released_snapshot(released):
    rel = ledger.released_versions(released, "HR-ATT-001")[0]
    snap = released / "ledger" / "snapshots" / f"{rel.snapshot}.md"
    snap.chmod(0o644)
    snap.write_text(snap.read_text(encoding="utf-8").replace("三十分钟", "六十分钟"), encoding="utf-8")
    assert_problem(verify(released), "record #7", "release HR-ATT-001 A/0", "altered")
    with pytest.raises(PolicyError, match="altered"):
        ledger.snapshot_text(released, rel.snapshot)


def test_tamper_edit_released_working_text_is_reported(released):
    p = released / "policies" / "HR-ATT-001.md"
    p.write_text(text_of(released).replace("三十分钟", "六十分钟"), encoding="utf-8")
    rep = verify(released)
    assert rep.states["HR-ATT-001"] == "changed since A/0 (record #7)"
    assert ledger.version_info(released, None, "HR-ATT-001", text_of(released)).is_draft


def test_tamper_edit_record(released):
    ls = lines(released)
    rec = json.loads(ls[4])  # record #5: 审核 approval by 李娜
    rec["payload"]["person"] = "赵六"
    ls[4] = ledger.canonical_json(rec) + b"\n"
    write_lines(released, ls)
    rep = verify(released)
    assert_problem(rep, "record #5", "HR-ATT-001", "modified")


def test_tamper_edit_record_and_recompute_hash(released):
    ls = lines(released)
    rec = json.loads(ls[6])  # record #7: the release
    rec["payload"]["effective_date"] = "2024-01-01"
    rec["hash"] = ledger.record_hash(rec)
    ls[6] = ledger.canonical_json(rec) + b"\n"
    write_lines(released, ls)
    assert_problem(verify(released), "HEAD", "record #7", "release HR-ATT-001 A/0", "replaced")


def test_tamper_edit_middle_record_and_recompute_hash(released):
    ls = lines(released)
    rec = json.loads(ls[3])  # record #4: 编制 approval
    rec["payload"]["comment"] = "inserted later"
    rec["hash"] = ledger.record_hash(rec)
    ls[3] = ledger.canonical_json(rec) + b"\n"
    write_lines(released, ls)
    rep = verify(released)
    assert_problem(rep, "record #4", "approve HR-ATT-001 编制 by 张伟", "signature does not verify")
    assert_problem(rep, "record #5", "approve HR-ATT-001 审核", "does not chain")


def test_tamper_delete_middle_record(released):
    ls = lines(released)
    del ls[4]  # the 审核 approval
    write_lines(released, ls)
    rep = verify(released)
    assert_problem(rep, "record #6", "approve HR-ATT-001 批准", "#5 is missing")
    assert_problem(rep, "record #7", "release HR-ATT-001 A/0")


def test_tamper_delete_last_record(released):
    ls = lines(released)
    write_lines(released, ls[:-1])  # drop the release
    rep = verify(released)
    assert_problem(rep, "HEAD", "record #7", "release HR-ATT-001 A/0", "removed from the end")
    assert_problem(rep, "frozen text of HR-ATT-001", "no release record names", "tampering")
    with pytest.raises(PolicyError, match="repair refused"):
        ledger.repair(released)


def test_tamper_reorder_records(released):
    ls = lines(released)
    ls[4], ls[5] = ls[5], ls[4]
    write_lines(released, ls)
    rep = verify(released)
    assert_problem(rep, "record #6", "approve HR-ATT-001 批准 by 王强", "line 5")
    assert_problem(rep, "record #5", "approve HR-ATT-001 审核 by 李娜", "reordered")


def test_tamper_duplicate_record(released):
    ls = lines(released)
    ls.insert(5, ls[4])
    write_lines(released, ls)
    assert_problem(verify(released), "record #5", "approve HR-ATT-001 审核 by 李娜", "appears again", "duplicated")


def test_tamper_unparseable_line(released):
    ls = lines(released)
    ls[4] = ls[4][:40] + b"\n"
    write_lines(released, ls)
    rep = verify(released)
    assert_problem(rep, "line 5", "not a valid record")
    assert_problem(rep, "record #6", "HR-ATT-001", "missing")


def test_approval_signed_by_unregistered_person(released):
    (released / "policies" / "HR-ATT-001.md").write_text(POLICY_A.replace("三十", "四十"), encoding="utf-8")
    stranger = keymod.generate_private_key()
    forge(released, "approve", {"policy": "HR-ATT-001", "role": "编制", "person": "赵六",
                                "content_hash": ledger.content_hash(text_of(released)), "base": None},
          signer="赵六", key=stranger)
    assert_problem(verify(released), "record #8", "approve HR-ATT-001 编制 by 赵六", "unregistered")


def test_approval_signed_with_unregistered_key_under_a_registered_name(released):
    (released / "policies" / "HR-ATT-001.md").write_text(POLICY_A.replace("三十", "四十"), encoding="utf-8")
    rel = ledger.released_versions(released, "HR-ATT-001")[0]
    stranger = keymod.generate_private_key()
    forge(released, "approve", {"policy": "HR-ATT-001", "role": "编制", "person": "张伟",
                                "content_hash": ledger.content_hash(text_of(released)), "base": rel.record_hash,
                                "base_version": "A/0"}, signer="张伟", key=stranger)
    assert_problem(verify(released), "record #8", "approve HR-ATT-001 编制 by 张伟", "signature does not verify")


def test_change_registered_public_key_after_the_fact(released):
    path = released / "people.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    other = keymod.generate_private_key()
    for person in data["people"]:
        if person["name"] == "李娜":
            person["public_key"] = keymod.public_key_text(other)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    msg = assert_problem(verify(released), "李娜", "record #2", "changed after the fact")
    assert "HR-ATT-001 (records #5)" in msg


def test_second_key_for_registered_person_is_rejected(released):
    with pytest.raises(PolicyError, match="already registered"):
        ledger.register_person(released, None, "李娜", ["审核"], keymod.generate_private_key())
    k = keymod.generate_private_key()
    forge(released, "key", {"person": "李娜", "roles": ["审核"], "public_key": keymod.public_key_text(k),
                            "fingerprint": ""}, signer="李娜", key=k)
    assert_problem(verify(released), "record #8", "key 李娜", "already registered in record #2")


def test_approve_out_of_order_refused_and_detected(root, keys):
    with pytest.raises(PolicyError, match="HR-ATT-001: 审核 approval out of order — 编制 has not approved"):
        ledger.approve(root, None, "HR-ATT-001", "审核", "李娜", keys["李娜"], POLICY_A)
    ch = ledger.content_hash(POLICY_A)
    forge(root, "approve", {"policy": "HR-ATT-001", "role": "审核", "person": "李娜", "content_hash": ch, "base": None},
          signer="李娜", key=keys["李娜"])
    assert_problem(verify(root), "record #4", "approve HR-ATT-001 审核 by 李娜", "out of order")


def test_release_with_approvals_out_of_order_detected(root, keys):
    ch = ledger.content_hash(POLICY_A)
    recs = {}
    for name, role in [("李娜", "审核"), ("张伟", "编制"), ("王强", "批准")]:
        recs[role] = forge(root, "approve", {"policy": "HR-ATT-001", "role": role, "person": name,
                                             "content_hash": ch, "base": None}, signer=name, key=keys[name])
    snap = ledger.Ledger(root).write_snapshot(POLICY_A)
    forge(root, "release", {"policy": "HR-ATT-001", "version": "A/0", "content_hash": ch, "snapshot": snap,
                            "effective_date": "2025-01-01", "summary": "首次发行", "roles": ["编制", "审核", "批准"],
                            "approvals": [{"role": r, "seq": recs[r]["seq"], "hash": recs[r]["hash"]}
                                          for r in ["编制", "审核", "批准"]], "base": None, "major": False})
    rep = verify(root)
    assert_problem(rep, "record #4", "approve HR-ATT-001 审核", "out of order")
    assert_problem(rep, "record #7", "release HR-ATT-001 A/0", "out of order")


def test_one_person_in_two_roles_refused_and_detected(root):
    k = add_person(root, "孙丽", ["编制", "审核"])
    add_person(root, "王强", ["批准"])
    ledger.approve(root, None, "HR-ATT-001", "编制", "孙丽", k, POLICY_A)
    with pytest.raises(PolicyError, match="孙丽 already approved this text as 编制"):
        ledger.approve(root, None, "HR-ATT-001", "审核", "孙丽", k, POLICY_A)
    ch = ledger.content_hash(POLICY_A)
    r2 = forge(root, "approve", {"policy": "HR-ATT-001", "role": "审核", "person": "孙丽", "content_hash": ch,
                                 "base": None}, signer="孙丽", key=k)
    rep = verify(root)
    assert_problem(rep, "record #4", "approve HR-ATT-001 审核 by 孙丽", "two roles")
    assert r2["seq"] == 4


def test_forged_release_with_same_person_twice_detected(root):
    k = add_person(root, "孙丽", ["编制", "审核"])
    kw = add_person(root, "王强", ["批准"])
    ch = ledger.content_hash(POLICY_A)
    a = forge(root, "approve", {"policy": "HR-ATT-001", "role": "编制", "person": "孙丽", "content_hash": ch, "base": None},
              signer="孙丽", key=k)
    b = forge(root, "approve", {"policy": "HR-ATT-001", "role": "审核", "person": "孙丽", "content_hash": ch, "base": None},
              signer="孙丽", key=k)
    c = forge(root, "approve", {"policy": "HR-ATT-001", "role": "批准", "person": "王强", "content_hash": ch, "base": None},
              signer="王强", key=kw)
    snap = ledger.Ledger(root).write_snapshot(POLICY_A)
    forge(root, "release", {"policy": "HR-ATT-001", "version": "A/0", "content_hash": ch, "snapshot": snap,
                            "effective_date": "2025-01-01", "summary": "首次发行", "roles": ["编制", "审核", "批准"],
                            "approvals": [{"role": r["payload"]["role"], "seq": r["seq"], "hash": r["hash"]} for r in (a, b, c)],
                            "base": None, "major": False})
    assert_problem(verify(root), "record #6", "release HR-ATT-001 A/0", "孙丽 signed in more than one role")


def test_release_with_missing_role_refused_and_detected(root, keys):
    ledger.approve(root, None, "HR-ATT-001", "编制", "张伟", keys["张伟"], POLICY_A)
    ledger.approve(root, None, "HR-ATT-001", "审核", "李娜", keys["李娜"], POLICY_A)
    with pytest.raises(PolicyError, match=r"HR-ATT-001: cannot release — no 批准 approval.*record #4"):
        ledger.release(root, None, "HR-ATT-001", POLICY_A)
    st = ledger.load_state(root)
    pend = st.policies["HR-ATT-001"].pending
    ch = ledger.content_hash(POLICY_A)
    snap = ledger.Ledger(root).write_snapshot(POLICY_A)
    forge(root, "release", {"policy": "HR-ATT-001", "version": "A/0", "content_hash": ch, "snapshot": snap,
                            "effective_date": "2025-01-01", "summary": "首次发行", "roles": ["编制", "审核", "批准"],
                            "approvals": [{"role": a.role, "seq": a.seq, "hash": a.hash} for a in pend],
                            "base": None, "major": False})
    assert_problem(verify(root), "record #6", "release HR-ATT-001 A/0", "without 批准")


def test_forged_release_with_wrong_version_or_fewer_roles(root, keys):
    approve_all(root, keys)
    st = ledger.load_state(root)
    pend = st.policies["HR-ATT-001"].pending
    ch = ledger.content_hash(POLICY_A)
    snap = ledger.Ledger(root).write_snapshot(POLICY_A)
    forge(root, "release", {"policy": "HR-ATT-001", "version": "C/4", "content_hash": ch, "snapshot": snap,
                            "effective_date": "2025-01-01", "summary": "首次发行", "roles": ["批准"],
                            "approvals": [{"role": a.role, "seq": a.seq, "hash": a.hash} for a in pend],
                            "base": None, "major": False})
    rep = verify(root)
    assert_problem(rep, "record #7", "release HR-ATT-001 C/4", "next version after (first release) is A/0")
    assert_problem(rep, "record #7", "release HR-ATT-001 C/4", "project requires 编制→审核→批准")


def test_snapshot_missing(released):
    rel = ledger.released_versions(released, "HR-ATT-001")[0]
    (released / "ledger" / "snapshots" / f"{rel.snapshot}.md").unlink()
    assert_problem(verify(released), "record #7", "release HR-ATT-001 A/0", "missing")


def test_people_yaml_extra_person(released):
    path = released / "people.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["people"].append({"name": "赵六", "roles": ["批准"],
                           "public_key": keymod.public_key_text(keymod.generate_private_key())})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert_problem(verify(released), "赵六", "no key registration record")


def test_verify_empty_project(root):
    rep = verify(root)
    assert rep.ok and rep.states == {"FIN-EXP-001": "never released", "HR-ATT-001": "never released"}


def test_as_of_drops_superseded_and_repealed(root, keys):
    release_one(root, keys)  # HR-ATT-001 effective 2025-01-01
    new = POLICY_A.replace("id: HR-ATT-001", "id: HR-ATT-002").replace("2025-01-01", "2025-05-01").replace(
        "lang: zh-Hans", "lang: zh-Hans\nsupersedes: [HR-ATT-001]")
    (root / "policies" / "HR-ATT-002.md").write_text(new, encoding="utf-8")
    release_one(root, keys, "HR-ATT-002")
    gone = {}
    assert set(status.as_of(root, date(2025, 4, 30), superseded=gone)) == {"HR-ATT-001"}
    assert set(status.as_of(root, date(2025, 5, 1), superseded=gone)) == {"HR-ATT-002"}
    assert gone == {"HR-ATT-001": "superseded by HR-ATT-002 A/0 effective 2025-05-01"}
    rep = (root / "policies" / "FIN-EXP-001.md")
    rep.write_text(rep.read_text(encoding="utf-8").replace("status: effective", "status: repealed"), encoding="utf-8")
    release_one(root, keys, "FIN-EXP-001")
    assert "FIN-EXP-001" not in status.as_of(root, date(2025, 6, 1))


def test_draft_status_cannot_be_released(root, keys):
    draft = POLICY_A.replace("status: effective", "status: draft")
    (root / "policies" / "HR-ATT-001.md").write_text(draft, encoding="utf-8")
    approve_all(root, keys)
    with pytest.raises(PolicyError, match="status is draft"):
        ledger.release(root, None, "HR-ATT-001", draft)


def test_key_swapped_in_ledger_and_people_yaml(released):
    """Replace 李娜's key consistently in her key record (re-signed, re-hashed) and people.yaml."""
    other = keymod.generate_private_key()
    ls = lines(released)
    rec = json.loads(ls[1])  # record #2: key 李娜
    rec["payload"]["public_key"] = keymod.public_key_text(other)
    rec["payload"]["fingerprint"] = keymod.fingerprint(rec["payload"]["public_key"])
    rec.pop("hash")
    rec["sig"] = keymod.sign(other, ledger.signed_bytes(rec))
    rec["hash"] = ledger.record_hash(rec)
    ls[1] = ledger.canonical_json(rec) + b"\n"
    write_lines(released, ls)
    path = released / "people.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["name"] == "李娜":
            person["public_key"] = rec["payload"]["public_key"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rep = verify(released)
    assert_problem(rep, "record #3", "does not chain")
    assert_problem(rep, "record #5", "approve HR-ATT-001 审核 by 李娜", "signature does not verify")


def test_people_yaml_entry_lost_in_crash_is_repaired(released):
    path = released / "people.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["people"] = [p for p in data["people"] if p["name"] != "王强"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rep = verify(released)
    assert rep.repairable
    assert_problem(rep, "王强", "record #3", "missing")
    done = ledger.repair(released)
    assert any("added 王强 to people.yaml" in d for d in done)
    assert verify(released).ok
