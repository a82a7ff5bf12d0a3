"""Page and web furniture: text that surrounds a regulation but is not part of it.

Download buttons, uploader and copyright lines, "已阅读5页,还剩2页未读",
page numbers (also inside sentences: ``_第1頁``), a site's "小编" blurb,
breadcrumb titles repeated twice, tables of contents and the scattered
letters of a flowchart.  Every removal is reported with its source place.
"""

from __future__ import annotations

import re

from .blocks import SourceBlock
from .report import Finding

_LINE_PATTERNS = [
    (re.compile(r"^(?:下载文档|下載文檔|下载本文档|下載本文檔|合集下载|合集下載|免费下载|免費下載|立即下载|立即下載|"
                r"相关文档|相關文檔|最新文档|最新文檔|相关推荐|相關推薦|文档下载|文檔下載|收藏|分享|分享到.*|举报|舉報|点赞|點讚|评论|評論|"
                r"打印|列印|返回顶部|返回頂部|上一篇.*|下一篇.*|更多.*范文.*|展开全文|展開全文|阅读全文|閱讀全文)[:：]?$"),
     "web page button or link"),
    (re.compile(r"^(?:上传人|上傳人|上传者|上傳者|上传时间|上傳時間|发布时间|發佈時間|浏览次数|瀏覽次數|来源|來源|"
                r"责任编辑|責任編輯|版权说明|版權說明|版权声明|版權聲明|免责声明|免責聲明)\s*[:：].*"),
     "web page metadata"),
    (re.compile(r"^(?:版权说明|版權說明|版权声明|版權聲明)"), "web page copyright notice"),
    (re.compile(r"已[阅閱][读讀]\d+[页頁][,，]?\s*[还還]剩\d+[页頁]未[读讀]"), "web page reading progress"),
    (re.compile(r"^(?:看[过過]|看了).*的人[还還][会會]看[:：]?$"), "web page recommendation"),
    (re.compile(r"小[编編]|精心整理|欢迎大家分享|歡迎大家分享|希望(?:能够|能夠|对|對)?(?:帮助|幫助)到?大家|仅供参考|僅供參考"),
     "web page editor's note"),
    (re.compile(r"^\s*[-—–_\s]*(?:第\s*\d+\s*[页頁](?:\s*[,，/]?\s*共\s*\d+\s*[页頁])?|\d+\s*/\s*\d+|[-—–]\s*\d+\s*[-—–])\s*$"),
     "page number"),
    (re.compile(r"^\d{1,3}$"), "page number"),
    (re.compile(r"^(?:\d+\.\s*)?\d+、(?:下载文档前|下載文檔前|"
                r"[\"“]?仅部分预览|[\"“]?僅部分預覽|如文档侵犯|如文檔侵犯).*"), "document site disclaimer"),
    (re.compile(r"^(?:目录|目錄)\s*[:：]?\s*$"), "table of contents heading"),
]
#: Page numbers and markers that landed inside a sentence.
_INLINE_PATTERNS = [
    (re.compile(r"_?第\s*\d+\s*[页頁](?:\s*[,，]?\s*共\s*\d+\s*[页頁])?"), "page number inside the text"),
    (re.compile(r"已[阅閱][读讀]\d+[页頁][,，]?\s*[还還]剩\d+[页頁]未[读讀]"), "reading progress inside the text"),
    (re.compile(r"(?:下载文档|下載文檔)"), "download link inside the text"),
]
_TOC = re.compile(r"^(?:目录|目錄)\s*\S")
_COLLECTION = re.compile(r"[（(]?(?:精选|精選)?(?:\d+|[一二三四五六七八九十]+)篇[）)]?$|合集$|汇编$|彙編$|大全$")


_COLLECTION_INTRO = re.compile(r"^[^。；，,！!？?]{0,40}?(?:[（(](?:精选|精選)?(?:\d+|[一二三四五六七八九十]+)篇[）)]|"
                               r"(?:\d+|[一二三四五六七八九十]+)篇(?=【))")


def is_collection_intro(text: str) -> bool:
    """"网络管理制度(15篇)在不断进步的社会中……": a collection's heading run into its introduction."""
    return bool(_COLLECTION_INTRO.search(text.strip()))


def is_collection_heading(text: str) -> bool:
    """"网络管理制度(精选7篇)", "…范文三篇", "…合集": the title of a page of several documents."""
    return bool(_COLLECTION.search(text.strip()))


def drop_furniture(blocks: list[SourceBlock], findings: list[Finding]) -> list[SourceBlock]:
    """Remove furniture lines and inline page marks; report each removal."""
    out: list[SourceBlock] = []
    for block in blocks:
        if block.is_table:
            out.append(block)
            continue
        text = block.text.strip()
        why = _line_furniture(text)
        if why:
            findings.append(Finding(block.where, "furniture", f"dropped ({why}): “{_short(text)}”", block.line))
            continue
        for pattern, reason in _INLINE_PATTERNS:
            for m in list(pattern.finditer(text)):
                findings.append(Finding(block.where, "furniture", f"removed {reason}: “{m.group(0)}”", block.line))
            text = pattern.sub("", text)
        if (_TOC.match(text) and _looks_like_toc(text)) or _is_outline(text) or _toc_with_pages(text):
            findings.append(Finding(block.where, "furniture", f"dropped a table of contents: “{_short(text)}”", block.line))
            continue
        if _is_diagram_residue(text):
            findings.append(Finding(block.where, "furniture",
                                    f"dropped scattered characters (text of a flowchart or diagram): “{_short(text)}”",
                                    block.line))
            continue
        if out and not out[-1].is_table and out[-1].text.strip() == text and len(text) <= 60:
            findings.append(Finding(block.where, "furniture", f"dropped a repeated line: “{_short(text)}”", block.line))
            continue
        if text != block.text:
            block.text = text
        if text:
            out.append(block)
    return out


def _line_furniture(text: str) -> str:
    for pattern, reason in _LINE_PATTERNS:
        if pattern.search(text):
            if reason == "web page editor's note" and len(text) > 120:
                continue
            return reason
    return ""


def _looks_like_toc(text: str) -> bool:
    """目录 followed by titles and no sentences."""
    body = text[2:]
    return body.count("。") == 0 and (body.count(" ") >= 3 or len(re.findall(r"\.{3,}|…{2,}|\d+\s", body)) >= 3)


_HEADING_MARK = re.compile(r"第[一二三四五六七八九十百\d]+[章节節条條]")


def _toc_with_pages(text: str) -> bool:
    """…流程 目录 一、总则 (2) 二、客服部内部管理制度 (2) …: entries with their page numbers."""
    return bool(re.search(r"目录|目錄", text)) and len(re.findall(r"[（(]\d{1,3}[）)]", text)) >= 3 \
        and "。" not in text


def _is_outline(text: str) -> bool:
    """A run of headings without sentences: a table of contents copied with the text."""
    marks = len(_HEADING_MARK.findall(text))
    return marks >= 4 and text.count("。") + text.count("；") <= marks // 4


def _is_diagram_residue(text: str) -> bool:
    """"息 指 反 令": single characters separated by spaces — what a flowchart leaves behind."""
    tokens = text.split()
    if len(tokens) >= 2 and all(len(t) <= 2 for t in tokens) and not re.search(r"[。，；：,;:]", text):
        return True
    return len(tokens) >= 3 and sum(len(t) <= 2 for t in tokens) >= len(tokens) * 0.7 and "。" not in text


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
