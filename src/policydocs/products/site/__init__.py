"""The portal (``build/site/``): what employees and auditors see, built from the publication.

Only released versions appear, rendered from their frozen texts, with the
signed files published for them (``publication/``). Drafts and previews never
do. Pages are written only when their inputs changed (``output.py``).
"""

from __future__ import annotations

import time
from pathlib import Path

from ...core import cachekey
from ...render.templates import templates_hash
from .catalogue import Catalogue, catalogue
from .output import SiteOutput
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
    env_key = portal_key(inputs.root, inputs.glossary_hash)
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


def portal_key(root: Path, glossary_hash: str) -> str:
    """What every page of the portal depends on — policydocs, policydocs.toml, the glossary
    and the portal's templates — by the one artifact-key recipe (``core/cachekey.py``);
    each page adds its own inputs to it."""
    return cachekey.artifact_key(cachekey.environment(root, glossary_hash), "portal", "html", "",
                                 templates=templates_hash(root, TEMPLATES))
