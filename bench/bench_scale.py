#!/usr/bin/env python3
"""A company-sized project: cold build, no-op, one edit, one release, one policy — whole processes.

The 9 sample policies are copied to N policies with new ids (references and
`supersedes` follow the copy); every copy is released too (three bench
approvers, set up before anything is timed), so the one handbook binds every
policy in force (~400 pages at N = 100). Each step runs ``policydocs`` as a
user would (a new process), so start-up counts:

* cold ``build --all``: publish every release (PDF + DOCX, 3 locales, signed),
  one handbook edition, the portal;
* nothing changed;
* one edit: a sentence of one working text changes (its preview is rendered;
  what is published, the handbook and the portal do not change);
* one release: that edit approved and released, then ``build --all`` (the new
  version is published, a new handbook edition laid out, its portal pages);
* one policy's preview: ``build --policy ID --formats pdf --locales zh-Hans``.

Baseline, run in the same command: ``policydocs check`` on the same corpus —
reading and validating everything is the floor of any build; every figure is
also printed as a multiple of it.

    python bench/bench_scale.py [N ...]      (default: 100 500)

Goals (issue 12, 2-core machine): 100 policies: cold ≤ 60 s, no-op ≤ 1 s,
one edit ≤ 5 s, one policy ≤ 0.8 s; 500 policies: no-op ≤ 3 s, one edit ≤ 8 s.
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
sys.path.insert(0, str(REPO / "src"))

from sample import copy_sample  # noqa: E402  (bench/sample.py)

ID_LINE = re.compile(r"^id:\s*(\S+)", re.M)
COPY_NAMES = "甲乙丙丁戊己庚辛壬癸"
APPROVERS = (("编制人甲", "编制"), ("审核人乙", "审核"), ("批准人丙", "批准"))
EDITED = "HR-ATT-002-C01"  # in force: the handbook binds it


def make_corpus(dst: Path, n: int) -> Path:
    """The sample project with its policies copied to ``n`` policies (copy 0 keeps the
    original ids and the sample ledger), and one handbook holding every policy."""
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


def release_copies(root: Path, env: dict) -> dict:
    """Register three bench approvers and release every policy the ledger has not released."""
    os.environ.update(env)
    from policydocs.trust import keys as keymod
    from policydocs.trust import ledger

    ledger.FSYNC = False  # a bench fixture, not a ledger anyone keeps
    people = {}
    for name, role in APPROVERS:
        key = keymod.generate_private_key()
        keymod.save_private_key(key, name)
        ledger.register_person(root, None, name, [role], key)
        people[name] = (role, key)
    released = ledger.load_state(root).policies
    for path in sorted((root / "policies").glob("*.md")):
        pid = path.stem
        if pid in released and released[pid].releases:
            continue
        approve_and_release(root, pid, people)
    return people


def approve_and_release(root: Path, pid: str, people: dict, summary: str | None = None) -> None:
    from policydocs.trust import ledger

    text = (root / "policies" / f"{pid}.md").read_text(encoding="utf-8")
    for name, (role, key) in people.items():
        ledger.approve(root, None, pid, role, name, key, text)
    ledger.release(root, None, pid, text, summary=summary, retroactive_reason="bench corpus")


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
    env = dict(env, XDG_CONFIG_HOME=str(work / f"xdg-{n}"), XDG_CACHE_HOME=str(work / f"cache-{n}"))
    root = make_corpus(work / f"corpus-{n}", n)
    count = len(list((root / "policies").glob("*.md")))
    run(["keys", "init-org", "--force"], root, env)
    people = release_copies(root, env)
    baseline = best(["check"], root, env)
    cold = run(["build", "--all"], root, env)
    noop = best(["build", "--all"], root, env)
    target = root / "policies" / f"{EDITED}.md"
    text = target.read_text(encoding="utf-8")
    edits = []
    for i in range(3):  # one sentence changed in one working text, three times
        text = text.replace("。", f"（第{i + 1}次修订）。", 1)
        target.write_text(text, encoding="utf-8")
        edits.append(run(["build", "--all"], root, env))
    edit = min(edits)
    approve_and_release(root, EDITED, people, summary="基准测试修订")
    release = run(["build", "--all"], root, env)
    one = best(["build", "--policy", EDITED, "--formats", "pdf", "--locales", "zh-Hans", "--force"], root, env)
    pages = _pages(root)
    goals = {100: (60, 1, 5, None, 0.8), 500: (None, 3, 8, None, None)}.get(n, (None,) * 5)

    def line(name: str, secs: float, goal: float | None) -> None:
        mark = "" if goal is None else f"  (goal ≤ {goal:g} s{'' if secs <= goal else ' — MISSED'})"
        print(f"  {name:<40} {secs:7.2f} s  {secs / baseline:6.1f}× baseline{mark}")

    print(f"{count} policies, all released × 3 locales × PDF+DOCX, one handbook ({pages} pages), portal:")
    print(f"  {'baseline: check (read + validate)':<40} {baseline:7.2f} s")
    line("cold build --all (publish everything)", cold, goals[0])
    line("build --all, nothing changed", noop, goals[1])
    line("build --all after one edit (a preview)", edit, goals[2])
    line("build --all after one release", release, goals[3])
    line("build --policy ID (preview PDF, zh-Hans)", one, goals[4])


def _pages(root: Path) -> int:
    import json

    import pikepdf

    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    books = [a["path"] for a in manifest["artifacts"] if a["kind"] == "handbook" and a["format"] == "pdf"
             and a["locale"] == "zh-Hans"]
    with pikepdf.open(root / books[-1]) as pdf:
        return len(pdf.pages)


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100, 500]
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    env = dict(os.environ, POLICYDOCS_SIGNING_PASSPHRASE="policydocs-demo")
    env.pop("CI", None)
    try:
        for n in sizes:
            bench(n, work, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
