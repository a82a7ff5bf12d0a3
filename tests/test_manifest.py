"""One typed manifest (core/manifest.py): what the build writes is what verify, verify-file
and the ledger's anchor check read (issue 12: four manifest readers had drifted)."""

from __future__ import annotations

import json

import pytest

from policydocs.core.errors import PolicyError
from policydocs.core.manifest import Artifact, Manifest, read_manifest
from policydocs.read.config import load_config
from policydocs.trust import ledger, signing

HEAD = {"seq": 7, "hash": "a" * 64}


def _project(tmp_path):
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    return root, load_config(root)


def test_what_the_build_writes_is_what_verify_and_the_ledger_read(tmp_path):
    root, cfg = _project(tmp_path)
    draft = root / "build" / "preview" / "zh-Hans" / "IT-SEC-001.pdf"
    draft.parent.mkdir(parents=True)
    draft.write_bytes(b"%PDF-1.7 draft")
    released = Artifact("publication/HR-1/A-1/HR-1_A-1.zh-Hans.docx", "policy", "docx", "zh-Hans",
                        policy_id="HR-1", version="A/1", sha256="0" * 64, size=1)
    Manifest(ledger_head=HEAD, artifacts=[
        Artifact("build/preview/zh-Hans/IT-SEC-001.pdf", "policy", "pdf", "zh-Hans", policy_id="IT-SEC-001",
                 version="草稿", draft=True, sha256=signing.sha256_hex(draft.read_bytes()), size=draft.stat().st_size),
        released]).write(cfg.build_dir / "manifest.json")
    # verify: paths relative to the project (format 2), not to build/
    assert signing.verify_published(cfg.build_dir, tmp_path / "no-root.pem", prefix="build/") == []
    draft.write_bytes(b"%PDF-1.7 changed")
    assert signing.verify_published(cfg.build_dir, tmp_path / "no-root.pem") == [
        "build/preview/zh-Hans/IT-SEC-001.pdf: sha256 differs from the manifest (file changed or replaced)",
        f"build/preview/zh-Hans/IT-SEC-001.pdf: size {len(b'%PDF-1.7 changed')} differs from the manifest (14)"]
    # the ledger's anchor: the head, and the released (not draft) versions
    [anchor] = ledger.manifest_anchors(cfg)
    assert (anchor.source, anchor.head.seq, anchor.versions) == ("build/manifest.json", 7, (("HR-1", "A/1"),))


def test_an_older_manifest_is_read_for_verification_only(tmp_path):
    path = tmp_path / "build" / "manifest.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"format": 1, "artifacts": [{"path": "zh-Hans/X.pdf", "format": "pdf",
                                                             "locale": "zh-Hans"}, "junk"]}), encoding="utf-8")
    assert read_manifest(path) is None  # the next build starts afresh
    old = read_manifest(path, any_format=True)
    assert old.base(path.parent) == path.parent  # format 1: relative to build/
    assert [a.kind for a in old.artifacts] == ["policy"]  # no kind: a policy, for every reader


@pytest.mark.parametrize("text, message", [("{not json", "manifest is not valid JSON"),
                                           ('{"artifacts": {}}', "not a policydocs manifest"),
                                           ('{"format": "2", "artifacts": []}', "not a policydocs manifest")])
def test_a_broken_manifest_names_the_file(tmp_path, text, message):
    path = tmp_path / "build" / "manifest.json"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message) as err:
        read_manifest(path, any_format=True)
    assert err.value.diagnostic.path == str(path)
    assert signing.verify_published(path.parent, tmp_path / "root.pem")[0].startswith(f"cannot read manifest {path}")
    assert ledger.manifest_anchors(load_config(tmp_path)) == []  # unreadable: verify reports it, no anchor
