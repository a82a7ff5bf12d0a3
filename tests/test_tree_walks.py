"""One tree walk (core/model.py: ``walk``, ``walk_with_path``, ``Visitor``) instead of
hand-written recursive ``isinstance`` walks, which drift when a node type is added (issue 12)."""

from __future__ import annotations

import ast
from pathlib import Path

from policydocs.core.errors import Collector
from policydocs.core.model import (Article, Chapter, Emph, Item, Link, Ref, Section, SourcePos, Strong, Text,
                                   plain_text, walk_with_path)
from policydocs.read.markdown import parse_policy_text
from policydocs.read.references import label_index

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "policydocs"

HEAD = """---
id: T-1
title: 测试制度
department: 人事部
category: 人事
status: effective
effective_date: 2025-01-01
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
{extra}---

"""

SECTIONED = HEAD.format(extra="numbering: sectioned\n") + """# 总则 {#ch1}

## 目的 {#s1}

### 第一小节 {#a1}

正文。

- 项目一 {#i1}
  - 子项 {#i11}

> 注：说明。
>
> - 注中项 {#n1}

## 范围 {#s2}

- 直接项 {#i2}

# 细则 {#ch2}

- 章下项 {#i3}
"""

ARTICLES = HEAD.format(extra="") + """# 总则 {#ch1}

## 第一节 {#s1}

### 目的 {#a1}

正文。

- 项目一 {#i1}
  - 子项 {#i11}

> 注：说明。
>
> - 注中项 {#n1}

# 细则 {#ch2}

### 适用 {#a2}

- 项 {#i2}
"""


def _numbers(text: str) -> dict[str, tuple]:
    index = label_index(parse_policy_text(text, Path("t.md")), Collector())
    return {label: (kind, numbers) for label, (kind, numbers, _node) in index.items()}


def test_reference_numbers_come_from_each_nodes_ancestors():
    assert _numbers(SECTIONED) == {
        "ch1": ("chapter", (1,)), "s1": ("section", (1, 1)), "a1": ("article", (1, 1, 1)),
        "i1": ("item", (1, 1, 1, 1)), "i11": ("item", (1, 1, 1, 1, 1)), "n1": ("item", (1, 1, 1, 1)),
        "s2": ("section", (1, 2)), "i2": ("item", (1, 2, 0, 1)), "ch2": ("chapter", (2,)),
        "i3": ("item", (2, 0, 0, 1))}
    assert _numbers(ARTICLES) == {
        "ch1": ("chapter", (1,)), "s1": ("section", (1, 1)), "a1": ("article", (1,)), "i1": ("item", (1, 1)),
        "i11": ("item", (1, 1, 1)), "n1": ("item", (1, 1)), "ch2": ("chapter", (2,)), "a2": ("article", (2,)),
        "i2": ("item", (2, 1))}


def test_walk_with_path_gives_blocks_in_order_with_their_ancestors():
    doc = parse_policy_text(ARTICLES, Path("t.md"))
    seen = [(type(n).__name__, [type(a).__name__ for a in path]) for n, path in walk_with_path(doc.body)
            if isinstance(n, (Chapter, Section, Article, Item))]
    assert seen[:5] == [("Chapter", []), ("Section", ["Chapter"]), ("Article", ["Chapter", "Section"]),
                        ("Item", ["Chapter", "Section", "Article", "ItemList"]),
                        ("Item", ["Chapter", "Section", "Article", "ItemList", "Item"])]
    assert not any(isinstance(n, Text) for n, _ in walk_with_path(doc.body))  # blocks only


def test_plain_text_keeps_nested_inlines_in_order():
    inlines = [Text("甲"), Strong([Text("乙"), Emph([Text("丙")])]), Link("https://x", [Text("丁")]),
               Ref("HR-1", "art-2", SourcePos(Path("t.md"), 1))]
    assert plain_text(inlines) == "甲乙丙丁[[HR-1#art-2]]"


#: Recursive ``isinstance`` walks that remain in modules other engineers own (issue 12 lists them):
#: move each onto core.model's walk, then delete its line here.
NOT_YET = {("importer/emit.py", "node"), ("importer/references.py", "_rewrite"), ("products/diff.py", "container")}
#: Not a walk of the document tree: the reader turning markdown-it's tokens into it.
READER = {("read/markdown.py", "_inline_children")}
NODE_TYPES = {"Chapter", "Section", "Article", "ItemList", "Item", "Table", "Note", "Paragraph", "Strong", "Emph",
              "Link", "Ref", "Text", "Image", "Code", "LineBreak"}


def _recursive_isinstance_walks(source: str) -> list[str]:
    found = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call)]
        recursive = any((isinstance(c.func, ast.Name) and c.func.id == fn.name)
                        or (isinstance(c.func, ast.Attribute) and c.func.attr == fn.name
                            and isinstance(c.func.value, ast.Name) and c.func.value.id == "self") for c in calls)
        on_nodes = any(isinstance(c.func, ast.Name) and c.func.id == "isinstance" and len(c.args) == 2
                       and any(isinstance(n, ast.Name) and n.id in NODE_TYPES for n in ast.walk(c.args[1]))
                       for c in calls)
        if recursive and on_nodes:
            found.append(fn.name)
    return found


def test_no_new_hand_written_tree_walks():
    found = {(p.relative_to(PACKAGE).as_posix(), name) for p in PACKAGE.rglob("*.py")
             for name in _recursive_isinstance_walks(p.read_text(encoding="utf-8"))}
    assert found - NOT_YET - READER == set(), "walk the tree with core.model.walk / walk_with_path / Visitor"


def test_the_walk_checker_finds_a_walk():
    assert _recursive_isinstance_walks(
        "def f(nodes):\n    for n in nodes:\n        if isinstance(n, Chapter):\n            f(n.children)\n") == ["f"]
