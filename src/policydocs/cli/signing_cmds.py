"""Subcommands: keys init-org, verify-file.

``keys`` is a command group owned by ``ledger_cmds`` (registered before this
module); ``init-org`` is added to it through ``ledger_cmds.keys_subparsers()``.
The PDF signature checks of ``policydocs verify`` run in ``trust/verify.py``;
:func:`verify_pdfs` remains for callers that want only the build's PDFs.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path

from ..core.errors import PolicyError
from ..core.manifest import read_manifest
from ..read.config import load_config
from ..trust import clock, ledger, publication, signing, status
from .ledger_cmds import keys_subparsers


def _keys_subparsers(sub):
    """The ``keys`` sub-subparsers, from ledger_cmds when it provides them."""
    ks = keys_subparsers()
    if ks is not None:
        return ks
    parser = sub.choices.get("keys")
    if parser is None:
        parser = sub.add_parser("keys", help="the organisation's signing key")
        parser.set_defaults(func=lambda a: (parser.print_help(), 2)[1])
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND")


def register(sub) -> None:
    """Add this module's subcommands to the `policydocs` parser."""
    ks = _keys_subparsers(sub)
    p = ks.add_parser(
        "init-org",
        help="create a demo CA and document-signing certificate for trying things out",
        description="Create a demo CA and the organisation's document-signing certificate. The PKCS#12 "
        "(private key) goes to the user config dir, never into the project; the public CA certificate "
        "goes to [signing] trust_root in the project. Passphrase: $POLICYDOCS_SIGNING_PASSPHRASE "
        "(or the configured variable), else prompted; without a terminal the documented demo "
        "passphrase is used. Production: set [signing] pkcs12 to the organisation's PKCS#12 instead.",
    )
    p.add_argument("--force", action="store_true", help="replace an existing signing identity and trust root")
    p.set_defaults(func=cmd_init_org)

    p = sub.add_parser(
        "verify-file",
        help="is this copy authentic, which policy/version/locale is it, and is it in force today?",
        description="Answer an auditor's question about one file in one screen: whether it is an authentic "
        "copy (the signature is intact, covers the whole file and chains to the organisation's trust root, "
        "and a release record in the ledger stands behind its version), which policy, version and locale it "
        "is, who approved it and when, and its status today: in force, superseded by a later version (and "
        "since when), scheduled, or repealed. Exit 0 when AUTHENTIC, 1 when NOT AUTHENTIC, 2 when the "
        "project or trust root cannot be found.",
        epilog="examples:\n"
        "  policydocs verify-file build/zh-Hans/HR-ATT-002.pdf\n"
        "  policydocs -C /path/to/project verify-file ~/Downloads/HR-ATT-002.pdf\n"
        "  policydocs verify-file copy.pdf --trust-root org-ca.pem     # outside a project: signature only\n"
        "  policydocs verify-file copy.pdf --today 2026-06-01 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", type=Path)
    p.add_argument("--manifest", type=Path, metavar="PATH", help="manifest to look the file up in (default: build/manifest.json)")
    p.add_argument("--trust-root", type=Path, metavar="PEM", help="CA certificate to trust (default: [signing] trust_root)")
    p.add_argument("--unsigned-out", type=Path, metavar="PATH",
                   help="also write the PDF as it was before signing (to compare with a re-rendered copy)")
    p.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="judge the status as of this day")
    p.add_argument("--json", action="store_true", help="the verdict and details as JSON")
    p.set_defaults(func=cmd_verify_file)


def _passphrase(config) -> str:
    env = config.signing.passphrase_env
    if env and os.environ.get(env):
        return os.environ[env]
    if sys.stdin.isatty():
        while True:
            first = getpass.getpass("Passphrase for the signing key (empty = demo passphrase): ")
            if not first:
                return signing.DEMO_PASSPHRASE
            if getpass.getpass("Repeat: ") == first:
                print(f"note: set ${env} to this passphrase when building", file=sys.stderr)
                return first
            print("passphrases differ; try again", file=sys.stderr)
    print(f"note: ${env} not set; using the demo passphrase", file=sys.stderr)
    return signing.DEMO_PASSPHRASE


def cmd_init_org(args) -> int:
    config = load_config(args.project)
    passphrase = _passphrase(config)
    reuse = not args.force and signing.demo_identity_path().exists()
    p12, root = signing.init_org(config, passphrase=passphrase, force=args.force)
    if reuse:
        print("reusing the organisation signing identity already on this computer")
    ident = signing.load_pkcs12_identity(p12, passphrase, demo=True)
    print(f"signing identity (private, keep it out of the repository): {p12}")
    print(f"trust root (public, commit it): {root}")
    print(f"certificate: {ident.subject}")
    print(f"SHA-256 fingerprint: {ident.fingerprint}")
    if config.signing.pkcs12:
        print(f"note: policydocs.toml sets [signing] pkcs12 = {config.signing.pkcs12!r}; "
              "the build signs with that file, not with this demo identity", file=sys.stderr)
    return 0


