"""``policydocs verify`` as one function: the ledger, the publication record, the signed copies.

1. The ledger (``ledger.verify_ledger``): chain, signatures (people's and the
   organisation's), release rules, frozen texts, people.yaml, HEAD, and the
   anchors kept outside it — the build manifest's ``ledger_head``.
2. The publication record (``publication.verify_publication``): every
   published file present and unchanged, every published PDF validly signed,
   naming its recorded version, under a ledger head still in the chain; every
   file in ``publication/`` on a record (cut records leave their signed
   copies behind, and those name the cut head) — without the build manifest.
3. The PDFs of the build manifest (``signing.verify_published``), and for
   each signed policy copy: a release record behind its version and its
   embedded ledger head in the chain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..core.manifest import read_manifest
from ..read.config import Config
from . import publication, signing
from .ledger import (
    VerifyReport,
    _config,
    load_state,
    read_ledger,
    verify_ledger,
    working_texts,
)
from .records import LedgerHead


@dataclass
class ProjectReport:
    """Everything ``verify`` found; ``ok`` only when nothing is wrong."""

    ledger: VerifyReport
    problems: list[str] = field(default_factory=list)  # ledger problems first, then files
    published_files: int = 0
    manifest_pdfs: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        data = self.ledger.to_json()
        data.update({"ok": self.ok, "problems": self.problems, "published_files": self.published_files,
                     "manifest_pdfs": self.manifest_pdfs})
        return data


def _last_head(root: Path) -> LedgerHead | None:
    lf = read_ledger(root)
    if not lf.entries:
        return None
    return LedgerHead.parse({"seq": lf.entries[-1].rec.get("seq"), "hash": lf.entries[-1].rec.get("hash")})


def manifest_copy_problems(root: Path, cfg: Config, checks: dict[str, signing.SignatureCheck]) -> list[str]:
    """Signed policy PDFs of the build manifest against the ledger (release behind them, head in chain)."""
    st = load_state(root, cfg)
    last = _last_head(root)
    manifest = read_manifest(cfg.build_dir / "manifest.json", missing_ok=False, any_format=True)
    prefix = "" if manifest.base(cfg.build_dir) != cfg.build_dir else f"{cfg.build.output.rstrip('/')}/"
    out = []
    for rel, check in sorted(checks.items()):
        if check.signed:
            out += [f"{prefix}{rel}: {p}" for p in publication.copy_problems(st, check, last)]
    return out


def verify_project(project_root: str | Path, config: Config | None = None, *, scope: set[str] | None = None,
                   texts: dict[str, str] | None = None, pdfsig: bool = False) -> ProjectReport:
    """Run every check of ``policydocs verify`` (``scope``: only these policies' texts and files)."""
    started = time.perf_counter()
    root = Path(project_root).resolve()
    cfg = _config(root, config)
    ledger_report = verify_ledger(root, cfg, working_texts(root) if texts is None else texts, scope=scope)
    report = ProjectReport(ledger_report, list(ledger_report.problems))
    st = load_state(root, cfg)
    report.published_files = sum(1 for f in st.published if scope is None or f.policy in scope)
    report.problems += publication.verify_publication(root, cfg, scope=scope)
    if (cfg.build_dir / "manifest.json").exists():
        checks: dict[str, signing.SignatureCheck] = {}
        report.problems += signing.verify_published(cfg.build_dir, signing.trust_root_path(cfg),
                                                    prefix=f"{cfg.build.output.rstrip('/')}/", pdfsig=pdfsig,
                                                    checks=checks)
        report.manifest_pdfs = len(checks)
        report.problems += manifest_copy_problems(root, cfg, checks)
    report.seconds = time.perf_counter() - started
    return report
