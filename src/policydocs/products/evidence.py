"""The auditor's evidence pack: one ZIP that can be re-checked offline, without the project.

``build_evidence`` collects, for the chosen policies as of a date: the signed
copies of every version released by then (from the publication record; the
build's signed copies where a version has none), the ledger (records, HEAD,
every frozen text of those policies it names), people.yaml, the trust root,
redlines between consecutive versions (PDF), the publication, issued-forms and
review records, each version's status and each policy's review status on the
date as the ledger stood then, ``verify`` output (text and JSON) and a README
in Chinese and English. Evidence from layers above (acknowledgements, gathered
by the command line) comes in through :class:`PackExtra` contributors.

The pack mirrors a project (``policydocs.toml``, ``people.yaml``,
``ledger/``, ``keys/org-ca.pem``, published files at their recorded paths),
so ``verify_evidence`` runs the same checks as ``policydocs verify``:
every file against the pack's index (``evidence.json``, signed with the
organisation's certificate when an identity is at hand), the ledger's chain,
signatures and rules, the frozen texts, each signed copy's signature against
the trust root, a release record behind its version and its ledger head in
the chain.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Callable, Sequence

from ..core.errors import PolicyError
from ..read.config import Config, load_config
from ..trust import clock, ledger, orgsig, publication, reviews, signing, status
from ..trust import verify as trust_verify
from ..trust.records import LedgerHead, PublishedFile, safe_relative_path
from . import diff

INDEX = "evidence.json"
INDEX_SIG = "evidence.sig.json"
PACK_FORMAT = 1
TRUST_ROOT = "keys/org-ca.pem"
MAX_UNPACKED = 4 << 30  # refuse archives that would unpack to more than 4 GiB


@dataclass(frozen=True)
class PackedVersion:
    """A released version whose evidence is in the pack (released by the as-of day)."""

    policy: str
    version: str


@dataclass
class PackExtra:
    """Evidence another part of policydocs adds to a pack, e.g. acknowledgements (``products``
    cannot import ``acks``; the command line gathers them and passes a :data:`Contributor`).

    ``members``: pack path → content, under a folder of its own (``acknowledgements/…``);
    ``verify_lines``: summary lines for ``verify/verify.txt``; ``problems``: what its check
    found, as ``policydocs verify`` reports them (the pack's verify verdict includes them)."""

    name: str
    description: str  # one line for the README, e.g. "确认记录 / acknowledgement records"
    members: dict[str, bytes] = field(default_factory=dict)
    verify_lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"description": self.description, "members": sorted(self.members), "lines": self.verify_lines,
                "problems": self.problems, "ok": not self.problems}


#: Called with the versions in the pack; returns what to add (``None``: nothing to add).
Contributor = Callable[[list[PackedVersion]], "PackExtra | None"]

#: A review due within this many days is "due" (as ``policydocs due`` by default).
REVIEW_DUE_WITHIN = 30


@dataclass
class EvidenceResult:
    path: Path
    policies: list[str]
    versions: int
    files: int
    signed_index: bool
    verify_ok: bool
    notes: list[str] = field(default_factory=list)


