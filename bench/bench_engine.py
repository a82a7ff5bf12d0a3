"""PDF engines side by side: Typst (ours) against WeasyPrint (what we used before), in one run.

Per engine, in its own fresh process:

* ``policy``   — a one-page policy PDF (layout + write, warm writer) and the longest
  sample (HR-ATT-002), per document and per page;
* ``handbook`` — the handbook of the 100-policy corpus (the 9 samples copied to 100
  policies with new ids), one locale, per document and per page;
* ``register`` — the 5,000-name training register (250 sheets).

The WeasyPrint side runs the code of ``--baseline`` (default: the last commit that
had the WeasyPrint engine), extracted with ``git archive`` into a temporary folder;
it needs ``pip install 'policydocs[bench]'`` (WeasyPrint). Times are wall clock,
median of ``--repeat`` runs, each on slightly different input (Typst memoizes
identical input); the load average is printed, since the machine is shared:
compare the ratios.

    python bench/bench_engine.py                  # both engines
    python bench/bench_engine.py --only typst     # ours only (no WeasyPrint needed)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The last commit whose PDF engine was WeasyPrint (main before the Typst engine landed).
WEASYPRINT_BASELINE = "9cf791b"

ONE_PAGE = """---
id: ADM-ONE-001
title: 印章使用管理规定
department: 行政部
category: 行政
status: effective
effective_date: 2025-01-01
applies_to: 全体员工
lang: zh-Hans
---

# 总则

为规范公司印章的刻制、保管和使用，防范用印风险，制定本规定{n}。

本规定所称印章，包括公司公章、合同专用章、财务专用章和部门印章。

# 用印管理

用印实行登记制度，经办人填写用印申请单，经部门负责人审核、分管领导批准后用印。

