"""One cache key for every artifact: a hash of all of its inputs.

Two outputs with the same key are interchangeable, so the build reuses the
last one. The key covers what shapes any output (policydocs' own code, the
templates the writer reads, policydocs.toml, the glossary) and what shapes
this one (its kind, format and locale, and for every text in it: the source,
the version information printed on it and what its references resolve to).
The build's previews and handbooks and the portal's pages all key through here
(the portal's own recipe once left out the recipe's version and policydocs').
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .. import __version__
from . import fsutil
from .model import Document, VersionInfo, fingerprint

KEY_FORMAT = 3  # bump when the key's recipe changes (3: pictures' content hashes)


@dataclass(frozen=True)
class Environment:
    """Inputs shared by every artifact of a build."""

    package: str  # policydocs' version and code
    config: str  # policydocs.toml as written
    glossary: str  # the merged glossary


def environment(project_root: Path, glossary_hash: str) -> Environment:
    """The shared part of every key of a project's build."""
    config = project_root / "policydocs.toml"
    config_hash = hashlib.sha256(config.read_bytes()).hexdigest() if config.is_file() else ""
    return Environment(f"{__version__}:{fsutil.package_hash()}", config_hash, glossary_hash)


def file_hash(data: bytes) -> str:
    """SHA-256 of an input file's bytes (the organisation's reference DOCX …)."""
    return hashlib.sha256(data).hexdigest()


def text_fingerprint(doc: Document, version: VersionInfo) -> list:
    """What one text contributes to a key (``core.model.fingerprint``)."""
    return fingerprint(doc, version)


def artifact_key(env: Environment, kind: str, fmt: str, locale: str, *, templates: str,
                 texts: Iterable[list] = (), extra: object = None, signer: str = "") -> str:
    """The key of one artifact: ``env`` + what it is + the fingerprints of the texts in it.
    ``signer`` (the signing identity's fingerprint) is given for an artifact that is
    signed only: a draft is the same file whoever would have signed it."""
    return digest(KEY_FORMAT, env.package, env.config, env.glossary, signer, kind, fmt, locale,
                  templates, list(texts), extra)


def digest(*parts: object) -> str:
    """SHA-256 over JSON-able ``parts``: how every key is hashed (a page of the portal keys
    its own inputs under its artifact key this way)."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
