#!/usr/bin/env python3
"""Run every bench/bench_*.py in turn and print their figures.

Each bench prints its own figures and ratios against a baseline measured in
the same process, so a regression shows as a changed ratio even on a busy
machine.  Usage: python bench/run.py [name ...]   (e.g. build conversion)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    scripts = sorted(p for p in HERE.glob("bench_*.py") if not wanted or p.stem.removeprefix("bench_") in wanted)
    failures = 0
    for script in scripts:
        print(f"== {script.stem.removeprefix('bench_')} ==", flush=True)
        started = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"   ({time.perf_counter() - started:.1f} s{'' if rc == 0 else f', exit {rc}'})\n", flush=True)
        failures += rc != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
