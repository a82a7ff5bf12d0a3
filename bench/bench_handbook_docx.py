"""Handbook DOCX: what the pre-filled 目录 costs (one LibreOffice layout of the finished file).

    .venv/bin/python bench/bench_handbook_docx.py [--copies N]

Builds a handbook of the sample policies copied ``N`` times (new ids, default 12:
96 policies, about 400 pages) and times, in the same process:

- the DOCX without page numbers (python-docx writing only: the baseline),
- the DOCX with page numbers (the same plus ``docx_layout.bookmark_pages``:
  LibreOffice headless converts the file once and ``pdfinfo -dests`` reads
  where every ``_Toc`` bookmark landed).

Prints both times, their ratio, the pages and the layout's cost per page.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from sample import copy_sample  # noqa: E402

from policydocs.pipeline.build import handbook_job  # noqa: E402
from policydocs.pipeline.session import BuildSession  # noqa: E402
from policydocs.products import handbook as hbmod  # noqa: E402
from policydocs.products.handbook_docx import handbook_docx  # noqa: E402
from policydocs.render import docx_layout  # noqa: E402


def make_project(dst: Path, copies: int) -> list[str]:
    copy_sample(dst)
    ids = []
    for src in sorted((dst / "policies").glob("*.md")):
        text = src.read_text(encoding="utf-8")
        if re.search(r"^status:\s*(superseded|repealed)", text, re.M):
            continue  # not allowed in a handbook
        pid = re.search(r"^id:\s*(\S+)", text, re.M).group(1)
        for n in range(1, copies):
            (dst / "policies" / f"{pid}-C{n}.md").write_text(
                re.sub(r"^id:\s*\S+", f"id: {pid}-C{n}", text, count=1, flags=re.M), encoding="utf-8")
            ids.append(f"{pid}-C{n}")
        ids.append(pid)
    (dst / "handbooks").mkdir(exist_ok=True)
    (dst / "handbooks" / "big.yaml").write_text(
        "title: 员工手册\npolicies:\n" + "".join(f"  - {pid}\n" for pid in sorted(ids)), encoding="utf-8")
    return ids


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=12)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        ids = make_project(root, args.copies)
        os.chdir(root)
        session = BuildSession.open(root)
        hb = hbmod.load_handbook(root / "handbooks" / "big.yaml", session.project)
        job = handbook_job(session, hb, "zh-Hans")
        renderer, parts = hbmod.HandbookRenderer(job.config, job.texts), job.parts
        real = docx_layout.bookmark_pages
        docx_layout.bookmark_pages = lambda *a, **k: None
        t0 = time.perf_counter()
        handbook_docx(renderer, hb, "zh-Hans", parts)
        base = time.perf_counter() - t0
        docx_layout.bookmark_pages = real
        t0 = time.perf_counter()
        data = handbook_docx(renderer, hb, "zh-Hans", parts)
        full = time.perf_counter() - t0
        pdf = docx_layout.to_pdf(data)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    print(f"handbook: {len(hb.policy_ids)} policies, {pages} pages (LibreOffice layout)")
    print(f"DOCX without page numbers: {base:6.2f} s")
    print(f"DOCX with page numbers:    {full:6.2f} s  (ratio {full / base:4.1f}×; layout {full - base:5.2f} s, "
          f"{(full - base) / max(pages, 1) * 1000:4.0f} ms/page)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
