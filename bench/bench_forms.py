"""Forms and handbook bench (issue #7).

Targets: a training register (PDF + DOCX) for a 5,000-person roster in ≤ 10 s;
a 300-page handbook PDF in ≤ 20 s and ≤ 8 MB.

    .venv/bin/python bench/bench_forms.py [--names 5000] [--pages 300] [--json]

The register is timed end to end as a user runs it (``policydocs register``
in a fresh process: start-up, roster parsing, both formats, atomic write),
from a GBK CSV like the one a Chinese Excel saves.  The handbook is built from
the sample policies cloned under new ids until it reaches the page count;
only ``HandbookRenderer.pdf`` is timed (the project is loaded first): one
Typst run over the whole book, as ``policydocs build`` lays it out (there is
no parallel path), timed once: Typst memoizes layouts within a process, so a
second run of the same input would time its cache.  The baseline, in the same
run, is the book of the second policy only (an input not laid out before; the
first policy warms up the fonts), so the per-page ratio says what a page costs
in a long book against a short one.
Wall time depends on what else runs on the machine, so the 1-minute load
average (the higher of before/after) and CPU seconds are printed with the
figures.  Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sample import copy_sample  # noqa: E402  (bench/sample.py)

REGISTER_TARGET_S = 10.0
HANDBOOK_TARGET_S = 20.0
HANDBOOK_TARGET_MB = 8.0


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def bench_register(tmp: Path, names: int) -> dict:
    depts = ["人力资源部", "研发中心软件开发部", "财务部", "生产制造部一车间", "市场营销部", "行政部"]
    lines = ["部门,姓名,工号,岗位"]
    for i in range(names):
        lines.append(f"{depts[i % len(depts)]},员工{i:05d},E{i:06d},{'工程师' if i % 2 else '专员'}")
    roster = tmp / "roster.csv"
    roster.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    out = tmp / "forms"
    project = copy_sample(tmp / "register")  # `register` records the issue in the ledger: never the repository's
    shutil.copytree(ROOT / "ledger", project / "ledger")  # the released A/1, as in the repository
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "policydocs", "-C", str(project), "register", "--policy", "HR-ATT-002",
                           "--roster", str(roster), "--date", "2025-03-05", "--time", "14:00-16:00",
                           "--place", "一号厂房培训室", "--trainer", "王丽", "--organizer", "人力资源部", "-o", str(out)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"register failed:\n{proc.stderr}")
    pdf = next(out.glob("*.pdf"))
    docx = next(out.glob("*.docx"))
    return {"names": names, "seconds": round(wall, 2),
            "cpu_seconds": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
            "pages": pdf_pages(pdf), "pdf_mb": round(pdf.stat().st_size / 1e6, 2),
            "docx_mb": round(docx.stat().st_size / 1e6, 2)}


def synthetic_project(tmp: Path, copies: int) -> Path:
    """The sample project plus ``copies`` clones of every policy in force (new ids)."""
    root = copy_sample(tmp / "proj")
    ids = []
    for src in sorted((ROOT / "policies").glob("*.md")):
        text = src.read_text(encoding="utf-8")
        if not re.search(r"^status: (effective|trial)\s*$", text, re.M):
            continue
        pid = re.search(r"^id: (\S+)", text, re.M).group(1)
        ids.append(pid)
        for n in range(1, copies + 1):
            new = f"{pid}-B{n:02d}"
            body = re.sub(r"^id: \S+", f"id: {new}", text, count=1, flags=re.M)
            body = re.sub(r"^(title: .*)$", rf"\1（第{n}册）", body, count=1, flags=re.M)
            body = re.sub(r"^supersedes: .*$\n", "", body, flags=re.M)
            (root / "policies" / f"{new}.md").write_text(body, encoding="utf-8")
            ids.append(new)
    (root / "handbooks").mkdir()
    (root / "handbooks" / "bench.yaml").write_text(
        "title: 员工手册\naudience: 全体员工\nforeword: 基准测试手册。\npolicies:\n"
        + "".join(f"  - {i}\n" for i in ids), encoding="utf-8")
    return root


def bench_handbook(tmp: Path, pages: int) -> dict:
    from policydocs.pipeline.build import handbook_job
    from policydocs.pipeline.session import BuildSession
    from policydocs.products.handbook import HandbookRenderer, load_handbook
    from policydocs.products.handbook_docx import handbook_docx

    per_copy = 34  # pages of one set of the sample policies in force (measured)
    root = synthetic_project(tmp, max(0, round(pages / per_copy) - 1))
    session = BuildSession.open(root)
    hb = load_handbook(root / "handbooks" / "bench.yaml", session.project)
    job = handbook_job(session, hb, "zh-Hans")
    renderer, parts = HandbookRenderer(job.config, job.texts), job.parts
    renderer.pdf(dataclasses.replace(hb, policy_ids=hb.policy_ids[:1]), "zh-Hans", parts[:1])  # warm up fonts

    def timed(book, book_parts) -> tuple[bytes, float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t, c = time.perf_counter(), time.process_time()
        data = renderer.pdf(book, "zh-Hans", book_parts)  # one Typst run over the whole book
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        children = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return data, time.perf_counter() - t, time.process_time() - c + children

    data, wall, cpu = timed(hb, parts)
    out = tmp / "handbook.pdf"
    out.write_bytes(data)
    n_pages = pdf_pages(out)
    small, small_wall, _ = timed(dataclasses.replace(hb, policy_ids=hb.policy_ids[1:2]), parts[1:2])
    (tmp / "baseline.pdf").write_bytes(small)
    small_pages = pdf_pages(tmp / "baseline.pdf")
    result = {"policies": len(hb.policy_ids), "pages": n_pages, "seconds": round(wall, 2),
              "cpu_seconds": round(cpu, 2),
              "mb": round(len(data) / 1e6, 2), "ms_per_page": round(wall / n_pages * 1000, 1),
              "baseline_pages": small_pages, "baseline_seconds": round(small_wall, 3),
              "baseline_ms_per_page": round(small_wall / small_pages * 1000, 1)}
    result["per_page_ratio"] = round(result["ms_per_page"] / result["baseline_ms_per_page"], 2)
    t = time.perf_counter()
    docx = handbook_docx(renderer, hb, "zh-Hans", parts)
    result.update(docx_seconds=round(time.perf_counter() - t, 2), docx_mb=round(len(docx) / 1e6, 2))
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=5000)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-forms-") as tmp:
        load = os.getloadavg()[0]
        reg = bench_register(Path(tmp), args.names)
        hb = bench_handbook(Path(tmp), args.pages)
        load = max(load, os.getloadavg()[0])
    result = {"register": reg, "handbook": hb, "cpus": os.cpu_count(), "load_1min": round(load, 1)}
    ok = (reg["seconds"] <= REGISTER_TARGET_S and hb["seconds"] <= HANDBOOK_TARGET_S
          and hb["mb"] <= HANDBOOK_TARGET_MB)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"register: {reg['names']} names → {reg['pages']} pages, PDF {reg['pdf_mb']} MB + DOCX {reg['docx_mb']} MB "
              f"in {reg['seconds']} s wall / {reg['cpu_seconds']} s CPU (target ≤ {REGISTER_TARGET_S} s)")
        print(f"handbook: {hb['policies']} policies → {hb['pages']} pages, {hb['mb']} MB in {hb['seconds']} s wall / "
              f"{hb['cpu_seconds']} s CPU, one Typst run (target ≤ {HANDBOOK_TARGET_S} s, ≤ {HANDBOOK_TARGET_MB} MB); DOCX {hb['docx_mb']} MB in "
              f"{hb['docx_seconds']} s")
        print(f"  {hb['ms_per_page']} ms a page; baseline, the book of one policy: {hb['baseline_pages']} pages "
              f"in {hb['baseline_seconds']} s ({hb['baseline_ms_per_page']} ms a page) → a page of the long book "
              f"costs {hb['per_page_ratio']}× a page of the short one")
        print(f"machine: {result['cpus']} CPUs, load average {result['load_1min']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
