"""The build: publish every release, preview the working texts, then commit atomically.

Two outputs, never mixed (ISO 9001 §7.5.3, docs/publication.md):

* **Publication** (``publication/``): every released version of every policy,
  rendered from the ledger's frozen text in every locale and format, PDFs
  signed, each file on the ledger's signed ``publish`` record, and **kept
  forever** — a published file is never rendered again or replaced. The
  handbooks bind the versions in force today and are published the same way.
* **Preview** (``build/preview/<locale>/``): each working text that is not
  exactly a release, watermarked 草稿 and unsigned, for authors and approvers.

1. A :class:`BuildSession` loads and validates the project once (any error →
   nothing is written) and localizes each (policy, version, locale) once.
2. Releases not yet on the publication record are planned; previews are keyed
   over all their inputs (``cachekey.py``) and kept when the key and file match
   the last manifest.
3. Everything is rendered through one executor (local processes or Dask): the
   workers turn trees into bytes; this process signs and stages them.
4. Only when everything succeeded are the staged files renamed into place,
   the ``publish`` record appended, and ``build/manifest.json`` written last —
   a failed build leaves the previous outputs as they were. One build at a
   time (a lock in ``build/``); the staging folders of a killed build are
   removed by the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Union

from filelock import FileLock, Timeout

from .. import __version__
from ..convert.conversion import OPENCC_VERSION, ConversionReport
from ..core import cachekey
from ..core.errors import Collector, PolicyError, PolicyErrors
from ..core.fsutil import sha256_file
from ..core.locales import LOCALES
from ..core.manifest import Artifact, Manifest, read_manifest
from ..products import handbook
from ..products.handbook import Handbook
from ..products.inputs import Edition
from ..render import docx_layout, writers
from ..render.docx import load_reference
from ..render.templates import templates_hash
from ..trust import ledger, publication, signing, status
from ..trust.publication import FileToPublish
from .executor import Executor, executor
from .jobs import (
    HANDBOOK_FORMATS,
    HandbookJob,
    PolicyJob,
    render_handbook,
    render_policy,
)
from .progress import Progress, Silent
from .session import BuildSession
from .signer import Signer

LOCK_NAME = ".build.lock"
STAGING_PREFIX = ".staging-"
PUBLICATION_DIR = publication.PUBLICATION_DIR  # inside the project: kept forever, never cleaned
PREVIEW_DIR = "preview"  # inside build/


@dataclass
class BuildResult:
    artifacts: list[Artifact] = field(default_factory=list)  # the manifest: previews and every published file
    rendered: int = 0  # documents rendered this time (one policy or handbook in one locale, all formats)
    reused: int = 0  # previews kept as they were
    published: list[Artifact] = field(default_factory=list)  # files published by this build
    unpublished: list[str] = field(default_factory=list)  # releases left unpublished (signing off)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    conversion_reports: list[ConversionReport] = field(default_factory=list)  # of the documents rendered
    glossary_sha256: str = ""

    @property
    def previews(self) -> list[Artifact]:
        return [a for a in self.artifacts if a.draft]

    def conversion_summary(self) -> str:
        """One line for the build output: how many conversion changes a reviewer should check."""
        if not self.conversion_reports:
            return ""
        counts: dict[str, int] = {}
        for report in self.conversion_reports:
            for rule, n in report.counts().items():
                counts[rule] = counts.get(rule, 0) + n
        total = sum(counts.values())
        detail = ", ".join(f"{n} {rule}" for rule, n in sorted(counts.items()))
        return (f"conversion: {len(self.conversion_reports)} report(s), {total} change(s) beyond character mapping "
                f"to review{f' ({detail})' if detail else ''} → build/reports/")


@dataclass
class Output:
    """One file a job produces: its manifest entry (path relative to the project), and
    whether it is signed and put on the publication record."""

    artifact: Artifact
    sign: bool = False
    publish: FileToPublish | None = None


@dataclass
class Planned:
    """A job and the files it produces (format → output)."""

    job: Union[PolicyJob, HandbookJob]
    outputs: dict[str, Output]
    label: str
    report: tuple[Edition, str] | None = None  # (edition, locale) whose conversion report to write


# ---------------------------------------------------------------------------
# the build
# ---------------------------------------------------------------------------


def build(root: str | Path = ".", *, formats: list[str] | None = None, locales: list[str] | None = None,
          policy_ids: list[str] | None = None, handbooks: bool = True, jobs: int | None = None,
          scheduler: str | None = None, force: bool = False, sign: bool = True,
          progress: Progress | None = None, today: date | None = None,
          session: BuildSession | None = None) -> BuildResult:
    """Publish every release (or those of ``policy_ids``) not yet published, preview the working
    texts, and publish the handbooks of the versions in force.

    ``sign=False`` builds previews only (nothing can be published unsigned). ``force``
    renders the previews again; published files are never rendered again."""
    started = time.perf_counter()
    progress = progress or Silent()
    session = session or BuildSession.open(root, today=today)
    cfg = session.config
    formats_t = tuple(formats or cfg.build.formats)
    locale_list = list(locales or cfg.locales.publish)
    _check_request(session, formats_t, locale_list, policy_ids)
    result = BuildResult(glossary_sha256=session.glossary_hash)
    signer = Signer(cfg, enabled=sign)
    env = cachekey.environment(session.root, session.glossary_hash)
    build_dir = cfg.build_dir
    build_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = FileLock(str(build_dir / LOCK_NAME), timeout=0)
        lock.acquire()
    except Timeout:
        raise PolicyError(build_dir, 0, "another build is running in this project; try again when it has finished") from None
    pool: Executor | None = None
    try:
        _remove_stale_staging(build_dir)
        before = (read_manifest(build_dir / "manifest.json") or Manifest()).by_path()
        previous = {} if force else before  # --force renders every preview again; the record stays known
        published = {f.ident for f in publication.published_files(session.root, cfg)}
        planned = _plan_previews(session, env, formats_t, locale_list, policy_ids, previous, result, progress)
        releases = _plan_publication(session, formats_t, locale_list, policy_ids, published)
        if handbooks and not policy_ids and cfg.handbooks_dir.is_dir():
            releases += _plan_handbooks(session, env, signer, formats_t, locale_list, published, result)
        if releases and not sign:
            result.unpublished = sorted({p.label for p in releases})
            releases = []
        if releases:
            signer.require()  # no identity, or one the trust root does not vouch for: stop before any work
        planned += releases
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=build_dir))
        try:
            staged: list[tuple[Artifact, FileToPublish | None]] = []
            if planned:
                pool = executor(jobs or cfg.build.jobs, scheduler)
                staged = _render(session, planned, pool, signer, staging, result, progress)
            _commit(session, staging, staged, before, result, signer, full=not policy_ids)
            session.close()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        if pool is not None:
            pool.close()
        lock.release()
    result.seconds = time.perf_counter() - started
    return result


def _check_request(session: BuildSession, formats: tuple[str, ...], locales: list[str],
                   policy_ids: list[str] | None) -> None:
    cfg = session.config
    known = writers.formats()
    for fmt in formats:
        if fmt not in known:
            raise PolicyError(cfg.path, 0, f"unknown format {fmt!r}; known: {', '.join(known)}")
    for code in locales:
        if code not in LOCALES:
            raise PolicyError(cfg.path, 0, f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
    for pid in policy_ids or []:
        session.project.get(pid)
    if "docx" in formats:
        load_reference(cfg)  # a bad reference DOCX is an input error: fail before rendering


def _remove_stale_staging(build_dir: Path) -> None:
    """Staging folders left by a build that was killed (the lock says none is running)."""
    for p in build_dir.glob(f"{STAGING_PREFIX}*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


# ---------------------------------------------------------------------------
# where files go (paths relative to the project)
# ---------------------------------------------------------------------------


def safe_version(version: str) -> str:
    """A version as a file-name part: A/1 → A-1."""
    return version.replace("/", "-").replace("\\", "-")


def preview_path(build_dir: str, policy_id: str, locale: str, suffix: str) -> str:
    return f"{build_dir}/{PREVIEW_DIR}/{locale}/{policy_id}{suffix}"


def publication_path(policy_id: str, version: str, locale: str, suffix: str) -> str:
    v = safe_version(version)
    return f"{PUBLICATION_DIR}/{policy_id}/{v}/{policy_id}_{v}.{locale}{suffix}"


def handbook_publication_path(name: str, edition: str, locale: str, fmt: str) -> str:
    return f"{PUBLICATION_DIR}/{publication.HANDBOOKS_DIR}/{name}/{edition}/{name}_{edition}.{locale}.{fmt}"


def _build_rel(session: BuildSession) -> str:
    return session.config.build_dir.relative_to(session.root).as_posix()


# ---------------------------------------------------------------------------
# planning
# ---------------------------------------------------------------------------


def _plan_previews(session: BuildSession, env: cachekey.Environment, formats: tuple[str, ...], locales: list[str],
                   policy_ids: list[str] | None, previous: dict[str, Artifact], result: BuildResult,
                   progress: Progress) -> list[Planned]:
    """A preview of every working text that is not exactly a release; unchanged ones are kept."""
    build_rel = _build_rel(session)
    templates = "+".join(templates_hash(session.root, writers.get_writer(fmt, session.root).templates)
                         for fmt in formats)
    reference = cachekey.file_hash(load_reference(session.config)) if "docx" in formats else ""
    errors = Collector()
    todo: list[Planned] = []
    for pid in policy_ids or list(session.project.documents):
        edition = session.working(pid)
        version = session.version(edition)
        if not version.is_draft:  # the working text is a release: its publication is the document
            continue
        doc = session.document(edition)
        fingerprint = cachekey.text_fingerprint(doc, version)
        cited = tuple(sorted({n.policy_id for n in doc.walk() if getattr(n, "policy_id", None)}))
        for locale in locales:
            key = cachekey.artifact_key(env, "preview", "+".join(formats), locale, templates=templates,
                                    texts=[fingerprint], extra=reference)
            paths = {fmt: preview_path(build_rel, pid, locale, writers.get_writer(fmt, session.root).suffix)
                     for fmt in formats}
            kept = [previous.get(p) for p in paths.values()]
            if all(a is not None and a.key == key and _unchanged(session.root / a.path, a) for a in kept):
                result.artifacts.extend(kept)
                result.reused += 1
                continue
            try:
                if "pdf" in formats:
                    session.check_glyphs(edition, locale)
            except (PolicyError, PolicyErrors) as exc:
                errors.extend(exc)
                continue
            effective = version.effective_date or doc.meta.effective_date
            outputs = {fmt: Output(Artifact(path=paths[fmt], kind="policy", format=fmt, locale=locale,
                                            title=doc.meta.title, key=key, policy_id=pid, version=version.version,
                                            draft=True, status=doc.meta.status,
                                            effective_date=effective.isoformat() if effective else None))
                       for fmt in formats}
            todo.append(Planned(PolicyJob(session.context(edition, locale), formats, cited), outputs,
                                f"{pid} {version.version}", (edition, locale)))
    errors.raise_if_any()
    if result.reused:
        progress.note(f"{result.reused} preview(s) unchanged, kept")
    return todo


def _plan_publication(session: BuildSession, formats: tuple[str, ...], locales: list[str],
                      policy_ids: list[str] | None, published: set[tuple]) -> list[Planned]:
    """Every released version, in every locale and format, that is not on the publication record."""
    errors = Collector()
    todo: list[Planned] = []
    for pid in policy_ids or list(session.project.documents):
        for release in ledger.released_versions(session.root, pid, session.config):
            missing_by_locale = {loc: tuple(f for f in formats
                                            if ("policy", pid, release.version, loc, f) not in published)
                                 for loc in locales}
            if not any(missing_by_locale.values()):
                continue
            edition = Edition(pid, release.version)
            doc, version = session.document(edition), session.version(edition)
            effective = version.effective_date or doc.meta.effective_date
            for locale, missing in missing_by_locale.items():
                if not missing:
                    continue
                try:
                    if "pdf" in missing:
                        session.check_glyphs(edition, locale)
                except (PolicyError, PolicyErrors) as exc:
                    errors.extend(exc)
                    continue
                outputs = {}
                for fmt in missing:
                    path = publication_path(pid, release.version, locale, writers.get_writer(fmt, session.root).suffix)
                    art = Artifact(path=path, kind="policy", format=fmt, locale=locale, title=doc.meta.title,
                                   policy_id=pid, version=release.version, status=doc.meta.status,
                                   effective_date=effective.isoformat() if effective else None)
                    outputs[fmt] = Output(art, sign=fmt == "pdf",
                                          publish=FileToPublish(Path(path), pid, release.version, locale, fmt))
                todo.append(Planned(PolicyJob(session.context(edition, locale), missing), outputs,
                                    f"{pid} {release.version}", (edition, locale)))
    errors.raise_if_any()
    return todo


def _plan_handbooks(session: BuildSession, env: cachekey.Environment, signer: Signer, formats: tuple[str, ...],
                    locales: list[str], published: set[tuple], result: BuildResult) -> list[Planned]:
    """Every handbook, binding the versions in force today, in every locale it is published in.

    An edition of a book is named by the day and the key of what it binds: the same
    versions and templates give the same edition, which is published once."""
    project, cfg = session.project, session.config
    errors = Collector()
    books: list[Handbook] = []
    for path in handbook.handbook_files(project):
        try:
            books.append(handbook.load_handbook(path, project))
        except (PolicyError, PolicyErrors) as exc:
            errors.extend(exc)
    errors.raise_if_any()
    formats = tuple(f for f in formats if f in HANDBOOK_FORMATS)
    templates = templates_hash(session.root, [f"typst/{t}" for t in handbook.HANDBOOK_TEMPLATES])
    reference = cachekey.file_hash(load_reference(cfg)) if "docx" in formats else ""
    todo: list[Planned] = []
    for hb in books:
        editions, left_out = [], []
        for pid in hb.policy_ids:
            st = status.status_on(session.root, pid, session.today, cfg)
            if st.in_force:
                editions.append(Edition(pid, st.current.version))
            else:
                left_out.append(pid)
        if left_out:
            result.warnings.append(f"handbook {hb.name}: not in force today, left out: {', '.join(left_out)}")
        if not editions:
            continue
        texts = [cachekey.text_fingerprint(session.document(e), session.version(e)) for e in editions]
        definition = cachekey.file_hash((session.root / hb.path).read_bytes())
        bound = handbook.Handbook(**{**hb.__dict__, "policy_ids": [e.policy_id for e in editions]})
        # One edition in every locale, named by the day its last policy took effect and by what it
        # binds: the definition and the released versions. Like a policy, a published edition is
        # never laid out again; a new template or policydocs applies to the next edition.
        key = cachekey.artifact_key(env, "handbook", "", "", templates=templates, texts=texts,
                                extra=[definition, reference], signer=signer.fingerprint(True))
        bound_key = hashlib.sha256(json.dumps([definition, [(e.policy_id, e.version) for e in editions]],
                                              ensure_ascii=False).encode()).hexdigest()
        edition_id = f"{max(session.version(e).effective_date or date.min for e in editions):%Y%m%d}-{bound_key[:8]}"
        version = f"{hb.version}/{edition_id}"
        for locale in (loc for loc in locales if not hb.locales or loc in hb.locales):
            missing = tuple(f for f in formats if ("handbook", hb.name, version, locale, f) not in published)
            if not missing:
                continue
            job = handbook_job(session, bound, locale, missing, editions)
            title = job.texts(hb.title, "", locale)
            outputs = {}
            for fmt in missing:
                path = handbook_publication_path(hb.name, edition_id, locale, fmt)
                art = Artifact(path=path, kind="handbook", format=fmt, locale=locale, title=title, key=key,
                               version=version, handbook=hb.name, policies=[e.policy_id for e in editions])
                outputs[fmt] = Output(art, sign=fmt == "pdf",
                                      publish=FileToPublish(Path(path), hb.name, version, locale, fmt, kind="handbook"))
            todo.append(Planned(job, outputs, f"handbook {hb.name} {edition_id}"))
    missing = docx_layout.missing_tools() if any("docx" in p.outputs for p in todo) else []
    if missing:  # once per build: every handbook DOCX of this build lacks them
        programs, packages = " and ".join(m[0] for m in missing), " ".join(m[1] for m in missing)
        result.warnings.append(f"handbook DOCX without page numbers in its 目录 and 制度版本一览: {programs} not "
                               f"found; install the Debian package(s) {packages} (`make setup` does). An edition "
                               "published now keeps its blank numbers")
    return todo


def handbook_job(session: BuildSession, hb: Handbook, locale: str, formats: tuple[str, ...] = HANDBOOK_FORMATS,
                 editions: list[Edition] | None = None) -> HandbookJob:
    """Everything a worker needs to lay out ``hb`` in ``locale``, localized by the session
    (``editions``: which text of each policy; default the working texts)."""
    cfg = session.config
    converted = handbook.Localized({t: session.convert(t, locale) for t in handbook.book_texts(hb)})
    return HandbookJob(cfg, hb, locale, handbook.parts_of(hb, locale, session, editions), converted, formats)


def _unchanged(path: Path, artifact: Artifact) -> bool:
    try:
        return path.stat().st_size == artifact.size and sha256_file(path) == artifact.sha256
    except OSError:
        return False


# ---------------------------------------------------------------------------
# rendering and signing
# ---------------------------------------------------------------------------


def _render(session: BuildSession, planned: list[Planned], pool: Executor, signer: Signer, staging: Path,
            result: BuildResult, progress: Progress) -> list[tuple[Artifact, FileToPublish | None]]:
    """Render every planned job in the pool; sign here; stage every file. Returns what was staged."""
    cfg = session.config
    head = publication.ledger_head(session.root)  # signed copies name the ledger record they are published under
    by_job = {id(p.job): p for p in planned}  # every executor hands back the job objects it was given
    reports = staging / "reports"
    staged: list[tuple[Artifact, FileToPublish | None]] = []
    progress.start(f"rendering {len(planned)} document(s) with {pool.workers} worker(s)", len(planned))
    try:
        for job, outputs in pool.run(_run_job, [p.job for p in planned]):
            plan = by_job[id(job)]
            for fmt, data in outputs.items():
                out = plan.outputs[fmt]
                art = out.artifact
                if fmt == "pdf" and out.sign:
                    art.unsigned_sha256, art.unsigned_size = hashlib.sha256(data).hexdigest(), len(data)
                    ident = art.policy_id if art.kind == "policy" else _doc_no(plan.job)
                    data = signing.sign_pdf(data, signer.identity, policy_id=ident, version=art.version,
                                            locale=art.locale, location=cfg.signing.location,
                                            contact=cfg.signing.contact, timestamp_url=cfg.signing.timestamp_url,
                                            ledger_head=head)
                    art.signed = True
                target = staging / art.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                art.sha256, art.size = hashlib.sha256(data).hexdigest(), len(data)
                staged.append((art, out.publish))
                if out.publish is None:  # a preview: in the manifest as built
                    result.artifacts.append(art)
            if plan.report is not None:
                edition, locale = plan.report
                if locale != session.document(edition).locale:
                    report = session.localized(edition, locale).report
                    name = edition.policy_id + (f"_{safe_version(edition.version)}" if edition.version else "")
                    report.write(reports / f"{name}.{locale}.conversion.txt")
                    result.conversion_reports.append(report)
            result.rendered += 1
            progress.step(f"{plan.label:<24} {next(iter(plan.outputs.values())).artifact.locale}")
    finally:
        progress.finish()
    return staged


def _run_job(job: Union[PolicyJob, HandbookJob]) -> dict[str, bytes]:
    """Worker side: the one entry point for every kind of job."""
    return render_policy(job) if isinstance(job, PolicyJob) else render_handbook(job)


def _doc_no(job) -> str:
    return job.handbook.doc_no if isinstance(job, HandbookJob) else ""


# ---------------------------------------------------------------------------
# committing
# ---------------------------------------------------------------------------


def _commit(session: BuildSession, staging: Path, staged: list[tuple[Artifact, FileToPublish | None]],
            previous: dict[str, Artifact], result: BuildResult, signer: Signer, *, full: bool) -> None:
    """Rename staged files into place, append the publish record, write the manifest last."""
    root, cfg = session.root, session.config
    to_record: list[FileToPublish] = []
    for art, publish in staged:
        dst = root / art.path
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / art.path, dst)  # a leftover of an interrupted publish is not on the record: replaced
        if publish is not None:
            to_record.append(publish)
    if to_record:
        publication.record(root, cfg, to_record, signer.require())
    reports = staging / "reports"
    if reports.is_dir():
        (cfg.build_dir / "reports").mkdir(parents=True, exist_ok=True)
        for p in reports.iterdir():
            os.replace(p, cfg.build_dir / "reports" / p.name)
    # the previews of this build; those of a partial build stay; a full build removes the rest
    current = {a.path for a in result.artifacts}
    preview_prefix = f"{_build_rel(session)}/{PREVIEW_DIR}/"
    for path, art in previous.items():
        if path in current or not path.startswith(preview_prefix):
            continue
        if full:
            (root / path).unlink(missing_ok=True)
        elif (root / path).exists():
            result.artifacts.append(art)
    result.artifacts += _published_artifacts(session, previous, staged, result)
    result.artifacts.sort(key=lambda a: (a.kind, a.policy_id or a.handbook or "", a.version, a.locale, a.format))
    head = ledger.read_head(root)
    Manifest(organisation=cfg.organisation.name, generated_by=f"policydocs {__version__}",
             project=os.path.relpath(root, cfg.build_dir),
             converter={"opencc": OPENCC_VERSION, "glossary_sha256": result.glossary_sha256,
                        "phrase_mode": cfg.locales.phrase_mode},
             ledger_head={"seq": head[0], "hash": head[1]} if head else None,
             artifacts=result.artifacts).write(cfg.build_dir / "manifest.json")


def _published_artifacts(session: BuildSession, previous: dict[str, Artifact],
                         staged: list[tuple[Artifact, FileToPublish | None]], result: BuildResult) -> list[Artifact]:
    """Every file on the publication record, as manifest entries (new ones from this build,
    earlier ones from the last manifest, others from the record)."""
    fresh = {a.path: a for a, publish in staged if publish is not None}
    out = []
    root_pem: bytes | None = None
    for f in publication.published_files(session.root, session.config):
        art = fresh.get(f.path) or previous.get(f.path)
        if art is None or art.sha256 != f.sha256:
            art = Artifact(path=f.path, kind=f.kind, format=f.format, locale=f.locale, version=f.version,
                           policy_id=f.policy if f.kind == "policy" else None,
                           handbook=f.policy if f.kind == "handbook" else None, signed=f.format == "pdf")
            art.sha256, art.size = f.sha256, f.size
        if art.signed and (art.unsigned_sha256 is None or art.unsigned_size is None):
            if root_pem is None:
                root_pem = _trust_root_bytes(session)
            _unsigned_from_signature(session.root / f.path, f.sha256, art, root_pem)
        out.append(art)
    result.published = [a for a in out if a.path in fresh]
    return out


def _trust_root_bytes(session: BuildSession) -> bytes:
    """The trust root's bytes (empty when it cannot be read: then no signature is taken as valid)."""
    try:
        return signing.trust_root_path(session.config).read_bytes()
    except OSError:
        return b""


def _unsigned_from_signature(path: Path, recorded_sha256: str, art: Artifact, root_pem: bytes) -> None:
    """Fill ``art``'s unsigned prefix (hash and size) from the signature of the published file.

    A manifest entry rebuilt from the publication record (after ``build/`` was removed, on a
    fresh clone) has no staged bytes to hash. The published file is the recorded one (same
    SHA-256 as the organisation-signed record) and its valid, trusted signature names the
    revision it signs, so the bytes before that revision are the unsigned document. A file
    that differs from its record, or whose signature does not hold, is left without them:
    ``verify`` reports it from the record (measured: ≈ 22 ms a PDF, once per published file).
    """
    if not root_pem:
        return
    try:
        data = path.read_bytes()
    except OSError:
        return
    if hashlib.sha256(data).hexdigest() != recorded_sha256:
        return
    check = signing.validate_pdf(data, root_pem)
    if check.valid and check.signed_prefix_size:
        art.unsigned_sha256, art.unsigned_size = check.signed_prefix_sha256, check.signed_prefix_size
