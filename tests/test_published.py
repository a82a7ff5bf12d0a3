"""The whole pipeline as `make demo` runs it: every release published from its frozen text,
signed (policies and handbooks), on the publication record; previews apart; a manifest that
`verify` and `verify-file` accept."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import copy_project, pdftotext, preview, published_handbook, run_cli
from conftest import published as published_file


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("published")
    root = copy_project(base / "proj", ledger=True)
    env = {"XDG_CONFIG_HOME": str(base / "xdg"), "POLICYDOCS_SIGNING_PASSPHRASE": "test-pass"}
    (root / "policydocs.toml").write_text(
        (root / "policydocs.toml").read_text(encoding="utf-8").replace(
            'publish = ["zh-Hans", "zh-Hant-TW", "zh-Hant-HK"]', 'publish = ["zh-Hans", "zh-Hant-TW"]'), encoding="utf-8")
    # released versions are never published unsigned: without an identity the build stops and says how to fix it
    refused = run_cli("build", "--formats", "pdf", cwd=root, env=env)
    assert refused.returncode == 2 and "keys init-org" in refused.stderr, refused.stderr
    assert not list(root.rglob("*.pdf"))
    # previews still build (there are none: every working text is a release); nothing is published unsigned
    first = run_cli("build", "--formats", "pdf", "--no-sign", cwd=root, env=env)
    assert first.returncode == 0, first.stderr
    assert "not published" in first.stderr and "HR-ATT-002 A/1" in first.stderr
    assert not (root / "publication").exists()
    assert run_cli("keys", "init-org", cwd=root, env=env).returncode == 0
    second = run_cli("build", "--formats", "pdf", cwd=root, env=env)
    assert second.returncode == 0, second.stderr
    return root, env


def test_released_policies_and_handbooks_are_signed(published) -> None:
    root, env = published
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    pdfs = [a for a in manifest["artifacts"] if a["format"] == "pdf"]
    assert {a["kind"] for a in pdfs} == {"policy", "handbook"}
    for art in pdfs:
        assert art["draft"] is False and art["signed"] is True, art["path"]
    assert manifest["ledger_head"]["seq"] >= 40
    assert all(a["path"].startswith("publication/") for a in pdfs)
    out = subprocess.run(["pdfsig", "-nocert", str(published_handbook(root, "employee-handbook"))],
                         capture_output=True, text=True).stdout
    assert "Signature is Valid." in out and "Total document signed" in out


def test_verify_and_verify_file_accept_the_published_set(published) -> None:
    root, env = published
    result = run_cli("verify", cwd=root, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    one = run_cli("verify-file", "publication/HR-ATT-002/A-1/HR-ATT-002_A-1.zh-Hant-TW.pdf", cwd=root, env=env)
    assert one.returncode == 0 and "AUTHENTIC" in one.stdout and "A/1" in one.stdout


def test_released_pdf_shows_approvers_and_history(published) -> None:
    root, _ = published
    text = pdftotext(published_file(root, "HR-ATT-002", "A/1"))
    for name in ("张伟", "李娜", "王强"):
        assert name in text
    assert "A/0" in text and "A/1" in text and "首次发行" in text and "草稿" not in text
    tw = pdftotext(published_file(root, "HR-ATT-002", "A/1", "zh-Hant-TW"))
    assert "制定" in tw and "核准" in tw and "首次發行" in tw


def test_edited_policy_is_previewed_and_its_release_stays_published(published, tmp_path: Path) -> None:
    root, env = published
    path = root / "policies" / "IT-DEV-001.md"
    original = path.read_text(encoding="utf-8")
    released = published_file(root, "IT-DEV-001", "A/0")
    before = released.read_bytes()
    try:
        path.write_text(original.replace("。", "。", 1) + "\n补充一条临时规定。\n", encoding="utf-8")
        result = run_cli("build", "--formats", "pdf", "--policy", "IT-DEV-001", cwd=root, env=env)
        assert result.returncode == 0, result.stderr
        assert "IT-DEV-001" in result.stdout and "previews" in result.stdout
        manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
        art = next(a for a in manifest["artifacts"] if a["path"] == "build/preview/zh-Hans/IT-DEV-001.pdf")
        assert art["draft"] is True and art["signed"] is False
        assert "草稿" in pdftotext(preview(root, "IT-DEV-001"))
        # the signed, in-force copy is still published, unchanged, and on the manifest
        assert released.read_bytes() == before
        assert any(a["path"] == released.relative_to(root).as_posix() and a["signed"] for a in manifest["artifacts"])
    finally:
        path.write_text(original, encoding="utf-8")


def test_verify_after_the_build_folder_was_removed(published) -> None:
    """`make clean`, a fresh clone: the manifest is rebuilt from the publication record, and the
    published PDFs' unsigned prefixes come from their signatures — verify still accepts them."""
    root, env = published
    before = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    want = {a["path"]: (a["unsigned_sha256"], a["unsigned_size"]) for a in before["artifacts"] if a.get("signed")}
    subprocess.run(["rm", "-rf", str(root / "build")], check=True)
    rebuilt = run_cli("build", "--formats", "pdf", cwd=root, env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    result = run_cli("verify", cwd=root, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    after = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    got = {a["path"]: (a.get("unsigned_sha256"), a.get("unsigned_size")) for a in after["artifacts"] if a.get("signed")}
    assert got.keys() == want.keys() and len(got) >= 20
    for path, (digest, size) in got.items():  # the renderer may end a PDF with blank lines after %%EOF
        assert digest and size and size <= want[path][1], path
