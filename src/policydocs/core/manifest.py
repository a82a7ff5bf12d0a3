"""``build/manifest.json``: every file a build produced, with its SHA-256 — typed.

The build writes it last (so it only ever describes a complete build); the
next build, ``verify``, ``verify-file`` and the ledger's anchor check read it
through :func:`read_manifest` — the one reader, typed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import PolicyError
from .fsutil import atomic_write_bytes

MANIFEST_FORMAT = 2  # 2: paths relative to the project (build/preview/…, publication/…); 1: to build/


@dataclass
class Artifact:
    """One file of a build: a preview, or a published file. ``path`` is relative to the project."""

    path: str
    kind: str  # policy | handbook
    format: str  # pdf | docx | …
    locale: str
    title: str = ""
    key: str = ""  # hash of every input (pipeline/keys.py): same key → interchangeable output
    sha256: str = ""
    size: int = 0
    policy_id: str | None = None
    version: str = ""
    draft: bool = False
    signed: bool = False
    status: str | None = None
    effective_date: str | None = None
    unsigned_sha256: str | None = None
    unsigned_size: int | None = None
    handbook: str | None = None
    policies: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The manifest entry; empty optional fields are left out."""
        return {k: v for k, v in asdict(self).items() if v is not None and v != []}

    @classmethod
    def from_json(cls, data: dict) -> "Artifact":
        """An entry as written; unknown keys are ignored, a missing ``kind`` is a policy (format 1)."""
        known = {f.name for f in fields(cls)}
        return cls(**{"path": "", "kind": "policy", "format": "", "locale": "",
                      **{k: v for k, v in data.items() if k in known}})


@dataclass
class Manifest:
    """What a build published, with the converter and ledger state it was built from."""

    organisation: str = ""
    generated_by: str = ""
    converter: dict = field(default_factory=dict)  # opencc version, glossary hash, phrase mode
    ledger_head: dict | str | None = None  # {"seq", "hash"} of the ledger's last record (trust.records.LedgerHead)
    artifacts: list[Artifact] = field(default_factory=list)
    format: int = MANIFEST_FORMAT
    project: str = ".."  # the project folder, relative to the manifest's folder: paths are relative to it

    def by_path(self) -> dict[str, Artifact]:
        return {a.path: a for a in self.artifacts}

    def base(self, build_dir: Path) -> Path:
        """The folder the artifact paths are relative to: the project (format 2, where
        ``project`` says it is from the manifest's folder), or the build folder (format 1)."""
        if self.format < 2:
            return Path(build_dir)
        up = str(self.project)
        if not all(part == ".." for part in Path(up).parts):  # only a way up to the project, never elsewhere
            up = ".."
        return (Path(build_dir) / up).resolve()

    def to_bytes(self) -> bytes:
        data = {"format": self.format, "generated_by": self.generated_by, "organisation": self.organisation,
                "converter": self.converter, "ledger_head": self.ledger_head, "project": self.project,
                "artifacts": [a.to_json() for a in self.artifacts]}
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")

    def write(self, path: Path) -> None:
        atomic_write_bytes(path, self.to_bytes())


def read_manifest(path: Path, *, missing_ok: bool = True, any_format: bool = False) -> Manifest | None:
    """The manifest at ``path``; None when it does not exist (and ``missing_ok``), or when it
    was written by an older policydocs (its paths mean something else: the next build starts
    afresh) unless ``any_format`` (verification checks the files of any build; see
    :meth:`Manifest.base`). A manifest that cannot be read or is not valid JSON is a
    PolicyError naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return None
        raise PolicyError(path, 0, "no manifest: run `policydocs build` first") from None
    except OSError as exc:
        raise PolicyError(path, 0, f"unreadable manifest: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise PolicyError(path, 0, f"manifest is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("artifacts", []), list):
        raise PolicyError(path, 0, "not a policydocs manifest (no artifacts list)")
    fmt = data.get("format", 1)
    if not any_format and fmt != MANIFEST_FORMAT:
        return None
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise PolicyError(path, 0, f"not a policydocs manifest (format {fmt!r})")
    head = data.get("ledger_head")
    return Manifest(organisation=str(data.get("organisation") or ""), generated_by=str(data.get("generated_by") or ""),
                    converter=data.get("converter") if isinstance(data.get("converter"), dict) else {},
                    ledger_head=head if isinstance(head, (dict, str)) else None,
                    artifacts=[Artifact.from_json(a) for a in data.get("artifacts", []) if isinstance(a, dict)],
                    format=fmt, project=str(data.get("project", "..")))
