"""Subcommands: keys new, approve, release, history, as-of, verify, ledger repair, diff, due, review.

The ``keys`` command has sub-subcommands; :func:`keys_subparsers` returns
them so the signing module can add ``keys init-org``.  ``verify`` runs the
ledger check and then every function in :data:`EXTRA_VERIFIERS` (e.g. PDF
signature checks): each is called as ``fn(args, project_root, config)`` and
returns a list of problem strings (empty when all is well).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Callable

from ..core.errors import PolicyError, PolicyErrors
from ..core.locales import LOCALES
from ..read.config import load_config
from ..trust import clock, ledger, reviews, status
from ..trust import keys as keymod
from ..trust import verify as verify_mod

_KEYS_SUB = None

#: Extra checks run by ``policydocs verify`` after the ledger: fn(args, root, config) -> list[str] problems.
EXTRA_VERIFIERS: list[Callable] = []


def keys_subparsers():
    """The ``keys`` sub-subparsers object (for ``keys init-org`` in signing_cmds)."""
    return _KEYS_SUB


def register_verifier(fn: Callable) -> Callable:
    """Add a check to ``policydocs verify`` (usable as a decorator)."""
    if fn not in EXTRA_VERIFIERS:
        EXTRA_VERIFIERS.append(fn)
    return fn


def _split_roles(text: str | None) -> list[str]:
    if not text:
        return []
    return [r for r in text.replace("，", ",").replace("、", ",").split(",") if r.strip()]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2025-03-01") from None


def _cmd(sub, name: str, help: str, description: str, examples: str) -> argparse.ArgumentParser:
    """A subcommand whose --help has a description and examples."""
    return sub.add_parser(name, help=help, description=description,
                          epilog="examples:\n" + "\n".join("  " + line for line in examples.strip().splitlines()),
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def add_today(p: argparse.ArgumentParser) -> None:
    """``--today DATE``: judge "in force", "due" and "superseded" as of another day."""
    p.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                   help="judge dates as of this day instead of today (also $POLICYDOCS_TODAY)")


def register(sub) -> None:
    """Add this module's subcommands to the `policydocs` parser."""
    global _KEYS_SUB
    kp = sub.add_parser("keys", help="people's approval keys (keys new) and the organisation's signing key")
    kp.set_defaults(func=lambda a: (kp.print_help(), 2)[1])
    _KEYS_SUB = kp.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND")
    p = _KEYS_SUB.add_parser("new", help="create an Ed25519 key for a person and register it in the project")
    p.add_argument("--person", required=True, help="the person's name as it appears in approval blocks")
    p.add_argument("--roles", help="comma-separated roles (default: all configured roles, e.g. 编制,审核,批准)")
    p.add_argument("--passphrase", action="store_true",
                   help=f"encrypt the private key (prompted, or from ${keymod.PASSPHRASE_ENV})")
    p.add_argument("--reuse", action="store_true",
                   help="register the private key that already exists on this computer for this person")
    p.set_defaults(func=cmd_keys_new)
    p = _KEYS_SUB.add_parser("rotate", help="replace a person's key (signed by the current key; old signatures stay valid)")
    p.add_argument("--person", required=True)
    p.add_argument("--passphrase", action="store_true", help="encrypt the new private key")
    p.set_defaults(func=cmd_keys_rotate)

    p = _cmd(sub, "approve", "sign an approval of a policy's current text in one role",
             "Sign, with your own key, that you approve the current text of a policy in one role. The approval "
             "binds to the text's SHA-256: editing the file afterwards voids it. Roles are given in order "
             "(default 编制 → 审核 → 批准), by different people; each person must be registered "
             "(`policydocs keys new`) and have their private key on this computer.",
             """policydocs approve HR-ATT-001 --role 编制 --as 张伟
policydocs approve HR-ATT-001 --role 审核 --as 李娜 --comment "同意"
policydocs approve HR-ATT-001 --role 批准 --as 王强""")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("--role", required=True, help="编制 | 审核 | 批准 (or the configured roles; 制定/核准 accepted)")
    p.add_argument("--as", dest="person", required=True, metavar="NAME", help="who signs (their key must be on this computer)")
    p.add_argument("--comment", help="optional remark stored in the signed record")
    p.set_defaults(func=cmd_approve)

    p = _cmd(sub, "release", "release the approved text as the next version and freeze it in the ledger",
             "Give the approved text the next version number (A/0, A/1 … or V1.0, V1.1 …), freeze the exact "
             "text in the ledger and record the effective date. The effective date may lie in the future (the "
             "version is then scheduled, not in force, until that day); a date before today is refused unless "
             "the release is declared --retroactive with a --reason, which is recorded and shown with the "
             "version everywhere (history, as-of, verify-file, evidence, portal).",
             """policydocs release HR-ATT-001                          # first release, effective date from the front matter
policydocs release HR-ATT-001 --summary "迟到时限调整" --effective 2026-01-01
policydocs release HR-ATT-001 --summary "更正" --effective 2025-01-01 \\
    --retroactive --reason "董事会2024年12月决议追溯适用"
""")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("--effective", type=_date, metavar="YYYY-MM-DD",
                   help="effective date (default: effective_date of the front matter)")
    p.add_argument("--summary", help="修订内容摘要 (default for the first version: 首次发行)")
    p.add_argument("--major", action="store_true", help="major revision: A/3 → B/0, V1.2 → V2.0")
    p.add_argument("--as", dest="person", metavar="NAME", help="also sign the release record with this person's key")
    p.add_argument("--retroactive", action="store_true",
                   help="allow an effective date before today (needs --reason)")
    p.add_argument("--reason", metavar="TEXT", help="why the release applies retroactively (recorded and shown)")
    p.set_defaults(func=cmd_release)

    p = _cmd(sub, "history", "released versions of a policy, with approvals and status",
             "List every released version of a policy: version, release date, effective date, summary, who "
             "approved it in each role and when, the ledger record, and each version's status today (in force, "
             "scheduled, superseded by …, repealed). Retroactive releases show their recorded reason.",
             """policydocs history HR-ATT-001
policydocs history HR-ATT-001 --today 2026-06-01
policydocs history HR-ATT-001 --json""")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("--json", action="store_true")
    add_today(p)
    p.set_defaults(func=cmd_history)

    p = _cmd(sub, "as-of", "which version of each policy was in force on a date (DATE as YYYY-MM-DD)",
             "Show which version of every policy was in force on DATE (written YYYY-MM-DD, e.g. 2025-03-01), "
             "computed from the ledger: the latest release whose effective date had come; releases with a later "
             "effective date are listed as scheduled; repealed and superseded policies are named with what "
             "replaced them.",
             """policydocs as-of 2025-03-01
policydocs as-of 2026-01-01 --json""")
    p.add_argument("date", type=_date, metavar="DATE", help="the day, as YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_as_of)

    p = _cmd(sub, "verify", "check the ledger, the publication record and every signed copy",
             "Check everything an auditor relies on, offline: the ledger's hash chain, every person's and the "
             "organisation's signature, the release rules, the frozen texts, people.yaml, ledger/HEAD, and the "
             "ledger heads kept outside the ledger (build manifest, signed PDFs) — so records cut from the end are "
             "found; then every published file against its record, and every signed PDF (signature, trust root, "
             "a release record behind its version). Exit 0 when all holds, 1 otherwise (one line per problem, "
             "naming the policy and record).",
             """policydocs verify
policydocs verify --strict          # also fail when a policy's text is not its released version
policydocs verify --json > verify.json""")
    p.add_argument("--json", action="store_true")
    p.add_argument("--strict", action="store_true", help="also fail when a policy's text is not its released version")
    p.set_defaults(func=cmd_verify)

    lp = sub.add_parser("ledger", help="ledger maintenance")
    lp.set_defaults(func=lambda a: (lp.print_help(), 2)[1])
    lsub = lp.add_subparsers(dest="ledger_command", metavar="LEDGER_COMMAND")
    p = _cmd(lsub, "repair", "explicitly repair damage left by an interrupted write (recorded in the ledger)",
             "Repair only what an interrupted write can leave: an incomplete last line (kept under "
             "ledger/repair/), a complete last record without its end of line (the record is kept), a HEAD "
             "behind the last record, a frozen text left staged by an interrupted release, a people.yaml entry "
             "missing. Anything else — edited, deleted or cut records, a frozen text no release names, a ledger "
             "shorter than a published manifest or PDF shows — is tampering and is refused. The repair is itself "
             "a record.",
             """policydocs ledger repair --dry-run
policydocs ledger repair""")
    p.add_argument("--dry-run", action="store_true", help="say what would be repaired, change nothing")
    p.set_defaults(func=cmd_ledger_repair)

    p = _cmd(sub, "diff", "redline between two released versions (HTML, PDF, DOCX in build/diff/)",
             "Compare two released versions of a policy (their frozen texts), or a released version with the "
             "working text, and write a redline (修订对照) as HTML, PDF and DOCX with tracked changes.",
             """policydocs diff HR-ATT-002 A/0 A/1
policydocs diff HR-ATT-002 A/1               # last release → working text (草稿)
policydocs diff HR-ATT-002 A/0 A/1 --locale zh-Hant-TW   # 修訂對照表 in Taiwan Traditional
policydocs diff HR-ATT-002 A/0 A/1 --formats pdf --out /tmp/redline""")
    p.add_argument("policy", metavar="POLICY-ID", help="the policy's id (文件编号), e.g. HR-ATT-002")
    p.add_argument("old", metavar="OLD", help="the earlier released version, e.g. A/0 (see `policydocs history ID`)")
    p.add_argument("new", metavar="NEW", nargs="?", default=None,
                   help="the later released version, e.g. A/1, or `working` (default: the working text in policies/)")
    p.add_argument("--locale", metavar="LOCALE",
                   help="write the redline in this locale: zh-Hans, zh-Hant-TW or zh-Hant-HK (default: the "
                        "document's own language); both texts are converted as the build converts them "
                        "(glossary, 「」 quotes, local words), files are named <ID>_<old>_<new>.<locale>.*")
    p.add_argument("--out", metavar="DIR", help="output directory (default: build/diff)")
    p.add_argument("--formats", default="html,pdf,docx", help="comma-separated: html,pdf,docx")
    p.set_defaults(func=cmd_diff)

    p = _cmd(sub, "due", "policies whose periodic review (复审) is due or overdue",
             "List policies in force whose periodic review is overdue or due within N days: the last release or "
             "recorded review plus review_cycle_months of the front matter (default 12). Exit 0; with "
             "--fail-overdue exit 1 when any review is overdue (for CI).",
             """policydocs due
policydocs due --within 60
policydocs due --today 2026-06-01 --json""")
    p.add_argument("--within", type=int, default=30, metavar="DAYS", help="also list reviews due within DAYS (default 30)")
    p.add_argument("--all", action="store_true", help="list every policy in force with its next review date")
    p.add_argument("--fail-overdue", action="store_true", help="exit 1 when a review is overdue")
    p.add_argument("--json", action="store_true")
    add_today(p)
    p.set_defaults(func=cmd_due)

    p = _cmd(sub, "review", "record a periodic review (复审) that changes nothing, signed by the reviewer",
             "Record that the version in force was reviewed and stays as it is: a review record signed with the "
             "reviewer's key, bound to that release (no new version). The next review is then due one "
             "review_cycle_months later. A review that changes the text is a revision: approve and release it.",
             """policydocs review HR-ATT-001 --as 王强
policydocs review HR-ATT-001 --as 王强 --note "经复审，内容仍适用"
""")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("--as", dest="person", required=True, metavar="NAME", help="the reviewer (registered, key on this computer)")
    p.add_argument("--note", default="", help="复审意见, stored in the signed record")
    p.set_defaults(func=cmd_review)


# --------------------------------------------------------------------------


def _root(args) -> Path:
    return Path(args.project).resolve()


def cmd_keys_new(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    person = keymod.check_person_name(args.person)
    roles = _split_roles(args.roles) or list(cfg.versions.roles)
    roles = [keymod.normalize_role(r, cfg.versions.roles) for r in roles]
    reg = ledger.registered_person(root, person, cfg)
    if reg is not None:
        raise PolicyError(keymod.people_path(root), 0, f"{person} is already registered (record #{reg.seq})")
    path = keymod.key_path(person)
    if path.exists():
        if not args.reuse:
            raise PolicyError(path, 0, f"a private key for {person} already exists on this computer; "
                              f"pass --reuse to register it in this project")
        key = keymod.load_private_key(person)
        print(f"using the existing private key {path}")
    else:
        passphrase = None
        if args.passphrase:
            passphrase = keymod.read_passphrase(f"passphrase for {person}'s new key: ", confirm=True)
            if passphrase is None:
                raise PolicyError(path, 0, f"--passphrase needs a terminal or ${keymod.PASSPHRASE_ENV}")
        key = keymod.generate_private_key()
        keymod.save_private_key(key, person, passphrase)
        print(f"private key written to {path} (mode 600{', encrypted' if passphrase else ''}) — keep it off the repository")
    rec = ledger.register_person(root, cfg, person, roles, key)
    pub = keymod.public_key_text(key)
    print(f"registered {person} ({', '.join(roles)}) as {ledger.describe(rec)}; fingerprint {keymod.fingerprint(pub)}")
    return 0


def cmd_keys_rotate(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    person = keymod.check_person_name(args.person)
    old_key = keymod.load_private_key(person)
    passphrase = None
    if args.passphrase:
        passphrase = keymod.read_passphrase(f"passphrase for {person}'s new key: ", confirm=True)
    new_key = keymod.generate_private_key()
    pending = keymod.key_path(person).with_name(f"{person}.key.new")
    if pending.exists():
        pending.unlink()  # left by an earlier attempt that never reached the ledger
    keymod.save_private_key(new_key, person, passphrase, path=pending)
    try:
        rec = ledger.rotate_key(root, cfg, person, old_key, new_key)
    except BaseException:
        pending.unlink()
        raise
    retired = keymod.retire_private_key(person, pending)
    print(f"{person}: new key {keymod.fingerprint(keymod.public_key_text(new_key))} recorded as {ledger.describe(rec)}; "
          f"old private key kept as {retired}")
    return 0


def _source(root: Path, policy_id: str) -> tuple[Path, str]:
    path = ledger.find_source(root, policy_id)
    return path, path.read_text(encoding="utf-8")


def _registered(root: Path, cfg, person: str, where: Path):
    """The person's registration, or an error saying they are not registered (before any key is read)."""
    reg = ledger.registered_person(root, person, cfg)
    if reg is None:
        known = ", ".join(sorted(ledger.load_state(root, cfg).people)) or "nobody yet"
        raise PolicyError(where, 0, f"{person} is not registered in this project (registered: {known}); "
                                    f"register them with `policydocs keys new --person {person} --roles …`")
    return reg


def cmd_approve(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    path, text = _source(root, args.policy)
    _registered(root, cfg, args.person, path.relative_to(root))
    key = keymod.load_private_key(args.person)
    rec = ledger.approve(root, cfg, args.policy, args.role, args.person, key, text, args.comment,
                         source_path=path.relative_to(root))
    p = rec["payload"]
    print(f"{args.policy}: {p['role']} approved by {p['person']} at {rec['time']} "
          f"(text sha256 {p['content_hash'][:12]}, {ledger.describe(rec)})")
    return 0


def cmd_release(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    path, text = _source(root, args.policy)
    if args.reason and not args.retroactive:
        raise PolicyError("--reason", 0, "--reason is the reason of a --retroactive release; add --retroactive")
    if args.retroactive and not (args.reason or "").strip():
        raise PolicyError("--retroactive", 0, "a retroactive release needs --reason \"why\" (it is recorded and shown)")
    if args.person:
        _registered(root, cfg, args.person, path.relative_to(root))
    key = keymod.load_private_key(args.person) if args.person else None
    rel = ledger.release(root, cfg, args.policy, text, effective=args.effective, summary=args.summary,
                         major=args.major, signer=args.person, key=key, source_path=path.relative_to(root),
                         retroactive_reason=args.reason if args.retroactive else None)
    who = ", ".join(f"{a.role} {a.person}" for a in rel.approvals)
    print(f"{args.policy}: released {rel.version}, effective {rel.effective_date} ({who}); record #{rel.seq}, "
          f"source frozen as ledger/snapshots/{rel.snapshot}.md")
    if rel.retroactive:
        print(f"{args.policy} {rel.version}: {rel.retroactive_note}")
    elif rel.effective_date and rel.effective_date > rel.date:
        print(f"{args.policy} {rel.version}: scheduled — in force from {rel.effective_date}, not before")
    return 0


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    def fmt(r):
        return "  ".join(str(c) + " " * (w - _width(str(c))) for c, w in zip(r, widths)).rstrip()
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *[fmt(r) for r in rows]])


def _known_policy(root: Path, cfg, policy_id: str) -> bool:
    ledger.check_policy_id(policy_id)
    if policy_id in ledger.load_state(root, cfg).policies:
        return True
    return policy_id in ledger.working_texts(root)


def cmd_history(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    if not _known_policy(root, cfg, args.policy):
        raise PolicyError(root / "policies", 0, f"no such policy: {args.policy} (not in policies/ and never in "
                                                f"the ledger)")
    rels = ledger.released_versions(root, args.policy, cfg)
    with clock.today_is(args.today):
        day = clock.today()
        vstat = {r.version: status.version_status(root, args.policy, r.version, day, cfg) for r in rels}
        pstat = status.status_on(root, args.policy, day, cfg)
    state = ledger.load_state(root, cfg)
    reviews = state.reviews.get(args.policy, [])
    reissues = [f for f in state.published if f.kind == "policy" and f.policy == args.policy and f.reissue_reason]
    if args.json:
        print(json.dumps({"policy": args.policy, "day": day.isoformat(), "status": pstat.to_json(),
                          "releases": [dict(r.to_json(), status=vstat[r.version].to_json()) for r in rels],
                          "reviews": [rv.to_json() for rv in reviews],
                          "reissues": [f.to_json() for f in reissues]}, ensure_ascii=False, indent=2))
        return 0
    if not rels:
        print(f"{args.policy}: never released")
        return 0
    roles = list(cfg.versions.roles)
    rows = []
    for r in rels:
        by = r.by_role
        rows.append([r.version, r.date.isoformat(), r.effective_date.isoformat() if r.effective_date else "",
                     r.summary, *[f"{by[x].person} {by[x].date.isoformat()}" if x in by else "" for x in roles],
                     f"#{r.seq}", vstat[r.version].describe()])
    print(_table(["版本", "日期", "生效日期", "修订内容摘要", *roles, "记录", f"status on {day}"], rows))
    for r in rels:
        if r.retroactive:
            print(f"{r.version}: {r.retroactive_note}")
    for rv in reviews:
        print(f"复审 {rv.day} by {rv.person} (record #{rv.record}, {rv.version})" + (f": {rv.note}" if rv.note else ""))
    done: set[int] = set()
    for f in reissues:  # one line per re-issue (publish record), naming its files
        if f.record not in done:
            done.add(f.record)
            files = ", ".join(f"{x.locale} {x.format}" for x in reissues if x.record == f.record)
            print(f"re-issued {f.version} {f.time.date()} (record #{f.record}; {files}): {f.reissue_reason}")
    return 0


def cmd_as_of(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    found = status.statuses(root, args.date, cfg)
    in_force = {pid: s for pid, s in found.items() if s.state == status.IN_FORCE}
    if args.json:
        print(json.dumps({"date": args.date.isoformat(),
                          "policies": {pid: dict(s.current.to_json(), status=s.to_json())
                                       for pid, s in sorted(in_force.items())},
                          "not_in_force": {pid: s.describe() for pid, s in sorted(found.items())
                                           if s.state != status.IN_FORCE}},
                         ensure_ascii=False, indent=2))
        return 0
    if not in_force:
        print(f"no released policy was in force on {args.date}")
    else:
        rows = [[pid, s.current.version, status.effective_of(s.current).isoformat(), s.current.summary,
                 f"#{s.current.seq}", f"{s.upcoming.version} from {status.effective_of(s.upcoming)}" if s.upcoming else ""]
                for pid, s in sorted(in_force.items())]
        print(f"in force on {args.date.isoformat()}:")
        print(_table(["文件编号", "版本", "生效日期", "修订内容摘要", "记录", "scheduled"], rows))
        for pid, s in sorted(in_force.items()):
            if s.current.retroactive:
                print(f"{pid} {s.current.version}: {s.current.retroactive_note}")
    for pid, s in sorted(found.items()):
        if s.state != status.IN_FORCE:
            print(f"not in force: {pid} ({s.describe()})")
    return 0


def cmd_verify(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    report = verify_mod.verify_project(root, cfg, pdfsig=True)
    problems = list(report.problems)
    for fn in EXTRA_VERIFIERS:
        problems += list(fn(args, root, cfg) or [])
    states = report.ledger.states
    strict_fail = [pid for pid, s in states.items() if not s.startswith("released ")] if args.strict else []
    if args.json:
        data = report.to_json()
        data["problems"] = problems
        data["ok"] = not problems and not strict_fail
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for pid, state in sorted(states.items()):
            print(f"{pid}: {state}")
        for note in report.ledger.notes:
            print(f"note: {note}")
        for msg in problems:
            print(f"error: {msg}", file=sys.stderr)
        for pid in strict_fail:
            print(f"error: {pid}: {states[pid]} (--strict)", file=sys.stderr)
        if problems or strict_fail:
            n = len(problems) + len(strict_fail)
            print(f"verify FAILED: {n} problem(s); ledger has {report.ledger.records} records"
                  + (" — all caused by an interrupted write: run `policydocs ledger repair`"
                     if report.ledger.repairable and problems == report.ledger.problems and not strict_fail else ""),
                  file=sys.stderr)
        else:
            head = f", head #{report.ledger.head[0]} {report.ledger.head[1][:12]}" if report.ledger.head else ""
            print(f"verify OK: {report.ledger.records} records, chain, signatures and snapshots intact{head}; "
                  f"{report.published_files} published file(s) match the publication record; "
                  f"{report.manifest_pdfs} signed PDF(s) of the last build checked against the trust root and ledger")
    return 1 if problems or strict_fail else 0


def cmd_due(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    with clock.today_is(args.today):
        day = clock.today()
    items = reviews.schedule(root, day, cfg)
    shown = items if args.all else [d for d in items if d.state(args.within) != reviews.OK]
    overdue = [d for d in items if d.state(args.within) == reviews.OVERDUE]
    if args.json:
        print(json.dumps({"day": day.isoformat(), "within": args.within,
                          "policies": [d.to_json(args.within) for d in shown]}, ensure_ascii=False, indent=2))
    elif not shown:
        print(f"no review due within {args.within} days of {day} ({len(items)} policies in force)")
    else:
        words = {reviews.OVERDUE: "overdue", reviews.DUE: "due", reviews.OK: ""}
        rows = [[d.policy, d.version, f"{d.cycle_months} 个月", f"{d.last} ({d.last_kind} #{d.last_record})",
                 d.due.isoformat(), f"{words[d.state(args.within)]} ({d.days_left:+d} d)".strip()] for d in shown]
        scope = (f"every policy in force; 'due' means within {args.within} days" if args.all
                 else f"due within {args.within} days")
        print(f"复审 on {day} ({scope}):")
        print(_table(["文件编号", "版本", "复审周期", "上次发布/复审", "应复审日期", "状态"], rows))
    return 1 if args.fail_overdue and overdue else 0


def cmd_review(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    _registered(root, cfg, args.person, Path("people.yaml"))
    if not _known_policy(root, cfg, args.policy):
        raise PolicyError(root / "policies", 0, f"no such policy: {args.policy}")
    key = keymod.load_private_key(args.person)
    rv = reviews.review(root, cfg, args.policy, args.person, key, args.note)
    nxt = [d for d in reviews.schedule(root, rv.day, cfg) if d.policy == args.policy]
    print(f"{args.policy}: 复审 of {rv.version} recorded as record #{rv.record}, signed by {rv.person}"
          + (f"; next review due {nxt[0].due}" if nxt else ""))
    return 0


def cmd_ledger_repair(args) -> int:
    root = _root(args)
    done = ledger.repair(root, load_config(root), dry_run=args.dry_run)
    if not done:
        print("nothing to repair: the ledger verifies")
        return 0
    for line in done:
        print(("would: " if args.dry_run else "") + line)
    return 0


def cmd_diff(args) -> int:
    # lazy: the diff engine (Markdown parser, python-docx, Typst) ≈ 55 ms at start-up; only diff needs it
    from ..pipeline.session import BuildSession  # lazy: OpenCC + the project loader (jinja2), ≈ 0.15× the diff engine
    from ..products import diff as diffmod

    if args.locale is not None and args.locale not in LOCALES:
        raise PolicyError("--locale", 0, f"unknown locale {args.locale!r}; known: {', '.join(LOCALES)}")
    root = _root(args)
    try:
        session = BuildSession.open(root)  # the same trees, references and conversion as `build`
    except PolicyErrors as e:
        if args.locale is not None:  # a converted redline is the build's conversion of valid texts
            raise
        # two frozen texts can still be compared while another working file is being edited
        session = None
        print(f"note: the project has {len(e.diagnostics)} problem(s) (see `policydocs check`); "
              "comparing the two texts on their own", file=sys.stderr)
    cfg = session.config if session is not None else load_config(root)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    out = Path(args.out) if args.out else cfg.build_dir / "diff"
    result = diffmod.diff_versions(root, cfg, args.policy, args.old, args.new, out_dir=out, formats=formats,
                                   inputs=session, locale=args.locale)
    for line in result.summary_lines():
        print(line)
    for path in result.files:
        print(f"wrote {path}")
    return 0
