"""Signing overhead per published PDF (PAdES B-B with pyHanko), and for the sample set.

Target (issue #6): median signing time ≤ 50 ms per PDF.

    .venv/bin/python bench/bench_signing.py [--build DIR] [--repeat N] [--json]

Sample set: the unsigned PDFs of the last build (each signed PDF in
``build/manifest.json`` truncated to its ``unsigned_size`` — the exact bytes the
build signed), else, when nothing is built, synthetic Typst PDFs (eight
1–3 page policies and a 40-page handbook). A throw-away demo identity is made
under a temporary XDG_CONFIG_HOME (never the real home). Each PDF is signed
``--repeat`` times; the figure per PDF is the best of those runs (as in
bench_conversion: other load on the machine only ever adds time). Validation
(pyHanko, offline, explicit trust root) and pdfsig are timed as well.
Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from policydocs.read.config import load_config  # noqa: E402
from policydocs.trust import signing  # noqa: E402

TARGET_MS = 50.0


def from_build(build: Path) -> list[tuple[str, bytes]]:
    manifest = build / "manifest.json"
    if not manifest.exists():
        return []
    out = []
    for a in json.loads(manifest.read_text(encoding="utf-8")).get("artifacts", []):
        if a.get("format") != "pdf" or not a.get("unsigned_size"):
            continue
        p = build / a["path"]
        if p.exists():
            data = p.read_bytes()[: a["unsigned_size"]]
            if signing.sha256_hex(data) == a.get("unsigned_sha256"):
                out.append((a["path"], data))
    return out


def synthetic() -> list[tuple[str, bytes]]:
    from policydocs.render.typst.engine import engine_for

    engine = engine_for(None)
    head = '#set text(font: "Noto Serif CJK SC", size: 12pt, lang: "zh")\n'
    para = "第{n}条　为加强考勤管理，维护工作秩序，提高工作效率，根据国家有关法律法规，结合公司实际，特制定本制度。" * 3
    out = []
    for i in range(8):
        body = "\n\n".join(para.format(n=k + 1) for k in range(12 + 15 * (i % 3)))
        out.append((f"synthetic/policy-{i}.pdf", engine.compile((), f"{head}= 制度{i}\n\n{body}\n")))
    chapters = "\n".join(f"#pagebreak(weak: true)\n= 第{c}章\n\n" + "\n\n".join(para.format(n=k) for k in range(25))
                         for c in range(40))
    out.append(("synthetic/handbook.pdf", engine.compile((), f"{head}{chapters}\n")))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, default=ROOT / "build", help="build directory to take the sample set from")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    samples = from_build(args.build)
    source = f"{args.build}/manifest.json"
    if not samples:
        samples, source = synthetic(), "synthetic Typst PDFs"

    tmp = Path(tempfile.mkdtemp(prefix="bench-signing-"))
    try:
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "xdg")
        os.environ.pop("POLICYDOCS_SIGNING_PASSPHRASE", None)
        (tmp / "project").mkdir()
        config = load_config(tmp / "project")
        t = time.perf_counter()
        _, root = signing.init_org(config, passphrase=signing.DEMO_PASSPHRASE)
        init_s = time.perf_counter() - t
        t = time.perf_counter()
        identity = signing.load_identity(config)
        load_ms = (time.perf_counter() - t) * 1000
        root_pem = root.read_bytes()

        signing.sign_pdf(samples[0][1], identity, policy_id="WARM", version="A/0", locale="zh-Hans")  # imports
        rows = []
        for name, data in samples:
            times, signed = [], b""
            for _ in range(args.repeat):
                t = time.perf_counter()
                signed = signing.sign_pdf(data, identity, policy_id="BENCH-001", version="A/1", locale="zh-Hans")
                times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            check = signing.validate_pdf(signed, root_pem)
            val_ms = (time.perf_counter() - t) * 1000
            if not check.valid:
                raise SystemExit(f"{name}: signed PDF does not validate: {check.problems}")
            pdfsig_ms = None
            if signing.pdfsig_available():
                f = tmp / "s.pdf"
                f.write_bytes(signed)
                t = time.perf_counter()
                res = signing.pdfsig_check(f)
                pdfsig_ms = (time.perf_counter() - t) * 1000
                if not (res.valid and res.total_document_signed):
                    raise SystemExit(f"{name}: pdfsig rejects the signed PDF:\n{res.output}")
            rows.append({"pdf": name, "size": len(data), "sign_ms": min(times),
                         "added_bytes": len(signed) - len(data), "validate_ms": val_ms, "pdfsig_ms": pdfsig_ms})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    per_pdf = [r["sign_ms"] for r in rows]
    result = {
        "source": source, "pdfs": len(rows), "repeat": args.repeat,
        "init_org_s": round(init_s, 3), "load_identity_ms": round(load_ms, 1),
        "sign_ms_median": round(statistics.median(per_pdf), 1), "sign_ms_max": round(max(per_pdf), 1),
        "sign_total_ms": round(sum(per_pdf), 1),
        "validate_ms_median": round(statistics.median(r["validate_ms"] for r in rows), 1),
        "added_bytes_median": int(statistics.median(r["added_bytes"] for r in rows)),
        "target_ms": TARGET_MS, "rows": rows,
    }
    ok = result["sign_ms_median"] <= TARGET_MS
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"sample set: {len(rows)} PDFs from {source}")
        print(f"{'pdf':44} {'KiB':>7} {'sign ms':>8} {'+bytes':>7} {'validate ms':>12} {'pdfsig ms':>10}")
        for r in rows:
            ps = f"{r['pdfsig_ms']:.0f}" if r["pdfsig_ms"] is not None else "-"
            print(f"{r['pdf']:44} {r['size'] / 1024:7.0f} {r['sign_ms']:8.1f} {r['added_bytes']:7d} "
                  f"{r['validate_ms']:12.1f} {ps:>10}")
        print(f"signing: median {result['sign_ms_median']} ms/PDF (max {result['sign_ms_max']}), "
              f"total {result['sign_total_ms']} ms for the set; target ≤ {TARGET_MS:.0f} ms median: "
              f"{'met' if ok else 'MISSED'}")
        print(f"one-off: init-org {result['init_org_s']} s, load identity {result['load_identity_ms']} ms; "
              f"validation median {result['validate_ms_median']} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
