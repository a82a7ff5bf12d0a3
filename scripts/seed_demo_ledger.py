#!/usr/bin/env python3
"""Seed a demo ledger: three people, every non-draft policy approved and released.

    python scripts/seed_demo_ledger.py [PROJECT_DIR]

- Registers 张伟 (编制), 李娜 (审核), 王强 (批准).  Their private keys go to the
  user config dir ($XDG_CONFIG_HOME/policydocs/keys, no passphrase) and are
  reused when already there.
- For every policy in policies/ whose status is not ``draft``: approves it in
  the three roles and releases it (effective date from the front matter;
  approvals dated two weeks before it, via POLICYDOCS_NOW).
- For HR-ATT-002 and FIN-EXP-001 an earlier variant is released first as A/0
  (one article missing, one sentence different, effective a year earlier),
  then the real text as A/1 with a summary — so history, as-of and diff have
  something to show.  The variant is handed to the ledger as text; the files in
  policies/ are never modified.

Idempotent: people already registered and policies already released with
their current text are skipped.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from policydocs.trust import keys as keymod  # noqa: E402
from policydocs.trust import ledger  # noqa: E402
from policydocs.read.config import load_config  # noqa: E402

PEOPLE = [("张伟", "编制"), ("李娜", "审核"), ("王强", "批准")]
CST = timezone(timedelta(hours=8))

# policy → (paragraph missing from A/0, (A/1 phrase, A/0 phrase), A/1 summary)
VARIANTS = {
    "HR-ATT-002": (
        "员工因公外出办事的，应当事先在考勤系统中登记外出事由、地点和预计返回时间。",
        ("保存期限不少于两年", "保存期限不少于一年"),
        "新增因公外出登记的规定；考勤记录保存期限由一年延长至两年",
    ),
    "FIN-EXP-001": (
        "通讯费、交通补贴等按月发放的补贴项目，",
        ("出差人员应当在返回后十个工作日内办理报销", "出差人员应当在返回后十五个工作日内办理报销"),
        "新增按月发放补贴不另行报销的规定；差旅费报销期限由十五个工作日缩短为十个工作日",
    ),
}


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of plain body paragraphs (not headings, lists, tables, notes)."""
    body_start = text.find("\n---", 3) + 4
    out = []
    for m in re.finditer(r"(?m)^(?!#|-|\||>|\s)(.+)\n", text[body_start:]):
        out.append((body_start + m.start(), body_start + m.end()))
    return out


def make_variant(pid: str, text: str) -> tuple[str, str]:
    """An earlier version of ``text``: one paragraph removed, one phrase changed, a year earlier."""
    removed_hint, (new_phrase, old_phrase), summary = VARIANTS.get(pid, ("", ("", ""), ""))
    paras = _paragraphs(text)
    variant = text
    target = next(((s, e) for s, e in paras if removed_hint and removed_hint in text[s:e]), None)
    if target is None:  # generic: a middle unlabelled paragraph that does not introduce a list
        cands = [(s, e) for s, e in paras if "{#" not in text[s:e] and not text[s:e].rstrip().endswith("：")
                 and "[[" not in text[s:e]]
        target = cands[len(cands) // 2] if cands else None
    if target is not None:
        s, e = target
        end = e + 1 if text[e:e + 1] == "\n" else e  # drop the blank line after it too
        variant = text[:s] + text[end:]
    if new_phrase and new_phrase in variant:
        variant = variant.replace(new_phrase, old_phrase, 1)
    else:
        summary = summary or "调整部分条款"
        variant = variant.replace("。\n", "。具体办法另行规定。\n", 1)
    fm = ledger.front_matter(text)
    eff = date.fromisoformat(fm["effective_date"])
    earlier = eff.replace(year=eff.year - 1)
    variant = re.sub(r"(?m)^effective_date:\s*\S+", f"effective_date: {earlier.isoformat()}", variant, count=1)
    variant = variant.replace(f"{eff.year}年{eff.month}月{eff.day}日", f"{earlier.year}年{earlier.month}月{earlier.day}日")
    return variant, summary or "新增条款并调整部分规定"


def _at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour, 0), CST).isoformat()


def approve_and_release(root: Path, cfg, pid: str, text: str, keys: dict, *, summary: str | None) -> str:
    state = ledger.load_state(root, cfg).policies.get(pid)
    if state and state.last and state.last.content_hash == ledger.content_hash(text):
        return f"{pid}: already released as {state.last.version}"
    eff_text = ledger.front_matter(text).get("effective_date")
    eff = date.fromisoformat(eff_text) if eff_text else date.today()
    day = eff - timedelta(days=14)
    done = {a.role for a in (state.pending if state else []) if a.content_hash == ledger.content_hash(text)}
    for hour, (name, role) in zip((9, 10, 11), PEOPLE):
        if role in done:
            continue
        os.environ[ledger.NOW_ENV] = _at(day, hour)
        ledger.approve(root, cfg, pid, role, name, keys[name], text)
    os.environ[ledger.NOW_ENV] = _at(day, 15)
    rel = ledger.release(root, cfg, pid, text, effective=eff, summary=summary)
    return f"{pid}: released {rel.version}, effective {rel.effective_date} (record #{rel.seq})"


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else ".").resolve()
    cfg = load_config(root)
    keys = {}
    saved_now = os.environ.get(ledger.NOW_ENV)
    try:
        for name, role in PEOPLE:
            if keymod.key_path(name).exists():
                keys[name] = keymod.load_private_key(name)
            else:
                keys[name] = keymod.generate_private_key()
                keymod.save_private_key(keys[name], name)
                print(f"private key for {name}: {keymod.key_path(name)}")
            reg = ledger.registered_person(root, name, cfg)
            if reg is None:
                os.environ[ledger.NOW_ENV] = _at(date(2022, 12, 1), 9)
                ledger.register_person(root, cfg, name, [role], keys[name])
                print(f"registered {name} ({role})")
            elif reg.public_key != keymod.public_key_text(keys[name]):
                print(f"error: {name} is registered with another key (record #{reg.seq})", file=sys.stderr)
                return 1
        # (effective date, policy, text, summary), released in date order so record times increase
        jobs = []
        for pid, text in sorted(ledger.working_texts(root).items()):
            if ledger.front_matter(text).get("status", "draft") == "draft":
                print(f"{pid}: draft, not released")
                continue
            eff = ledger.front_matter(text).get("effective_date") or date.today().isoformat()
            if pid in VARIANTS and not ledger.released_versions(root, pid, cfg):
                variant, summary = make_variant(pid, text)
                jobs.append((ledger.front_matter(variant)["effective_date"], pid, variant, None))
                jobs.append((eff, pid, text, summary))
            else:
                jobs.append((eff, pid, text, None if not ledger.released_versions(root, pid, cfg) else "修订"))
        for _eff, pid, text, summary in sorted(jobs, key=lambda j: (j[0], j[1])):
            print(approve_and_release(root, cfg, pid, text, keys, summary=summary))
    finally:
        if saved_now is None:
            os.environ.pop(ledger.NOW_ENV, None)
        else:
            os.environ[ledger.NOW_ENV] = saved_now
    report = ledger.verify_ledger(root, cfg, ledger.working_texts(root))
    for pid, state in sorted(report.states.items()):
        print(f"  {pid}: {state}")
    for p in report.problems:
        print(f"error: {p}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
