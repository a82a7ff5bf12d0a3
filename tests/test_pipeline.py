"""The build pipeline: one session, one lock, one executor (local or Dask), leftovers of a killed build."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import copy_project, pdftotext, run_cli
from filelock import FileLock

from policydocs.convert import conversion
from policydocs.pipeline import build as build_module
from policydocs.pipeline.build import LOCK_NAME, build
from policydocs.products import handbook

POLICIES = ["ADM-CONF-001", "IT-DEV-001", "IT-SEC-001"]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return copy_project(tmp_path / "proj", POLICIES)


def _hashes(build_dir: Path) -> dict[str, str]:
    data = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    return {a["path"]: a["sha256"] for a in data["artifacts"]}


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(root):
    leftover = root / "build" / ".staging-killed"
    (leftover / "zh-Hans").mkdir(parents=True)
    (leftover / "zh-Hans" / "IT-SEC-001.pdf").write_bytes(b"half a file")
    build(root, formats=["pdf"], locales=["zh-Hans"], sign=False, handbooks=False, jobs=1)
    assert not leftover.exists()
    assert not list((root / "build").glob(".staging-*"))


def test_a_second_build_at_the_same_time_is_refused_and_changes_nothing(root):
    build(root, formats=["pdf"], locales=["zh-Hans"], sign=False, handbooks=False, jobs=1)
    before = _hashes(root / "build")
    with FileLock(str(root / "build" / LOCK_NAME)):
        result = run_cli("build", "--no-sign", "--formats", "pdf", "--locales", "zh-Hans", "--force", cwd=root)
    assert result.returncode == 2
    assert "another build is running" in result.stderr
    assert _hashes(root / "build") == before


def test_each_policy_is_localized_once_per_locale(root, monkeypatch):
    calls: list[tuple[str, str]] = []
    real = conversion.localize

    def counting(doc, locale, *a, **kw):
        calls.append((doc.meta.id, locale))
        return real(doc, locale, *a, **kw)

    monkeypatch.setattr(conversion, "localize", counting)
    build(root, sign=False, handbooks=False, jobs=1)  # two formats, three locales
    assert sorted(calls) == sorted({(pid, loc) for pid in POLICIES for loc in ("zh-Hans", "zh-Hant-TW", "zh-Hant-HK")})


def test_nothing_is_localized_when_nothing_changed(root, monkeypatch):
    build(root, sign=False, handbooks=False, jobs=1)
    calls = []
    monkeypatch.setattr(conversion, "localize", lambda *a, **kw: calls.append(a) or pytest.fail("localized"))
    again = build(root, sign=False, handbooks=False, jobs=1)
    assert again.rendered == 0 and again.reused == 9 and not calls


@pytest.mark.slow
def test_a_dask_cluster_produces_the_same_files_as_local_processes(root, tmp_path):
    distributed = pytest.importorskip("distributed")
    build(root, sign=False, handbooks=False, jobs=2)
    local = _hashes(root / "build")
    shutil.rmtree(root / "build")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        result = run_cli("build", "--no-sign", "--scheduler", cluster.scheduler_address, cwd=root)
    assert result.returncode == 0, result.stderr
    assert _hashes(root / "build") == local
    assert len(local) == len(POLICIES) * 3 * 2


def test_an_unreachable_scheduler_is_a_clear_error(root):
    pytest.importorskip("distributed")
    result = run_cli("build", "--no-sign", "--scheduler", "tcp://127.0.0.1:9", cwd=root)
    assert result.returncode == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_render_jobs_are_pure(root):
    """Workers turn trees into bytes and nothing else: the same job renders the same bytes."""
    session = build_module.BuildSession.open(root)
    edition = session.working("IT-SEC-001")
    job = build_module.PolicyJob(session.context(edition, "zh-Hant-TW"), ("pdf", "docx"), ("ADM-CONF-001", "IT-DEV-001"))
    first, second = build_module.render_policy(job), build_module.render_policy(job)
    assert {f: hashlib.sha256(b).hexdigest() for f, b in first.items()} == \
        {f: hashlib.sha256(b).hexdigest() for f, b in second.items()}
    assert not (root / "build").exists()


# ---------------------------------------------------------------------------
# what used to drift between the policy build and the handbook (issue 12)
# ---------------------------------------------------------------------------


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The whole sample project with its ledger and handbook."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return copy_project(tmp_path / "sample", ledger=True)


def _book(root: Path, locale: str, ids: list[str]):
    session = build_module.BuildSession.open(root)
    hb = handbook.load_handbook(root / "handbooks" / "employee-handbook.yaml", session.project)
    hb.policy_ids = ids
    return session, build_module.handbook_job(session, hb, locale, ("pdf",))


def test_handbook_revision_rows_are_the_policy_pdfs_rows(sample):
    """修订章节 and 修订内容摘要 in a Traditional handbook are converted like the policy's own
    (the handbook used to convert the summary only and print 修改第三条 in a 繁體 book)."""
    session, job = _book(sample, "zh-Hant-TW", ["HR-ATT-002"])
    in_book = job.parts[0].ctx.version.revisions
    own = session.context(session.working("HR-ATT-002"), "zh-Hant-TW").version.revisions
    assert in_book == own
    assert any(r.sections for r in in_book)
    assert all("条" not in r.sections and "删" not in r.sections for r in in_book)


def test_a_handbook_prints_the_closing_article_exactly_as_the_policy_does(sample):
    """A policy that states its own effective date in words the handbook's list lacked
    (起實施) got a second 施行 clause in the handbook only."""
    path = sample / "policies" / "HR-TRN-001.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip() + "\n\n本办法自发布之日起實施。\n", encoding="utf-8")
    session, job = _book(sample, "zh-Hans", ["HR-TRN-001"])
    renderer = handbook.HandbookRenderer(job.config, job.texts)
    source = renderer.typst_source(job.handbook, "zh-Hans", job.parts)
    assert source.count("起實施") == 1 and "起施行。]" not in source  # no closing article added
    policy = session.context(session.working("HR-TRN-001"), "zh-Hans")
    assert policy.body == job.parts[0].ctx.body


def test_a_glossary_change_renders_previews_again_and_leaves_publications_alone(sample):
    """One key recipe for every artifact (the handbook key used to miss inputs the policy key
    had): a glossary change renders the previews again; what is published — policies and the
    handbook edition — is never laid out again (the next edition will use the new glossary)."""
    assert run_cli("keys", "init-org", cwd=sample).returncode == 0
    draft = sample / "policies" / "HR-TRN-001.md"
    draft.write_text(draft.read_text(encoding="utf-8") + "\n考勤记录按月归档。\n", encoding="utf-8")
    first = build(sample, formats=["pdf"], locales=["zh-Hant-TW"], jobs=1)
    again = build(sample, formats=["pdf"], locales=["zh-Hant-TW"], jobs=1)
    assert again.rendered == 0 and again.reused == 1 and not again.published
    published = {a.path: a.sha256 for a in first.published}
    assert any(p.startswith("publication/handbooks/") for p in published)
    glossary = sample / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace(
        "terms: []", 'terms:\n  - {zh-Hans: 考勤, zh-Hant: 出勤考核, reason: "test"}'), encoding="utf-8")
    changed = build(sample, formats=["pdf"], locales=["zh-Hant-TW"], jobs=1)
    (preview_before,), (preview_after,) = first.previews, changed.previews
    assert preview_after.key != preview_before.key and "出勤考核" in pdftotext(sample / preview_after.path)
    assert not changed.published
    assert all(hashlib.sha256((sample / path).read_bytes()).hexdigest() == sha for path, sha in published.items())


def test_each_text_is_parsed_once_per_session(sample, monkeypatch):
    """修订章节 compares the session's trees (issue 12): history used to parse every frozen
    text of a policy again — the working file and each release's snapshot twice per build."""
    from collections import Counter

    from policydocs.core.model import Ref
    from policydocs.products.inputs import Edition
    from policydocs.read import markdown
    from policydocs.trust import ledger

    monkeypatch.setenv("POLICYDOCS_CACHE_DIR", "off")  # no trees kept from an earlier run
    parsed: Counter = Counter()
    real = markdown._TreeBuilder.build

    def counting(self, body):
        parsed[body] += 1
        return real(self, body)

    monkeypatch.setattr(markdown._TreeBuilder, "build", counting)
    session = build_module.BuildSession.open(sample)
    editions = [e for pid in session.project.documents for e in [session.working(pid), *(
        Edition(pid, r.version) for r in ledger.released_versions(sample, pid, session.config))]]
    refs = {e: [(r.kind, r.numbers) for r in session.document(e).walk() if isinstance(r, Ref)] for e in editions}
    with_history = sum(any(r.sections for r in session.version(e).revisions) for e in editions)
    assert with_history >= 4  # 修订章节 were compared (FIN-EXP-001 and HR-ATT-002, working and A/1)
    assert len(parsed) == 11 and set(parsed.values()) == {1}, parsed.most_common(3)
    # the comparison renumbers the older text's references: on copies, never on the trees every product renders
    assert refs == {e: [(r.kind, r.numbers) for r in session.document(e).walk() if isinstance(r, Ref)]
                    for e in editions}


def test_a_frozen_text_that_no_longer_resolves_is_compared_on_its_own(sample, monkeypatch):
    """修订章节 of releases whose trees the session cannot give (a cited policy deleted since)
    are still filled, from the frozen texts alone, as before sessions handed trees in."""
    from policydocs.core.errors import PolicyError
    from policydocs.products import history
    from policydocs.trust import ledger

    monkeypatch.setenv("POLICYDOCS_CACHE_DIR", "off")
    old, new = ledger.released_versions(sample, "HR-ATT-002")[:2]

    def unresolvable():
        raise PolicyError("ledger/snapshots/x.md", 3, "[[GONE-1]]: no such policy")

    alone = history.revision_sections(str(sample), old.snapshot, new.snapshot)
    monkeypatch.setattr(history, "_sections", {})  # compared again, not read from the first call
    assert history.revision_sections(str(sample), old.snapshot, new.snapshot, documents=unresolvable) == alone
    assert alone.startswith("新增第十一条")
