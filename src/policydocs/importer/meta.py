"""Front matter from what a document says about itself.

The cover block (文件编号 / 版本 / 编制部门 / 生效日期 / 适用范围 / 编制 审核 批准),
running headers, a title ending in (试行), the closing clauses
(本制度由××部负责解释 / 本制度自2025年1月1日起施行) and the script of the text.
Everything that is not stated is a guess and is reported as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..convert.conversion import opencc_converter
from .markers import chinese_value
from .report import Finding
from .segment import Unit

_KEYS = {
    "id": ("文件编号", "文件編號", "制度编号", "制度編號", "文件代码", "文件代碼", "编号", "編號"),
    "version": ("版本号", "版本號", "版本", "版次"),
    "department": ("编制部门", "編制部門", "制定部门", "制定部門", "主管部门", "主管部門", "归口部门", "歸口部門",
                   "发文部门", "發文部門", "起草部门", "起草部門", "编制单位", "編制單位"),
    "effective_date": ("生效日期", "实施日期", "實施日期", "施行日期", "执行日期", "執行日期"),
    "issued_date": ("发布日期", "發布日期", "颁布日期", "頒布日期", "发文日期"),
    "applies_to": ("适用范围", "適用範圍"),
    "编制": ("编制人", "编制", "編制", "拟制", "擬制"),
    "审核": ("审核人", "审核", "審核"),
    "批准": ("批准人", "批准", "核准"),
    "page": ("页次", "頁次", "页码", "頁碼"),
}
_ALL_KEYS = sorted(((k, field_) for field_, keys in _KEYS.items() for k in keys), key=lambda kv: -len(kv[0]))
_KEY_ALT = "|".join(re.escape(k) for k, _ in _ALL_KEYS)
_FIELD = re.compile(rf"({_KEY_ALT})\s*[:：]\s*(.*?)(?=\s*(?:{_KEY_ALT})\s*[:：]|$)")
_ID_OK = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
_EFFECTIVE = re.compile(r"^本(?:制度|办法|辦法|规定|規定|细则|細則|规则|規則|规范|規範)自(?P<date>.+?)起"
                        r"(?:施行|实施|實施|执行|執行|实行|實行|生效)[。.]?$")
_INTERPRET = re.compile(r"本(?:制度|办法|辦法|规定|規定|细则|細則|规则|規則)由(?P<dept>[^，。；,]{2,20}?)负责解释|"
                        r"本(?:制度|办法|辦法|规定|規定|细则|細則|规则|規則)由(?P<dept_t>[^，。；,]{2,20}?)負責解釋")
_APPLIES = re.compile(r"本(?:制度|办法|辦法|规定|規定|细则|細則)適?[适適]用于?於?(?P<who>[^。；;]{2,30})[。；;]")
_TRIAL = re.compile(r"\s*[（(](?P<word>试行|試行|暂行|暫行|草案|征求意见稿|徵求意見稿|修订稿|修訂稿)[）)]\s*$")
_STATUS_LINE = re.compile(r"^【?(?:已废止|已廢止)(?:[（(]已被替代[）)])?】?\s*(?:→\s*(?P<by>[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*))?$")
_REVISION_TITLES = ("修订记录", "修訂記錄", "修订履历", "修訂履歷", "变更记录", "變更記錄", "修订历史", "修訂歷史")
_CATEGORIES = (("人力", "人事"), ("人事", "人事"), ("财务", "财务"), ("財務", "財務"), ("行政", "行政"),
               ("综合", "行政"), ("綜合", "行政"), ("办公室", "行政"), ("辦公室", "行政"), ("信息", "信息技术"),
               ("資訊", "資訊"), ("网络", "信息技术"), ("網路", "資訊"), ("IT", "信息技术"), ("安全", "安全"),
               ("质量", "质量"), ("品質", "品質"), ("采购", "采购"), ("採購", "採購"), ("销售", "销售"), ("市场", "市场"))


@dataclass
class GuessedMeta:
    """Front matter values and where each came from (None when not found)."""

    title: str = ""
    policy_id: str = ""
    version: str = ""
    department: str = ""
    category: str = ""
    status: str = ""
    effective_date: date | None = None
    issued_date: date | None = None
    applies_to: str = ""
    interpreted_by: str = ""
    superseded_by: str = ""
    lang: str = ""
    approvers: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # field → where it was read


def parse_date(text: str) -> date | None:
    """2025年1月1日, 2025-01-01, 2025/1/1, 2025.1.1, 二〇二五年一月一日, 中華民國114年1月1日."""
    t = text.strip().replace(" ", "")
    roc = re.match(r"^(?:中華民國|中华民国|民國|民国)(\d{2,3})年(\d{1,2})月(\d{1,2})日", t)
    m = roc or re.match(r"^(\d{4})\s*[年\-/.．]\s*(\d{1,2})\s*[月\-/.．]\s*(\d{1,2})\s*日?", t)
    if m:
        year = int(m.group(1)) + (1911 if roc else 0)
        try:
            return date(year, int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    m = re.match(r"^([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日", t)
    if m:
        digits = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
        try:
            return date(int("".join(str(digits[c]) for c in m.group(1))), chinese_value(m.group(2)) or 0,
                        chinese_value(m.group(3)) or 0)
        except (ValueError, KeyError):
            return None
    return None


def fields_in(text: str) -> list[tuple[str, str, str]]:
    """(field, key as written, value) for every "key：value" in a line."""
    out = []
    for m in _FIELD.finditer(text):
        key = m.group(1)
        field_ = next(f for k, f in _ALL_KEYS if k == key)
        out.append((field_, key, m.group(2).strip()))
    return out


def _table_fields(table: list[list[str]]) -> list[tuple[str, str]]:
    """A cover table: cells alternate key | value."""
    pairs = []
    for row in table:
        for i in range(0, len(row) - 1):
            key = row[i].strip().rstrip(":：")
            field_ = next((f for k, f in _ALL_KEYS if k == key), None)
            if field_ and row[i + 1].strip() and not any(row[i + 1].strip().rstrip(":：") == k for k, _ in _ALL_KEYS):
                pairs.append((field_, row[i + 1].strip()))
    return pairs


def _is_approval_table(table: list[list[str]]) -> bool:
    cells = {c.strip().rstrip(":：") for row in table[:2] for c in row}
    roles = {"编制", "編制", "审核", "審核", "批准", "核准", "制定"}
    return len(cells & roles) >= 2 and len(table) <= 4


def _is_revision_table(table: list[list[str]]) -> bool:
    head = "".join(table[0]) if table else ""
    return ("版本" in head or "版次" in head) and any(w in head for w in ("修订", "修訂", "变更", "變更", "日期"))


def extract(units: list[Unit], header_lines: list[str], title: str, title_where: str,
            findings: list[Finding], header_tables: list[list[list[str]]] | None = None) -> tuple[GuessedMeta, list[Unit]]:
    """Take the cover block, revision table and effective clause out of ``units``; guess the rest."""
    meta = GuessedMeta()
    kept: list[Unit] = []
    body_started = False

    def take(field_: str, value: str, where: str) -> None:
        value = value.strip().strip("：:").strip()
        if not value or field_ == "page":
            return
        if field_ in ("编制", "审核", "批准"):
            if value and not value.startswith(("日期", "签名", "簽名")):
                meta.approvers.setdefault(field_, value)
            return
        if field_ in ("effective_date", "issued_date"):
            parsed = parse_date(value)
            if parsed and getattr(meta, field_) is None:
                setattr(meta, field_, parsed)
                meta.sources[field_] = where
            return
        attr = "policy_id" if field_ == "id" else field_
        if field_ == "version" and value in ("草稿", "草稿版", "DRAFT"):
            return
        if field_ == "id":
            value = value.replace(" ", "")
        if not getattr(meta, attr):
            setattr(meta, attr, value)
            meta.sources[field_] = where

    revision_heading: Unit | None = None
    for k, u in enumerate(units):
        if u.is_table:
            if _is_revision_table(u.table or []) and (revision_heading is not None or k == len(units) - 1):
                findings.append(Finding(u.where, "metadata", "dropped the revision history table: history comes from "
                                                             "the ledger (`policydocs history`)", u.line))
                continue
            if _is_approval_table(u.table or []):
                findings.append(Finding(u.where, "metadata", "dropped the approval block (编制/审核/批准): approvals are "
                                                             "recorded with `policydocs approve`, not typed", u.line))
                for field_, value in _table_fields(u.table or []):
                    take(field_, value, u.where)
                continue
            pairs = _table_fields(u.table or [])
            if pairs and not body_started:
                for field_, value in pairs:
                    take(field_, value, u.where)
                findings.append(Finding(u.where, "metadata", "read the cover table as front matter: "
                                        + ", ".join(f"{f}={v}" for f, v in pairs), u.line))
                continue
            kept.append(u)
            continue
        status = _STATUS_LINE.match(u.text.strip()) if u.marker is None and not body_started else None
        if status:
            meta.status = "superseded" if status.group("by") or "替代" in u.text else "repealed"
            meta.superseded_by = status.group("by") or ""
            meta.sources["status"] = u.where
            findings.append(Finding(u.where, "metadata", f"status line “{u.text.strip()}” → status: {meta.status}"
                                    + (f", superseded_by: {meta.superseded_by}" if meta.superseded_by else ""), u.line))
            continue
        if u.marker is None and u.text.strip() in _REVISION_TITLES:
            revision_heading = u
            continue
        found = fields_in(u.text) if u.marker is None and not body_started else []
        if found:
            covered = sum(len(k) + len(v) + 1 for _, k, v in found)
            if covered >= len(u.text.replace(" ", "").replace("\u3000", "")) * 0.6:
                for field_, _, value in found:
                    take(field_, value, u.where)
                findings.append(Finding(u.where, "metadata", "read a cover line as front matter: "
                                        + "; ".join(f"{k}：{v}" for _, k, v in found), u.line))
                continue
        if u.marker is not None:
            body_started = True
        kept.append(u)
    for line in header_lines:
        for field_, _, value in fields_in(line):
            if field_ in ("id", "version", "effective_date", "department"):
                take(field_, value, "page header")
    for table in header_tables or []:
        for field_, value in _table_fields(table):
            if field_ in ("id", "version", "effective_date", "department"):
                take(field_, value, "page header")
    # an unnumbered closing clause after the last 第X条 (本制度自2025年1月1日起施行。) cannot be a 款 of
    # that article: it becomes effective_date, and the renderer prints it again as the last article.
    # A numbered closing article stays (it is visible text); a sectioned text's closing paragraph stays.
    has_articles = any(u.marker is not None and u.marker.style == "article" for u in kept)
    last = kept[-1] if kept else None
    if last is not None and has_articles and not last.is_table and last.marker is None:
        m = _EFFECTIVE.match(last.text.strip())
        when = parse_date(m.group("date")) if m else None
        if when:
            kept.pop()
            meta.effective_date = meta.effective_date or when
            meta.sources.setdefault("effective_date", last.where)
            findings.append(Finding(last.where, "metadata", f"the unnumbered closing clause “{last.text}” became "
                                    f"effective_date: {when.isoformat()} (the renderer prints it as the last article)",
                                    last.line))
    _guess_from_text(meta, kept, title, title_where, findings)
    return meta, kept


def _guess_from_text(meta: GuessedMeta, units: list[Unit], title: str, title_where: str,
                     findings: list[Finding]) -> None:
    text = "\n".join(u.text for u in units if not u.is_table)
    traditional = detect_lang(text[:4000]) != "zh-Hans"
    m = _TRIAL.search(title)
    if m:
        title = title[:m.start()].strip()
        word = m.group("word")
        meta.status = "trial" if word in ("试行", "試行", "暂行", "暫行") else "draft"
        findings.append(Finding(title_where, "metadata", f"“({word})” in the title → status: {meta.status}", 0))
    meta.title = title
    if not meta.effective_date:
        for u in units:
            m2 = re.search(r"自(?P<date>[^，。；起]{6,20})起(?:施行|实施|實施|执行|執行|实行|實行|生效)", u.text)
            when = parse_date(m2.group("date")) if m2 else None
            if when:
                meta.effective_date = when
                findings.append(Finding(u.where, "metadata", f"effective_date {when.isoformat()} taken from the text "
                                                             f"“{m2.group(0)}”", u.line))
                break
    m = _INTERPRET.search(text)
    if m:
        meta.interpreted_by = (m.group("dept") or m.group("dept_t") or "").strip()
    if not meta.department:
        if meta.interpreted_by:
            meta.department = meta.interpreted_by
            findings.append(Finding("text", "metadata", f"department “{meta.department}” guessed from the "
                                                        "interpretation clause (本制度由…负责解释)"))
        else:
            meta.department = "待定"  # the same in both scripts
            findings.append(Finding("text", "metadata", "no department stated: department set to “待定” — fill it in"))
    if not meta.applies_to:
        m = _APPLIES.search(text)
        if m and len(m.group("who")) <= 30:
            meta.applies_to = m.group("who").strip()
            findings.append(Finding("text", "metadata", f"applies_to “{meta.applies_to}” guessed from “{m.group(0)}”"))
        else:
            meta.applies_to = "全體員工" if traditional else "全体员工"
            findings.append(Finding("text", "metadata", f"no scope stated: applies_to set to “{meta.applies_to}” — check it"))
    meta.category = next((cat for word, cat in _CATEGORIES if word in meta.department), "")
    if meta.category:
        findings.append(Finding("text", "metadata", f"category “{meta.category}” guessed from the department"))
    else:
        meta.category = "未分類" if traditional else "未分类"
        findings.append(Finding("text", "metadata", f"category unknown: set to “{meta.category}” — choose one"))
    if not meta.status:
        meta.status = "effective" if meta.effective_date else "draft"
    if meta.status == "superseded" and not meta.superseded_by:
        meta.status = "repealed"
    if meta.status in ("trial", "effective") and meta.effective_date is None:
        findings.append(Finding("text", "metadata", f"status would be {meta.status} but no effective date is stated: "
                                                    "imported as draft"))
        meta.status = "draft"
    if meta.version:
        findings.append(Finding(meta.sources.get("version", "cover"), "metadata",
                                f"the source says version {meta.version}: record it when you release "
                                f"(`policydocs release`), the ledger numbers versions"))
    if meta.approvers:
        names = ", ".join(f"{r} {p}" for r, p in meta.approvers.items())
        findings.append(Finding("cover", "metadata", f"the source names approvers ({names}): they must approve "
                                                     "again with their own keys"))


def detect_lang(text: str) -> str:
    """zh-Hans, or zh-Hant-TW / zh-Hant-HK / zh-Hant for Traditional text (OpenCC decides)."""
    sample = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")[:20000]
    if not sample:
        return "zh-Hans"
    to_simplified = opencc_converter("t2s").convert(sample)
    traditional_only = sum(a != b for a, b in zip(sample, to_simplified))
    to_traditional = opencc_converter("s2t").convert(sample)
    simplified_only = sum(a != b for a, b in zip(sample, to_traditional))
    if traditional_only <= simplified_only:
        return "zh-Hans"
    tw = sum(a != b for a, b in zip(sample, opencc_converter("t2tw").convert(sample)))
    hk = sum(a != b for a, b in zip(sample, opencc_converter("t2hk").convert(sample)))
    if hk < tw:
        return "zh-Hant-HK"
    return "zh-Hant-TW" if tw <= hk else "zh-Hant"
