"""The closing article (本办法自…起施行): numbered like every 条, in the document's own words, added once."""

from __future__ import annotations

import pytest
from test_docx_support import articles_doc, context, sectioned_doc

from policydocs.core.model import Article, Chapter, Paragraph, Section, Text
from policydocs.render.html import HtmlWriter
from policydocs.render.text import TextWriter


def closing(ctx) -> tuple[int, str]:
    """(article number, text) of the last article the writers render."""
    last = ctx.body[-1]
    while isinstance(last, (Chapter, Section)):
        last = last.children[-1]
    assert isinstance(last, Article)
    return last.number, TextWriter(ctx.locale).text([last])


@pytest.mark.parametrize("title, noun", [
    ("测试管理制度", "制度"), ("差旅费报销办法（试行）", "办法"), ("员工行为规范(2024年版)", "规范"),
    ("信息安全实施细则", "细则"), ("员工手册", "制度"),
])
def test_noun_comes_from_the_title(title, noun):
    n, text = closing(context(articles_doc(title=title)))
    assert (n, text) == (4, f"本{noun}自2025年3月1日起施行。")


def test_traditional_title_gives_traditional_noun():
    doc = articles_doc(title="差旅費報銷辦法", lang="zh-Hant-TW")
    doc.locale = "zh-Hant-TW"
    assert closing(context(doc)) == (4, "本辦法自2025年3月1日起施行。")


def test_clause_goes_into_the_last_section_and_is_anchored_like_any_article():
    ctx = context(articles_doc())
    last_chapter = ctx.body[-1]
    assert isinstance(last_chapter.children[-1], Section)
    assert last_chapter.children[-1].children[-1].number == 4
    assert 'id="第四条"' in str(HtmlWriter(ctx).body())
    assert ctx.doc.body[-1].children[-1].children[-1].number == 3  # the tree itself is unchanged


@pytest.mark.parametrize("own", ["本制度自2025年3月1日起施行。", "本辦法自發布之日起實施。"])
def test_no_second_clause_when_the_text_has_one(own):
    doc = articles_doc()
    doc.body[0].children[0].blocks.append(Paragraph([Text(own)], doc.body[0].children[0].pos))
    ctx = context(doc)
    assert ctx.effective_clause == ""
    assert len(ctx.doc.articles()) == sum(isinstance(n, Article) for n in _walk(ctx.body)) == 3


def test_sectioned_documents_close_their_last_part_with_a_paragraph():
    ctx = context(sectioned_doc())
    last = ctx.body[-1]
    assert isinstance(last.children[-1], Paragraph)
    assert TextWriter(ctx.locale).inline(last.children[-1].inlines) == "本制度自2025年3月1日起施行。"


def test_no_clause_without_an_effective_date():
    doc = articles_doc(effective_date=None)
    assert context(doc).body == doc.body


def _walk(nodes):
    for n in nodes:
        yield n
        if isinstance(n, (Chapter, Section)):
            yield from _walk(n.children)
