"""The legacy texts in ../shared/testdata/legacy import to policies that pass `check` and build.

Each collection file is split into its titled regulations; web furniture (下载文档, 小编 blurbs,
"看过…的人还会看"), pinyin leaks and *** brackets are gone; the reports list the guesses.
Nothing here is copied into policies/: everything is written to a temporary project.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SHARED, pdftotext, preview, run_cli

from policydocs.read.project import load_project

LEGACY = SHARED / "testdata" / "legacy"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not LEGACY.is_dir(), reason="shared legacy texts missing")]


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("legacy") / "proj"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text('[organisation]\nname = "测试公司"\n[locales]\npublish = ["zh-Hans"]\n'
                                          '[build]\nformats = ["pdf"]\n', encoding="utf-8")
    result = run_cli("import", str(LEGACY), cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def test_collections_split_into_their_regulations(imported):
    docs = load_project(imported).documents  # the `check` rules: every file parses, every reference resolves
    tw = {d.meta.title: d for pid, d in docs.items() if pid.startswith("INTERNET-OPS-RULES")}
    assert sorted(tw) == ["網際網路管理制度範文一", "網際網路管理制度範文三", "網際網路管理制度範文二"]
    assert all(d.meta.lang == "zh-Hant-TW" for d in tw.values())
    third = tw["網際網路管理制度範文三"]
    assert len(third.articles()) == 12
    refs = [n for n in third.walk() if n.__class__.__name__ == "Ref"]
    assert [r.numbers for r in refs].count((7,)) == 4  # 按照本制度第七條 … four times
    network = [d for pid, d in docs.items() if pid.startswith("NETWORK-DEPT-RULES")]
    assert len(network) >= 15
    first = docs["NETWORK-DEPT-RULES-01"]
    assert first.meta.title == "医院网络部管理制度"
    assert (len(first.chapters()), len(first.articles())) == (4, 15)
    assert len([pid for pid in docs if pid.startswith("DEPARTMENT-RULES-COLLECTION")]) >= 5


def test_no_furniture_or_leaks_left(imported):
    text = "\n".join(p.read_text(encoding="utf-8") for p in (imported / "policies").glob("*.md"))
    for junk in ("下载文档", "下載文檔", "小编", "小編", "還會看", "还会看", "相关文档", "***"):
        assert junk not in text, junk
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ ]+\)", text)
    report = (imported / "import-reports" / "INTERNET-OPS-RULES-01.md").read_text(encoding="utf-8")
    assert "pinyin" not in report or "(xù)" in report
    assert "read as brackets" in report and "Dropped as page or web furniture" in report


def test_imported_policies_build(imported):
    result = run_cli("build", "--formats", "pdf", "--no-sign", "-q", "--policy", "INTERNET-OPS-RULES-03",
                     "--policy", "NETWORK-DEPT-RULES-01", "--policy", "DEPARTMENT-RULES-COLLECTION-01", cwd=imported)
    assert result.returncode == 0, result.stderr
    text = pdftotext(preview(imported, "NETWORK-DEPT-RULES-01"))
    assert "第十五条" in text and "第四章" in text
