"""Load and fault tests against the local server, on SQLite and PostgreSQL: concurrent clients
lose and duplicate nothing; a server killed mid-load and restarted has every acknowledgement it
confirmed; replayed links are refused.  (The 20,000-acknowledgement run is bench/bench_acks.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_acks_support import ServerProcess, acks_built, acks_root, db_url, pg_cluster, service  # noqa: F401

from policydocs.acks import db
from policydocs.acks.seal import verify_acks

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from acks_load import populate, run_load, token_id  # noqa: E402

pytestmark = pytest.mark.slow
N = 240


def _workers(db_url: str) -> int:
    return 2 if db_url.startswith("postgresql") else 1


def _local(links: list[str], srv: ServerProcess) -> list[str]:
    return [link.replace("http://127.0.0.1:8470", srv.base) for link in links]


def _check_database(service, n: int, cid: int) -> set[str]:
    """Exactly one online acknowledgement per employee, every row verifies; returns the token ids."""
    A = db.acknowledgements
    with service.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(A).where(A.c.campaign_id == cid)).scalar_one()
        people = conn.execute(select(func.count(A.c.employee_id.distinct())).where(A.c.campaign_id == cid)).scalar_one()
        tokens = {r[0] for r in conn.execute(select(A.c.token_id).where(A.c.campaign_id == cid))}
    assert total == n and people == n, (total, people)
    problems, _ = verify_acks(service.store, service.root)
    assert problems == []
    return tokens


def test_concurrent_clients_lose_and_duplicate_nothing(service, db_url):
    cid, links = populate(service, N)
    n = len(links)  # the population and the roster of the fixture
    srv = ServerProcess(service.root, db_url, workers=_workers(db_url), args=("--no-background",))
    try:
        links = _local(links, srv)
        res = run_load(links, concurrency=16)
        assert res.failed == [] and len(res.confirmed) == n, res.summary()
        tokens = _check_database(service, n, cid)
        assert tokens == {token_id(link) for link in links}
        # every link replayed, concurrently: all refused, nothing added
        again = run_load(links[:60] * 2, concurrency=16)
        assert again.confirmed == [] and len(again.already) == 120 and again.failed == []
        _check_database(service, n, cid)
    finally:
        srv.stop()


def test_server_killed_mid_load_loses_no_confirmed_acknowledgement(service, db_url):
    cid, links = populate(service, N)
    n = len(links)
    srv = ServerProcess(service.root, db_url, workers=_workers(db_url), args=("--no-background",))
    try:
        links = _local(links, srv)
        killed = []

        def crash(res):
            if len(res.confirmed) >= 80 and not killed:
                killed.append(len(res.confirmed))
                srv.kill()  # SIGKILL while requests are in flight

        first = run_load(links, concurrency=16, timeout=10, on_progress=crash)
        assert killed and first.failed, "the server was not killed mid-load"
        srv.start()
        # every acknowledgement a client saw confirmed is in the database
        A = db.acknowledgements
        with service.engine.connect() as conn:
            stored = {r[0] for r in conn.execute(select(A.c.token_id).where(A.c.campaign_id == cid))}
        assert {token_id(link) for link in first.confirmed} <= stored
        # the employees whose confirmation was cut off try again; nobody ends up twice
        rest = [link for link in links if link not in set(first.confirmed) and link not in set(first.already)]
        second = run_load(rest, concurrency=16)
        assert second.failed == [], second.summary()
        assert len(first.confirmed) + len(second.confirmed) + len(second.already) + len(first.already) == n
        _check_database(service, n, cid)
    finally:
        srv.stop()
