"""Acknowledgement service benchmark: 20,000 acknowledgements from concurrent clients, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_acks.py [--acks 20000] [--concurrency 32] [--databases sqlite,postgresql] [--json]

Each acknowledgement is what a phone does: GET the personal link (the reading
page, with its signed reading proof), then POST the confirmation; the server
is ``policydocs acks serve`` on 127.0.0.1 (SQLite: one worker process;
PostgreSQL: two, one per core), the database fsyncs every commit.  Afterwards
the database must hold exactly one acknowledgement per employee and every row
must verify.

Baseline, measured in the same run: the same number of GET+GET round trips to
``/healthz`` with the same clients — the HTTP stack with no page and no
database write — so the ratio survives a busy machine.

PostgreSQL is a throw-away cluster of Debian's postgresql package (see
tests/test_acks_support.py), started and removed by this script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the test project and the PostgreSQL cluster helper

from acks_load import LoadResult, populate, run_load, token_id  # noqa: E402


async def _baseline(base: str, n: int, concurrency: int) -> LoadResult:
    res = LoadResult()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    counter = iter(range(n))
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def worker() -> None:
            for _ in counter:
                t0 = time.perf_counter()
                await client.get(base + "/healthz")
                t1 = time.perf_counter()
                await client.get(base + "/healthz")
                t2 = time.perf_counter()
                res.confirmed.append("")
                res.confirm_latency.append(t2 - t1)
                res.ack_latency.append(t2 - t0)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        res.seconds = time.perf_counter() - start
    return res


def bench_database(kind: str, url: str, root: Path, n: int, concurrency: int) -> dict:
    from sqlalchemy import func, select
    from test_acks_support import ServerProcess

    from policydocs.acks import db, migrate
    from policydocs.acks.seal import verify_acks
    from policydocs.acks.service import open_service

    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    service = open_service(root, url)
    t0 = time.perf_counter()
    cid, links = populate(service, n, prefix=kind[0].upper())
    setup = time.perf_counter() - t0
    workers = 2 if kind == "postgresql" else 1
    srv = ServerProcess(root, url, workers=workers, args=("--no-background",))
    try:
        base = srv.base
        links = [link.replace("http://127.0.0.1:8470", base) for link in links]
        run_load(links[:200], concurrency=concurrency)  # warm up: imports, pools, caches
        baseline = asyncio.run(_baseline(base, min(n, 5000), concurrency))
        res = run_load(links[200:], concurrency=concurrency)
    finally:
        srv.stop()
    A = db.acknowledgements
    with service.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(A).where(A.c.campaign_id == cid)).scalar_one()
        people = conn.execute(select(func.count(A.c.employee_id.distinct())).where(A.c.campaign_id == cid)).scalar_one()
        tokens = {r[0] for r in conn.execute(select(A.c.token_id).where(A.c.campaign_id == cid))}
    t1 = time.perf_counter()
    problems, _ = verify_acks(service.store, root)
    verify_s = time.perf_counter() - t1
    service.close()
    ok = (total == len(links) == people and not res.failed and tokens == {token_id(x) for x in links} and not problems)
    return {
        "database": kind, "workers": workers, "acks": len(res.confirmed), "seconds": round(res.seconds, 2),
        "acks_per_s": round(res.rate, 1),
        "confirm_p50_ms": round(res.pct(res.confirm_latency, 50) * 1000, 1),
        "confirm_p95_ms": round(res.pct(res.confirm_latency, 95) * 1000, 1),
        "page_confirm_p95_ms": round(res.pct(res.ack_latency, 95) * 1000, 1),
        "baseline_pairs_per_s": round(baseline.rate, 1),
        "ratio_to_baseline": round(res.rate / baseline.rate, 3) if baseline.rate else None,
        "failed": len(res.failed), "stored": total, "distinct_employees": people, "verify_problems": len(problems),
        "verify_s": round(verify_s, 2), "setup_s": round(setup, 1), "ok": ok,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--acks", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--databases", default="sqlite,postgresql")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    n = args.acks + 200  # + the warm-up
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-acks-") as tmp:
        tmp = Path(tmp)
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "xdg")
        from test_acks_support import PostgresCluster, make_acks_project

        root = make_acks_project(tmp / "proj")
        for kind in args.databases.split(","):
            if kind == "sqlite":
                results.append(bench_database(kind, f"sqlite:///{tmp / 'acks.sqlite3'}", root, n, args.concurrency))
            elif kind == "postgresql":
                cluster = PostgresCluster()
                try:
                    results.append(bench_database(kind, cluster.url(cluster.new_database()), root, n,
                                                  args.concurrency))
                finally:
                    cluster.close()
            else:
                ap.error(f"unknown database {kind}")
            r = results[-1]
            if not args.json:
                print(f"{kind:<10} {r['acks']} acks, {args.concurrency} clients, {r['workers']} worker(s): "
                      f"{r['acks_per_s']} acks/s, confirm p50 {r['confirm_p50_ms']} ms, p95 {r['confirm_p95_ms']} ms, "
                      f"page+confirm p95 {r['page_confirm_p95_ms']} ms; baseline {r['baseline_pairs_per_s']} "
                      f"healthz pairs/s → ratio {r['ratio_to_baseline']}; stored {r['stored']} "
                      f"({r['distinct_employees']} employees), failed {r['failed']}, verify problems "
                      f"{r['verify_problems']} ({r['verify_s']} s) {'OK' if r['ok'] else 'FAILED'}", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
