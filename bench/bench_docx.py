"""DOCX time per policy: write_docx for every sample policy in every published locale.

Target (issue #3): ≤ 0.1 s median per policy DOCX.

    .venv/bin/python bench/bench_docx.py [--repeat N] [--json]

Measured per file: ``write_docx`` (open the cached reference from bytes,
build the tree's XML, header, core properties, save to disk).  Localisation
(OpenCC) happens before the loop and is not counted; it belongs to the
conversion bench.  The first file of the process also pays for generating the
reference template and is reported separately ("first").  For comparison the
same process times python-docx's bare ``Document().save()`` (the floor any
python-docx writer pays).  Exit status 1 when the median misses the target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import docx  # noqa: E402

from policydocs.convert.conversion import load_glossary, localize  # noqa: E402
from policydocs.core.model import Approval, Revision, VersionInfo  # noqa: E402
from policydocs.read.project import load_project  # noqa: E402
from policydocs.render.context import RenderContext  # noqa: E402
from policydocs.render.docx import write_docx  # noqa: E402

TARGET_MEDIAN_S = 0.1


def contexts() -> list[RenderContext]:
    os.chdir(ROOT)
    project = load_project(ROOT)
    glossary = load_glossary(ROOT)
    out = []
    for doc in project.documents.values():
        for locale in project.config.locales.publish:
            tree, _ = localize(doc, locale, glossary)
            version = VersionInfo(
                version="A/0", is_draft=False, effective_date=doc.meta.effective_date,
                approvals=[Approval(r, "张三", date(2025, 1, 1)) for r in ("编制", "审核", "批准")],
                revisions=[Revision("A/0", date(2025, 1, 1), "首次发行", {"编制": "张三"}, "全文")])
            out.append(RenderContext(tree, project.config, version))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="passes over all policies (default 5)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    ctxs = contexts()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t = time.perf_counter()
        write_docx(ctxs[0], out / "first.docx")
        first = time.perf_counter() - t
        times: list[float] = []
        sizes: list[int] = []
        for _ in range(args.repeat):
            for i, ctx in enumerate(ctxs):
                path = out / f"{i}.docx"
                t = time.perf_counter()
                write_docx(ctx, path)
                times.append(time.perf_counter() - t)
                sizes.append(path.stat().st_size)
        floor: list[float] = []
        for _ in range(20):
            t = time.perf_counter()
            docx.Document().save(str(out / "bare.docx"))
            floor.append(time.perf_counter() - t)

    median = statistics.median(times)
    result = {
        "files": len(ctxs), "passes": args.repeat,
        "median_s": round(median, 4), "p90_s": round(statistics.quantiles(times, n=10)[-1], 4),
        "max_s": round(max(times), 4), "first_s": round(first, 4),
        "bare_python_docx_s": round(statistics.median(floor), 4),
        "median_kb": round(statistics.median(sizes) / 1024, 1),
        "target_median_s": TARGET_MEDIAN_S, "ok": median <= TARGET_MEDIAN_S,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"DOCX per policy: median {result['median_s'] * 1000:.1f} ms, p90 {result['p90_s'] * 1000:.1f} ms, "
              f"max {result['max_s'] * 1000:.1f} ms over {len(times)} files "
              f"({result['files']} policy×locale, {args.repeat} passes); first file {first * 1000:.1f} ms")
        print(f"  python-docx bare Document().save(): {result['bare_python_docx_s'] * 1000:.1f} ms; "
              f"median file {result['median_kb']} kB")
        print(f"  target ≤ {TARGET_MEDIAN_S * 1000:.0f} ms median: {'OK' if result['ok'] else 'MISSED'}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
