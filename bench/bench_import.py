"""Import speed: one 200-article regulation, and a folder of 100 files.

Targets (issue #15): importing a 200-article document takes ≤ 1 s; a folder
of 100 files imports in parallel with progress.

    .venv/bin/python bench/bench_import.py [--repeat N]

A 200-article policy (20 chapters, items, a table, citations) is generated
in the source format, rendered by our own writers to DOCX and PDF and
exported as typed text; each is imported (read → structure → references →
Markdown → validation by our parser → write), best of N.  Baseline in the
same process: parsing the generated Markdown with ``parse_policy_text``
(what `check` pays per policy), so the ratio survives a busy machine.
The folder case runs the real CLI over 100 files (DOCX and text) with the
process pool and with ``-j 1``; both wall times and their ratio are printed.
Exit status 1 when the 200-article import misses 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from policydocs.core.model import VersionInfo  # noqa: E402
from policydocs.core.numbering import article_label, chapter_label, item_marker  # noqa: E402
from policydocs.importer.batch import Options, finish, read_drafts  # noqa: E402
from policydocs.read.markdown import parse_policy_text  # noqa: E402
from policydocs.read.project import load_project  # noqa: E402
from policydocs.render.context import RenderContext  # noqa: E402
from policydocs.render.writers import get_writer  # noqa: E402

TOPICS = ["考勤", "请假", "加班", "出差", "报销", "采购", "合同", "档案", "保密", "设备", "培训", "绩效", "安全", "消防",
          "车辆", "印章", "会议", "接待", "网络", "数据"]
CONFIG = '[organisation]\nname = "示例科技有限公司"\n[locales]\nsource = "zh-Hans"\npublish = ["zh-Hans"]\n'


def big_policy(articles: int = 200, per_chapter: int = 10) -> str:
    """A synthetic 200-article policy in the source format (our own wording)."""
    lines = ["---", "id: BENCH-200", "title: 综合管理制度", "department: 行政部", "category: 行政", "status: effective",
             "effective_date: 2025-01-01", "applies_to: 全体员工", "lang: zh-Hans", "---", ""]
    n = 0
    for c in range(articles // per_chapter):
        topic = TOPICS[c % len(TOPICS)]
        lines += [f"# {topic}管理", ""]
        for k in range(per_chapter):
            n += 1
            label = f" {{#a{n}}}" if n % 7 == 0 else ""
            cite = f"，并按照[[#a{n - n % 7}]]的规定办理" if n > 7 and n % 5 == 0 else ""
            sentence = f"{topic}事项第{k + 1}项要求由相关部门负责落实，责任人应当在规定期限内完成登记和报告{cite}。{label}"
            if n == articles:  # the text's own closing clause (else the renderer adds a 201st article)
                sentence = "本制度自2025年1月1日起施行。"
            lines += [sentence, ""]
            if n % 4 == 0:
                lines += ["- 按时提交书面材料；", "- 经部门负责人审核；", "  - 涉及金额的，报财务部复核；",
                          "  - 涉及合同的，报法务复核。", "- 归档保存。", ""]
            if n % 50 == 0:
                lines += ["| 事项 | 责任部门 | 时限 |", "| --- | --- | --- |", "| 登记 | 行政部 | 三日 |",
                          "| 审核 | 财务部 | 五日 |", ""]
    return "\n".join(lines) + "\n"


def typed_text(doc) -> str:
    """The same policy as typed text (numbers written out), as copied from a web page."""
    from policydocs.core.model import (
        Article,
        Chapter,
        ItemList,
        Paragraph,
        Ref,
        Table,
        Text,
    )
    from policydocs.core.numbering import ref_text

    def text(nodes) -> str:
        return "".join(ref_text(n, "zh-Hans") if isinstance(n, Ref) else n.text if isinstance(n, Text) else ""
                       for n in nodes)

    out = [doc.meta.title, "文件编号：BENCH-200"]
    for chapter in doc.body:
        assert isinstance(chapter, Chapter)
        out.append(chapter_label(chapter.number, "zh-Hans") + " " + text(chapter.title))
        for art in chapter.children:
            assert isinstance(art, Article)
            for k, block in enumerate(art.blocks):
                if isinstance(block, Paragraph):
                    out.append((article_label(art.number, "zh-Hans") + " " if k == 0 else "") + text(block.inlines))
                elif isinstance(block, ItemList):
                    for item in block.items:
                        out.append(item_marker(item.number, 1, "zh-Hans") + text(item.inlines))
                        for sub in item.children:
                            out.append(item_marker(sub.number, 2, "zh-Hans") + text(sub.inlines))
                elif isinstance(block, Table):
                    out.append("\t".join(text(c) for c in block.header))
                    out += ["\t".join(text(c) for c in row) for row in block.rows]
    return "\n".join(out) + "\n"


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def import_once(source: Path, work: Path) -> None:
    root = work / f"p{time.perf_counter_ns()}"
    (root / "policies").mkdir(parents=True)
    (root / "policydocs.toml").write_text(CONFIG, encoding="utf-8")
    reports = finish([read_drafts(source)], Options(into=root / "policies", project_root=root))
    assert not any(r.error for r in reports), [r.error for r in reports]
    assert reports[0].counts.articles == 200, reports[0].counts
    shutil.rmtree(root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        proj = work / "proj"
        (proj / "policies").mkdir(parents=True)
        (proj / "policydocs.toml").write_text(CONFIG, encoding="utf-8")
        source = big_policy()
        (proj / "policies" / "BENCH-200.md").write_text(source, encoding="utf-8")
        project = load_project(proj)
        doc = project.documents["BENCH-200"]
        ctx = RenderContext(doc=doc, config=project.config, version=VersionInfo.draft(doc))
        files = {"txt": work / "bench-200.txt", "docx": work / "bench-200.docx", "pdf": work / "bench-200.pdf"}
        files["txt"].write_text(typed_text(doc), encoding="utf-8")
        for fmt in ("docx", "pdf"):
            files[fmt].write_bytes(get_writer(fmt, proj).write(ctx))
        baseline = best_of(args.repeat, lambda: parse_policy_text(source, Path("BENCH-200.md")))
        import_once(files["txt"], work)  # warm-up: OpenCC dictionaries, markdown-it
        print(f"baseline: parse_policy_text of the 200-article source   {baseline * 1000:7.1f} ms")
        worst = 0.0
        for fmt, path in files.items():
            t = best_of(args.repeat, lambda p=path: import_once(p, work))
            worst = max(worst, t)
            print(f"import 200 articles from {fmt:<4} ({path.stat().st_size // 1024:4d} KB)   {t * 1000:7.1f} ms"
                  f"   = {t / baseline:5.1f} × parse   {'ok' if t <= 1.0 else 'MISSES 1 s'}")

        folder = work / "folder"
        folder.mkdir()
        docx_bytes = files["docx"].read_bytes()
        for n in range(100):
            if n % 2:
                (folder / f"rule-{n:03d}.docx").write_bytes(docx_bytes)
            else:
                (folder / f"rule-{n:03d}.txt").write_text(typed_text(doc).replace("BENCH-200", f"R-{n:03d}"),
                                                          encoding="utf-8")
        cli = [sys.executable, "-m", "policydocs"]
        timings = {}
        for jobs in (os.cpu_count() or 1, 1):
            target = work / f"folder-proj-{jobs}"
            (target / "policies").mkdir(parents=True)
            (target / "policydocs.toml").write_text(CONFIG, encoding="utf-8")
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            result = subprocess.run([*cli, "-C", str(target), "import", str(folder), "-j", str(jobs)],
                                    capture_output=True, text=True, cwd=ROOT)
            timings[jobs] = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            written = len(list((target / "policies").glob("*.md")))
            progress = result.stderr.count("] read ")
            print(f"folder of 100 files (50 docx + 50 txt, 200 articles each), -j {jobs}: {timings[jobs]:6.1f} s wall, "
                  f"{cpu:6.1f} s CPU (= {cpu / timings[jobs]:.2f} cores busy), {written} policies, "
                  f"{progress} progress lines, exit {result.returncode}")
        jobs = os.cpu_count() or 1
        if jobs > 1:
            print(f"parallel speed-up: {timings[1] / timings[jobs]:.2f}× with {jobs} processes "
                  f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
