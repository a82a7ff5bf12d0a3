"""The publication record and tamper evidence: every published file on the signed record,
cut or rewritten records reported naming the policy and record, verify-file's verdict and status."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from test_ledger_support import (
    add_people,
    cli,
    isolate_env,
    lines,
    make_project,
    records_path,
    release_one,
    verify,
    write_lines,
)

from policydocs.cli import main
from policydocs.core.errors import PolicyError
from policydocs.read.config import load_config
from policydocs.trust import ledger, publication, signing
from policydocs.trust import verify as trust_verify
from policydocs.trust.publication import FileToPublish


def _render(text: str) -> bytes:
    from policydocs.render.typst.engine import engine_for
    from policydocs.render.typst.escape import markup

    return engine_for(None).compile((), f'#set text(font: "Noto Sans CJK SC", lang: "zh")\n{markup(text)}\n')


@pytest.fixture
def root(tmp_path, monkeypatch):
    isolate_env(monkeypatch, tmp_path)
    monkeypatch.delenv("POLICYDOCS_SIGNING_PASSPHRASE", raising=False)
    return make_project(tmp_path)


@pytest.fixture
def org(root):
    cfg = load_config(root)
    signing.init_org(cfg, passphrase=signing.DEMO_PASSPHRASE)
    return signing.load_identity(cfg)


@pytest.fixture
def keys(root):
    return add_people(root)


def edit(root: Path, old: str, new: str) -> None:
    p = root / "policies" / "HR-ATT-001.md"
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def sign_copy(root: Path, identity, version: str, locale: str = "zh-Hans", folder: str = "publication") -> Path:
    """What the pipeline does for one released version: render, sign under the ledger head, write."""
    data = signing.sign_pdf(_render(f"考勤管理制度 {version} {locale}"), identity, policy_id="HR-ATT-001",
                            version=version, locale=locale, ledger_head=publication.ledger_head(root))
    path = root / folder / "HR-ATT-001" / version.replace("/", "") / f"HR-ATT-001.{locale}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def publish(root: Path, identity, version: str, locale: str = "zh-Hans") -> Path:
    path = sign_copy(root, identity, version, locale)
    publication.record(root, None, [FileToPublish(path, "HR-ATT-001", version, locale, "pdf")], identity)
    return path


@pytest.fixture
def two_versions(root, org, keys):
    """A/0 effective 2025-01-01 and A/1 effective 2026-01-01, each published (signed PDF on the record)."""
    release_one(root, keys)
    a0 = publish(root, org, "A/0")
    edit(root, "三十分钟", "二十分钟")
    release_one(root, keys, summary="迟到时限调整", effective=date(2026, 1, 1))
    a1 = publish(root, org, "A/1")
    return {"root": root, "a0": a0, "a1": a1, "identity": org}


def problems(root: Path) -> list[str]:
    return trust_verify.verify_project(root).problems


def assert_reported(probs: list[str], *needles: str) -> None:
    assert any(all(n in p for n in needles) for p in probs), f"no problem mentions {needles}: {probs}"


# --------------------------------------------------------------------------- the record


def test_published_files_are_on_a_signed_record(two_versions):
    root = two_versions["root"]
    files = publication.published_files(root)
    assert [(f.policy, f.version, f.locale, f.format) for f in files] == [
        ("HR-ATT-001", "A/0", "zh-Hans", "pdf"), ("HR-ATT-001", "A/1", "zh-Hans", "pdf")]
    a1 = files[1]
    assert a1.path == "publication/HR-ATT-001/A1/HR-ATT-001.zh-Hans.pdf" and a1.signed_record
    assert a1.size == two_versions["a1"].stat().st_size and a1.release == 12  # #8 publishes A/0
    assert publication.is_published(root, a1.sha256) and not publication.is_published(root, "0" * 64)
    rec = json.loads(records_path(root).read_bytes().splitlines()[-1])
    assert rec["type"] == "publish" and rec["signer"] == "organisation" and "certificate" in rec["payload"]
    assert problems(root) == []
    # idempotent: the same file again appends nothing
    again = publication.record(root, None, [FileToPublish(two_versions["a1"], "HR-ATT-001", "A/1", "zh-Hans", "pdf")],
                               two_versions["identity"])
    assert again.seq is None and [f.path for f in again.already] == [a1.path]


def test_a_published_file_is_never_replaced(two_versions):
    root, identity = two_versions["root"], two_versions["identity"]
    other = sign_copy(root, identity, "A/1", folder="other")
    two_versions["a1"].write_bytes(other.read_bytes())  # overwrite the published file with another signing
    with pytest.raises(PolicyError, match="never replaced"):
        publication.record(root, None, [FileToPublish(two_versions["a1"], "HR-ATT-001", "A/1", "zh-Hans", "pdf")],
                           identity)
    with pytest.raises(PolicyError, match="re-issue"):
        publication.record(root, None, [FileToPublish(other, "HR-ATT-001", "A/1", "zh-Hans", "pdf")], identity)
    rec = publication.record(root, None, [FileToPublish(other, "HR-ATT-001", "A/1", "zh-Hans", "pdf")], identity,
                             reissue_reason="模板更正：页眉单位名称")
    (f,) = rec.files
    assert f.reissue_reason == "模板更正：页眉单位名称" and f.replaces == publication.published_files(root)[1].sha256
    unreleased = sign_copy(root, identity, "A/2", folder="third")
    with pytest.raises(PolicyError, match="no release record HR-ATT-001 A/2"):
        publication.record(root, None, [FileToPublish(unreleased, "HR-ATT-001", "A/2", "zh-Hans", "pdf")], identity)
    # the overwritten original is reported, naming the record and the policy
    assert_reported(problems(root), "publish HR-ATT-001 A/1", "HR-ATT-001 A/1 zh-Hans pdf", "differs from its "
                    "publication record")


def test_published_file_missing_or_altered(two_versions):
    root = two_versions["root"]
    two_versions["a0"].unlink()
    data = bytearray(two_versions["a1"].read_bytes())
    data[len(data) // 3] ^= 1
    two_versions["a1"].write_bytes(bytes(data))
    probs = problems(root)
    assert_reported(probs, "record #8 (publish HR-ATT-001 A/0)", "HR-ATT-001 A/0 zh-Hans pdf", "is missing")
    assert_reported(probs, "(publish HR-ATT-001 A/1)", "differs from its publication record")


def test_publish_record_rewritten_breaks_the_organisations_signature(two_versions):
    root = two_versions["root"]
    ls = lines(root)
    rec = json.loads(ls[-1])
    rec["payload"]["files"][0]["sha256"] = "0" * 64  # point the record at another file …
    del rec["hash"]
    rec["hash"] = ledger.record_hash(rec)  # … and recompute its hash (and HEAD) so the chain holds
    ls[-1] = ledger.canonical_json(rec) + b"\n"
    write_lines(root, ls)
    (root / "ledger" / "HEAD").write_text(f"{rec['seq']} {rec['hash']}\n", encoding="utf-8")
    assert_reported(problems(root), f"record #{rec['seq']} (publish HR-ATT-001 A/1)",
                    "organisation's signature does not verify")


# --------------------------------------------------------------------------- cut records


def _build_manifest(root: Path, pdfs: list[tuple[Path, str]]) -> None:
    """What a build writes: signed copies and build/manifest.json with the ledger head."""
    arts = []
    for path, version in pdfs:
        rel = f"zh-Hans/{path.name}"
        (root / "build" / "zh-Hans").mkdir(parents=True, exist_ok=True)
        (root / "build" / rel).write_bytes(path.read_bytes())
        data = path.read_bytes()
        check = signing.validate_pdf(data, signing.trust_root_path(load_config(root)))
        arts.append({"path": rel, "kind": "policy", "policy_id": "HR-ATT-001", "version": version,
                     "locale": "zh-Hans", "format": "pdf", "draft": False, "signed": True,
                     "sha256": signing.sha256_hex(data), "size": len(data),
                     "unsigned_sha256": check.signed_prefix_sha256, "unsigned_size": check.signed_prefix_size})
    head = ledger.read_head(root)
    (root / "build" / "manifest.json").write_text(json.dumps(
        {"format": 1, "artifacts": arts, "ledger_head": {"seq": head[0], "hash": head[1]}}), encoding="utf-8")


def _cut_newest_release(root: Path, *, snapshot: bool = False) -> None:
    """Delete the newest release record, rewrite ledger/HEAD to the record before it."""
    ls = lines(root)
    rec = json.loads(ls[-1])
    assert rec["type"] == "release"
    write_lines(root, ls[:-1])
    prev = json.loads(ls[-2])
    (root / "ledger" / "HEAD").write_text(f"{prev['seq']} {prev['hash']} {ledger.describe(prev)}\n", encoding="utf-8")
    if snapshot:
        (root / "ledger" / "snapshots" / f"{rec['payload']['snapshot']}.md").unlink()


def test_delete_newest_release_rewrite_head_and_repair_is_tampering(root, org, keys, capsys):
    release_one(root, keys)
    edit(root, "三十分钟", "二十分钟")
    release_one(root, keys, summary="迟到时限调整", effective=date(2025, 6, 1))  # A/1 is record #11
    a1 = sign_copy(root, org, "A/1")  # the build signs A/1 under record #11 …
    _build_manifest(root, [(a1, "A/1")])  # … and publishes its manifest with ledger_head #11
    _cut_newest_release(root)
    rep = verify(root)
    assert_reported(rep.problems, "frozen text of HR-ATT-001", "record #8 编制 张伟", "release record of HR-ATT-001 "
                    "was deleted")
    assert_reported(rep.problems, "build/manifest.json", "record #11", "cut from the end")
    assert_reported(rep.problems, "build/manifest.json shows HR-ATT-001 A/1 as released", "no release record")
    assert not rep.repairable
    assert cli(["-C", str(root), "ledger", "repair"]) == 2
    assert "repair refused" in capsys.readouterr().err
    assert len(lines(root)) == 10  # nothing was appended
    probs = problems(root)
    assert_reported(probs, "build/zh-Hans/HR-ATT-001.zh-Hans.pdf", "signed as HR-ATT-001 A/1",
                    "no release record HR-ATT-001 A/1")
    # the signed A/1 copy is no longer authentic: no release record stands behind it
    assert main(["-C", str(root), "verify-file", str(a1)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT AUTHENTIC: HR-ATT-001 A/1") and "no release record HR-ATT-001 A/1" in out


def test_cut_release_and_its_snapshot_still_caught_by_the_copies(root, org, keys):
    """The careful variant: the frozen text goes too; the manifest head and the signed copy still tell."""
    release_one(root, keys)
    edit(root, "三十分钟", "二十分钟")
    release_one(root, keys, summary="迟到时限调整", effective=date(2025, 6, 1))
    a1 = sign_copy(root, org, "A/1")
    _build_manifest(root, [(a1, "A/1")])
    _cut_newest_release(root, snapshot=True)
    probs = problems(root)
    assert_reported(probs, "build/manifest.json", "records #11–#11 were cut from the end")
    assert_reported(probs, "HR-ATT-001.zh-Hans.pdf", "published under ledger record #11", "cut from the end")
    with pytest.raises(PolicyError, match="repair refused"):
        ledger.repair(root)


def _sign_handbook(root: Path, identity) -> Path:
    """What the pipeline does for a handbook edition: render, sign under the ledger head, write."""
    data = signing.sign_pdf(_render("员工手册"), identity, policy_id="HB-001", version="1/20250601-0badc0de",
                            locale="zh-Hans", ledger_head=publication.ledger_head(root))
    path = root / "publication" / "handbooks" / "employee" / "20250601-0badc0de" / "employee.zh-Hans.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_tail_cut_without_a_manifest_is_caught_by_the_published_copies(root, org, keys):
    """build/manifest.json is a git-ignored build file: the signed copies in publication/ are the
    witnesses. Cut A/1's release and its publish record (policy and handbook), rewrite HEAD,
    delete the frozen text: verify names the files no record lists and the cut records."""
    release_one(root, keys)
    publish(root, org, "A/0")
    edit(root, "三十分钟", "二十分钟")
    release_one(root, keys, summary="迟到时限调整", effective=date(2025, 6, 1))  # record #12
    a1 = sign_copy(root, org, "A/1")  # signed under #12 …
    book = _sign_handbook(root, org)
    publication.record(root, None, [FileToPublish(a1, "HR-ATT-001", "A/1", "zh-Hans", "pdf"),
                                    FileToPublish(book, "employee", "1/20250601-0badc0de", "zh-Hans", "pdf",
                                                  kind="handbook")], org)  # … published in #13
    assert problems(root) == []
    ls = lines(root)
    release = json.loads(ls[-2])
    assert [json.loads(x)["type"] for x in ls[-2:]] == ["release", "publish"]
    write_lines(root, ls[:-2])
    prev = json.loads(ls[-3])
    (root / "ledger" / "HEAD").write_text(f"{prev['seq']} {prev['hash']} {ledger.describe(prev)}\n", encoding="utf-8")
    (root / "ledger" / "snapshots" / f"{release['payload']['snapshot']}.md").unlink()
    assert not (root / "build" / "manifest.json").exists()
    assert verify(root).ok  # the ledger alone looks whole …
    probs = problems(root)  # … the published copies do not
    a1_rel, book_rel = a1.relative_to(root).as_posix(), book.relative_to(root).as_posix()
    assert_reported(probs, a1_rel, "not on any publish record")
    assert_reported(probs, a1_rel, "published under ledger record #12", "cut from the end")
    assert_reported(probs, a1_rel, "no release record HR-ATT-001 A/1")
    assert_reported(probs, book_rel, "not on any publish record")
    assert_reported(probs, book_rel, "published under ledger record #12", "cut from the end")
    assert main(["-C", str(root), "verify"]) == 1


def test_only_the_newest_publish_record_cut_and_a_stray_copy_are_reported(two_versions):
    root = two_versions["root"]
    ls = lines(root)
    assert json.loads(ls[-1])["type"] == "publish"
    write_lines(root, ls[:-1])  # A/1's publish record goes; its head (#12, the release) stays in the chain
    prev = json.loads(ls[-2])
    (root / "ledger" / "HEAD").write_text(f"{prev['seq']} {prev['hash']} {ledger.describe(prev)}\n", encoding="utf-8")
    stray = root / "publication" / "HR-ATT-001" / "A0" / "HR-ATT-001.zh-Hans (1).pdf"
    stray.write_bytes(two_versions["a0"].read_bytes())  # a second signed copy nobody published
    probs = problems(root)
    assert_reported(probs, two_versions["a1"].relative_to(root).as_posix(), "not on any publish record")
    assert_reported(probs, stray.relative_to(root).as_posix(), "not on any publish record")
    assert len([p for p in probs if "not on any publish record" in p]) == 2
    # scoped to another policy, neither is this policy's concern
    assert publication.verify_publication(root, scope={"FIN-EXP-001"}) == []


def test_a_complete_signed_record_without_newline_is_kept_not_cut(root, keys, capsys):
    release_one(root, keys)
    path = records_path(root)
    path.write_bytes(path.read_bytes()[:-1])  # the newest (release) record looks like a torn tail
    rep = verify(root)
    assert rep.repairable
    assert_reported(rep.problems, "record #7 (release HR-ATT-001 A/0) is complete but lacks its end of line")
    assert cli(["-C", str(root), "ledger", "repair"]) == 0
    assert "the record is kept" in capsys.readouterr().out
    assert [r.version for r in ledger.released_versions(root, "HR-ATT-001")] == ["A/0"]
    assert verify(root).ok


def test_interrupted_release_after_its_record_is_finished_by_repair(root, keys, monkeypatch):
    """Crash between the record and the snapshot's rename: repair gives the staged text its name."""
    calls = []
    monkeypatch.setattr(ledger.Ledger, "commit_snapshot", lambda self, h: calls.append(h))
    release_one(root, keys)
    assert calls and not verify(root).ok
    rep = verify(root)
    assert rep.repairable and "still staged" in rep.problems[0]
    monkeypatch.undo()
    isolate_env(monkeypatch, root.parent)
    ledger.repair(root)
    assert verify(root).ok


