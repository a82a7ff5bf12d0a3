"""Resolve ``[[…]]`` references across all policies of a project.

Each ``Ref`` gets plain data (kind, numbers, cited title) so writers print
第五条 / 《标题》第三条 without looking anything up.  Missing targets and
duplicate labels are errors with file and line.
"""

from __future__ import annotations

from ..core.errors import Collector
from ..core.model import (
    Article,
    Chapter,
    Document,
    Item,
    ItemList,
    Labelled,
    Note,
    Ref,
    Section,
)


def label_index(doc: Document, errors: Collector) -> dict[str, tuple[str, tuple[int, ...], Labelled]]:
    """label → (kind, numbers, node); duplicate labels are reported.

    ``numbers`` as ``Ref.numbers`` documents it: in article style (n,) for a
    chapter or article, (chapter, section) for a 节, (article, item, …) for an
    item; in sectioned style the path from the top with one slot per heading
    level (0 where a level is absent), then the item numbers."""
    index: dict[str, tuple[str, tuple[int, ...], Labelled]] = {}

    def add(label: str | None, kind: str, numbers: tuple[int, ...], node: Labelled) -> None:
        if not label:
            return
        if label in index:
            first = index[label][2].pos.line
            errors.add(doc.path, node.pos.line, f"duplicate label {{#{label}}} (first defined at line {first})")
            return
        index[label] = (kind, numbers, node)

    def walk_item(item: Item, prefix: tuple[int, ...]) -> None:
        numbers = prefix + (item.number,)
        add(item.label, "item", numbers, item)
        for child in item.children:
            walk_item(child, numbers)

    def blocks(nodes: list, path: tuple[int, ...]) -> None:
        """``path``: (article,) in article style; the heading slots (part, section, sub) in sectioned style."""
        for node in nodes:
            if isinstance(node, Chapter):
                add(node.label, "chapter", (node.number,), node)
                blocks(node.children, (0,) if not sectioned else (node.number, 0, 0))
            elif isinstance(node, Section):
                if sectioned:
                    add(node.label, "section", path[:1] + (node.number,), node)
                    blocks(node.children, path[:1] + (node.number, 0))
                else:
                    add(node.label, "section", (chapter_of(node), node.number), node)
                    blocks(node.children, (0,))
            elif isinstance(node, Article):
                if sectioned:
                    numbers = path[:2] + (node.number,)
                    add(node.label, "article", numbers, node)
                    blocks(node.blocks, numbers)
                else:
                    add(node.label, "article", (node.number,), node)
                    blocks(node.blocks, (node.number,))
            elif isinstance(node, ItemList):
                for item in node.items:
                    walk_item(item, path)
            elif isinstance(node, Note):
                blocks(node.blocks, path)

    sectioned = doc.meta.numbering == "sectioned"
    chapters = {id(sec): ch.number for ch in doc.chapters() for sec in ch.children if isinstance(sec, Section)}

    def chapter_of(section: Section) -> int:
        return chapters.get(id(section), 0)

    blocks(doc.body, (0, 0, 0) if sectioned else (0,))
    return index


def resolve(docs: dict[str, Document], errors: Collector) -> None:
    """Fill every Ref in ``docs`` in place; report missing targets to ``errors``."""
    indexes = {pid: label_index(doc, errors) for pid, doc in docs.items()}
    for pid, doc in docs.items():
        for node in doc.walk():
            if not isinstance(node, Ref) or (node.policy_id is None and node.label is None):
                continue
            target_id = node.policy_id or pid
            target_doc = docs.get(target_id)
            if target_doc is None:
                errors.add(doc.path, node.pos.line, f"reference to unknown policy [[{node.policy_id}]]")
                continue
            node.style = target_doc.meta.numbering
            if node.policy_id:
                node.title = target_doc.meta.title
            if node.label is None:
                node.kind, node.numbers = "policy", ()
                continue
            found = indexes[target_id].get(node.label)
            if found is None:
                where = f" in {target_id}" if node.policy_id else ""
                errors.add(doc.path, node.pos.line, f"reference to missing label {{#{node.label}}}{where}")
                continue
            node.kind, node.numbers = found[0], found[1]
