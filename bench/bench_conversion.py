"""Conversion throughput: our Converter (glossary on) against raw OpenCC, same run.

Target (issue #4): ≥ 3 M chars/s with the glossary on, and ≥ 0.5× raw OpenCC.

    .venv/bin/python bench/bench_conversion.py [--repeat N] [--json]

Corpus: the Simplified legacy regulation texts in ../shared/testdata/legacy/
(≈ 40 k characters) repeated to ≥ 1 M characters, converted two ways:
``bulk`` (one string per file copy) and ``paragraphs`` (one call per
paragraph, as ``localize`` does).  Each figure is the best of N runs,
measured in CPU time of this process (``time.process_time``) so that other
work on a shared machine does not distort it; wall-clock figures are printed
too.  Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from policydocs.convert.conversion import OPENCC_VERSION, get_converter, load_glossary  # noqa: E402

LEGACY = ROOT.parent / "shared" / "testdata" / "legacy"
TARGET_MCPS = 3.0
TARGET_RATIO = 0.5


def corpus() -> str:
    files = sorted(LEGACY.glob("*.zh-Hans.txt"))
    if not files:
        raise SystemExit(f"no corpus in {LEGACY}")
    text = "\n".join(f.read_text(encoding="utf-8") for f in files)
    reps = max(1, 1_000_000 // len(text) + 1)
    return "\n".join([text] * reps)


def best(fn, items, repeat: int) -> tuple[float, float]:
    """(best CPU seconds, best wall seconds) over ``repeat`` runs."""
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        for x in items:
            fn(x)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print results as JSON")
    args = ap.parse_args(argv)

    glossary = load_glossary(ROOT)
    text = corpus()
    n = len(text)
    paragraphs = [p for p in text.split("\n") if p]
    bulk = [text[i:i + 100_000] for i in range(0, n, 100_000)]
    results = []
    ok = True
    for target, phrase in (("zh-Hant-TW", False), ("zh-Hant-HK", False), ("zh-Hant-TW", True)):
        conv = get_converter("zh-Hans", target, phrase_mode=phrase, glossary=glossary)
        raw = conv.opencc
        for name, items in (("bulk", bulk), ("paragraphs", paragraphs)):
            chars = sum(map(len, items))
            best(conv.convert, items[:50], 1)  # warm up
            t_raw, w_raw = best(raw, items, args.repeat)
            t_gl, w_gl = best(conv.convert, items, args.repeat)
            r = {
                "direction": f"zh-Hans→{target}", "configs": "+".join(conv.configs), "phrase_mode": phrase,
                "mode": name, "chars": chars, "calls": len(items), "glossary_rules": len(conv.rules),
                "raw_mcps": chars / t_raw / 1e6, "glossary_mcps": chars / t_gl / 1e6,
                "raw_wall_mcps": chars / w_raw / 1e6, "glossary_wall_mcps": chars / w_gl / 1e6,
            }
            r["ratio"] = r["glossary_mcps"] / r["raw_mcps"]
            r["pass"] = r["glossary_mcps"] >= TARGET_MCPS and r["ratio"] >= TARGET_RATIO
            ok &= r["pass"]
            results.append(r)
    if args.json:
        print(json.dumps({"opencc": OPENCC_VERSION, "results": results}, ensure_ascii=False, indent=2))
    else:
        print(f"OpenCC {OPENCC_VERSION}; corpus {n:,} chars, {len(paragraphs):,} paragraphs; "
              f"target ≥ {TARGET_MCPS} M chars/s and ≥ {TARGET_RATIO}× raw")
        print("M chars/s in CPU time (wall clock in brackets)")
        print(f"{'direction':<18} {'configs':<6} {'mode':<10} {'rules':>5} {'raw':>14} {'glossary on':>14} {'ratio':>6}  ok")
        for r in results:
            print(f"{r['direction']:<18} {r['configs']:<6} {r['mode']:<10} {r['glossary_rules']:>5} "
                  f"{r['raw_mcps']:>6.2f} ({r['raw_wall_mcps']:>5.2f}) {r['glossary_mcps']:>6.2f} "
                  f"({r['glossary_wall_mcps']:>5.2f}) {r['ratio']:>6.2f}  {'yes' if r['pass'] else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
