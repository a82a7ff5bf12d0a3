"""The portal (``build/site/``): what employees and auditors see, built from the publication.

Only released versions appear, rendered from their frozen texts, with the
signed files published for them (``publication/``). Drafts and previews never
do. Pages are written only when their inputs changed (``output.py``).
"""

from __future__ import annotations

import time
from pathlib import Path

from ...core import fsutil
from ...render.templates import templates_hash
from .catalogue import Catalogue, catalogue
from .output import SiteOutput, key_of
from .pages import TEMPLATES, Portal, PortalInputs, SiteResult
from .text import human_size, js_data, search_segments

__all__ = ["generate_site", "Catalogue", "SiteResult", "js_data", "search_segments", "human_size"]


def generate_site(inputs: PortalInputs) -> SiteResult:
    """Bring ``build/site/`` up to date for ``inputs.today``; pages whose inputs did not change
    are kept. Nothing in ``build/site/`` changes unless every page rendered."""
    started = time.perf_counter()
    cfg = inputs.config
    site = cfg.build_dir / "site"
    cat = catalogue(inputs.root, cfg, list(inputs.project.documents), inputs.today)
    env_key = key_of(fsutil.package_hash(), templates_hash(inputs.root, TEMPLATES), _config_bytes(inputs.root),
                     inputs.glossary_hash)
    out = SiteOutput(site)
    try:
        result = Portal(inputs, cat, out, env_key).build()
    except BaseException:  # nothing of a failed portal build reaches build/site/
        out.discard()
        raise
    out.commit()
    result.path = site
    result.seconds = time.perf_counter() - started
    return result


def _config_bytes(root: Path) -> str:
    config = root / "policydocs.toml"
    return fsutil.sha256_file(config) if config.is_file() else ""

