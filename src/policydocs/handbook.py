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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Collector, PolicyError

IN_FORCE = ("effective", "trial")
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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(rel, 1, f"not UTF-8: {exc}") from None
    except OSError as exc:
        raise PolicyError(rel, 0, f"cannot read: {exc.strerror}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
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
    data = yaml.safe_load(text) or {}

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
    from .locales import LOCALES

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


def build_handbooks(project, out_dir: Path, locales: list[str], formats) -> list[dict]:
    """Render every handbooks/*.yaml into ``out_dir``/handbooks/ (filled in below)."""
    return []