@dataclass
class EvidenceCheck:
    """What ``verify_evidence`` found: ``ok`` only when nothing is wrong."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    files: int = 0
    copies: int = 0
    records: int = 0
    trust_root: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"ok": self.ok, "problems": self.problems, "notes": self.notes, "policies": self.policies,
                "files": self.files, "signed_copies": self.copies, "records": self.records,
                "trust_root": self.trust_root}


# --------------------------------------------------------------------------- building


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verify_text(report: trust_verify.ProjectReport, extras: list[PackExtra]) -> str:
    lines = [f"{pid}: {state}" for pid, state in sorted(report.ledger.states.items())]
    lines += [f"note: {n}" for n in report.ledger.notes]
    lines += [line for x in extras for line in x.verify_lines]
    problems = report.problems + [p for x in extras for p in x.problems]
    lines += [f"error: {p}" for p in problems]
    head = report.ledger.head
    lines.append(f"verify {'OK' if not problems else 'FAILED'}: {report.ledger.records} records"
                 + (f", head #{head[0]} {head[1]}" if head else "")
                 + f", {len(problems)} problem(s), {report.published_files} published file(s)")
    return "\n".join(lines) + "\n"


def _verify_json(report: trust_verify.ProjectReport, extras: list[PackExtra]) -> dict:
    data = report.to_json()
    if extras:
        data["extras"] = {x.name: x.to_json() for x in extras}
        data["problems"] = data["problems"] + [p for x in extras for p in x.problems]
        data["ok"] = not data["problems"]
    return data


def _copies(root: Path, cfg: Config, st: ledger.State, pid: str, versions: set[str]) -> list[tuple[str, str, str]]:
    """(path, kind of source, version) of the signed copies of ``pid``'s ``versions``."""
    out = [(f.path, "publication record", f.version) for f in st.published
           if f.kind == "policy" and f.policy == pid and f.version in versions]
    manifest = cfg.build_dir / "manifest.json"
    if manifest.exists():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
        for a in data.get("artifacts", []) if isinstance(data, dict) else []:
            if (isinstance(a, dict) and a.get("policy_id") == pid and a.get("version") in versions
                    and a.get("signed") and a.get("format") == "pdf" and a.get("kind", "policy") == "policy"):
                rel = f"{cfg.build.output.rstrip('/')}/{a.get('path')}"
                path = root / rel
                if safe_relative_path(rel) and path.exists() and not any(p == rel for p, _k, _v in out):
                    if publication.find_published(root, _sha(path.read_bytes()), cfg) is None:
                        out.append((rel, "build (not on a publication record)", a["version"]))
    return out


