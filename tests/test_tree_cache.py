"""Parsed policies are kept between runs: an unchanged project is not parsed again."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_project

from policydocs.core.errors import PolicyErrors
from policydocs.read import cache as cache_module
from policydocs.read.project import load_project


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return copy_project(tmp_path / "proj")


def counting(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = cache_module.parse_policy_text

    def parse(text, path):
        parsed.append(str(path))
        return real(text, path)

    monkeypatch.setattr(cache_module, "parse_policy_text", parse)
    return parsed


def test_a_second_load_parses_nothing_and_gives_the_same_resolved_trees(root, monkeypatch):
    first = load_project(root)
    parsed = counting(monkeypatch)
    second = load_project(root)
    assert parsed == []
    assert {pid: d.body for pid, d in second.documents.items()} == {pid: d.body for pid, d in first.documents.items()}


def test_an_edited_policy_alone_is_parsed_again(root, monkeypatch):
    load_project(root)
    path = root / "policies" / "HR-ATT-002.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n员工应当遵守本制度。\n", encoding="utf-8")
    parsed = counting(monkeypatch)
    project = load_project(root)
    assert parsed == ["policies/HR-ATT-002.md"]
    assert "员工应当遵守本制度" in project.documents["HR-ATT-002"].source_text


def test_errors_are_never_cached(root, monkeypatch):
    path = root / "policies" / "HR-ATT-002.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: effective", "status: nonsense"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PolicyErrors, match="status"):
            load_project(root)


def test_a_damaged_cache_is_ignored_and_off_means_off(root, monkeypatch, tmp_path):
    load_project(root)
    for f in (tmp_path / "cache" / "policydocs" / "trees").iterdir():
        f.write_bytes(b"not a pickle")
    parsed = counting(monkeypatch)
    load_project(root)
    assert len(parsed) == len(list((root / "policies").glob("*.md")))
    monkeypatch.setenv("POLICYDOCS_CACHE_DIR", "off")
    parsed.clear()
    load_project(root)
    assert len(parsed) == len(list((root / "policies").glob("*.md")))


def test_the_cache_is_outside_the_project(root, tmp_path):
    load_project(root)
    assert list((tmp_path / "cache" / "policydocs" / "trees").iterdir())
    assert not [p for p in root.rglob("*") if "pickle" in p.name]


def test_revision_sections_are_compared_once_not_on_every_build(tmp_path, monkeypatch):
    """修订章节 of two frozen texts never changes: the next process reads it from the cache
    (each build used to compare every pair of versions of every policy again)."""
    from policydocs.pipeline.session import BuildSession
    from policydocs.products import history

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = copy_project(tmp_path / "sample", ledger=True)
    session = BuildSession.open(root)
    rows = session.version(session.working("HR-ATT-002")).revisions
    assert any(r.sections for r in rows)
    session.close()

    monkeypatch.setattr(history, "_sections", {})  # as in a new process
    monkeypatch.setattr(history, "_revision_sections", lambda *a: pytest.fail("compared again"))
    again = BuildSession.open(root)
    assert again.version(again.working("HR-ATT-002")).revisions == rows
