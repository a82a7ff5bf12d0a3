"""OpenCC's own test cases (../shared/testdata/opencc/testcases.json) through our converter API.

- glossary off, OpenCC defaults (tofu-risk dictionaries on): every case passes;
- with the default regulation glossary: every case passes except the
  deliberate differences listed in DELIBERATE, each with its reason — and
  each listed difference must still occur (so the list cannot go stale);
- with the tofu-risk dictionaries off (our default for PDF output): only the
  listed extension-plane cases differ.

testcases.json is JSON with comments and trailing commas; ``loads_jsonc``
strips both outside strings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policydocs.convert import conversion as cv

TESTCASES = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "opencc" / "testcases.json"

#: (case id, config) → reason the default glossary deliberately differs from OpenCC.
DELIBERATE = {
    ("case_026", "s2t"): "发布 → 發布: promulgate is 發布 in Taiwan and Hong Kong official usage (OpenCC: 發佈)",
    ("BYVoid_OpenCC_PR_508", "s2twp"):
        "设置 stays 設置 (establish: 设置岗位); OpenCC's software phrase 高级设置 → 進階設定 is lost with it",
    ("BYVoid_OpenCC_Issue_1246_core_reverse_phrase", "tw2sp"):
        "核心 stays 核心 (core: 核心技术, 核心级数据); tw2sp writes 内核 (OS kernel)",
}

#: (case id, config) → why the case differs with the tofu-risk dictionaries off.
TOFU_OFF = {
    ("BYVoid_OpenCC_PR_1228_existing_behaviors", "t2s"): "殢 → 𣨼 (U+23A3C) comes from TSCharactersExt, a tofu-risk dictionary",
    ("BYVoid_OpenCC_PR_1229_existing_behaviors", "t2s"): "圞 → 𪢮 (U+2A8AE) comes from TSCharactersExt",
    ("BYVoid_OpenCC_PR_464_xi_vs_xi", "t2s"): "樠 → 𣗊 (U+235CA) comes from TSCharactersExt",
}


def strip_jsonc(text: str) -> str:
    """Remove // and /* */ comments and trailing commas outside strings (line numbers kept)."""
    out: list[str] = []
    i, n = 0, len(text)
    in_str = False
    pending_comma: int | None = None  # index in ``out`` of a comma that may be trailing
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise ValueError("unterminated /* comment")
            out.append("\n" * text.count("\n", i, j))
            i = j + 2
            continue
        if c in " \t\r\n":
            out.append(c)
            i += 1
            continue
        if c in "}]" and pending_comma is not None:
            out[pending_comma] = " "
        pending_comma = None
        if c == ",":
            pending_comma = len(out)
        elif c == '"':
            in_str = True
        out.append(c)
        i += 1
    return "".join(out)


def loads_jsonc(text: str):
    return json.loads(strip_jsonc(text))


def test_jsonc_parser():
    src = '{"a": [1, 2, /* x, */ 3,], // c, ]\n "b": "//not, a /* comment */",\n "c": "q\\"//",}'
    assert loads_jsonc(src) == {"a": [1, 2, 3], "b": "//not, a /* comment */", "c": 'q"//'}
    with pytest.raises(json.JSONDecodeError):
        loads_jsonc('{"a": [1,, 2]}')


@pytest.fixture(scope="module")
def checks() -> list[tuple[str, str, str, str]]:
    data = loads_jsonc(TESTCASES.read_text(encoding="utf-8"))
    out = [(case["id"], cfg, case["input"], expected)
           for case in data["cases"] for cfg, expected in case["expected"].items()]
    assert len(out) >= 500
    return out


def run(checks, glossary, tofu_risk=True) -> dict[tuple[str, str], tuple[str, str]]:
    """(id, config) → (expected, got) for every failing check."""
    failures = {}
    for cid, cfg, text, expected in checks:
        if cv.config_direction(cfg) is None:  # jp2t / t2jp: not a policydocs locale direction
            got = cv.opencc_converter(cfg, tofu_risk=tofu_risk).convert(text)
        else:
            got = cv.converter_for_config(cfg, glossary=glossary, tofu_risk=tofu_risk).convert(text)
        if got != expected:
            failures[(cid, cfg)] = (expected, got)
    return failures


def test_every_config_in_the_checks_maps_to_a_direction(checks):
    configs = {cfg for _, cfg, _, _ in checks}
    unmapped = {c for c in configs if cv.config_direction(c) is None}
    assert unmapped <= {"jp2t", "t2jp"}
    assert {"s2tw", "s2twp", "s2hk", "tw2s", "tw2sp", "hk2s", "t2s"} <= configs


def test_upstream_all_pass_without_glossary(checks):
    assert run(checks, None) == {}


def test_upstream_with_default_glossary_only_deliberate_differences(checks):
    failures = run(checks, cv.load_glossary(None))
    assert set(failures) == set(DELIBERATE), failures


def test_upstream_with_tofu_risk_off(checks):
    failures = run(checks, None, tofu_risk=False)
    assert set(failures) == set(TOFU_OFF), failures