def build_evidence(project_root: str | Path, out: Path, *, policies: list[str] | None = None,
                   as_of: date | None = None, config: Config | None = None,
                   progress: Callable[[str], None] | None = None,
                   extras: Sequence[Contributor] = ()) -> EvidenceResult:
    """Write the evidence pack ``out`` (a ZIP) for ``policies`` (default: every released one) as of ``as_of``.

    The pack holds the whole ledger and the frozen text of every release of the chosen
    policies (so it checks on its own), the signed copies and redlines of the versions
    released by ``as_of``, and every status as the ledger stood on that day (releases and
    reviews recorded by then). ``extras`` add members and verify results of their own."""
    say = progress or (lambda _m: None)
    root = Path(project_root).resolve()
    cfg = config or load_config(root)
    day = as_of or clock.today()
    st = ledger.load_state(root, cfg)
    known = status.known_on(st, day)
    released = sorted(pid for pid, ps in st.policies.items() if ps.releases)
    chosen = sorted(set(policies)) if policies else released
    for pid in chosen:
        ledger.check_policy_id(pid)
        if pid not in released:
            raise PolicyError("--policy", 0, f"{pid} has no release in the ledger: nothing to put in evidence")
    files: dict[str, bytes] = {}
    notes: list[str] = []

    def add(path: str, data: bytes) -> None:
        files[path] = data

    # project settings the checks need (no secrets), people, trust root, ledger
    trust_root = signing.trust_root_path(cfg)
    try:
        add(TRUST_ROOT, trust_root.read_bytes())
    except OSError:
        raise PolicyError(trust_root, 0, "the trust root is missing: an evidence pack without it cannot be checked") from None
    add("policydocs.toml", (f'# settings the checks of this evidence pack need (from {cfg.organisation.name})\n'
                            f'[organisation]\nname = {json.dumps(cfg.organisation.name, ensure_ascii=False)}\n'
                            f'[versions]\nscheme = {json.dumps(cfg.versions.scheme)}\n'
                            f'roles = {json.dumps(cfg.versions.roles, ensure_ascii=False)}\n'
                            f'[signing]\ntrust_root = "{TRUST_ROOT}"\n').encode("utf-8"))
    paths = ledger.Paths(root)
    for p in (paths.records, paths.head, root / "people.yaml"):
        if p.exists():
            add(p.relative_to(root).as_posix(), p.read_bytes())
    # versions, frozen texts, copies, redlines
    versions_json = []
    packed: list[PackedVersion] = []
    pdf_example = ""
    redlines_dir = Path(tempfile.mkdtemp(prefix="policydocs-evidence-"))
    try:
        for pid in chosen:
            # every frozen text the packed ledger names for this policy: the ledger check needs them all
            for r in st.policies[pid].releases:
                try:
                    add(f"ledger/snapshots/{r.snapshot}.md", paths.snapshot(r.snapshot).read_bytes())
                except FileNotFoundError:
                    notes.append(f"{pid} {r.version}: its frozen text ledger/snapshots/{r.snapshot}.md is missing "
                                 f"from the project (verify reports it)")
            later = [r for r in st.policies[pid].releases if r.date > day]
            if later:
                notes.append(f"{pid}: {', '.join(f'{r.version} (released {r.date})' for r in later)} released after "
                             f"{day}: on the ledger, but no copies in this pack and not counted in any status")
            rels = known.policies[pid].releases
            if not rels:
                notes.append(f"{pid}: no version released by {day}")
                continue
            for r in rels:
                vs = status.version_status(root, pid, r.version, day, cfg, state=known)
                versions_json.append(dict(r.to_json(), status=vs.to_json() if vs else None))
                packed.append(PackedVersion(pid, r.version))
            copies = _copies(root, cfg, st, pid, {r.version for r in rels})
            for rel, source, version in copies:
                add(rel, (root / rel).read_bytes())
                if not pdf_example and rel.endswith(".pdf"):
                    pdf_example = rel
                if source != "publication record":
                    notes.append(f"{rel} ({pid} {version}): {source}")
            if not copies:
                notes.append(f"{pid}: no signed copy of any version on record or in the build")
            for old, new in zip(rels, rels[1:]):
                say(f"redline {pid} {old.version} → {new.version}")
                result = diff.diff_versions(root, cfg, pid, old.version, new.version, out_dir=redlines_dir,
                                            formats=["pdf"])
                for f in result.files:
                    add(f"redlines/{f.name}", f.read_bytes())
        # records
        scope = set(chosen)
        add("records/publication.json", _json([f.to_json() for f in st.published if f.policy in scope]))
        add("records/forms.json", _json([f.to_json() for f in st.issued if f.subject in scope]))
        add("records/reviews.json", _json([r.to_json() for pid in chosen for r in st.reviews.get(pid, [])]))
        add("records/versions.json", _json(versions_json))
        due = {d.policy: d for d in reviews.schedule(root, day, cfg, state=known)}
        status_json = {}
        for pid in chosen:
            entry = status.status_on(root, pid, day, cfg, state=known).to_json()
            entry["review"] = due[pid].to_json(REVIEW_DUE_WITHIN) if pid in due else None
            status_json[pid] = entry
        add("records/status.json", _json(status_json))
        # evidence from elsewhere (acknowledgements …), then verify, as run on the project
        added: list[PackExtra] = []
        for contribute in extras:
            extra = contribute(list(packed))
            if extra is None:
                continue
            for path, data in sorted(extra.members.items()):
                if safe_relative_path(path) is None or path in files or path in (INDEX, INDEX_SIG, "README.md"):
                    raise PolicyError(path, 0, f"{extra.name}: cannot add {path!r} to the pack (unsafe or taken)")
                add(path, data)
            notes += extra.notes
            added.append(extra)
        say("verify")
        report = trust_verify.verify_project(root, cfg)
        add("verify/verify.txt", _verify_text(report, added).encode("utf-8"))
        verify_json = _verify_json(report, added)
        add("verify/verify.json", _json(verify_json))
    finally:
        shutil.rmtree(redlines_dir, ignore_errors=True)
    head = publication.ledger_head(root)
    add("README.md", _readme(cfg, chosen, day, versions_json, status_json, head, notes, pdf_example,
                             added).encode("utf-8"))
    index = {"format": PACK_FORMAT, "generated_by": "policydocs", "organisation": cfg.organisation.name,
             "generated_at": clock.now().isoformat(), "as_of": day.isoformat(), "policies": chosen,
             "ledger_head": head.to_json() if head else None,
             "files": [{"path": p, "sha256": _sha(d), "size": len(d)} for p, d in sorted(files.items())]}
    index_bytes = _json(index)
    identity = signing.load_identity(cfg)
    signed = False
    if identity is not None and signing.identity_matches_trust_root(identity, cfg) is None:
        key = identity.org_key()
        sig = {"signer": "organisation", "signed": INDEX, "time": index["generated_at"],
               "sig": orgsig.sign(key, index_bytes), **orgsig.payload_fields(key)}
        files[INDEX_SIG] = _json(sig)
        signed = True
    else:
        notes.append("the index is not signed (no organisation identity at hand)")
    files[INDEX] = index_bytes
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(files):
            info = zipfile.ZipInfo(p, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[p])
    tmp.chmod(0o644)
    tmp.replace(out)
    return EvidenceResult(out, chosen, len(versions_json), len(files), signed, bool(verify_json["ok"]), notes)


