#!/usr/bin/env python3
"""PDF figures: one-page policy PDF (median) and the whole sample build.

Baseline in the same process: the same Typst compiler laying out a bare
one-paragraph Chinese page, so the ratio shows what our template and tree
cost on top of the engine.  Targets (issue #2, 2-core machine):
one-page policy ≤ 0.3 s, all samples ≤ 5 s.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from sample import copy_sample  # noqa: E402  (bench/sample.py)

ONE_PAGE = """---
id: BENCH-1
title: 会议室使用管理规定
department: 行政部
category: 行政
status: effective
effective_date: 2025-01-01
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范会议室的预约和使用，提高会议室利用率，制定本规定。

会议室实行预约使用，由行政部统一管理。{#book}

# 使用要求

使用人应当按照[[#book]]的规定提前预约，并按预约时间使用。

会议结束后，使用人应当关闭电器、整理桌椅。

# 附则

本规定由行政部负责解释，自发布之日起施行。
"""


def median_time(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="bench-xdg-"))
    from policydocs.core.model import VersionInfo
    from policydocs.pipeline.build import build
    from policydocs.read.project import load_project
    from policydocs.render.context import RenderContext
    from policydocs.render.pdf import PdfWriter
    from policydocs.render.typst.engine import engine_for

    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        # --- one-page policy vs the engine baseline --------------------------------
        one = work / "one"
        (one / "policies").mkdir(parents=True)
        (one / "policies" / "BENCH-1.md").write_text(ONE_PAGE, encoding="utf-8")
        project = load_project(one)
        doc = project.documents["BENCH-1"]
        writer = PdfWriter(one)
        ctx = RenderContext(doc=doc, config=project.config, version=VersionInfo.draft(doc))
        writer.write(ctx)  # warm fonts
        engine = engine_for(one)
        bare = '#set text(font: "Noto Serif CJK SC", lang: "zh")\n为规范会议室的预约和使用，制定本规定。\n'
        baseline = median_time(lambda: engine.compile((), bare), 9)
        policy = median_time(lambda: writer.write(ctx), 9)
        print(f"one-page policy PDF   median {policy * 1000:7.1f} ms  (target ≤ 300 ms)")
        print(f"engine baseline       median {baseline * 1000:7.1f} ms  (bare one-paragraph page)")
        print(f"ratio policy/baseline        {policy / baseline:7.2f}×")

        # --- whole sample set --------------------------------------------------------
        proj = copy_sample(work / "samples")
        n_docs = len(list((proj / "policies").glob("*.md")))
        t = time.perf_counter()
        build(proj, formats=["pdf"], locales=["zh-Hans"], sign=False, force=True, handbooks=False)
        one_locale = time.perf_counter() - t
        t = time.perf_counter()
        result = build(proj, sign=False, force=True, handbooks=False)
        everything = time.perf_counter() - t
        t = time.perf_counter()
        build(proj, sign=False, handbooks=False)
        cached = time.perf_counter() - t
        print(f"sample build, {n_docs} policies × zh-Hans PDF        {one_locale:6.2f} s  (target ≤ 5 s)")
        print(f"sample build, all locales × all formats ({len(result.artifacts)} files) {everything:6.2f} s")
        print(f"rebuild with nothing changed (cache)           {cached:6.2f} s  ({cached / everything:.2f}× of full)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
