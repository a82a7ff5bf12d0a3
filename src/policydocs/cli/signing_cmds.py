"""Subcommands: keys init-org, verify-file; and the PDF part of ``verify``.

``keys`` is a command group owned by ``ledger_cmds`` (registered before this
module); ``init-org`` is added to it through ``ledger_cmds.keys_subparsers()``.
The PDF signature checks join ``policydocs verify`` through
``ledger_cmds.register_verifier``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from ..read.config import load_config


def _keys_subparsers(sub):
    """The ``keys`` sub-subparsers, from ledger_cmds when it provides them."""
    try:
        from .ledger_cmds import keys_subparsers

        ks = keys_subparsers()
        if ks is not None:
            return ks
    except ImportError:
        pass
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
        help="tell which policy/version/locale a PDF is and whether it is authentic",
        description="Check a PDF copy: its signature must be intact, cover the whole file and chain to "
        "the project's trust root. Exit 0 when AUTHENTIC, 1 when NOT AUTHENTIC.",
    )
    p.add_argument("file", metavar="FILE", type=Path)
    p.add_argument("--manifest", type=Path, metavar="PATH", help="manifest to look the file up in (default: build/manifest.json)")
    p.add_argument("--trust-root", type=Path, metavar="PEM", help="CA certificate to trust (default: [signing] trust_root)")
    p.add_argument("--unsigned-out", type=Path, metavar="PATH",
                   help="also write the PDF as it was before signing (to compare with a re-rendered copy)")
    p.set_defaults(func=cmd_verify_file)

    try:
        from .ledger_cmds import register_verifier
    except ImportError:
        pass
    else:
        register_verifier(verify_pdfs)


def _passphrase(config) -> str:
    from ..trust.signing import DEMO_PASSPHRASE

    env = config.signing.passphrase_env
    if env and os.environ.get(env):
        return os.environ[env]
    if sys.stdin.isatty():
        while True:
            first = getpass.getpass("Passphrase for the signing key (empty = demo passphrase): ")
            if not first:
                return DEMO_PASSPHRASE
            if getpass.getpass("Repeat: ") == first:
                print(f"note: set ${env} to this passphrase when building", file=sys.stderr)
                return first
            print("passphrases differ; try again", file=sys.stderr)
    print(f"note: ${env} not set; using the demo passphrase", file=sys.stderr)
    return DEMO_PASSPHRASE


def cmd_init_org(args) -> int:
    from ..trust import signing

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
    from ..trust import signing

    manifest = config.build_dir / "manifest.json"
    if not manifest.exists():
        return []  # nothing built yet; the manifest check belongs to the build verifier
    return signing.verify_published(config.build_dir, signing.trust_root_path(config),
                                    prefix=f"{config.build.output.rstrip('/')}/", pdfsig=True)


def cmd_verify_file(args) -> int:
    from ..core.errors import PolicyError
    from ..trust import signing

    config = load_config(args.project)
    trust_root = args.trust_root or signing.trust_root_path(config)
    if not Path(trust_root).exists():
        raise PolicyError(trust_root, 0, "trust root not found; run `policydocs keys init-org` or set [signing] trust_root")
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise PolicyError(args.file, 0, f"cannot read: {exc.strerror or exc}") from None
    check = signing.validate_pdf(data, Path(trust_root))
    problems = list(check.problems)

    manifest_path = args.manifest or config.build_dir / "manifest.json"
    entry, how = None, ""
    if Path(manifest_path).exists():
        manifest = signing.load_manifest(Path(manifest_path))
        entry, how = signing.find_manifest_entry(manifest, data, check)
        if entry is not None and check.signed:
            problems += signing.check_against_entry(data, check, entry)
        elif entry is None and check.ident:
            pid, ver, loc = check.ident
            for a in manifest.get("artifacts", []):
                if (isinstance(a, dict) and a.get("format") == "pdf" and a.get("policy_id") == pid
                        and a.get("version") == ver and a.get("locale") == loc):
                    problems.append(f"the published {pid} {ver} {loc} ({a.get('path')}) has different content")
    elif args.manifest:
        raise PolicyError(args.manifest, 0, "manifest not found")

    ident = check.ident
    policy_id = (entry or {}).get("policy_id") or (ident[0] if ident else "?")
    version = (entry or {}).get("version") or (ident[1] if ident else "?")
    locale = (entry or {}).get("locale") or (ident[2] if ident else "?")
    title = (entry or {}).get("title", "")
    print(f"file:      {args.file}")
    print(f"policy:    {policy_id}" + (f" 《{title}》" if title else ""))
    print(f"version:   {version}")
    print(f"locale:    {locale}")
    if check.signed:
        print(f"signed by: {check.signer}")
        if check.signing_time:
            print(f"signed at: {check.signing_time.isoformat()}")
        if check.timestamp:
            print(f"timestamp: {check.timestamp.isoformat()}")
        if check.reason:
            print(f"reason:    {check.reason}")
    if entry is not None:
        if how == "file":
            print(f"manifest:  {manifest_path} lists this exact file as {entry.get('path')}")
        else:
            print(f"manifest:  {manifest_path} lists the same document as {entry.get('path')}; "
                  "this file's bytes differ from that published copy")
    elif Path(manifest_path).exists():
        print(f"manifest:  not listed in {manifest_path} (an older version or another build)")
    if args.unsigned_out and check.signed_prefix_size:
        args.unsigned_out.write_bytes(data[: check.signed_prefix_size])
        print(f"unsigned:  {args.unsigned_out} (sha256 {check.signed_prefix_sha256})")
    if problems:
        print("NOT AUTHENTIC")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("AUTHENTIC")
    return 0