def _json(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


_REVIEW_WORDS = {reviews.OVERDUE: "已逾期 overdue", reviews.DUE: "即将到期 due", reviews.OK: "正常 ok"}


def _review_rows(status_json: dict[str, dict]) -> str:
    rows = []
    for pid, entry in sorted(status_json.items()):
        rv = entry.get("review")
        if rv is None:
            rows.append(f"| {pid} | {entry.get('describe', '')} | | | | — |")
            continue
        rows.append(f"| {pid} | {entry.get('describe', '')} | {rv['cycle_months']} | {rv['last']} ({rv['last_kind']} "
                    f"#{rv['last_record']}) | {rv['due']} | {_REVIEW_WORDS[rv['state']]} ({rv['days_left']:+d} d) |")
    return "\n".join(rows)


def _readme(cfg: Config, chosen: list[str], day: date, versions: list[dict], status_json: dict[str, dict],
            head: LedgerHead | None, notes: list[str], pdf_example: str, extras: list[PackExtra]) -> str:
    rows = "\n".join(
        f"| {v['policy']} | {v['version']} | {v['date']} | {v['effective_date'] or ''} | "
        f"{(v['status'] or {}).get('describe', '')} | {v['retroactive_reason'] or ''} |" for v in versions)
    head_text = f"#{head.seq} {head.hash}" if head else "(empty)"
    extra = "\n".join(f"- {n}" for n in notes) or "- none"
    pdf = pdf_example or "publication/<文件编号>/<版本>/<文件>.pdf"
    more = "".join(f"\n- `{x.name}/`：{x.description}" for x in extras)
    more_en = "".join(f"; `{x.name}/` ({x.description})" for x in extras)
    return f"""# 审计证据包 / Audit evidence pack — {cfg.organisation.name}

生成日期 / generated: {clock.today()} · 截至 / as of: {day} · 账本头 / ledger head: {head_text}

状态按截至日账本所载（截至日及之前的发布与复审记录）判定。
Statuses are as the ledger stood on the as-of day (releases and reviews recorded by then).

| 文件编号 policy | 版本 version | 发布 released | 生效 effective | 状态 status on {day} | 追溯理由 retroactive reason |
|---|---|---|---|---|---|
{rows}

### 定期复审 / Periodic review (复审) on {day}

| 文件编号 policy | 状态 status | 复审周期 cycle (months) | 上次发布/复审 last release/review | 应复审日期 next review | 复审状态 review status |
|---|---|---|---|---|---|
{_review_rows(status_json)}

（{REVIEW_DUE_WITHIN} 天内到期为“即将到期”，与 `policydocs due` 相同。 Due within {REVIEW_DUE_WITHIN} days counts as "due", as
in `policydocs due`.）

## 如何复核（中文）

1. 离线复核整个证据包（无需原项目）：

       policydocs verify-evidence 本文件.zip

   它检查：每个文件与 `evidence.json` 索引的 SHA-256 一致、索引上的机构签名；账本 `ledger/records.jsonl`
   的哈希链、每位审批人的签名与审批规则、冻结文本 `ledger/snapshots/`；每份已签名 PDF 的签名（须链到
   `keys/org-ca.pem`）、其版本在账本中有发布记录、其记载的账本头仍在链中。任何改动都会报告，退出码 1。
2. 请将 `keys/org-ca.pem` 的 SHA-256 指纹与贵方另行取得的机构 CA 证书核对（`verify-evidence` 会打印）。
3. 用 poppler 的 `pdfsig` 独立核验 PDF 签名（解压后，在解压目录中）：

       pdfsig -no-ocsp {pdf}
       #   Signature Validation: Signature is Valid. / Total document signed
       certutil -N -d sql:nssdb --empty-password
       certutil -A -d sql:nssdb -n org-ca -t "C,C,C" -i keys/org-ca.pem
       pdfsig -no-ocsp -nssdir sql:nssdb {pdf}   # Certificate is Trusted.

内容：`publication/…` 各版本的已签名副本（位于其发布路径）；`redlines/` 相邻版本的修订对照（PDF）；`records/` 发布记录、
表单发放记录、复审记录、各版本在截至日的状态与复审状态（`records/status.json`）；`verify/` 生成时 `policydocs verify`
的输出（文本与 JSON）。{more}

## How to re-check (English)

1. Offline, without the project:

       policydocs verify-evidence THIS-FILE.zip

   It checks every file against the index `evidence.json` (SHA-256) and the organisation's signature on the
   index; the ledger's hash chain, every approver's signature and the approval rules, the frozen texts; each
   signed PDF's signature against `keys/org-ca.pem`, that a release record stands behind its version and that the
   ledger head it names is still in the chain. Anything changed is reported; exit status 1.
2. Compare the SHA-256 fingerprint of `keys/org-ca.pem` (printed by `verify-evidence`) with the organisation's
   CA certificate obtained independently.
3. Check each PDF signature independently with poppler's `pdfsig`, in the folder the pack was unpacked to
   (commands above: `-no-ocsp`, and with an NSS database that trusts `keys/org-ca.pem` for "Certificate is
   Trusted").

Contents: signed copies of every version at their published paths (`publication/…`); `redlines/` (PDF) between
consecutive versions; `records/` (publication record, issued forms, reviews, status and review status of every
policy on the as-of day in `records/status.json`); `verify/` (output of `policydocs verify` when the pack was made,
text and JSON){more_en}.

## Notes

{extra}
"""


# --------------------------------------------------------------------------- checking


def _extract(zip_path: Path, dest: Path) -> list[str]:
    """Unpack safely (no absolute paths, no '..', no links, bounded size); returns member names."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile):
        raise PolicyError(zip_path, 0, "not a readable ZIP file") from None
    names = []
    with zf:
        total = 0
        for info in zf.infolist():
            name = info.filename
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0o170000
            if safe_relative_path(name) is None or mode == 0o120000:
                raise PolicyError(zip_path, 0, f"unsafe member {name!r} (absolute path, '..' or a link): "
                                               f"not a policydocs evidence pack")
            if name in names:
                raise PolicyError(zip_path, 0, f"member {name!r} appears twice")
            total += info.file_size
            if total > MAX_UNPACKED:
                raise PolicyError(zip_path, 0, "the archive unpacks to more than 4 GiB: refused")
            names.append(name)
            target = dest / PurePosixPath(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_bytes(zf.read(info))
            except (zipfile.BadZipFile, OSError, ValueError):
                raise PolicyError(zip_path, 0, f"member {name!r} is damaged (CRC or compression error)") from None
    return names


def verify_evidence(zip_path: str | Path, *, pdfsig: bool = False) -> EvidenceCheck:
    """Re-check an evidence pack offline; nothing from the project is needed."""
    zip_path = Path(zip_path)
    work = Path(tempfile.mkdtemp(prefix="policydocs-verify-evidence-"))
    try:
        return _verify_unpacked(zip_path, work, _extract(zip_path, work), pdfsig)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _verify_unpacked(zip_path: Path, root: Path, names: list[str], pdfsig: bool) -> EvidenceCheck:
    result = EvidenceCheck()
    try:
        index_bytes = (root / INDEX).read_bytes()
        index = json.loads(index_bytes)
        listed = {f["path"]: f for f in index["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        raise PolicyError(zip_path, 0, f"no readable {INDEX}: not a policydocs evidence pack") from None
    # 1. every file against the index
    for name in names:
        if name in (INDEX, INDEX_SIG):
            continue
        entry = listed.get(name)
        if entry is None:
            result.problems.append(f"{name}: not in the pack's index — added after the pack was made")
            continue
        data = (root / name).read_bytes()
        if _sha(data) != entry.get("sha256") or len(data) != entry.get("size"):
            result.problems.append(f"{name}: differs from the pack's index (sha256 {_sha(data)[:12]}, indexed "
                                   f"{str(entry.get('sha256'))[:12]}) — changed after the pack was made")
    for name in sorted(set(listed) - set(names)):
        result.problems.append(f"{name}: listed in the index but missing from the pack — removed")
    result.files = len(names)
    result.policies = list(index.get("policies") or [])
    # 2. the trust root and the index signature
    try:
        roots = orgsig.load_trust_roots(root / TRUST_ROOT)
        fp = hashlib.sha256((root / TRUST_ROOT).read_bytes()).hexdigest()
        result.trust_root = f"{roots[0].subject.rfc4514_string()} (file sha256 {fp})"
    except (OSError, ValueError, IndexError):
        result.problems.append(f"{TRUST_ROOT}: missing or unreadable — nothing can be checked against it")
        return result
    sig_path = root / INDEX_SIG
    if sig_path.exists():
        try:
            sig = json.loads(sig_path.read_bytes())
            when = datetime.fromisoformat(sig.get("time"))
        except (ValueError, TypeError):
            sig, when = {}, datetime.now().astimezone()
        problem = orgsig.check(sig, sig.get("sig"), index_bytes, when, roots)
        if problem:
            result.problems.append(f"{INDEX}: {problem} — the index was changed after the pack was made")
    else:
        result.notes.append(f"{INDEX} is not signed: files are checked against it, and signed content (ledger, "
                            f"signed PDFs) against the trust root")
    # 3. the ledger, as `policydocs verify` checks it (frozen texts of the pack's policies only)
    cfg = load_config(root)
    scope = set(result.policies)
    anchors = []
    head = LedgerHead.parse(index.get("ledger_head"))
    if head is not None:
        anchors.append(ledger.Anchor(f"{INDEX} (made under)", head))
    rep = ledger.verify_ledger(root, cfg, {}, anchors=anchors, scope=scope)
    result.records = rep.records
    result.problems += [f"ledger: {p}" for p in rep.problems]
    result.notes += rep.notes
    # 4. every signed copy: signature, version released, ledger head in the chain, on the publication record
    st = ledger.load_state(root, cfg)
    last = publication.ledger_head(root)
    root_pem = (root / TRUST_ROOT).read_bytes()
    published = {f.path: f for f in st.published}
    for name in sorted(listed):
        if not name.endswith(".pdf") or name.startswith("redlines/") or not (root / name).exists():
            continue
        data = (root / name).read_bytes()
        check = signing.validate_pdf(data, root_pem)
        result.copies += 1
        result.problems += [f"{name}: {p}" for p in check.problems]
        if check.valid:
            result.problems += [f"{name}: {p}" for p in publication.copy_problems(st, check, last)]
            pf: PublishedFile | None = published.get(name)
            if pf is not None and (pf.sha256 != _sha(data) or check.ident != (pf.policy, pf.version, pf.locale)):
                result.problems.append(f"{name}: not the file publication record #{pf.record} lists "
                                       f"({pf.describe()}, sha256 {pf.sha256[:12]})")
            if pdfsig and signing.pdfsig_available():
                res = signing.pdfsig_check(root / name)
                if not (res.signatures == 1 and res.valid and res.total_document_signed):
                    result.problems.append(f"{name}: poppler's pdfsig does not accept the signature")
    return result


def read_index(zip_path: Path) -> dict:
    """The pack's index (for listing a pack without checking it)."""
    with zipfile.ZipFile(zip_path) as zf:
        return json.loads(zf.read(INDEX))
