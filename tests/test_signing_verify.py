"""The PDF part of `verify` and `verify-file`, against a build/manifest.json in the lead's schema.

The build directory is assembled here (Typst + signing.sign_pdf), so these
tests do not depend on the project's renderer or build pipeline.
"""

from __future__ import annotations

import json
import shutil

import pytest

from policydocs.cli import main
from policydocs.read.config import load_config
from policydocs.trust import signing


def _render(text: str) -> bytes:
    from policydocs.render.typst.engine import engine_for
    from policydocs.render.typst.escape import markup

    return engine_for(None).compile((), f'#set text(font: "Noto Sans CJK SC", lang: "zh")\n{markup(text)}\n')


ARTIFACTS = [
    # path, kind, policy_id, title, version, locale, draft
    ("zh-Hans/HR-ATT-002.pdf", "policy", "HR-ATT-002", "考勤管理制度", "A/1", "zh-Hans", False),
    ("zh-Hant-TW/HR-ATT-002.pdf", "policy", "HR-ATT-002", "考勤管理制度", "A/1", "zh-Hant-TW", False),
    ("zh-Hans/HR-LEAVE-001.pdf", "policy", "HR-LEAVE-001", "请假管理制度", "A/0", "zh-Hans", False),
    ("zh-Hans/ADM-SEAL-001.pdf", "policy", "ADM-SEAL-001", "印章管理制度", "草稿", "zh-Hans", True),
    ("handbooks/staff.zh-Hans.pdf", "handbook", "staff", "员工手册", "2025", "zh-Hans", False),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project with a demo identity and a build/ directory with signed PDFs and a manifest."""
    base = tmp_path_factory.mktemp("built")
    project = base / "project"
    project.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CONFIG_HOME", str(base / "xdg"))
    mp.delenv("POLICYDOCS_SIGNING_PASSPHRASE", raising=False)
    config = load_config(project)
    signing.init_org(config, passphrase=signing.DEMO_PASSPHRASE)
    identity = signing.load_identity(config)
    build = project / "build"
    artifacts = []
    for path, kind, pid, title, version, locale, draft in ARTIFACTS:
        unsigned = _render(f"{title} {version} {locale}")
        data = unsigned if draft else signing.sign_pdf(unsigned, identity, policy_id=pid, version=version, locale=locale)
        (build / path).parent.mkdir(parents=True, exist_ok=True)
        (build / path).write_bytes(data)
        artifacts.append({"path": path, "kind": kind, "policy_id": pid, "title": title, "version": version,
                          "locale": locale, "format": "pdf", "draft": draft, "signed": not draft,
                          "sha256": signing.sha256_hex(data), "size": len(data),
                          "unsigned_sha256": signing.sha256_hex(unsigned), "unsigned_size": len(unsigned)})
    artifacts.append({"path": "zh-Hans/HR-ATT-002.docx", "kind": "policy", "policy_id": "HR-ATT-002",
                      "version": "A/1", "locale": "zh-Hans", "format": "docx", "draft": False, "signed": False,
                      "sha256": "0" * 64, "size": 1})
    manifest = {"format": 1, "generated_by": "policydocs 0.1.0", "organisation": "示例公司", "artifacts": artifacts}
    (build / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    yield {"project": project, "config": config, "build": build, "manifest": manifest, "identity": identity,
           "root": signing.trust_root_path(config)}
    mp.undo()


@pytest.fixture
def copy(built, tmp_path):
    """A private copy of the built project to tamper with."""
    project = tmp_path / "project"
    shutil.copytree(built["project"], project)
    build = project / "build"
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))

    def save():
        (build / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    def entry(path):
        return next(a for a in manifest["artifacts"] if a["path"] == path)

    return {"project": project, "build": build, "manifest": manifest, "save": save, "entry": entry,
            "root": project / "keys" / "org-ca.pem"}


def _verify(c) -> list[str]:
    return signing.verify_published(c["build"], c["root"])


# --------------------------------------------------------------------------- verify_published


def test_clean_build_verifies(built):
    assert signing.verify_published(built["build"], built["root"]) == []


def test_flipped_byte_in_published_pdf(copy):
    p = copy["build"] / "zh-Hans/HR-ATT-002.pdf"
    b = bytearray(p.read_bytes())
    b[len(b) // 3] ^= 0x01
    p.write_bytes(bytes(b))
    problems = _verify(copy)
    assert any(x.startswith("zh-Hans/HR-ATT-002.pdf: sha256 differs") for x in problems)
    assert any("changed after signing" in x or "unreadable" in x or "cannot be checked" in x for x in problems), problems
    assert all(x.startswith("zh-Hans/HR-ATT-002.pdf") for x in problems)


def test_resigned_with_manifest_updated_still_needs_matching_unsigned_content(copy, built):
    """Someone re-renders different text, signs it with the real key, and fixes sha256 in the manifest."""
    e = copy["entry"]("zh-Hans/HR-LEAVE-001.pdf")
    forged = signing.sign_pdf(_render("请假管理制度（篡改版）"), built["identity"], policy_id="HR-LEAVE-001",
                              version="A/0", locale="zh-Hans")
    (copy["build"] / e["path"]).write_bytes(forged)
    e["sha256"], e["size"] = signing.sha256_hex(forged), len(forged)
    copy["save"]()
    problems = _verify(copy)
    assert any("unsigned content does not match the manifest" in x for x in problems), problems


def test_swapped_files_are_caught(copy):
    """The signed copy of one policy placed (with a consistent sha256) at another policy's path."""
    a, b = copy["entry"]("zh-Hans/HR-ATT-002.pdf"), copy["entry"]("zh-Hans/HR-LEAVE-001.pdf")
    data = (copy["build"] / a["path"]).read_bytes()
    (copy["build"] / b["path"]).write_bytes(data)
    b["sha256"], b["size"] = a["sha256"], a["size"]
    copy["save"]()
    problems = _verify(copy)
    assert any("signature is for HR-ATT-002 A/1 zh-Hans" in x for x in problems), problems


def test_missing_unsigned_draft_and_unsafe_paths(copy, built):
    (copy["build"] / "zh-Hant-TW/HR-ATT-002.pdf").unlink()
    draft = copy["entry"]("zh-Hans/ADM-SEAL-001.pdf")
    signed_draft = signing.sign_pdf((copy["build"] / draft["path"]).read_bytes(), built["identity"],
                                    policy_id="ADM-SEAL-001", version="草稿", locale="zh-Hans")
    (copy["build"] / draft["path"]).write_bytes(signed_draft)
    draft["sha256"], draft["size"] = signing.sha256_hex(signed_draft), len(signed_draft)
    copy["entry"]("zh-Hans/HR-LEAVE-001.pdf")["signed"] = False
    copy["manifest"]["artifacts"].append(dict(copy["entry"]("zh-Hans/HR-ATT-002.pdf"), path="../../etc/passwd.pdf"))
    copy["save"]()
    problems = _verify(copy)
    assert "zh-Hant-TW/HR-ATT-002.pdf: missing" in problems
    assert "zh-Hans/ADM-SEAL-001.pdf: a draft carries a signature; drafts are never signed" in problems
    assert "zh-Hans/HR-LEAVE-001.pdf: published without a signature" in problems
    assert "../../etc/passwd.pdf: unsafe path in manifest" in problems


def test_untrusted_or_missing_trust_root(copy, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg2"))
    other = tmp_path / "other"
    other.mkdir()
    _, other_root = signing.init_org(load_config(other), passphrase="x")
    problems = signing.verify_published(copy["build"], other_root)
    assert len([p for p in problems if "does not chain to the trust root" in p]) == 4  # every signed PDF
    assert signing.verify_published(copy["build"], tmp_path / "nope.pem")[0].endswith("cannot read trust root: No such file or directory")
    (copy["build"] / "manifest.json").unlink()
    assert "cannot read manifest" in signing.verify_published(copy["build"], copy["root"])[0]


# --------------------------------------------------------------------------- verify-file CLI


def test_verify_file_authentic(built, capsys):
    rc = main(["-C", str(built["project"]), "verify-file", str(built["build"] / "zh-Hant-TW/HR-ATT-002.pdf")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "policy:    HR-ATT-002 《考勤管理制度》" in out
    assert "version:   A/1" in out and "locale:    zh-Hant-TW" in out
    assert "lists this exact file as zh-Hant-TW/HR-ATT-002.pdf" in out
    assert out.startswith("AUTHENTIC: HR-ATT-002 A/1 (zh-Hant-TW)") and "NOT AUTHENTIC" not in out
    assert "status:    unknown — no ledger here" in out  # this fixture has no ledger


def test_verify_file_without_manifest_uses_signature(built, tmp_path, capsys):
    f = tmp_path / "downloaded.pdf"
    shutil.copy(built["build"] / "zh-Hans/HR-LEAVE-001.pdf", f)
    project = tmp_path / "employee"
    (project / "keys").mkdir(parents=True)
    shutil.copy(built["root"], project / "keys" / "org-ca.pem")  # only the public CA certificate
    rc = main(["-C", str(project), "verify-file", str(f)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "policy:    HR-LEAVE-001" in out and "version:   A/0" in out and "AUTHENTIC" in out


def test_verify_file_tampered(built, tmp_path, capsys):
    data = bytearray((built["build"] / "zh-Hans/HR-ATT-002.pdf").read_bytes())
    data[200] ^= 0x01
    f = tmp_path / "tampered.pdf"
    f.write_bytes(bytes(data))
    rc = main(["-C", str(built["project"]), "verify-file", str(f)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "NOT AUTHENTIC" in out and "  - " in out


def test_verify_file_unsigned_draft(built, capsys):
    rc = main(["-C", str(built["project"]), "verify-file", str(built["build"] / "zh-Hans/ADM-SEAL-001.pdf")])
    out = capsys.readouterr().out
    assert rc == 1 and "no signature" in out
    assert "policy:    ADM-SEAL-001" in out  # still identified through the manifest


def test_verify_file_content_differs_from_published_version(built, tmp_path, capsys):
    forged = signing.sign_pdf(_render("考勤管理制度 另一个文本"), built["identity"], policy_id="HR-ATT-002",
                              version="A/1", locale="zh-Hans")
    f = tmp_path / "other.pdf"
    f.write_bytes(forged)
    rc = main(["-C", str(built["project"]), "verify-file", str(f)])
    out = capsys.readouterr().out
    assert rc == 1 and "has different content" in out


def test_verify_file_outside_a_project_says_how_to_point_at_one(tmp_path, capsys):
    f = tmp_path / "x.pdf"
    f.write_bytes(b"%PDF-1.7\n")
    assert main(["-C", str(tmp_path), "verify-file", str(f)]) == 2
    err = capsys.readouterr().err
    assert "not a policydocs project" in err and "-C /path/to/project" in err and "--trust-root" in err
    assert "init-org" not in err  # an auditor must never be told to make their own CA
    assert main(["-C", str(tmp_path), "verify-file", str(f), "--trust-root", str(tmp_path / "none.pem")]) == 2
    assert "trust root not found" in capsys.readouterr().err


def test_verify_file_never_shows_internal_exception_text(built, tmp_path, capsys):
    """A damaged file gets a verdict in words, not a Python exception (issue 13: `TypeError: 'Any' object …`)."""
    data = bytearray((built["build"] / "zh-Hans/HR-ATT-002.pdf").read_bytes())
    cut = data.rfind(b"/ByteRange")
    data[cut:cut + 40] = b"/ByteRange [0 1 2 ] /Type /Any /Contents "  # signature dictionary mangled
    f = tmp_path / "damaged.pdf"
    f.write_bytes(bytes(data))
    rc = main(["-C", str(built["project"]), "verify-file", str(f)])
    out = capsys.readouterr().out
    assert rc == 1 and out.startswith("NOT AUTHENTIC")
    assert "Error" not in out and "Traceback" not in out and "object" not in out, out


def test_verify_pdfs_hook_prefixes_build_dir(copy):
    from policydocs.cli.signing_cmds import verify_pdfs

    config = load_config(copy["project"])
    assert verify_pdfs(None, copy["project"], config) == []
    (copy["build"] / "zh-Hans/HR-LEAVE-001.pdf").unlink()
    assert verify_pdfs(None, copy["project"], config) == ["build/zh-Hans/HR-LEAVE-001.pdf: missing"]
    (copy["project"] / "keys" / "org-ca.pem").unlink()
    problems = verify_pdfs(None, copy["project"], config)
    assert problems[0] == f"{copy['project'] / 'keys' / 'org-ca.pem'}: cannot read trust root: No such file or directory"


def test_keys_init_org_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("POLICYDOCS_SIGNING_PASSPHRASE", "from-env")
    project = tmp_path / "p"
    project.mkdir()
    assert main(["-C", str(project), "keys", "init-org"]) == 0
    out = capsys.readouterr().out
    assert "org-signing.p12" in out and "SHA-256 fingerprint" in out
    assert (project / "keys" / "org-ca.pem").exists()
    assert signing.load_identity(load_config(project)) is not None
    assert main(["-C", str(project), "keys", "init-org"]) == 2  # refuses to overwrite
    assert main(["-C", str(project), "keys", "init-org", "--force"]) == 0


def test_drafts_only_build_needs_no_trust_root(copy, tmp_path):
    copy["manifest"]["artifacts"] = [a for a in copy["manifest"]["artifacts"] if a.get("draft")]
    copy["save"]()
    assert signing.verify_published(copy["build"], tmp_path / "no-such-ca.pem") == []


def test_verify_file_extracts_unsigned_pdf_for_auditors(built, tmp_path, capsys):
    out = tmp_path / "unsigned.pdf"
    rc = main(["-C", str(built["project"]), "verify-file", str(built["build"] / "zh-Hans/HR-ATT-002.pdf"),
               "--unsigned-out", str(out)])
    assert rc == 0
    entry = next(a for a in built["manifest"]["artifacts"] if a["path"] == "zh-Hans/HR-ATT-002.pdf")
    assert signing.sha256_hex(out.read_bytes()) == entry["unsigned_sha256"]
    assert len(out.read_bytes()) == entry["unsigned_size"]


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
def test_pdfsig_second_opinion(copy, monkeypatch):
    assert signing.verify_published(copy["build"], copy["root"], pdfsig=True) == []
    # pyHanko says yes, pdfsig says no: reported
    fake = signing.PdfsigResult(signatures=1, valid=False, total_document_signed=True, trusted=False, output="")
    monkeypatch.setattr(signing, "pdfsig_check", lambda path, **kw: fake)
    problems = signing.verify_published(copy["build"], copy["root"], pdfsig=True)
    assert len(problems) == 4 and all("pdfsig does not accept" in p for p in problems)