def verify_pdfs(args, root, config) -> list[str]:
    """The PDF part of ``policydocs verify`` (called by ledger_cmds)."""
    manifest = config.build_dir / "manifest.json"
    if not manifest.exists():
        return []  # nothing built yet; the manifest check belongs to the build verifier
    return signing.verify_published(config.build_dir, signing.trust_root_path(config),
                                    prefix=f"{config.build.output.rstrip('/')}/", pdfsig=True)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2025-03-01") from None


def _in_project(root: Path, config) -> bool:
    """A policydocs project, or at least a folder holding the organisation's trust root."""
    return ((root / "policydocs.toml").exists() or (root / "ledger" / "records.jsonl").exists()
            or signing.trust_root_path(config).exists())


def _trust_root(args, root: Path, config) -> Path:
    """The CA certificate to judge the copy by; PolicyError (exit 2) saying how to point at one."""
    if args.trust_root:
        if not args.trust_root.exists():
            raise PolicyError(args.trust_root, 0, "trust root not found (give the organisation's CA certificate, PEM)")
        return args.trust_root
    if not _in_project(root, config):
        raise PolicyError(args.file, 0, f"{root} is not a policydocs project (no policydocs.toml, no ledger/), so "
                                        f"there is no trust root to check the copy against. Point at the project "
                                        f"that published it: `policydocs -C /path/to/project verify-file {args.file}`, "
                                        f"or check the signature alone with the organisation's CA certificate: "
                                        f"`policydocs verify-file {args.file} --trust-root org-ca.pem`")
    path = signing.trust_root_path(config)
    if not path.exists():
        raise PolicyError(path, 0, "trust root not found: this project has no CA certificate at [signing] trust_root; "
                                   "give the organisation's CA certificate with --trust-root PEM, or run from the "
                                   "project that published the copy (-C DIR)")
    return path


def cmd_verify_file(args) -> int:
    root = Path(args.project).resolve()
    config = load_config(root)
    trust_root = _trust_root(args, root, config)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise PolicyError(args.file, 0, f"cannot read: {exc.strerror or exc}") from None
    with clock.today_is(args.today):
        day = clock.today()
    report = _examine(args, root, config, trust_root, data, day)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    return 0 if report["authentic"] else 1


def _examine(args, root: Path, config, trust_root: Path, data: bytes, day: date) -> dict:
    """Everything verify-file says, as one dict (printed as text or JSON)."""
    digest = signing.sha256_hex(data)
    is_pdf = data.startswith(b"%PDF-")
    check = signing.validate_pdf(data, trust_root) if is_pdf else None
    problems = list(check.problems) if check is not None else []
    has_ledger = (root / "ledger" / "records.jsonl").exists()
    st = ledger.load_state(root, config) if has_ledger else None
    published = publication.find_published(root, digest, config) if has_ledger else None
    ident = check.ident if check is not None else None
    if published is not None and (ident is None or published.kind == "policy"):
        ident = (published.policy, published.version, published.locale)
    if not is_pdf and published is None:
        problems.append("not a PDF, and not a file on the publication record (only signed PDFs and published "
                        "files can be checked)")
    # the manifest of the current build (optional, as before)
    manifest_path = args.manifest or config.build_dir / "manifest.json"
    entry, how = None, ""
    if check is not None and Path(manifest_path).exists():
        manifest = read_manifest(Path(manifest_path), missing_ok=False, any_format=True)
        entry, how = signing.find_manifest_entry(manifest, data, check)
        if entry is not None and check.signed:
            problems += signing.check_against_entry(data, check, entry)
        elif entry is None and check.ident and published is None:
            pid, ver, loc = check.ident
            for a in manifest.artifacts:
                if a.format == "pdf" and (a.policy_id, a.version, a.locale) == (pid, ver, loc):
                    problems.append(f"the published {pid} {ver} {loc} ({a.path}) has different content")
    elif args.manifest:
        raise PolicyError(args.manifest, 0, "manifest not found")
    if ident is None and entry is not None:
        ident = (entry.policy_id, entry.version, entry.locale)
    release = None
    vstatus = None
    is_handbook = (entry is not None and entry.kind == "handbook") or (published is not None and published.kind == "handbook")
    if st is not None and ident is not None and not is_handbook:
        pid, ver, _loc = ident
        release = next((r for r in st.policies.get(pid, ledger.PolicyState()).releases if r.version == ver), None)
        if check is not None and check.valid:
            lf_last = publication.ledger_head(root)
            problems += publication.copy_problems(st, check, lf_last)
        elif release is None and published is not None:
            problems.append(f"on the publication record, but the ledger has no release record {pid} {ver}")
        if release is not None:
            vstatus = status.version_status(root, pid, ver, day, config)
    # a DOCX (or any non-PDF) is authentic when its bytes are on the organisation-signed publication record
    authentic = not problems and ((check is not None and check.valid) or (check is None and published is not None))
    title = entry.title if entry is not None else ""
    if not title and release is not None:
        meta = status.release_meta(root, release)
        title = meta.title if meta is not None else ""
    out = {
        "file": str(args.file), "sha256": digest, "authentic": authentic, "problems": problems,
        "policy": ident[0] if ident else None, "title": title or None, "version": ident[1] if ident else None,
        "locale": ident[2] if ident else None, "kind": "handbook" if is_handbook else "policy",
        "day": day.isoformat(), "ledger": has_ledger,
        "status": vstatus.to_json() if vstatus else None,
        "release": release.to_json() if release else None,
        "signature": None, "published": published.to_json() if published else None,
        "replaced_by": _replaced_by(st, published),
        "manifest": {"path": str(manifest_path), "entry": entry.path, "match": how} if entry else None,
    }
    if check is not None and check.signed:
        out["signature"] = {"signer": check.signer, "signing_time": check.signing_time.isoformat() if check.signing_time else None,
                            "timestamp": check.timestamp.isoformat() if check.timestamp else None, "reason": check.reason,
                            "ledger_head": check.ledger_head.to_json() if check.ledger_head else None,
                            "trust_root": str(trust_root)}
    if args.unsigned_out and check is not None and check.signed_prefix_size:
        args.unsigned_out.write_bytes(data[: check.signed_prefix_size])
        out["unsigned_out"] = {"path": str(args.unsigned_out), "sha256": check.signed_prefix_sha256}
    return out


