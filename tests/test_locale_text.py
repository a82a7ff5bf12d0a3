"""Traditional output as a Taiwan or Hong Kong reader expects it: the conversion
report names mainland vocabulary (信息 → usually 資訊), 「」 quotes in every output,
and the organisation's name per locale."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import release_all, run_cli

from policydocs.convert import conversion as cv
from policydocs.core.errors import PolicyError
from policydocs.core.model import VersionInfo
from policydocs.read.config import load_config
from policydocs.read.project import load_project
from policydocs.render.context import RenderContext
from policydocs.render.text import TextWriter

POLICY = """---
id: IT-ACC-001
title: 信息系统账号管理办法
department: 信息技术部
category: 信息技术
status: effective
effective_date: 2025-01-01
applies_to: 全体员工
lang: zh-Hans
---

# 总则

员工应妥善保管信息系统账号，不得将账号借给他人。

质量管理部门负责审核程序文件，并通过“内部通知”公布检查结果。

员工不得在“工作群”中转发‘内部’资料，但 don’t-reply 邮件除外。
"""


def make(tmp_path: Path, config: str = "", glossary: str = "") -> Path:
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "IT-ACC-001.md").write_text(POLICY, encoding="utf-8")
    (root / "policydocs.toml").write_text(
        '[organisation]\nname = "华衡智造科技有限公司"\n[locales]\npublish = ["zh-Hans", "zh-Hant-TW", "zh-Hant-HK"]\n'
        + config, encoding="utf-8")
    if glossary:
        (root / "glossary.yaml").write_text(glossary, encoding="utf-8")
    return root


def localized(root: Path, locale: str):
    project = load_project(root)
    return cv.localize(project.documents["IT-ACC-001"], locale, cv.load_glossary(root))


def test_mainland_vocabulary_is_listed_to_review_without_changing_the_text(tmp_path):
    doc, report = localized(make(tmp_path), "zh-Hant-TW")
    body = TextWriter("zh-Hant-TW").text(doc.body)
    assert "信息系統賬號" in body  # the text is not changed: the glossary decides
    vocab = [(e.source, e.result, e.suggestion, e.line, e.field) for e in report.entries if e.rule == "vocabulary"]
    assert ("信息", "信息", "資訊", 14, "") in vocab
    assert ("账号", "賬號", "帳號", 14, "") in vocab
    assert ("质量", "質量", "品質", 16, "") in vocab
    assert ("信息", "信息", "資訊", 3, "title") in vocab
    # glossary terms are never second-guessed (审核, 程序, 文件 stay as the glossary says)
    assert not any(s in ("审核", "程序", "文件", "审核程序") for s, *_ in vocab)
    text = report.render()
    assert "[vocabulary] 账号 → 賬號, usually 帳號" in text
    assert "change(s) beyond character mapping to review: " in text and "vocabulary" in text.splitlines()[2]
    # Hong Kong has its own list
    _, hk = localized(make(tmp_path / "hk"), "zh-Hant-HK")
    assert ("信息", "信息", "資訊") in {(e.source, e.result, e.suggestion) for e in hk.entries if e.rule == "vocabulary"}
    assert not any(e.source == "账号" for e in hk.entries if e.rule == "vocabulary")


def test_a_glossary_term_settles_a_vocabulary_entry(tmp_path):
    glossary = "terms:\n  - {zh-Hans: 账号, zh-Hant-TW: 帳號, reason: 台灣用字}\n"
    doc, report = localized(make(tmp_path, glossary=glossary), "zh-Hant-TW")
    assert "信息系統帳號" in TextWriter("zh-Hant-TW").text(doc.body)
    assert not any(e.source == "账号" and e.rule == "vocabulary" for e in report.entries)
    assert any(e.source == "账号" and e.rule == "glossary" for e in report.entries)


def test_traditional_output_uses_corner_quotes_everywhere(tmp_path):
    root = make(tmp_path)
    doc, _ = localized(root, "zh-Hant-TW")
    body = TextWriter("zh-Hant-TW").text(doc.body)
    assert "通過「內部通知」公布" in body and "在「工作群」中轉發『內部』資料" in body
    assert "don’t-reply" in body  # an apostrophe is not a quote
    # and back: Traditional source to Simplified output gets “”
    assert cv.convert_text("請見「內部『機密』資訊」", "zh-Hant-TW", "zh-Hans") == "请见“内部‘机密’资讯”"
    # as written when the project says so
    kept, _ = localized(make(tmp_path / "keep", config='quotes = "keep"\n'), "zh-Hant-TW")
    assert "通過“內部通知”公布" in TextWriter("zh-Hant-TW").text(kept.body)
    assert cv.glossary_hash(cv.load_glossary(tmp_path / "keep" / "proj")) != cv.glossary_hash(cv.load_glossary(root))


def test_quote_setting_is_validated(tmp_path):
    root = make(tmp_path, config='quotes = "fancy"\n')
    with pytest.raises(PolicyError) as info:
        load_config(root)
    assert str(info.value).endswith('policydocs.toml:5: error: locales.quotes must be "locale" (「」 in Traditional, '
                                    '“” in Simplified) or "keep"')


ORG = """
[organisation.names]
zh-Hant-TW = "華衡智造科技股份有限公司"
zh-Hant-HK = "華衡智造（香港）有限公司"
"""


def test_organisation_name_per_locale(tmp_path):
    root = make(tmp_path, config=ORG)
    cfg = load_config(root)
    assert cfg.organisation.name_for("zh-Hant-TW") == "華衡智造科技股份有限公司"
    assert cfg.organisation.name_for("zh-Hans") == "华衡智造科技有限公司"
    doc, _ = localized(root, "zh-Hant-HK")
    assert RenderContext(doc, cfg, VersionInfo.draft(doc)).company == "華衡智造（香港）有限公司"


@pytest.mark.parametrize("table, message", [
    ('zh-TW = "華衡"', "policydocs.toml:7: error: organisation.names: unknown locale 'zh-TW'; known: zh-Hans, zh-Hant, "
                       "zh-Hant-TW, zh-Hant-HK"),
    ('zh-Hant-TW = ""', "policydocs.toml:7: error: organisation.names.zh-Hant-TW must be a non-empty string"),
])
def test_organisation_names_are_validated(tmp_path, table, message):
    root = make(tmp_path, config=f"\n[organisation.names]\n{table}\n")
    with pytest.raises(PolicyError) as info:
        load_config(root)
    assert str(info.value).endswith(message)


@pytest.mark.slow
def test_taiwan_pdf_and_docx_print_corner_quotes_and_the_local_name(tmp_path):
    root = make(tmp_path, config=ORG)
    result = run_cli("build", "--no-sign", "-q", "--locales", "zh-Hant-TW", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "vocabulary" in result.stdout  # the summary counts what is left to review
    pdf = subprocess.run(["pdftotext", str(root / "build/preview/zh-Hant-TW/IT-ACC-001.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout.replace("\n", "")
    assert "「內部通知」" in pdf and "“" not in pdf
    assert "華衡智造科技股份有限公司" in pdf and "华衡智造科技有限公司" not in pdf
    d = docx.Document(str(root / "build/preview/zh-Hant-TW/IT-ACC-001.docx"))
    assert any("「內部通知」" in p.text for p in d.paragraphs)
    header = "".join(c.text for t in d.sections[0].header.tables for r in t.rows for c in r.cells)
    assert "華衡智造科技股份有限公司" in header
    report = (root / "build/reports/IT-ACC-001.zh-Hant-TW.conversion.txt").read_text(encoding="utf-8")
    assert "[vocabulary] 账号 → 賬號, usually 帳號" in report


def test_portal_header_names_the_organisation_per_locale(tmp_path):
    from policydocs.pipeline.build import build
    from policydocs.pipeline.session import BuildSession
    from policydocs.products.site import generate_site

    root = make(tmp_path, config='[build]\nformats = ["docx"]\n' + ORG)
    release_all(root)  # the portal shows released versions only
    build(root)
    generate_site(BuildSession.open(root))
    site = root / "build" / "site"
    assert "華衡智造科技股份有限公司" in (site / "zh-Hant-TW" / "index.html").read_text(encoding="utf-8")
    assert "華衡智造（香港）有限公司" in (site / "zh-Hant-HK" / "IT-ACC-001.html").read_text(encoding="utf-8")
    assert "華衡智造科技股份有限公司" not in (site / "zh-Hans" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_handbook_and_register_print_the_organisation_name_per_locale(tmp_path):
    from policydocs.pipeline.build import handbook_job, render_handbook
    from policydocs.pipeline.session import BuildSession
    from policydocs.products.handbook import load_handbook

    root = make(tmp_path, config=ORG)
    (root / "handbooks").mkdir()
    (root / "handbooks" / "staff.yaml").write_text("title: 员工手册\npolicies: [IT-ACC-001]\n", encoding="utf-8")
    session = BuildSession.open(root)
    hb = load_handbook(root / "handbooks" / "staff.yaml", session.project)
    books = render_handbook(handbook_job(session, hb, "zh-Hant-TW", ("pdf", "docx")))
    (tmp_path / "hb.pdf").write_bytes(books["pdf"])
    cover = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "hb.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "華衡智造科技股份有限公司" in cover and "華衡智造科技有限公司" not in cover
    every = subprocess.run(["pdftotext", str(tmp_path / "hb.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "華衡智造科技有限公司" not in every  # nor in the bound policy's header
    d = docx.Document(io.BytesIO(books["docx"]))
    assert d.paragraphs[0].text == "華衡智造科技股份有限公司"  # the cover's first line
    assert d.core_properties.author == "華衡智造科技股份有限公司"
    # the training register, a record people sign
    result = run_cli("register", "--policy", "IT-ACC-001", "--date", "2025-03-01", "--locale", "zh-Hant-TW",
                     "--format", "pdf", "--draft", cwd=root)
    assert result.returncode == 0, result.stderr
    register = subprocess.run(["pdftotext", str(root / "build/forms/register-IT-ACC-001-2025-03-01.zh-Hant-TW.pdf"),
                               "-"], capture_output=True, text=True, check=True).stdout
    assert "華衡智造科技股份有限公司" in register and "華衡智造科技有限公司" not in register
