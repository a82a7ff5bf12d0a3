"""Handbooks (员工手册): several policies bound into one PDF/DOCX.

A handbook is defined in ``handbooks/NAME.yaml``::

    title: 员工手册
    company: 华衡智造科技有限公司     # optional; default [organisation] name
    audience: 全体员工
    doc_no: HB-EMP-001               # optional; default the file name
    version: 2025年版                 # optional
    cover: 2025年版                   # optional text under the title on the cover
    foreword: |                      # optional 前言, paragraphs separated by blank lines
      ……
    locales: [zh-Hans, zh-Hant-TW]   # optional; default [locales] publish
    policies:                        # in order; an id, or every policy of a category
      - HR-ATT-002
      - category: 行政

A listed policy that does not exist, or is repealed/superseded, is an error
naming the handbook file, the line of the entry and the entry.

:class:`HandbookRenderer` lays the book out as PDF; ``handbook_docx.py`` writes the DOCX.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Mapping

import yaml

from ..core.errors import Collector, PolicyError
from ..core.fsutil import inside_project, outside_project_message
from ..core.locales import LOCALES, get_locale
from ..core.model import plain_text
from ..core.numbering import chapter_label, heading_marker
from ..core.words import words
from ..core.yamlload import SafeLoader, safe_load
from ..read.config import Config
from ..render.pdf import policy_data
from ..render.typst.engine import engine_for
from ..render.typst.escape import value
from ..render.typst.presets import get_preset, locale_data
from ..render.typst.writer import TypstWriter
from .inputs import Edition, Inputs

IN_FORCE = ("effective", "trial")
HANDBOOK_TEMPLATES = ("common.typ", "policy.typ", "handbook.typ")
HANDBOOK_PRESET = "handbook"  # 小四 body: a handbook is read, not filed
_KEYS = ("title", "company", "audience", "doc_no", "version", "cover", "foreword", "locales", "policies")


@dataclass
class Handbook:
    name: str  # file stem: employee-handbook
    path: Path
    title: str
    audience: str = ""
    company: str = ""
    doc_no: str = ""
    version: str = ""
    cover: str = ""
    foreword: str = ""
    locales: list[str] = field(default_factory=list)
    policy_ids: list[str] = field(default_factory=list)  # resolved, in order


def handbook_path(project, name: str) -> Path:
    """handbooks/NAME.yaml of the project; PolicyError naming the known handbooks."""
    hb_dir = project.config.handbooks_dir
    if "/" in name or "\\" in name or name.startswith("."):
        raise PolicyError("--handbook", 0, f"{name!r} is not a handbook name")
    for suffix in (".yaml", ".yml"):
        path = hb_dir / f"{name}{suffix}"
        if path.is_file():
            return path
    known = sorted(p.stem for p in hb_dir.glob("*.y*ml")) if hb_dir.is_dir() else []
    raise PolicyError(hb_dir, 0, f"no handbook {name!r} (known: {', '.join(known) or 'none'})")


def handbook_files(project) -> list[Path]:
    hb_dir = project.config.handbooks_dir
    if not hb_dir.is_dir():
        return []
    return sorted(p for p in hb_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _line(node) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def load_handbook(path: str | Path, project) -> Handbook:
    """Read and validate a handbook definition against the project's policies."""
    path = Path(path)
    rel = path.relative_to(project.root) if path.is_absolute() and path.is_relative_to(project.root) else path
    if not inside_project(path, project.root):
        raise PolicyError(rel, 1, outside_project_message("handbook", path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(rel, 1, f"not UTF-8: {exc}") from None
    except OSError as exc:
        raise PolicyError(rel, 0, f"cannot read: {exc.strerror}") from None
    try:
        root = yaml.compose(text, Loader=SafeLoader)
        data = safe_load(text) or {}
    except yaml.constructor.ConstructorError as exc:  # a repeated key (core/yamlload.py)
        raise PolicyError(rel, exc.problem_mark.line + 1, str(exc.problem)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyError(rel, mark.line + 1 if mark else 1, f"YAML syntax error: {exc}") from None
    if not isinstance(root, yaml.MappingNode):
        raise PolicyError(rel, 1, "a handbook must be a mapping with title and policies")
    errors = Collector()
    nodes: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in root.value:
        key = key_node.value
        if key not in _KEYS:
            errors.add(rel, _line(key_node), f"unknown key {key!r}; known: {', '.join(_KEYS)}")
            continue
        nodes[key] = (key_node, value_node)

    def text_field(key: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                errors.add(rel, 1, f"missing {key}")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            errors.add(rel, _line(nodes[key][1]), f"{key} must be text")
            return ""
        return str(value).strip()

    hb = Handbook(name=path.stem, path=rel, title=text_field("title", required=True),
                  audience=text_field("audience"), company=text_field("company"),
                  doc_no=text_field("doc_no") or path.stem, version=text_field("version") or "—",
                  cover=text_field("cover"), foreword=text_field("foreword"))
    locales = data.get("locales")
    if locales is not None:
        if isinstance(locales, str):
            locales = [locales]
        if not isinstance(locales, list):
            errors.add(rel, _line(nodes["locales"][1]), "locales must be a list such as [zh-Hans, zh-Hant-TW]")
        else:
            for code in locales:
                if code not in LOCALES:
                    errors.add(rel, _line(nodes["locales"][1]), f"unknown locale {code!r}; known: {', '.join(LOCALES)}")
            hb.locales = [str(c) for c in locales]
    if "policies" not in nodes:
        errors.add(rel, 1, "missing policies (a list of policy ids or {category: …} entries)")
    else:
        hb.policy_ids = _resolve_entries(rel, nodes["policies"][1], project, errors)
    errors.raise_if_any()
    return hb


def _resolve_entries(rel: Path, node, project, errors: Collector) -> list[str]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        errors.add(rel, _line(node), "policies must be a non-empty list")
        return []
    docs = project.documents
    out: list[str] = []
    seen: dict[str, int] = {}

    def add(pid: str, line: int, explicit: bool) -> None:
        if pid in seen:
            if explicit:
                errors.add(rel, line, f"policy {pid} is listed twice (first on line {seen[pid]})")
            return
        seen[pid] = line
        out.append(pid)

    for entry in node.value:
        line = _line(entry)
        if isinstance(entry, yaml.ScalarNode):
            pid = str(entry.value).strip()
            doc = docs.get(pid)
            if doc is None:
                errors.add(rel, line, f"entry {pid!r}: no such policy (known: {', '.join(docs) or 'none'})")
                continue
            status = doc.meta.status
            if status not in IN_FORCE and status != "draft":
                succ = f"; list {doc.meta.superseded_by} instead" if doc.meta.superseded_by else ""
                errors.add(rel, line, f"entry {pid!r}: policy is {status} and cannot be in a handbook{succ}")
                continue
            add(pid, line, True)
        elif isinstance(entry, yaml.MappingNode):
            keys = {k.value: v for k, v in entry.value}
            if set(keys) != {"category"} or not isinstance(keys["category"], yaml.ScalarNode):
                errors.add(rel, line, "an entry is a policy id or {category: NAME}")
                continue
            category = str(keys["category"].value).strip()
            members = [pid for pid, d in docs.items() if d.meta.category == category and d.meta.status in IN_FORCE]
            if not members:
                cats = sorted({d.meta.category for d in docs.values()})
                errors.add(rel, line, f"entry category {category!r}: no policy in force in this category "
                                      f"(categories: {', '.join(cats)})")
            for pid in members:
                add(pid, line, False)
        else:
            errors.add(rel, line, "an entry is a policy id or {category: NAME}")
    return out


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

@dataclass
class _Part:
    """One policy of a handbook, ready for the writers."""

    ctx: object  # RenderContext
    anchor: str  # id of its title in the HTML (p-ID)
    prefix: str  # prefix of its chapter/article anchors


def _words(locale) -> Mapping[str, str]:
    return words(locale.code, "handbook")


@dataclass(frozen=True)
class Localized:
    """Handbook texts (title, company, cover, audience, foreword) already in the book's
    locale: ``convert`` for a renderer that runs where no glossary is loaded."""

    texts: Mapping[str, str]

    def __call__(self, text: str, source: str, target: str) -> str:
        return self.texts.get(text, text)


def book_texts(hb: Handbook) -> list[str]:
    """The handbook's own texts that are printed and converted per locale (not the
    organisation's registered name: see :meth:`HandbookRenderer.company`)."""
    return [t for t in (hb.title, hb.company, hb.cover, hb.audience, hb.foreword) if t]


def parts_of(hb: Handbook, locale: str, inputs: Inputs, editions: list[Edition] | None = None) -> list[_Part]:
    """The book's policies as writers need them, localized once by ``inputs`` (the build session).

    ``editions`` (default: the working texts) say which text of each policy is bound in.
    A reference to another policy of the book links to it inside the book."""
    editions = editions or [inputs.working(pid) for pid in hb.policy_ids]
    links = {e.policy_id: f"#p-{e.policy_id}" for e in editions}
    return [_Part(inputs.context(e, locale, policy_links=links), f"p-{e.policy_id}", f"{e.policy_id}-")
            for e in editions]


class HandbookRenderer:
    """Lays out handbooks: parts (localized policies) and the book's own texts in, bytes out.

    ``convert(text, source, target)`` turns the handbook's own texts into the book's
    locale (the build session's converter, or :class:`Localized`)."""

    def __init__(self, config: Config, convert: Callable[[str, str, str], str]):
        self.config = config
        self.convert = convert

    def company(self, hb: Handbook, locale: str) -> str:
        """The name the book prints: its own ``company`` in the book's locale, else the
        organisation's name for ``locale`` (``[organisation.names]``, as registered)."""
        if hb.company:
            return self.convert(hb.company, self.config.locales.source, locale)
        return self.config.organisation.name_for(locale)

    # -- PDF -------------------------------------------------------------
    def book_data(self, hb: Handbook, locale: str, parts: list[_Part]) -> dict:
        """The front matter's data for ``pd-handbook`` (templates/typst/handbook.typ)."""
        loc = get_locale(locale)
        src = self.config.locales.source
        entries = []
        for part in parts:
            ctx = part.ctx
            meta = ctx.doc.meta
            sectioned = meta.numbering == "sectioned"
            chapters = []
            for ch in ctx.doc.chapters():
                marker = heading_marker(1, ch.number, loc) if sectioned else chapter_label(ch.number, loc) + "\u3000"
                anchor = part.prefix + (f"part-{ch.number}" if sectioned else chapter_label(ch.number, loc))
                chapters.append([marker + plain_text(ch.title), anchor])
            when = ctx.version.effective_date or meta.effective_date
            entries.append({"id": meta.id, "title": meta.title, "version": ctx.version.version,
                            "effective": ctx.date(when) if when else "—", "anchor": part.anchor,
                            "chapters": chapters})
        dates = [p.ctx.version.effective_date or p.ctx.doc.meta.effective_date for p in parts]
        words = dict(_words(loc))
        return {
            "title": self.convert(hb.title, src, locale),
            "company": self.company(hb, locale),
            "doc_no": hb.doc_no, "version": hb.version, "cover_text": self.convert(hb.cover, src, locale).strip(),
            "audience": self.convert(hb.audience, src, locale),
            "foreword": [t.strip() for t in self.convert(hb.foreword, src, locale).split("\n\n") if t.strip()],
            "count": len(parts), "date": max((d for d in dates if d), default=date(2000, 1, 1)),
            "words": words, "loc": locale_data(loc, self.config.pdf), "preset": get_preset(HANDBOOK_PRESET).as_data(),
            "policies": entries,
        }

    def typst_source(self, hb: Handbook, locale: str, parts: list[_Part]) -> str:
        """The generated Typst of the whole book (after the templates)."""
        linked = frozenset(hb.policy_ids)
        calls = []
        for part in parts:
            data = policy_data(part.ctx, preset=HANDBOOK_PRESET)
            data["company"] = self.company(hb, locale)
            body = TypstWriter(part.ctx, part.prefix, linked).body()
            calls.append(f"#pd-handbook-policy(hb, {value(data)}, [\n{body}])\n")
        return (f"#let hb = {value(self.book_data(hb, locale, parts))}\n"
                f"#pd-handbook(hb, [\n{''.join(calls)}])\n")

    def pdf(self, hb: Handbook, locale: str, parts: list[_Part]) -> bytes:
        """The handbook PDF, the whole book laid out in one Typst run."""
        source = self.typst_source(hb, locale, parts)
        when = max((p.ctx.version.effective_date or p.ctx.doc.meta.effective_date for p in parts
                    if p.ctx.version.effective_date or p.ctx.doc.meta.effective_date), default=None)
        return engine_for(self.config.root).compile(HANDBOOK_TEMPLATES, source, when=when,
                                                     standard="a-2b" if self.config.pdf.pdfa else None)
