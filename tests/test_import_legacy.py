"""The legacy texts in ../shared/testdata/legacy import to policies that pass `check` and build.

Every collection is split into its regulations — at collection headings (…(精选7篇)), at 【第N篇】, and,
on a page of titled excerpts, at every title line — and every produced policy's structure is pinned
below against a count made by reading the source (docs/import.md has the table and how it was made).
Web furniture (下载文档, 小编 blurbs, "看过…的人还会看"), pinyin leaks and *** brackets are gone; the
reports list the guesses.  Nothing here is copied into policies/: everything goes to a temporary project.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SHARED, pdftotext, preview, run_cli

from policydocs.core.model import Article, Chapter, Section, plain_text
from policydocs.importer.batch import count
from policydocs.read.project import load_project

LEGACY = SHARED / "testdata" / "legacy"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not LEGACY.is_dir(), reason="shared legacy texts missing")]

#: id → (title, numbering a=articles / s=sectioned, chapters (sectioned: 一、 parts), sections, articles, items)
EXPECTED = {
    # internet-ops-rules.zh-Hant-TW.txt: "範文三篇", three regulations
    "INTERNET-OPS-RULES-01": ("網際網路管理制度範文一", "s", 5, 0, 0, 29),  # 一、–五、; 5+4+8+3+4+5 items 1、…
    "INTERNET-OPS-RULES-02": ("網際網路管理制度範文二", "a", 0, 0, 12, 0),  # 1、–12、 sentences
    "INTERNET-OPS-RULES-03": ("網際網路管理制度範文三", "a", 0, 0, 12, 0),  # 一、–十二、 sentences
    # network-dept-rules.zh-Hans.txt: 22 regulations (three collections inside it)
    "NETWORK-DEPT-RULES-01": ("医院网络部管理制度", "a", 4, 0, 15, 0),
    "NETWORK-DEPT-RULES-02": ("医院网络部管理制度", "a", 0, 0, 5, 22),  # 第一条:总则 1.… (3+4+5+6+4)
    "NETWORK-DEPT-RULES-03": ("大学网络部管理规章制度", "a", 3, 0, 21, 0),
    "NETWORK-DEPT-RULES-04": ("单位网络部门管理制度", "a", 5, 0, 9, 25),  # run-on 1. …;2. … (6+4+5+5+5)
    "NETWORK-DEPT-RULES-05": ("医院网络部管理制度范本", "a", 4, 0, 19, 0),
    "NETWORK-DEPT-RULES-06": ("装修公司网络部日常管理制度", "s", 5, 0, 0, 14),  # 一、组织结构与职责划分…; bullets 4+3+3+3+1
    "NETWORK-DEPT-RULES-07": ("公司网络部门管理制度", "a", 6, 0, 18, 11),
    "NETWORK-DEPT-RULES-08": ("公司网络部管理制度", "a", 8, 0, 24, 0),  # 第一节–第八节 as chapters; 23 points + 绪论
    "NETWORK-DEPT-RULES-09": ("网络部团队管理制度", "a", 4, 0, 19, 0),
    "NETWORK-DEPT-RULES-10": ("医院网络部管理制度范文", "s", 5, 0, 0, 17),  # 一、总则1.1 … (3+3+5+4+2)
    "NETWORK-DEPT-RULES-11": ("电信网络部管理制度", "s", 7, 0, 0, 28),  # 7+7+5+5+4 run-on items
    "NETWORK-DEPT-RULES-12": ("公司网络部管理制度", "a", 6, 0, 20, 3),
    "NETWORK-DEPT-RULES-13": ("网络部管理制度", "a", 3, 0, 13, 13),
    "NETWORK-DEPT-RULES-14": ("网络部门的管理制度", "a", 7, 0, 19, 4),  # no 第X条: 1+1+3+4+5+4+1 articles
    "NETWORK-DEPT-RULES-15": ("网络部团队管理制度范文", "a", 0, 0, 15, 0),  # 【第1篇】: purpose + 1、–14、
    "NETWORK-DEPT-RULES-16": ("电信网络部管理制度范文", "a", 7, 0, 18, 0),
    "NETWORK-DEPT-RULES-17": ("网络管理制度1", "a", 0, 0, 7, 0),  # (精选7篇) no. 1: 一、–七、
    "NETWORK-DEPT-RULES-18": ("网络管理制度2", "s", 1, 0, 0, 4),  # (精选7篇) no. 2: 一、工作制度 1、–4、
    "NETWORK-DEPT-RULES-19": ("网络部门管理制度", "a", 4, 0, 18, 0),
    "NETWORK-DEPT-RULES-20": ("医院网络部管理制度", "a", 0, 0, 1, 10),  # "以下是…内容:" + 1.–10.
    "NETWORK-DEPT-RULES-21": ("网络管理制度1", "s", 3, 1, 0, 10),  # (15篇) no. 1, cut off by the page
    "NETWORK-DEPT-RULES-22": ("大客户部管理制度", "a", 0, 0, 11, 45),  # mixed: 一、 parts, 第一条–第十条, （一）–（十三）
    # department-rules-collection.zh-Hans.txt: a page of 21 titled excerpts, one policy each
    "DEPARTMENT-RULES-COLLECTION-01": ("成控部门职能、制度、工作流程", "s", 3, 0, 0, 26),  # 11+7+8 (3、 missing)
    "DEPARTMENT-RULES-COLLECTION-02": ("公司员工工作流程及管理制度", "a", 1, 0, 4, 9),
    "DEPARTMENT-RULES-COLLECTION-03": ("客服部管理手册-客服流程岗位职责工作制度电话接听与回访投诉管理", "s", 1, 2, 0, 0),
    "DEPARTMENT-RULES-COLLECTION-04": ("急诊手术管理制度与工作流程图", "s", 0, 0, 0, 16),
    "DEPARTMENT-RULES-COLLECTION-05": ("管理制度及流程图", "s", 2, 0, 0, 13),
    "DEPARTMENT-RULES-COLLECTION-06": ("客服部管理制度与工作流程（整理版）18036", "s", 2, 3, 0, 10),
    "DEPARTMENT-RULES-COLLECTION-07": ("手术室工作流程", "a", 0, 0, 1, 10),
    "DEPARTMENT-RULES-COLLECTION-08": ("售后服务工作流程及管理制度", "s", 4, 1, 0, 15),
    "DEPARTMENT-RULES-COLLECTION-09": ("手术室工作流程及制度", "a", 0, 0, 12, 10),
    "DEPARTMENT-RULES-COLLECTION-10": ("企业战略管理制度与工作流程", "s", 7, 5, 0, 10),  # an outline: 1.1.1 … as items
    "DEPARTMENT-RULES-COLLECTION-11": ("客服日常工作制度", "a", 1, 0, 13, 3),
    "DEPARTMENT-RULES-COLLECTION-12": ("办公室日常管理制度流程", "a", 2, 0, 6, 0),
    "DEPARTMENT-RULES-COLLECTION-13": ("客服部管理制度", "a", 0, 0, 1, 32),
    "DEPARTMENT-RULES-COLLECTION-14": ("门诊手术室工作制度与规范全解", "s", 3, 0, 0, 24),
    "DEPARTMENT-RULES-COLLECTION-15": ("酒吧部管理制度和工作流程", "a", 0, 0, 2, 0),
    "DEPARTMENT-RULES-COLLECTION-16": ("办公系统管理办法", "a", 0, 0, 4, 0),
    "DEPARTMENT-RULES-COLLECTION-17": ("办公室管理制度与工作流程图", "a", 1, 0, 4, 15),
    "DEPARTMENT-RULES-COLLECTION-18": ("客服管理制度工作流程图", "a", 0, 0, 3, 0),
    "DEPARTMENT-RULES-COLLECTION-19": ("手术室相关规章制度", "a", 0, 0, 5, 0),
    "DEPARTMENT-RULES-COLLECTION-20": ("公司管理制度和工作流程的关系和人力资源管理工作的作用", "a", 0, 0, 1, 8),
    "DEPARTMENT-RULES-COLLECTION-21": ("信息部制度和工作流程", "s", 2, 1, 0, 4),
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("legacy") / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试公司"\n[locales]\npublish = ["zh-Hans"]\n'
                                          '[build]\nformats = ["pdf"]\n', encoding="utf-8")
    result = run_cli("import", str(LEGACY), "-j", "1", cwd=root)
    assert result.returncode == 0, result.stderr
    assert [line.split(" read ")[0] for line in result.stderr.splitlines() if " read " in line] == \
        ["[1/3]", "[2/3]", "[3/3]"]
    return root


def test_every_regulation_is_its_own_policy_with_the_counted_structure(imported):
    result = run_cli("check", cwd=imported)
    assert result.returncode == 0, result.stderr
    assert f"{len(EXPECTED)} policies" in result.stdout + result.stderr
    docs = load_project(imported).documents
    got = {}
    for pid, doc in docs.items():
        c = count(doc.body)
        got[pid] = (doc.meta.title, doc.meta.numbering[0], c.chapters, c.sections, c.articles, c.items)
    assert got == EXPECTED
    assert {d.meta.lang for pid, d in docs.items() if pid.startswith("INTERNET")} == {"zh-Hant-TW"}
    refs = [n for n in docs["INTERNET-OPS-RULES-03"].walk() if n.__class__.__name__ == "Ref"]
    assert sorted(r.numbers for r in refs) == [(5,)] * 3 + [(6,)] * 3 + [(7,)] * 4  # 按照本制度第五條 …


def test_no_empty_article_and_no_heading_glued_to_its_text(imported):
    docs = load_project(imported).documents
    for pid, doc in docs.items():
        assert all(a.blocks for a in doc.articles()), pid
        if pid.startswith("DEPARTMENT"):
            continue  # excerpts of tables of contents keep long headings; the reports list them
        for node in doc.walk():
            if isinstance(node, (Chapter, Section)):
                title = plain_text(node.title)
                assert len(title) <= 12 and not re.search(r"[，。；：]", title), (pid, title)
    first_chapters = [plain_text(c.title) for c in docs["NETWORK-DEPT-RULES-14"].chapters()]
    assert first_chapters == ["总则", "组织机构", "工作职责", "工作流程", "工作原则", "资源管理", "绩效考核"]
    # the regulation after a collection heading is not swallowed by the one before it
    text = (imported / "policies" / "NETWORK-DEPT-RULES-14.md").read_text(encoding="utf-8")
    assert "4篇" not in text and "【" not in text and "网络部团队管理制度" not in text
    assert not any(isinstance(n, Article) and not n.blocks for d in docs.values() for n in d.walk())


def test_no_furniture_or_leaks_left(imported):
    text = "\n".join(p.read_text(encoding="utf-8") for p in (imported / "policies").glob("*.md"))
    for junk in ("下载文档", "下載文檔", "小编", "小編", "還會看", "还会看", "相关文档", "最新文档", "***", "篇】",
                 "精选7篇", "(15篇)", "（15篇）"):
        assert junk not in text, junk
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ ]+\)", text)
    report = (imported / "import-reports" / "INTERNET-OPS-RULES-01.md").read_text(encoding="utf-8")
    assert "read as brackets" in report and "Dropped as page or web furniture" in report
    network = (imported / "import-reports" / "NETWORK-DEPT-RULES-15.md").read_text(encoding="utf-8")
    assert "【第1篇】" in network and "网络部团队管理制度范文" in network
    listing = (imported / "import-reports" / "DEPARTMENT-RULES-COLLECTION-01.md").read_text(encoding="utf-8")
    assert "21 titled excerpts" in listing


def test_imported_policies_build(imported):
    wanted = ["INTERNET-OPS-RULES-03", "NETWORK-DEPT-RULES-14", "NETWORK-DEPT-RULES-15", "DEPARTMENT-RULES-COLLECTION-09"]
    result = run_cli("build", "--formats", "pdf", "--no-sign", "-q", *[a for pid in wanted for a in ("--policy", pid)],
                     cwd=imported)
    assert result.returncode == 0, result.stderr
    def page_text(pid: str) -> str:  # without spaces and the letters of the diagonal 草稿 DRAFT watermark
        return re.sub(r"[\sDRAFT草稿]", "", pdftotext(preview(imported, pid)))

    text = page_text("NETWORK-DEPT-RULES-14")
    assert all(f"第{n}章" in text for n in "一二三四五六七") and "第八章" not in text and "第十九条" in text
    assert "组织机构" in text and "工作原则" in text
    assert "网络部团队管理制度" not in text
    tw = page_text("INTERNET-OPS-RULES-03")
    assert "第十二条" in tw and "本制度第五条、第六条、第七条" in tw  # the project publishes zh-Hans only
    assert "第十五条" in page_text("NETWORK-DEPT-RULES-15")
    assert "第十二条" in page_text("DEPARTMENT-RULES-COLLECTION-09")
