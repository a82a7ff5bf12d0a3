"""Chinese numerals and labels as a reader expects them."""

import pytest

from policydocs.core.model import Ref, SourcePos
from policydocs.core.numbering import (
    article_label,
    chapter_label,
    chinese_numeral,
    item_marker,
    ref_text,
    section_label,
)


@pytest.mark.parametrize("n, words", [
    (1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"),
    (99, "九十九"), (100, "一百"), (101, "一百零一"), (105, "一百零五"), (110, "一百一十"), (111, "一百一十一"),
    (120, "一百二十"), (200, "二百"), (999, "九百九十九"), (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"),
    (1100, "一千一百"), (10000, "一万"),
])
def test_chinese_numerals(n, words):
    assert chinese_numeral(n) == words


def test_labels_mainland_and_taiwan():
    assert article_label(5, "zh-Hans") == "第五条"
    assert article_label(5, "zh-Hant-TW") == "第五條"
    assert article_label(110, "zh-Hant-HK") == "第一百一十條"
    assert chapter_label(3, "zh-Hans") == "第三章"
    assert section_label(2, "zh-Hans") == "第二节"
    assert section_label(2, "zh-Hant-TW") == "第二節"


def test_item_markers_follow_locale_levels():
    # mainland: 项 （一） → 目 1. → （1）
    assert [item_marker(2, d, "zh-Hans") for d in (1, 2, 3)] == ["（二）", "2.", "（2）"]
    # Taiwan: 款 一、 → 目 （一） → 1、
    assert [item_marker(2, d, "zh-Hant-TW") for d in (1, 2, 3)] == ["二、", "（二）", "2、"]


def test_reference_texts():
    pos = SourcePos("x.md", 1)
    art = Ref(None, "late", pos, kind="article", numbers=(5,))
    assert ref_text(art, "zh-Hans") == "第五条"
    assert ref_text(art, "zh-Hant-TW") == "第五條"
    item = Ref(None, "x", pos, kind="item", numbers=(14, 2))
    assert ref_text(item, "zh-Hans") == "第十四条第（二）项"
    assert ref_text(item, "zh-Hant-TW") == "第十四條第二款"
    other = Ref("FIN-EXP-001", "std", pos, kind="article", numbers=(3,), title="费用报销管理制度")
    assert ref_text(other, "zh-Hans") == "《费用报销管理制度》第三条"
    whole = Ref("FIN-EXP-001", None, pos, kind="policy", title="费用报销管理制度")
    assert ref_text(whole, "zh-Hans") == "《费用报销管理制度》"