def _replaced_by(st, published) -> dict | None:
    """The re-issue that replaced this published file (``publish`` record with ``replaces`` = its hash)."""
    if st is None or published is None:
        return None
    later = next((f for f in st.published if f.replaces == published.sha256 and f.ident == published.ident), None)
    return later.to_json() if later is not None else None


def _print_report(r: dict) -> None:
    what = f"{r['policy'] or '?'} {r['version'] or '?'} ({r['locale'] or '?'})"
    print(("AUTHENTIC" if r["authentic"] else "NOT AUTHENTIC") + f": {what}")
    print(f"file:      {r['file']}")
    print(f"policy:    {r['policy'] or '?'}" + (f" 《{r['title']}》" if r["title"] else ""))
    print(f"version:   {r['version'] or '?'}")
    print(f"locale:    {r['locale'] or '?'}")
    rel = r["release"]
    if r["status"]:
        line = r["status"]["describe"]
        if r["status"]["state"] != "in_force":
            line += " — NOT the version in force"
        print(f"status:    {line} (on {r['day']})")
    elif r["kind"] == "handbook":
        print("status:    a handbook (its policies' status: policydocs as-of)")
    elif r["ledger"]:
        print(f"status:    no release record of this version (on {r['day']})")
    else:
        print("status:    unknown — no ledger here; run with -C PROJECT to see whether this version is in force")
    if rel:
        print("approved:  " + " · ".join(f"{a['role']} {a['person']} {a['time'][:10]}" for a in rel["approvals"]))
        print(f"released:  {rel['date']}, effective {rel['effective_date']} (ledger record #{rel['record']})")
        if rel["retroactive"]:
            print(f"retroactive: effective before it was released — "
                  f"{rel['retroactive_reason'] or 'no reason recorded'}")
    sig = r["signature"]
    if sig:
        print(f"signed by: {sig['signer']}" + (f" at {sig['signing_time']}" if sig["signing_time"] else ""))
        if sig["timestamp"]:
            print(f"timestamp: {sig['timestamp']}")
        if sig["ledger_head"]:
            print(f"ledger:    published under record #{sig['ledger_head']['seq']} {sig['ledger_head']['hash'][:12]}")
    pub = r["published"]
    if pub:
        print(f"published: record #{pub['record']} ({pub['time'][:10]}) lists this exact file as {pub['path']}")
        if pub.get("reissue_reason"):
            print(f"re-issue:  of an earlier file of this version (sha256 {pub['replaces'][:12]}…); reason: "
                  f"{pub['reissue_reason']}")
    if r.get("replaced_by"):
        rb = r["replaced_by"]
        print(f"replaced:  re-issued as {rb['path']} (record #{rb['record']}, {rb['time'][:10]}); reason: "
              f"{rb['reissue_reason']} — this copy is still authentic, the re-issue is the one offered")
    m = r["manifest"]
    if m:
        if m["match"] == "file":
            print(f"manifest:  {m['path']} lists this exact file as {m['entry']}")
        else:
            print(f"manifest:  {m['path']} lists the same document as {m['entry']}; "
                  "this file's bytes differ from that published copy")
    if r.get("unsigned_out"):
        print(f"unsigned:  {r['unsigned_out']['path']} (sha256 {r['unsigned_out']['sha256']})")
    for p in r["problems"]:
        print(f"  - {p}")
