"""The document tree: structure, numbering and references of the sample policies."""

from pathlib import Path

from conftest import REPO

from policydocs.core.model import (
    Chapter,
    Ref,
    Section,
    Table,
    plain_text,
)
from policydocs.read.markdown import parse_policy_text
from policydocs.read.project import load_project

POLICY = """---
id: T-1
title: 测试制度
department: 行政部
category: 行政
status: effective
effective_date: 2025-01-01
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范管理，制定本制度。

迟到五分钟以上的，按迟到处理。{#late}

# 细则

## 第一部分

### 目的
本条为多款条文的第一款。

这是第二款，依照[[#late]]处理：

- 第一项；{#first}
- 第二项：
  - 第一目；
  - 第二目。

| 情形 | 处理 |
|---|---|
| 迟到 | 警告 |

违反[[#first]]的，见[[#late]]。
"""


def test_structure_numbers_and_positions():
    doc = parse_policy_text(POLICY, Path("policies/T-1.md"))
    chapters = [n for n in doc.body if isinstance(n, Chapter)]
    assert [c.number for c in chapters] == [1, 2]
    arts = doc.articles()
    assert [a.number for a in arts] == [1, 2, 3]  # the trailing paragraph is a further 款 of the ### article
    assert arts[1].label == "late" and arts[1].pos.line == 16
    assert plain_text(arts[1].blocks[0].inlines) == "迟到五分钟以上的，按迟到处理。"
    sec = chapters[1].children[0]
    assert isinstance(sec, Section) and plain_text(sec.title) == "第一部分"
    multi = arts[2]
    assert plain_text(multi.title) == "目的"
    kinds = [type(b).__name__ for b in multi.blocks]
    assert kinds == ["Paragraph", "Paragraph", "ItemList", "Table", "Paragraph"]
    items = multi.blocks[2].items
    assert [i.number for i in items] == [1, 2] and items[0].label == "first"
    assert [(c.number, c.depth) for c in items[1].children] == [(1, 2), (2, 2)]
    table = multi.blocks[3]
    assert isinstance(table, Table) and plain_text(table.rows[0][0]) == "迟到"


def test_references_follow_renumbering(tmp_path):
    from conftest import copy_project

    root = copy_project(tmp_path / "p", policies=[])
    (root / "policies" / "T-1.md").write_text(POLICY, encoding="utf-8")
    project = load_project(root)
    refs = [n for n in project.documents["T-1"].walk() if isinstance(n, Ref)]
    assert [(r.kind, r.numbers) for r in refs] == [("article", (2,)), ("item", (3, 1)), ("article", (2,))]
    # insert an article before the target: every reference follows
    (root / "policies" / "T-1.md").write_text(POLICY.replace("为规范管理，制定本制度。", "为规范管理，制定本制度。\n\n新增的一条。"), encoding="utf-8")
    refs = [n for n in load_project(root).documents["T-1"].walk() if isinstance(n, Ref)]
    assert [(r.kind, r.numbers) for r in refs] == [("article", (3,)), ("item", (4, 1)), ("article", (3,))]


def test_sample_corpus_meets_its_brief():
    project = load_project(REPO)
    docs = project.documents
    assert len(docs) >= 8
    long_ones = [d for d in docs.values() if len(d.articles()) >= 15]
    assert len(long_ones) >= 3
    assert any(d.meta.status == "trial" for d in docs.values())
    assert any(d.meta.status == "superseded" and d.meta.superseded_by in docs for d in docs.values())
    assert {d.meta.numbering for d in docs.values()} == {"articles", "sectioned"}
    refs = [n for d in docs.values() for n in d.walk() if isinstance(n, Ref)]
    assert sum(1 for r in refs if r.policy_id) >= 2
    assert sum(1 for r in refs if r.policy_id is None) >= 3
    assert any(isinstance(b, Table) for d in docs.values() for b in d.walk())
    closing = [d for d in docs.values() if d.meta.numbering == "articles"]
    for d in closing:
        text = d.source_text
        assert "解释" in text and ("施行" in text or "实施" in text), d.meta.id
