"""Work sent to the executor: trees in, bytes out.

A job carries everything its writer needs (localized trees, version blocks,
configuration) and nothing it must not touch: workers never read the
project, write files, sign or append to the ledger, so a local process and a
Dask worker return the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from ..products import handbook
from ..products.handbook import Handbook
from ..products.handbook_docx import handbook_docx
from ..read.config import Config
from ..render import writers
from ..render.context import RenderContext

HANDBOOK_FORMATS = ("pdf", "docx")


@dataclass
class PolicyJob:
    """One policy (one edition) in one locale, every requested format."""

    ctx: RenderContext
    formats: tuple[str, ...]
    cited: tuple[str, ...] = ()  # policies whose files sit beside this one (previews link to them)


def render_policy(job: PolicyJob) -> dict[str, bytes]:
    """format → unsigned bytes of one policy in one locale."""
    out = {}
    for fmt in job.formats:
        writer = writers.get_writer(fmt, job.ctx.config.root)
        ctx = job.ctx
        if job.cited and getattr(writer, "links_policies", False):  # a cited title links to that file
            ctx = replace(ctx, policy_links={pid: f"{pid}{writer.suffix}" for pid in job.cited})
        out[fmt] = writer.write(ctx)
    return out


@dataclass
class HandbookJob:
    """One handbook in one locale, every requested format: the parts are localized already."""

    config: Config
    handbook: Handbook
    locale: str
    parts: list
    texts: handbook.Localized
    formats: tuple[str, ...]


def render_handbook(job: HandbookJob) -> dict[str, bytes]:
    """format → unsigned bytes of one handbook in one locale."""
    renderer = handbook.HandbookRenderer(job.config, job.texts)
    layout = {"pdf": renderer.pdf, "docx": partial(handbook_docx, renderer)}
    return {fmt: layout[fmt](job.handbook, job.locale, job.parts) for fmt in job.formats}
