"""Daily seals: each day's acknowledgements chained, the chain's head appended to the ledger.

For a day D the chain runs over D's rows in ``seq`` order, starting from the
previous seal's head (64 zeros for the first)::

    h = sha256(f"{h}\\n{seq}\\n{row_hash}")

The ``acks-seal`` ledger record holds day, count, first/last seq, prev, head
and the database's id.  ``verify`` recomputes every sealed day from the
database: a deleted, added, renumbered or edited row changes the count or
the head; an edited row also no longer matches its own ``row_hash``.  The
database keeps its own append-only copy of every seal (``seals``: day, head,
ledger record number); ``verify`` compares each with the ledger, so a seal cut
from the ledger's tail (and ledger/HEAD rewritten) is still reported.

Only finished days are sealed (``GRACE`` after midnight, so a transaction that
began before midnight has committed); the server seals on its own, and
``policydocs acks seal`` does it from cron.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from filelock import FileLock
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..trust import ledger
from . import db
from .store import AckStore, ack_row_hash

GENESIS = "0" * 64
GRACE = timedelta(minutes=10)


def chain_step(prev: str, seq: int, row_hash: str) -> str:
    return hashlib.sha256(f"{prev}\n{seq}\n{row_hash}".encode("ascii")).hexdigest()


@dataclass(frozen=True)
class DayChain:
    day: str
    count: int
    first_seq: int
    last_seq: int
    prev: str
    head: str


def day_chain(rows: list[dict], day: str, prev: str) -> DayChain:
    """The chain over one day's rows (any order in, ``seq`` order used)."""
    rows = sorted(rows, key=lambda r: r["seq"])
    h = prev
    for r in rows:
        h = chain_step(h, r["seq"], r["row_hash"])
    return DayChain(day, len(rows), rows[0]["seq"] if rows else 0, rows[-1]["seq"] if rows else 0, prev, h)


def ledger_seals(project_root: Path, database_id: str) -> list[dict]:
    """The seals of this database on the ledger, oldest first."""
    return list(ledger.load_state(project_root).acks_seals.get(database_id, []))


def last_sealable_day(store: AckStore) -> date:
    now = store.clock()
    return (now - GRACE).date() - timedelta(days=1)


@contextmanager
def _sealing(project_root: Path) -> Iterator[None]:
    """One sealer at a time on this host (several server workers run the background loop)."""
    path = Path(project_root) / "acks" / "seal.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path):
        yield


def seal_days(store: AckStore, project_root: Path, *, through: date | None = None) -> list[dict]:
    """Seal every finished day not sealed yet (up to ``through``); returns the ledger records."""
    with _sealing(project_root):
        return _seal_days(store, project_root, through)


def _seal_days(store: AckStore, project_root: Path, through: date | None) -> list[dict]:
    limit = last_sealable_day(store)
    if through is not None:
        limit = min(limit, through)
    dbid = store.database_id
    done = ledger_seals(project_root, dbid)
    last_day = done[-1]["day"] if done else ""
    prev = done[-1]["head"] if done else GENESIS
    with store.engine.connect() as conn:
        days = [r[0] for r in conn.execute(select(db.acknowledgements.c.day).distinct()
                                           .where(db.acknowledgements.c.day > last_day,
                                                  db.acknowledgements.c.day <= limit.isoformat())
                                           .order_by(db.acknowledgements.c.day))]
    out = []
    for day in days:
        chain = day_chain(store.all_acks(day=day), day, prev)
        payload = {"database": dbid, "database_kind": db.kind_of(store.engine), "day": day, "count": chain.count,
                   "first_seq": chain.first_seq, "last_seq": chain.last_seq, "prev": chain.prev, "head": chain.head}
        rec = ledger.append_acks_seal(project_root, None, payload)
        _remember(store, chain, rec["seq"])
        out.append(rec)
        prev = chain.head
    return out


def _remember(store: AckStore, chain: DayChain, ledger_seq: int) -> None:
    """The seal in the database too (for reports); the ledger is the authority."""
    try:
        with store.w.begin() as conn:
            conn.execute(insert(db.seals).values(day=chain.day, count=chain.count, first_seq=chain.first_seq,
                                                 last_seq=chain.last_seq, prev_head=chain.prev, head=chain.head,
                                                 ledger_seq=ledger_seq, sealed_at=store.now_text()))
    except IntegrityError:
        pass  # another server process recorded it first


