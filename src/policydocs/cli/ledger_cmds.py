"""Subcommands: keys new, approve, release, history, as-of, verify, ledger repair, diff.

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

from ..core.errors import PolicyError
from ..read.config import load_config
from ..trust import keys as keymod
from ..trust import ledger, status

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
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


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

    p = sub.add_parser("approve", help="sign an approval of a policy's current text in one role")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("--role", required=True, help="编制 | 审核 | 批准 (or the configured roles; 制定/核准 accepted)")
    p.add_argument("--as", dest="person", required=True, metavar="NAME", help="who signs (their key must be on this computer)")
    p.add_argument("--comment", help="optional remark stored in the signed record")
    p.set_defaults(func=cmd_approve)

    p = sub.add_parser("release", help="release the approved text as the next version and freeze it in the ledger")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("--effective", type=_date, metavar="DATE", help="effective date (default: effective_date of the front matter)")
    p.add_argument("--summary", help="修订内容摘要 (default for the first version: 首次发行)")
    p.add_argument("--major", action="store_true", help="major revision: A/3 → B/0, V1.2 → V2.0")
    p.add_argument("--as", dest="person", metavar="NAME", help="also sign the release record with this person's key")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("history", help="released versions of a policy, with approvals")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("as-of", help="which version of each policy was in force on a date")
    p.add_argument("date", type=_date, metavar="DATE")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_as_of)

    p = sub.add_parser("verify", help="check the ledger chain, signatures, snapshots, release rules (and PDF signatures)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--strict", action="store_true", help="also fail when a policy's text is not its released version")
    p.set_defaults(func=cmd_verify)

    lp = sub.add_parser("ledger", help="ledger maintenance")
    lp.set_defaults(func=lambda a: (lp.print_help(), 2)[1])
    lsub = lp.add_subparsers(dest="ledger_command", metavar="LEDGER_COMMAND")
    p = lsub.add_parser("repair", help="explicitly repair damage left by an interrupted write (recorded in the ledger)")
    p.add_argument("--dry-run", action="store_true", help="say what would be repaired, change nothing")
    p.set_defaults(func=cmd_ledger_repair)

    p = sub.add_parser("diff", help="redline between two released versions (HTML, PDF, DOCX in build/diff/)")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW", nargs="?", default=None, help="default: the working text")
    p.add_argument("--out", metavar="DIR", help="output directory (default: build/diff)")
    p.add_argument("--formats", default="html,pdf,docx", help="comma-separated: html,pdf,docx")
    p.set_defaults(func=cmd_diff)


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


def cmd_approve(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    path, text = _source(root, args.policy)
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
    key = keymod.load_private_key(args.person) if args.person else None
    rel = ledger.release(root, cfg, args.policy, text, effective=args.effective, summary=args.summary,
                         major=args.major, signer=args.person, key=key, source_path=path.relative_to(root))
    who = ", ".join(f"{a.role} {a.person}" for a in rel.approvals)
    print(f"{args.policy}: released {rel.version}, effective {rel.effective_date} ({who}); record #{rel.seq}, "
          f"source frozen as ledger/snapshots/{rel.snapshot}.md")
    return 0


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    def fmt(r):
        return "  ".join(str(c) + " " * (w - _width(str(c))) for c, w in zip(r, widths)).rstrip()
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *[fmt(r) for r in rows]])


def cmd_history(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    rels = ledger.released_versions(root, args.policy, cfg)
    if args.json:
        print(json.dumps({"policy": args.policy, "releases": [r.to_json() for r in rels]}, ensure_ascii=False, indent=2))
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
                     f"#{r.seq}"])
    print(_table(["版本", "日期", "生效日期", "修订内容摘要", *roles, "记录"], rows))
    return 0


def cmd_as_of(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    gone: dict[str, str] = {}
    found = status.as_of(root, args.date, cfg, superseded=gone)
    if args.json:
        print(json.dumps({"date": args.date.isoformat(), "policies": {k: v.to_json() for k, v in sorted(found.items())},
                          "not_in_force": gone}, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(f"no released policy was in force on {args.date}")
        return 0
    rows = [[pid, r.version, r.effective_date.isoformat() if r.effective_date else r.date.isoformat(), r.summary, f"#{r.seq}"]
            for pid, r in sorted(found.items())]
    print(f"in force on {args.date.isoformat()}:")
    print(_table(["文件编号", "版本", "生效日期", "修订内容摘要", "记录"], rows))
    for pid, why in sorted(gone.items()):
        print(f"not in force: {pid} ({why})")
    return 0


def cmd_verify(args) -> int:
    root = _root(args)
    cfg = load_config(root)
    report = ledger.verify_ledger(root, cfg, ledger.working_texts(root))
    problems = list(report.problems)
    for fn in EXTRA_VERIFIERS:
        problems += list(fn(args, root, cfg) or [])
    strict_fail = [pid for pid, s in report.states.items() if not s.startswith("released ")] if args.strict else []
    if args.json:
        data = report.to_json()
        data["problems"] = problems
        data["ok"] = not problems and not strict_fail
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for pid, state in sorted(report.states.items()):
            print(f"{pid}: {state}")
        for msg in problems:
            print(f"error: {msg}", file=sys.stderr)
        for pid in strict_fail:
            print(f"error: {pid}: {report.states[pid]} (--strict)", file=sys.stderr)
        if problems or strict_fail:
            n = len(problems) + len(strict_fail)
            print(f"verify FAILED: {n} problem(s); ledger has {report.records} records"
                  + (" — all caused by an interrupted write: run `policydocs ledger repair`" if report.repairable and not strict_fail else ""),
                  file=sys.stderr)
        else:
            head = f", head #{report.head[0]} {report.head[1][:12]}" if report.head else ""
            print(f"verify OK: {report.records} records, chain, signatures and snapshots intact{head}")
    return 1 if problems or strict_fail else 0


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
    from ..products import diff as diffmod

    root = _root(args)
    cfg = load_config(root)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    out = Path(args.out) if args.out else cfg.build_dir / "diff"
    result = diffmod.diff_versions(root, cfg, args.policy, args.old, args.new, out_dir=out, formats=formats)
    for line in result.summary_lines():
        print(line)
    for path in result.files:
        print(f"wrote {path}")
    return 0
