"""Shared fixtures: a throw-away copy of the sample project and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def run_cli(*args: str, cwd: Path | str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``policydocs ARGS`` as a user would (a real process), capturing output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "policydocs", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, input=input, timeout=600)


def copy_project(dst: Path, policies: list[str] | None = None, *, ledger: bool = False) -> Path:
    """Copy the sample project (config, glossary, policies) into ``dst``; with
    ``ledger`` also the demo ledger, people.yaml and handbooks."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("policydocs.toml", "glossary.yaml"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dst / name)
    (dst / "policies").mkdir(exist_ok=True)
    for src in sorted((REPO / "policies").glob("*.md")):
        if policies is None or src.stem in policies:
            shutil.copy2(src, dst / "policies" / src.name)
    if ledger:
        shutil.copytree(REPO / "ledger", dst / "ledger")
        shutil.copy2(REPO / "people.yaml", dst / "people.yaml")
        shutil.copytree(REPO / "handbooks", dst / "handbooks")
    return dst


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the sample policies (no ledger, no handbooks), private keys in tmp."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return copy_project(tmp_path / "proj")


@pytest.fixture
def mini_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project with one locale, for writing bad-input policies into."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "mini"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试公司"\n[locales]\npublish = ["zh-Hans"]\n'
                                          '[build]\nformats = ["pdf"]\n', encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _isolated_config_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever reads or writes the real ~/.config/policydocs."""
    if "XDG_CONFIG_HOME" not in os.environ or not os.environ["XDG_CONFIG_HOME"].startswith(str(tmp_path_factory.getbasetemp())):
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))  # parsed trees


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_lines(path: Path) -> list[list[dict]]:
    """The lines of each page as a reader sees them, from ``pdftotext -bbox``: words
    on the same baseline joined left to right (pdftotext's own text flow splits a
    line where punctuation is compressed, e.g. ``）》``). Each line: text, x0, x1,
    y0, y1 (pt, origin top left)."""
    import html
    import re as _re

    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        words = [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in _re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
        rows: dict[float, list] = {}
        for x0, y0, x1, y1, text in words:
            key = next((k for k in rows if abs(k - y1) < 1.0), y1)
            rows.setdefault(key, []).append((x0, y0, x1, y1, text))
        lines = []
        for key in sorted(rows):
            ws = sorted(rows[key])
            lines.append({"text": "".join(w[4] for w in ws), "x0": ws[0][0], "x1": max(w[2] for w in ws),
                          "y0": min(w[1] for w in ws), "y1": key})
        pages.append(lines)
    return pages


def preview(root: Path, policy_id: str, locale: str = "zh-Hans", fmt: str = "pdf") -> Path:
    """Where `build` writes the preview of a working text that is not a release."""
    return root / "build" / "preview" / locale / f"{policy_id}.{fmt}"


def published(root: Path, policy_id: str, version: str, locale: str = "zh-Hans", fmt: str = "pdf") -> Path:
    """Where `build` publishes a released version."""
    v = version.replace("/", "-")
    return root / "publication" / policy_id / v / f"{policy_id}_{v}.{locale}.{fmt}"


def published_handbook(root: Path, name: str, locale: str = "zh-Hans", fmt: str = "pdf") -> Path:
    """The newest published edition of a handbook (from build/manifest.json)."""
    import json

    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    paths = [a["path"] for a in manifest["artifacts"]
             if a["kind"] == "handbook" and a.get("handbook") == name and a["locale"] == locale and a["format"] == fmt]
    assert paths, f"no published handbook {name} {locale} {fmt}"
    return root / max(paths, key=lambda p: (root / p).stat().st_mtime_ns)


def current(root: Path, policy_id: str, locale: str = "zh-Hans", fmt: str = "pdf") -> Path:
    """The file a build made for a policy's working text: its preview when the text is not a
    release, else the published file of its latest release (from build/manifest.json)."""
    import json

    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    mine = [a for a in manifest["artifacts"] if a.get("policy_id") == policy_id and a["locale"] == locale
            and a["format"] == fmt]
    drafts = [a for a in mine if a.get("draft")]
    if drafts:
        return root / drafts[0]["path"]
    assert mine, f"the build made no {fmt} of {policy_id} in {locale}"
    from policydocs.core.versioning import sort_key

    return root / max(mine, key=lambda a: sort_key(a["version"]))["path"]


def release_all(root: Path, when: str = "2020-01-01T10:00:00+08:00") -> None:
    """A demo signing identity, three approvers, and every policy of ``root`` released (dated
    ``when``, before the effective dates). XDG_CONFIG_HOME must point at a test folder."""
    from policydocs.read.config import load_config
    from policydocs.trust import keys as keymod
    from policydocs.trust import ledger, signing

    signing.init_org(load_config(root), passphrase=signing.DEMO_PASSPHRASE, force=True)
    people = []
    for name, role in (("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")):
        key = keymod.generate_private_key()
        keymod.save_private_key(key, name)
        ledger.register_person(root, None, name, [role], key)
        people.append((name, role, key))
    saved = os.environ.get(ledger.NOW_ENV)
    os.environ[ledger.NOW_ENV] = when
    try:
        for path in sorted((root / "policies").glob("*.md")):
            text = path.read_text(encoding="utf-8")
            pid = ledger.read_meta(text).id
            for name, role, key in people:
                ledger.approve(root, None, pid, role, name, key, text)
            ledger.release(root, None, pid, text)
    finally:
        if saved is None:
            os.environ.pop(ledger.NOW_ENV, None)
        else:
            os.environ[ledger.NOW_ENV] = saved