印章管理人员应当核对用印文件与审批内容是否一致，不一致的，不予用印。
"""


# --------------------------------------------------------------------------- corpus


def make_corpus(dst: Path, count: int = 100) -> Path:
    """The 9 samples copied to ``count`` policies with new ids (references keep pointing at the originals)."""
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "policydocs.toml", dst / "policydocs.toml")
    if (REPO / "glossary.yaml").exists():
        shutil.copy2(REPO / "glossary.yaml", dst / "glossary.yaml")
    (dst / "policies").mkdir(exist_ok=True)
    samples = sorted((REPO / "policies").glob("*.md"))
    for src in samples:
        shutil.copy2(src, dst / "policies" / src.name)
    n = 0
    while len(samples) + n < count:
        src = samples[n % len(samples)]
        text = src.read_text(encoding="utf-8")
        pid = re.search(r"^id:\s*(\S+)", text, re.M).group(1)
        new = f"{pid.rsplit('-', 1)[0]}-{200 + n}"
        text = re.sub(r"^id:\s*\S+", f"id: {new}", text, count=1, flags=re.M)
        text = re.sub(r"^(supersedes|superseded_by):.*\n(\s+-.*\n)*", "", text, flags=re.M)
        text = text.replace("status: superseded", "status: effective")
        (dst / "policies" / f"{new}.md").write_text(text, encoding="utf-8")
        n += 1
    (dst / "handbooks").mkdir(exist_ok=True)
    (dst / "handbooks" / "all.yaml").write_text(
        "title: 员工手册\naudience: 全体员工\ndoc_no: HB-ALL-001\nversion: 2025年版\npolicies:\n"
        "  - category: 人事\n  - category: 行政\n  - category: 财务\n  - category: 信息技术\n", encoding="utf-8")
    return dst


# --------------------------------------------------------------------------- one engine (child process)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def _pages(pdf: bytes) -> int:
    import io

    import pikepdf  # the test extra; WeasyPrint writes pages inside object streams

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def measure(corpus: Path, repeat: int) -> dict:
    """Time the three documents with whatever ``policydocs`` is importable (ours or the baseline)."""
    import inspect

    from policydocs.convert import conversion
    from policydocs.products import forms, history
    from policydocs.products.handbook import HandbookRenderer, load_handbook
    from policydocs.read.project import load_project
    from policydocs.read.roster import Employee
    from policydocs.render.context import RenderContext
    from policydocs.render.pdf import PdfWriter

    out: dict = {}
    started = time.perf_counter()
    project = load_project(corpus)
    writer = PdfWriter(corpus)
    glossary = conversion.load_glossary(corpus)

    def ctx_of(doc):
        version = history.version_info(corpus, project.config, doc.meta.id, doc.source_text,
                                       fallback_effective=doc.meta.effective_date)
        localized, _ = conversion.localize(doc, "zh-Hans", glossary)
        return RenderContext(localized, project.config, version)

    # policy: a one-page policy, then the longest sample
    from policydocs.read import markdown as parsing

    def one_page(i: int):
        path = corpus / "policies" / "ADM-ONE-001.md"
        path.write_text(ONE_PAGE.format(n=f"（{i}）"), encoding="utf-8")
        doc = parsing.parse_policy(path)
        path.unlink()
        return ctx_of(doc)

    first = time.perf_counter()
    pdf = writer.write(one_page(0))
    out["policy_first_s"] = round(time.perf_counter() - first, 4)
    times = []
    for i in range(1, repeat + 1):
        ctx = one_page(i)
        t = time.perf_counter()
        pdf = writer.write(ctx)
        times.append(time.perf_counter() - t)
    out["policy_one_page"] = {"pages": _pages(pdf), "doc_s": _median(times)}
    doc = project.documents["HR-ATT-002"]
    times = []
    for i in range(repeat):
        ctx = ctx_of(doc)
        ctx.doc.meta.title = f"考勤管理制度{'　' * (i % 2)}"
        t = time.perf_counter()
        pdf = writer.write(ctx)
        times.append(time.perf_counter() - t)
    out["policy_sample"] = {"pages": _pages(pdf), "doc_s": _median(times)}

    # handbook: the whole corpus, one locale
    hb = load_handbook(corpus / "handbooks" / "all.yaml", project)
    t = time.perf_counter()
    try:  # this checkout: the build session localizes the parts
        from policydocs.pipeline.build import handbook_job
        from policydocs.pipeline.session import BuildSession

        job = handbook_job(BuildSession(project), hb, "zh-Hans", ("pdf",))
        renderer, parts = HandbookRenderer(job.config, job.texts), job.parts
    except ImportError:  # the WeasyPrint baseline: the renderer localized them itself
        renderer = HandbookRenderer(project)
        parts = renderer.parts(hb, "zh-Hans")
    out["handbook_inputs_s"] = round(time.perf_counter() - t, 3)
    params = inspect.signature(renderer.pdf).parameters
    runs = {"one process": {}} if "jobs" not in params else {"one process": {"jobs": 1}, "2 processes": {"jobs": 2}}
    out["handbook"] = {}
    for label, kw in runs.items():
        times = []
        for i in range(max(1, repeat // 3)):
            hb.title = f"员工手册{'　' * i}"
            t = time.perf_counter()
            pdf = renderer.pdf(hb, "zh-Hans", parts, **kw)
            times.append(time.perf_counter() - t)
        out["handbook"][label] = {"pages": _pages(pdf), "doc_s": _median(times), "policies": len(parts)}

    # register: 5,000 names
    material = forms.Material("考勤管理制度", "HR-ATT-002", "A/1")
    session = forms.Session("考勤制度培训", date(2025, 3, 3), "14:00–16:00", "三楼大会议室", "李娜", "人力资源部",
                            "全体员工", material)
    opts = forms.FormOptions(company="华衡智造科技有限公司", form_no="PD-F-001")
    rparams = inspect.signature(forms.register_pdf).parameters
    runs = {"one process": {}} if "jobs" not in rparams else {"one process": {"jobs": 1}, "2 processes": {"jobs": 2}}
    out["register"] = {}
    for label, kw in runs.items():
        times = []
        for i in range(max(1, repeat // 3)):
            people = [Employee(("人力资源部", "财务部", "信息技术部")[k % 3], f"员工{i}{k:04d}", f"E{k:05d}", "专员")
                      for k in range(5000)]
            t = time.perf_counter()
            pdf = forms.register_pdf(session, people, opts, corpus, **kw)
            times.append(time.perf_counter() - t)
        out["register"][label] = {"pages": _pages(pdf), "doc_s": _median(times)}
    out["total_s"] = round(time.perf_counter() - started, 2)
    return out


# --------------------------------------------------------------------------- driver


def _run_child(src: Path, corpus: Path, repeat: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(corpus), "--repeat", str(repeat)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=corpus)
    if res.returncode != 0:
        raise SystemExit(f"engine run failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _rows(result: dict) -> list[tuple[str, int, float]]:
    rows = [("policy, one page", result["policy_one_page"]["pages"], result["policy_one_page"]["doc_s"]),
            ("policy HR-ATT-002", result["policy_sample"]["pages"], result["policy_sample"]["doc_s"])]
    for label, r in result["handbook"].items():
        rows.append((f"handbook, {r['policies']} policies ({label})", r["pages"], r["doc_s"]))
    for label, r in result["register"].items():
        rows.append((f"register, 5,000 names ({label})", r["pages"], r["doc_s"]))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", default=WEASYPRINT_BASELINE, help="git revision of the WeasyPrint engine")
    ap.add_argument("--only", choices=("typst", "weasyprint"), help="run one engine only")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.repeat)))
        return 0
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        tmp = Path(tmp)
        corpus = make_corpus(tmp / "corpus")
        load = os.getloadavg()[0]
        if args.only != "typst":
            base = tmp / "baseline"
            base.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "src", "templates"],
                                     capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
            results["WeasyPrint"] = _run_child(base / "src", corpus, args.repeat)
        if args.only != "weasyprint":
            results["Typst"] = _run_child(REPO / "src", corpus, args.repeat)
    print(f"load average at start: {load:.1f} on {os.cpu_count()} CPUs; wall clock, median of {args.repeat}")
    print(f"{'document':44} {'engine':>10} {'pages':>6} {'per doc':>10} {'per page':>10}")
    by_engine = {name: _rows(r) for name, r in results.items()}
    for name, rows in by_engine.items():
        for label, pages, secs in rows:
            print(f"{label:44} {name:>10} {pages:>6} {secs * 1000:>8.0f}ms {secs / max(pages, 1) * 1000:>8.1f}ms")
    if len(by_engine) == 2:
        typst = {label.split(" (")[0]: (pages, secs) for label, pages, secs in by_engine["Typst"]}
        print("\nratio WeasyPrint / Typst (per page):")
        for label, pages, secs in by_engine["WeasyPrint"]:
            key = label.split(" (")[0]
            if key in typst:
                tp, ts = typst[key]
                if pages and tp and ts:
                    print(f"  {label:44} {secs / pages / (ts / tp):6.1f}×")
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
