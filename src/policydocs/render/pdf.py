"""HTML → PDF with WeasyPrint: one FontConfiguration, CSS parsed once, fetching confined.

``PdfRenderer`` is created once per process (the build runs one per worker):
it owns the FontConfiguration, the parsed stylesheets (main + one small
font stylesheet per locale) and a URL fetcher that refuses anything outside
the project folder.  Output is reproducible: document dates come from the
policy (never "now") and the PDF identifier is derived from the content.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from ..core.locales import get_locale
from .context import RenderContext
from .html import HtmlWriter
from .templates import PACKAGE_TEMPLATES, template_env


class ProjectOnlyFetcher(URLFetcher):
    """Allows ``data:`` URLs and ``file:`` URLs inside the project; refuses the rest."""

    def __init__(self, *roots: Path):
        super().__init__(allowed_protocols={"file", "data"})
        self.roots = [r.resolve() for r in roots]

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"refusing to read {path}: outside the project")
        elif not url.startswith("data:"):
            raise ValueError(f"refusing to fetch {url}: only project files are allowed")
        return super().fetch(url, headers)


def locale_css_text(code: str) -> str:
    """The font stacks for one locale: the CJK family named explicitly everywhere,
    margin boxes included (a generic family can miss glyphs)."""
    loc = get_locale(code)
    serif = f'"{loc.font_family}", "Noto Serif CJK SC", serif'
    sans = f'"{loc.sans_family}", "Noto Sans CJK SC", sans-serif'
    boxes = ", ".join(f"@{b}" for b in ("top-left", "top-center", "top-right", "bottom-left", "bottom-center", "bottom-right"))
    words = loc.words
    page_of = words["page_of"].replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "')
    return (f"html {{ font-family: {serif}; }}\n"
            f'@page {{ @top-right {{ content: "{words["page"]}\\A{page_of}"; }} }}\n'
            f".sans, h1, h2, h3, h4, th, .doc-header, .watermark, .art-no {{ font-family: {sans}; }}\n"
            f"@page {{ {' '.join(f'{b} {{ font-family: {sans}; }}' for b in boxes.split(', '))} }}\n")


class PdfRenderer:
    """Renders policy HTML to PDF bytes; reuse one instance for many documents."""

    def __init__(self, project_root: Path, extra_roots: tuple[Path, ...] = ()):
        self.root = Path(project_root).resolve()
        self.font_config = FontConfiguration()
        self.fetcher = ProjectOnlyFetcher(self.root, PACKAGE_TEMPLATES.resolve(), *extra_roots)
        self.env = template_env(self.root)
        self._css: dict[str, weasyprint.CSS] = {}

    def stylesheet(self, name: str) -> weasyprint.CSS:
        """A parsed stylesheet (template name or ``locale:<code>``), cached per renderer."""
        css = self._css.get(name)
        if css is None:
            if name.startswith("locale:"):
                text = locale_css_text(name.split(":", 1)[1])
            else:
                text = self.env.loader.get_source(self.env, name)[0]
            css = weasyprint.CSS(string=text, font_config=self.font_config, url_fetcher=self.fetcher,
                                 base_url=str(self.root) + "/")
            self._css[name] = css
        return css

    def render(self, html: str, locale: str, stylesheets: tuple[str, ...] = ("policy.css",),
               identifier: str = "") -> bytes:
        """HTML string → PDF bytes (reproducible for the same input)."""
        return self.render_with_anchors(html, locale, stylesheets, identifier)[0]

    def render_with_anchors(self, html: str, locale: str, stylesheets: tuple[str, ...] = ("policy.css",),
                            identifier: str = "") -> tuple[bytes, dict[str, int], int]:
        """HTML → (PDF bytes, anchor id → 0-based page index, page count)."""
        doc = weasyprint.HTML(string=html, base_url=str(self.root) + "/", url_fetcher=self.fetcher)
        sheets = [self.stylesheet(s) for s in stylesheets] + [self.stylesheet(f"locale:{locale}")]
        ident = hashlib.sha256((identifier or html).encode()).hexdigest()[:32].encode()
        document = doc.render(stylesheets=sheets, font_config=self.font_config)
        anchors = _anchor_pages(document)
        return document.write_pdf(pdf_identifier=ident), anchors, len(document.pages)

    def layout(self, html: str, locale: str, stylesheets: tuple[str, ...] = ("policy.css",)) -> tuple[dict[str, int], int]:
        """Lay out only (no PDF): (anchor id → 0-based page index, page count)."""
        doc = weasyprint.HTML(string=html, base_url=str(self.root) + "/", url_fetcher=self.fetcher)
        sheets = [self.stylesheet(s) for s in stylesheets] + [self.stylesheet(f"locale:{locale}")]
        document = doc.render(stylesheets=sheets, font_config=self.font_config)
        return _anchor_pages(document), len(document.pages)

    # -- policies --------------------------------------------------------
    def policy_html(self, ctx: RenderContext) -> str:
        """The full HTML page for one policy (used for the PDF)."""
        template = self.env.get_template("policy.html.j2")
        return template.render(**policy_template_vars(ctx))

    def render_policy(self, ctx: RenderContext) -> bytes:
        """One policy PDF."""
        html = self.policy_html(ctx)
        return self.render(html, ctx.locale.code, identifier=f"{ctx.doc.meta.id}|{ctx.locale.code}|{ctx.version.version}|{html}")


class PdfWriter:
    """The ``pdf`` writer: one policy as an unsigned PDF (the pipeline signs released ones)."""

    format = "pdf"
    suffix = ".pdf"
    templates = ("policy.html.j2", "policy.css")

    def __init__(self, project_root: Path):
        self.renderer = renderer_for(project_root)

    def write(self, ctx: RenderContext) -> bytes:
        return self.renderer.render_policy(ctx)


def _anchor_pages(document) -> dict[str, int]:
    """Anchor name → 0-based index of the first page it is on."""
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    return anchors


def _metadata_date(ctx: RenderContext) -> str:
    d = ctx.version.effective_date or ctx.doc.meta.effective_date or date(2000, 1, 1)
    return d.isoformat()


def policy_template_vars(ctx: RenderContext) -> dict:
    """Everything policy.html.j2 needs (also used by the handbook and the portal)."""
    writer = HtmlWriter(ctx)
    meta = ctx.doc.meta
    body = writer.body()
    approvals = {a.role: a for a in ctx.version.approvals}
    return {
        "ctx": ctx,
        "meta": meta,
        "title": meta.title,
        "body": body,
        "version": ctx.version,
        "approvals": approvals,
        "roles": [(key, ctx.role(key)) for key in ctx.config.versions.roles],
        "effective_text": ctx.date(ctx.effective_date),
        "status_word": ctx.status_word,
        "created": _metadata_date(ctx),
        "company": ctx.company,
        "w": ctx.word,
        "fmt_date": ctx.date,
    }


@lru_cache(maxsize=1)
def _process_renderer(root: str) -> PdfRenderer:
    return PdfRenderer(Path(root))


def renderer_for(project_root: Path) -> PdfRenderer:
    """The process-wide renderer for a project (one FontConfiguration per process)."""
    return _process_renderer(str(Path(project_root).resolve()))
