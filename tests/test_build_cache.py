"""Incremental builds: unchanged inputs reuse their outputs; a change to the
text, a template or policydocs' own code re-renders what it affects."""

from __future__ import annotations

import pytest
from conftest import REPO, copy_project, preview

from policydocs.core import fsutil
from policydocs.pipeline.build import build


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return copy_project(tmp_path / "proj")


N = len(list((REPO / "policies").glob("*.md")))  # the sample policies, one locale: one job each


def run(root):
    return build(root, formats=["pdf", "docx"], locales=["zh-Hans"], sign=False, jobs=2, handbooks=False)


def test_nothing_changed_nothing_rendered(root):
    first = run(root)
    assert first.rendered == N and first.reused == 0
    pdf = preview(root, "HR-ATT-002").read_bytes()
    again = run(root)
    assert again.rendered == 0 and again.reused == N
    assert preview(root, "HR-ATT-002").read_bytes() == pdf


def test_an_edited_policy_is_the_only_one_rendered_again(root):
    run(root)
    src = root / "policies" / "FIN-EXP-001.md"
    src.write_text(src.read_text(encoding="utf-8") + "\n报销人应当如实填写报销单据。\n", encoding="utf-8")
    again = run(root)
    assert again.rendered == 1 and again.reused == N - 1


def test_a_project_template_change_renders_everything(root):
    run(root)
    (root / "templates" / "typst").mkdir(parents=True)
    (root / "templates" / "typst" / "policy.typ").write_text(
        (REPO / "templates" / "typst" / "policy.typ").read_text(encoding="utf-8") + "\n// a company's change\n",
        encoding="utf-8")
    assert run(root).rendered == N


def test_new_policydocs_code_renders_everything_even_with_the_same_version(root, monkeypatch):
    """An upgrade (or an editable install) with a fixed writer must not serve outputs of the old one."""
    run(root)
    monkeypatch.setattr(fsutil, "package_hash", lambda: "another build of policydocs")
    again = run(root)
    assert again.rendered == N and again.reused == 0


def test_the_portal_keys_its_pages_by_the_one_artifact_key_recipe(tmp_path, monkeypatch):
    """The portal once hashed its own mix of inputs: a change of the key recipe (KEY_FORMAT) or of
    policydocs' version left every portal page in place while the build re-rendered."""
    from policydocs.core import cachekey
    from policydocs.products.site import portal_key
    from policydocs.products.site.pages import TEMPLATES
    from policydocs.render.templates import templates_hash

    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "甲"\n', encoding="utf-8")
    key = portal_key(root, "g1")
    assert key == cachekey.artifact_key(cachekey.environment(root, "g1"), "portal", "html", "",
                                        templates=templates_hash(root, TEMPLATES))
    assert portal_key(root, "g2") != key  # the glossary
    (root / "policydocs.toml").write_text('[organisation]\nname = "乙"\n', encoding="utf-8")
    assert portal_key(root, "g1") != key  # the configuration
    (root / "policydocs.toml").write_text('[organisation]\nname = "甲"\n', encoding="utf-8")
    monkeypatch.setattr(cachekey, "KEY_FORMAT", cachekey.KEY_FORMAT + 1)
    assert portal_key(root, "g1") != key  # the recipe
    monkeypatch.setattr(cachekey, "KEY_FORMAT", cachekey.KEY_FORMAT - 1)
    monkeypatch.setattr(cachekey, "__version__", "99.0")
    assert portal_key(root, "g1") != key  # policydocs' version


def test_forcing_one_policy_keeps_the_rest_of_the_manifest(root):
    """`build --policy ID --force` renders that policy again; the other previews stay built and listed
    (the manifest lost them, and every published PDF's signature was checked again to refill it)."""
    from policydocs.core.manifest import read_manifest

    run(root)
    before = {a.path for a in read_manifest(root / "build" / "manifest.json").artifacts}
    forced = build(root, formats=["pdf", "docx"], locales=["zh-Hans"], sign=False, jobs=1, handbooks=False,
                   policy_ids=["FIN-EXP-001"], force=True)
    assert forced.rendered == 1
    assert {a.path for a in read_manifest(root / "build" / "manifest.json").artifacts} == before
