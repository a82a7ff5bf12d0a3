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
    Labelled,
    Ref,
    Section,
    walk_with_path,
)


def label_index(doc: Document, errors: Collector) -> dict[str, tuple[str, tuple[int, ...], Labelled]]:
    """label → (kind, numbers, node); duplicate labels are reported.

    ``numbers`` as ``Ref.numbers`` documents it: in article style (n,) for a
    chapter or article, (chapter, section) for a 节, (article, item, …) for an
    item; in sectioned style the path from the top with one slot per heading
    level (0 where a level is absent), then the item numbers."""
    index: dict[str, tuple[str, tuple[int, ...], Labelled]] = {}

    sectioned = doc.meta.numbering == "sectioned"
    for node, path in walk_with_path(doc.body):
        kind = _KINDS.get(type(node))
        if kind is None or not node.label:
            continue
        if node.label in index:
            first = index[node.label][2].pos.line
            errors.add(doc.path, node.pos.line, f"duplicate label {{#{node.label}}} (first defined at line {first})")
            continue
        index[node.label] = (kind, _numbers(node, path, sectioned), node)
    return index


_KINDS = {Chapter: "chapter", Section: "section", Article: "article", Item: "item"}


def _numbers(node: Labelled, path: tuple, sectioned: bool) -> tuple[int, ...]:
    """``Ref.numbers`` of a labelled node from its ancestors (see :func:`label_index`)."""
    chapter = section = article = 0
    items: list[int] = []
    for up in path:
        if isinstance(up, Chapter):
            chapter = up.number
        elif isinstance(up, Section):
            section = up.number
        elif isinstance(up, Article):
            article = up.number
        elif isinstance(up, Item):
            items.append(up.number)
    if isinstance(node, Chapter):
        return (node.number,)
    if isinstance(node, Section):
        return (chapter, node.number)
    if isinstance(node, Article):
        return (chapter, section, node.number) if sectioned else (node.number,)
    return ((chapter, section, article) if sectioned else (article,)) + tuple(items) + (node.number,)


def resolve(docs: dict[str, Document], errors: Collector) -> None:
    """Fill every Ref in ``docs`` in place; report missing targets to ``errors``."""
    indexes = _Indexes(docs, errors)
    for pid, doc in docs.items():
        indexes.of(pid)  # duplicate labels are reported even where nothing cites them
        _fill(doc, docs, indexes, errors)


def resolve_one(doc: Document, others: dict[str, Document], errors: Collector) -> None:
    """Fill the Refs of ``doc`` only (a frozen text), citing ``others`` as they stand.

    Only the policies ``doc`` cites are indexed, so resolving one text costs the
    same in a project of 10 policies as in one of 500."""
    docs = {**others, doc.meta.id: doc}
    indexes = _Indexes(docs, errors)
    indexes.of(doc.meta.id)
    _fill(doc, docs, indexes, errors)


class _Indexes:
    """Label indexes, built the first time a policy is cited."""

    def __init__(self, docs: dict[str, Document], errors: Collector):
        self.docs, self.errors, self.built = docs, errors, {}

    def of(self, pid: str) -> dict[str, tuple[str, tuple[int, ...], Labelled]]:
        if pid not in self.built:
            self.built[pid] = label_index(self.docs[pid], self.errors)
        return self.built[pid]


def _fill(doc: Document, docs: dict[str, Document], indexes: _Indexes, errors: Collector) -> None:
    pid = doc.meta.id
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
        found = indexes.of(target_id).get(node.label)
        if found is None:
            where = f" in {target_id}" if node.policy_id else ""
            errors.add(doc.path, node.pos.line, f"reference to missing label {{#{node.label}}}{where}")
            continue
        node.kind, node.numbers = found[0], found[1]
