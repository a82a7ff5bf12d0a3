#!/usr/bin/env python3
"""A company-sized project: cold build, no-op, one edit, one policy — whole processes.

The 9 sample policies are copied to N policies with new ids (references and
`supersedes` follow the copy), one handbook holds them all, the sample ledger
keeps the 9 originals released and signed (demo CA). Each step runs
``policydocs`` as a user would (a new process), so start-up counts.

Baseline, run in the same command: ``policydocs check`` on the same corpus —
reading and validating everything is the floor of any build; every figure is
also printed as a multiple of it.

    python bench/bench_scale.py [N ...]      (default: 100 500)

Goals (issue 12, 2-core machine): 100 policies: cold ≤ 60 s, no-op ≤ 1 s,
one edit ≤ 5 s, one policy (PDF, zh-Hans) ≤ 0.8 s; 500 policies: no-op ≤ 3 s,
one edit ≤ 8 s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample import copy_sample  # noqa: E402  (bench/sample.py)

ID_LINE = re.compile(r"^id:\s*(\S+)", re.M)
COPY_NAMES = "甲乙丙丁戊己庚辛壬癸"


def make_corpus(dst: Path, n: int) -> Path:
    """The sample project with its policies copied to ``n`` policies (copy 0 keeps the
    original ids and the ledger), and one handbook holding every policy."""
    copy_sample(dst)
    originals = sorted((dst / "policies").glob("*.md"))
    ids = [ID_LINE.search(p.read_text(encoding="utf-8")).group(1) for p in originals]
    texts = [p.read_text(encoding="utf-8") for p in originals]
    copies = [(k, pid, text) for k in range(1, -(-n // len(originals)) + 1) for pid, text in zip(ids, texts)]
    copies = copies[: max(0, n - len(originals))]
    made = {(k, pid) for k, pid, _ in copies}
    for k, pid, text in copies:
        new = text
        for other in sorted(ids, key=len, reverse=True):  # ids and references of this copy
            if (k, other) in made:  # a policy this copy lacks is cited in its original
                new = re.sub(rf"(?<![A-Za-z0-9-]){re.escape(other)}(?![A-Za-z0-9-])", f"{other}-C{k:02d}", new)
        new = re.sub(r"^title:\s*(.+)$", lambda m: f"title: {m.group(1)}（{COPY_NAMES[k % 10]}{k}）", new,
                     count=1, flags=re.M)
        (dst / "policies" / f"{pid}-C{k:02d}.md").write_text(new, encoding="utf-8")
    shutil.copytree(REPO / "ledger", dst / "ledger")
    shutil.copy2(REPO / "people.yaml", dst / "people.yaml")
    (dst / "handbooks").mkdir()
    (dst / "handbooks" / "all.yaml").write_text(
        "title: 员工手册\naudience: 全体员工\ndoc_no: HB-ALL-001\nversion: 2025年版\n"
        "policies:\n  - category: 人事\n  - category: 行政\n  - category: 财务\n  - category: 信息技术\n",
        encoding="utf-8")
    return dst


def run(args: list[str], cwd: Path, env: dict) -> float:
    """Seconds for one ``policydocs ARGS`` process; exits on failure."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "policydocs", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    took = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"policydocs {' '.join(args)} failed with exit {proc.returncode}")
    return took


def best(args: list[str], cwd: Path, env: dict, repeat: int = 3) -> float:
    return min(run(args, cwd, env) for _ in range(repeat))


def bench(n: int, work: Path, env: dict) -> None:
    root = make_corpus(work / f"corpus-{n}", n)
    count = len(list((root / "policies").glob("*.md")))
    run(["keys", "init-org", "--force"], root, env)
    baseline = best(["check"], root, env)
    cold = run(["build", "--all"], root, env)
    noop = best(["build", "--all"], root, env)
    target = root / "policies" / "HR-ATT-002-C01.md"  # in force: the handbook holds it
    text = target.read_text(encoding="utf-8")
    edits = []
    for i in range(3):  # one sentence changed in one policy, three times
        text = text.replace("。", f"（第{i + 1}次修订）。", 1)
        target.write_text(text, encoding="utf-8")
        edits.append(run(["build", "--all"], root, env))
    edit = min(edits)
    one = best(["build", "--policy", "HR-ATT-002-C01", "--formats", "pdf", "--locales", "zh-Hans", "--force"],
               root, env)
    goals = {100: (60, 1, 5, 0.8), 500: (None, 3, 8, None)}.get(n, (None, None, None, None))

    def line(name: str, secs: float, goal: float | None) -> None:
        mark = "" if goal is None else f"  (goal ≤ {goal:g} s{'' if secs <= goal else ' — MISSED'})"
        print(f"  {name:<34} {secs:7.2f} s  {secs / baseline:6.1f}× baseline{mark}")

    print(f"{count} policies × 3 locales × PDF+DOCX, one handbook, portal:")
    print(f"  {'baseline: check (read + validate)':<34} {baseline:7.2f} s")
    line("cold build --all", cold, goals[0])
    line("build --all, nothing changed", noop, goals[1])
    line("build --all after one edit", edit, goals[2])
    line("build --policy ID (PDF, zh-Hans)", one, goals[3])


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100, 500]
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    env = dict(os.environ, XDG_CONFIG_HOME=str(work / "xdg"), POLICYDOCS_SIGNING_PASSPHRASE="policydocs-demo")
    env.pop("CI", None)
    try:
        for n in sizes:
            bench(n, work, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
