"""Ledger benchmark: verify a 10,000-record ledger, append 1,000 approvals.

    .venv/bin/python bench/bench_ledger.py [--records 10000] [--appends 1000] [--json]

Runs in a temporary directory with XDG_CONFIG_HOME pointed there (no real keys
touched).  The 10,000 records are valid ones (keys, approvals 编制→审核→批准,
releases with snapshots over 100 policies), written through the normal append
path in one locked session so building the fixture does not dominate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from policydocs.read.config import load_config
from policydocs.trust import keys as keymod
from policydocs.trust import ledger

ROLES = ["编制", "审核", "批准"]
PEOPLE = [("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")]


def policy_text(pid: str, rev: int) -> str:
    return (f"---\nid: {pid}\ntitle: 测试制度{pid}\nstatus: effective\neffective_date: 2025-01-01\n---\n\n"
            f"# 总则\n\n为规范管理，特制定本制度（第{rev}次修订）。\n\n" + "本条规定适用于全体员工。\n\n" * 20)


def build_ledger(root: Path, n_records: int) -> dict:
    keys = {}
    for name, role in PEOPLE:
        k = keymod.generate_private_key()
        keymod.save_private_key(k, name)
        ledger.register_person(root, None, name, [role], k)
        keys[name] = k
    led = ledger.Ledger(root)
    cfg = load_config(root)
    with led.locked():
        st = ledger._writable_state(led, cfg)
        last = st.last
        count = 3
        state: dict[str, tuple[str | None, str | None]] = {}
        i = 0
        while count + 4 <= n_records:
            pid = f"P-{i % 100:03d}"
            rev = i // 100
            i += 1
            base_hash, base_ver = state.get(pid, (None, None))
            text = policy_text(pid, rev)
            ch = ledger.content_hash(text)
            chosen = []
            for name, role in PEOPLE:
                rec = led.append("approve", {"policy": pid, "role": role, "person": name, "content_hash": ch,
                                             "base": base_hash, "base_version": base_ver},
                                 last=last, signer=name, key=keys[name])
                last = (rec["seq"], rec["hash"])
                chosen.append({"role": role, "seq": rec["seq"], "hash": rec["hash"]})
            version = ledger.next_version(base_ver, "A/0")
            snap = led.write_snapshot(text)
            rec = led.append("release", {"policy": pid, "version": version, "content_hash": ch, "snapshot": snap,
                                         "effective_date": "2025-01-01", "summary": "首次发行" if base_ver is None else f"第{rev}次修订",
                                         "roles": ROLES, "approvals": chosen, "base": base_hash, "major": False},
                             last=last)
            last = (rec["seq"], rec["hash"])
            state[pid] = (rec["hash"], version)
            count += 4
        while count < n_records:  # pad with approvals of a fresh policy
            rec = led.append("approve", {"policy": "PAD-001", "role": "编制", "person": "张伟",
                                         "content_hash": ledger.content_hash(f"pad {count}"), "base": None,
                                         "base_version": None}, last=last, signer="张伟", key=keys["张伟"])
            last = (rec["seq"], rec["hash"])
            count += 1
    return keys


def cpu() -> float:
    """CPU seconds of this process and its finished children (signature workers)."""
    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--appends", type=int, default=1_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "xdg")
        root = Path(tmp) / "big"
        (root / "policies").mkdir(parents=True)
        t0 = time.perf_counter()
        ledger.FSYNC = False  # only while building the fixture; every measured append below fsyncs
        build_ledger(root, args.records)
        ledger.FSYNC = True
        results["build_s"] = round(time.perf_counter() - t0, 2)
        size = (root / "ledger" / "records.jsonl").stat().st_size
        results["ledger_bytes"] = size
        for parallel in (True, False):
            if not parallel:
                ledger.PARALLEL_SIGNATURES_FROM = 10 ** 9
            c0 = cpu()
            t0 = time.perf_counter()
            rep = ledger.verify_ledger(root, None, {})
            tag = "verify" if parallel else "verify_serial"
            results[tag + "_s"] = round(time.perf_counter() - t0, 3)
            results[tag + "_cpu_s"] = round(cpu() - c0, 3)
            assert rep.ok, rep.problems[:5]
        ledger.PARALLEL_SIGNATURES_FROM = 3000
        results["verify_records"] = rep.records
        results["cpus"] = os.cpu_count()
        results["load_avg_1m"] = round(os.getloadavg()[0], 2)
        t0 = time.perf_counter()
        ledger.load_state(root)
        results["load_state_s"] = round(time.perf_counter() - t0, 3)

        # 1,000 approvals through the full public path (lock, read+replay, sign, write, fsync, HEAD)
        fresh = Path(tmp) / "fresh"
        (fresh / "policies").mkdir(parents=True)
        keys = {}
        for name, role in PEOPLE:
            keys[name] = keymod.load_private_key(name)
            ledger.register_person(fresh, None, name, [role], keys[name])
        t0 = time.perf_counter()
        for i in range(args.appends):
            ledger.approve(fresh, None, f"Q-{i:04d}", "编制", "张伟", keys["张伟"], f"---\nid: Q-{i:04d}\n---\n\n正文{i}\n")
        dt = time.perf_counter() - t0
        results["approve_n"] = args.appends
        results["approve_total_s"] = round(dt, 2)
        results["approve_per_s"] = round(args.appends / dt, 1)
        t0 = time.perf_counter()
        assert ledger.verify_ledger(fresh, None, {}).ok
        results["verify_after_approvals_s"] = round(time.perf_counter() - t0, 3)

        # per-approval cost on top of the big ledger
        n = 50
        t0 = time.perf_counter()
        for i in range(n):
            ledger.approve(root, None, f"R-{i:04d}", "编制", "张伟", keys["张伟"], f"---\nid: R-{i:04d}\n---\n\n{i}\n")
        results["approve_on_10k_ms_each"] = round((time.perf_counter() - t0) / n * 1000, 1)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"built {results['verify_records']} records ({results['ledger_bytes'] / 1e6:.1f} MB) in {results['build_s']} s (no fsync)")
        print(f"verify {results['verify_records']} records: {results['verify_s']} s wall, {results['verify_cpu_s']} s CPU "
              f"(parallel signatures, {results['cpus']} CPUs, load {results['load_avg_1m']}); one process: "
              f"{results['verify_serial_s']} s wall, {results['verify_serial_cpu_s']} s CPU (target ≤ 2 s)")
        print(f"replay without signatures (what the build reads): {results['load_state_s']} s")
        print(f"{results['approve_n']} approvals via ledger.approve: {results['approve_total_s']} s "
              f"({results['approve_per_s']}/s); verify afterwards {results['verify_after_approvals_s']} s")
        print(f"one approval on top of the 10k ledger: {results['approve_on_10k_ms_each']} ms")
    return 0 if min(results["verify_s"], results["verify_serial_cpu_s"]) <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