# --------------------------------------------------------------------------- verify-file


def test_verify_file_on_a_superseded_copy(two_versions, capsys):
    root = two_versions["root"]
    args = ["-C", str(root), "verify-file", str(two_versions["a0"])]
    assert main([*args, "--today", "2025-06-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AUTHENTIC: HR-ATT-001 A/0 (zh-Hans)")
    assert "status:    in force since 2025-01-01 (on 2025-06-01)" in out
    assert "approved:  编制 张伟 2024-12-20 · 审核 李娜 2024-12-20 · 批准 王强 2024-12-20" in out
    assert "published: record #8" in out and "this exact file" in out
    assert main([*args, "--today", "2026-01-02"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AUTHENTIC: HR-ATT-001 A/0 (zh-Hans)")
    assert "status:    superseded by A/1 effective 2026-01-01 — NOT the version in force (on 2026-01-02)" in out
    assert main(["-C", str(root), "verify-file", str(two_versions["a1"]), "--today", "2025-06-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["authentic"] and data["status"]["state"] == "scheduled" and data["status"]["since"] == "2026-01-01"


def test_signed_copy_of_an_unreleased_version_is_not_authentic(two_versions, capsys):
    root = two_versions["root"]
    forged = sign_copy(root, two_versions["identity"], "A/2", folder="forged")
    assert main(["-C", str(root), "verify-file", str(forged)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT AUTHENTIC: HR-ATT-001 A/2") and "no release record HR-ATT-001 A/2" in out


# --------------------------------------------------------------------------- signing needs a matching trust root


def test_refuse_to_sign_without_a_matching_trust_root(root, tmp_path, monkeypatch):
    cfg = load_config(root)
    with pytest.raises(signing.SigningError, match="keys init-org") as exc:
        signing.require_identity(cfg)
    assert "--no-sign" in str(exc.value)
    signing.init_org(cfg, passphrase=signing.DEMO_PASSPHRASE)
    identity = signing.require_identity(cfg)
    (root / "keys" / "org-ca.pem").unlink()
    with pytest.raises(signing.SigningError, match="trust root keys/org-ca.pem is missing.*keys init-org"):
        signing.require_identity(cfg, identity)
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg2"))
    _, other_root = signing.init_org(load_config(other), passphrase="x")
    (root / "keys" / "org-ca.pem").write_bytes(other_root.read_bytes())
    with pytest.raises(signing.SigningError, match="not issued under the trust root"):
        signing.require_identity(cfg, identity)
    with pytest.raises(signing.SigningError, match="not issued under the trust root"):
        publication.record(root, cfg, [], identity)