def _who(r: dict) -> str:
    return (f"acknowledgement #{r['seq']} ({r['kind']}, {r['employee_no']} {r['employee_name']}, "
            f"{r['policy_id']} {r['version']}, {r['recorded_at'][:19]})")


def _stored_seals_missing_from_ledger(stored: list[dict], state: ledger.State, dbid: str) -> list[str]:
    """Every seal in the database's append-only ``seals`` table must stand in the ledger as it was written.

    The ledger is the authority, but the database keeps its own copy of each seal
    (day, head, ledger record number). A seal cut from the ledger's tail (with
    ledger/HEAD rewritten) leaves the ledger consistent on its own; the copy
    still names the day and the record that was there.
    """
    problems = []
    for row in stored:
        day, seq = row["day"], row["ledger_seq"]
        where = f"the database's seal of {day} (head {row['head'][:12]}, ledger record #{seq})"
        rec = state.by_seq.get(seq)
        if rec is None:
            problems.append(f"{where} is not in the ledger — ledger record #{seq} was cut from the ledger "
                            f"(or the ledger is not this database's: the seals go to the ledger of the host that sealed)")
            continue
        p = rec.get("payload") if isinstance(rec.get("payload"), dict) else {}
        if rec.get("type") != "acks-seal" or p.get("database") != dbid or p.get("day") != day:
            problems.append(f"{where} is not in the ledger — in its place stands {ledger.describe(rec)}: "
                            f"the seal was removed and the ledger rewritten")
            continue
        diff = [k for k, col in (("head", "head"), ("prev", "prev_head"), ("count", "count"),
                                 ("first_seq", "first_seq"), ("last_seq", "last_seq")) if p.get(k) != row[col]]
        if diff:
            problems.append(f"{where} differs from ledger record #{seq} in {', '.join(diff)} "
                            f"(ledger head {str(p.get('head'))[:12]}): one of the two was rewritten")
    return problems


def verify_acks(store: AckStore, project_root: Path) -> tuple[list[str], dict]:
    """Problems found in the stored acknowledgements, and a summary for the report."""
    problems: list[str] = []
    dbid = store.database_id
    state = ledger.load_state(project_root)
    for other in sorted(set(state.acks_seals) - {dbid}):
        problems.append(f"the ledger holds acknowledgement seals of database {other}, but the configured "
                        f"acknowledgement database is {dbid}: point POLICYDOCS_ACKS_DATABASE at the right one")
    seals = state.acks_seals.get(dbid, [])
    rows = store.all_acks()
    for r in rows:
        if ack_row_hash(r) != r["row_hash"]:
            problems.append(f"{_who(r)}: content does not match its hash — the stored row was edited")
    by_day: dict[str, list[dict]] = {}
    for r in rows:
        by_day.setdefault(r["day"], []).append(r)
    sealed_days = {s["day"] for s in seals}
    for s in seals:
        day_rows = by_day.get(s["day"], [])
        chain = day_chain(day_rows, s["day"], s["prev"])
        if chain.count < s["count"]:
            present = {r["seq"] for r in day_rows}
            gone = [q for q in range(s["first_seq"], s["last_seq"] + 1) if q not in present]
            hint = f" (missing record numbers among #{s['first_seq']}–#{s['last_seq']}: " \
                   f"{', '.join('#' + str(q) for q in gone[:20])})" if gone else ""
            problems.append(f"acknowledgements of {s['day']}: {s['count']} sealed in the ledger, {chain.count} in the "
                            f"database — {s['count'] - chain.count} deleted{hint}")
        elif chain.count > s["count"]:
            problems.append(f"acknowledgements of {s['day']}: {s['count']} sealed in the ledger, {chain.count} in the "
                            f"database — {chain.count - s['count']} added after the day was sealed")
        elif chain.head != s["head"]:
            problems.append(f"acknowledgements of {s['day']}: the chain over the stored rows does not match the sealed "
                            f"head {s['head'][:12]} — rows were edited, replaced or renumbered")
    last = max(sealed_days) if sealed_days else ""
    for day in sorted(by_day):
        if day < last and day not in sealed_days:
            problems.append(f"acknowledgements dated {day} ({len(by_day[day])}) appear in a day that was never sealed, "
                            f"although later days were — added afterwards")
    problems += _stored_seals_missing_from_ledger(store.stored_seals(), state, dbid)
    summary = {"database": dbid, "rows": len(rows), "sealed_days": len(seals),
               "unsealed_rows": sum(len(v) for d, v in by_day.items() if d not in sealed_days)}
    return problems, summary
