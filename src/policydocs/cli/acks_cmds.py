"""Subcommands: acks migrate | serve | import-roster | hr-user | campaign … | remind | report | seal | deactivate.

Also adds the acknowledgement check to ``policydocs verify`` (edited, deleted
or added acknowledgement rows against their hashes and the ledger seals).

The service stack (SQLAlchemy, Alembic, Starlette, uvicorn, the renderer) is
imported inside the commands: measured with ``python -X importtime``, it adds
≈ 250 ms (the web app ≈ 290 ms) to the ≈ 130 ms every command spends importing
``policydocs.cli``, and every other command would pay it.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import sys
from datetime import date
from pathlib import Path

from ..core.errors import PolicyError
from ..read.config import load_config
from ..trust import ledger
from .ledger_cmds import register_verifier

PASSWORD_ENV = "POLICYDOCS_HR_PASSWORD"

EPILOG = """examples:
  policydocs acks migrate                                   # create/upgrade acks/acks.sqlite3
  policydocs acks import-roster 花名册.xlsx --deactivate-missing
  policydocs acks hr-user 王芳                               # asks for a password (argon2)
  policydocs acks campaign open HR-ATT-001 A/1 --due 2026-12-31 --department 生产部,质量部
  policydocs acks serve                                     # http://127.0.0.1:8470/hr/
  policydocs acks serve --database postgresql://acks@/acks?host=/run/postgresql --workers 4
  policydocs acks remind                                    # cron: invitations and reminders due today
  policydocs acks report --policy HR-ATT-001 --version A/1 --format xlsx --out 确认情况.xlsx
"""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def register(sub) -> None:
    """Add ``policydocs acks …`` to the parser and the acknowledgement check to ``verify``."""
    ap = sub.add_parser("acks", help="online acknowledgements: campaigns, personal links, HR dashboard, evidence",
                        description="The acknowledgement service: employees confirm each published version they "
                        "read (personal links, no passwords); HR follows campaigns per department, exports, "
                        "reminds by e-mail and enters paper acknowledgements; records are append-only and "
                        "sealed daily into the ledger. SQLite by default (acks/acks.sqlite3), PostgreSQL with "
                        "--database postgresql://…", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.set_defaults(func=lambda a: (ap.print_help(), 2)[1])
    ap.add_argument("--database", metavar="URL", help="database URL (default: $POLICYDOCS_ACKS_DATABASE, "
                    "[acks] database in acks.toml, or sqlite:///<project>/acks/acks.sqlite3)")
    asub = ap.add_subparsers(dest="acks_command", metavar="ACKS_COMMAND")

    p = asub.add_parser("migrate", help="create or upgrade the database schema (Alembic)")
    p.set_defaults(func=cmd_migrate)

    p = asub.add_parser("serve", help="run the web service (employees' links and HR's dashboard)",
                        description="Run the web service. On first start it creates the embedded SQLite database "
                        "(acks/acks.sqlite3); a database named with --database or $POLICYDOCS_ACKS_DATABASE "
                        "(PostgreSQL) is created and upgraded with `policydocs acks migrate`.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: put a reverse proxy in front)")
    p.add_argument("--port", type=int, default=8470,
                   help="port (default 8470); links start with http://HOST:PORT unless [acks] base_url is set")
    p.add_argument("--workers", type=int, default=1, help="worker processes (use >1 with PostgreSQL)")
    p.add_argument("--no-background", action="store_true", help="do not seal days or send reminders from this server")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies whose X-Forwarded-For is trusted for the recorded IP (default 127.0.0.1)")
    p.set_defaults(func=cmd_serve)

    p = asub.add_parser("import-roster", help="add/update employees from a roster (CSV/XLSX, 简/繁 headers)")
    p.add_argument("roster", type=Path)
    p.add_argument("--sheet", help="worksheet of an .xlsx roster")
    p.add_argument("--locale", help="reading locale for new employees (default: the project's source locale)")
    p.add_argument("--deactivate-missing", action="store_true",
                   help="deactivate active employees not in this roster (leavers; never deleted)")
    p.set_defaults(func=cmd_import_roster)

    p = asub.add_parser("deactivate", help="deactivate one employee (a leaver); their records stay")
    p.add_argument("employee_no", metavar="工号")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_deactivate)

    p = asub.add_parser("hr-user", help="add an HR user, or reset their password (argon2)")
    p.add_argument("username")
    p.add_argument("--sso-only", action="store_true", help="no password: signs in only through the SSO header")
    p.set_defaults(func=cmd_hr_user)

    cp = asub.add_parser("campaign", help="open, list, sync campaigns; personal links")
    cp.set_defaults(func=lambda a: (cp.print_help(), 2)[1])
    csub = cp.add_subparsers(dest="campaign_command", metavar="CAMPAIGN_COMMAND")
    p = csub.add_parser("open", help="open a campaign on a published version")
    p.add_argument("policy", metavar="POLICY-ID")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--due", type=_date, required=True, metavar="DATE")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--department", help="audience: these departments (comma-separated)")
    g.add_argument("--position", help="audience: these positions (comma-separated)")
    p.add_argument("--no-ack-needed", action="store_true",
                   help="minor re-issue: the acknowledgements of the previous version carry over (needs --reason)")
    p.add_argument("--reason", default="", help="why no new acknowledgement is needed (recorded)")
    p.add_argument("--as", dest="actor", default=None, help="who opens it (default: the login name)")
    p.set_defaults(func=cmd_campaign_open)
    p = csub.add_parser("list", help="campaigns with their counts")
    p.set_defaults(func=cmd_campaign_list)
    p = csub.add_parser("links", help="personal links of everyone still pending (CSV, for delivery without e-mail)")
    p.add_argument("campaign", type=int)
    p.add_argument("--out", type=Path, help="CSV file (default: standard output)")
    p.set_defaults(func=cmd_campaign_links)
    p = csub.add_parser("sync", help="add employees who joined the audience since the campaign opened")
    p.add_argument("campaign", type=int)
    p.set_defaults(func=cmd_campaign_sync)

    p = asub.add_parser("remind", help="send the invitations and reminders due today (for cron), or --now")
    p.add_argument("--campaign", type=int, help="only this campaign")
    p.add_argument("--now", action="store_true", help="remind everyone pending in --campaign now")
    p.set_defaults(func=cmd_remind)

    p = asub.add_parser("report", help="who acknowledged a version, how and when; tampering check")
    p.add_argument("--policy", required=True, metavar="ID")
    p.add_argument("--version", required=True)
    p.add_argument("--format", choices=("text", "json", "csv", "xlsx"), default="text")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_report)

    p = asub.add_parser("seal", help="seal finished days of acknowledgements into the ledger (the server does it too)")
    p.set_defaults(func=cmd_seal)

    register_verifier(verify_acknowledgements)


# ---------------------------------------------------------------------------


def _root(args) -> Path:
    return Path(args.project).resolve()


def _service(args, **kw):
    # lazy: the acks stack (SQLAlchemy, Alembic, Starlette) ≈ 0.2–0.3 s at start-up, see the module docstring
    from ..acks.service import open_service

    return open_service(_root(args), args.database, **kw)


def _actor(args) -> str:
    return getattr(args, "actor", None) or f"cli:{getpass.getuser()}"


def cmd_migrate(args) -> int:
    # lazy: the acks stack (SQLAlchemy, Alembic, Starlette) ≈ 0.2–0.3 s at start-up, see the module docstring
    from ..acks import db, migrate
    from ..acks.settings import load_settings
    from ..acks.store import AckStore

    st = load_settings(_root(args), database=args.database)
    engine = db.make_engine(st.database)
    try:
        before, after = migrate.upgrade(engine)
        dbid = AckStore(engine).database_id
    finally:
        engine.dispose()
    where = db.redacted(st.database)
    if before == after:
        print(f"{where}: schema is up to date ({after}); database id {dbid}")
    else:
        print(f"{where}: migrated {before or 'empty'} → {after}; database id {dbid}")
    return 0


def cmd_serve(args) -> int:
    # lazy: the acks stack (SQLAlchemy, Alembic, Starlette) ≈ 0.2–0.3 s at start-up, see the module docstring
    import uvicorn

    from ..acks import asgi, db
    from ..acks.service import create_embedded_database
    from ..acks.settings import DATABASE_ENV, listen_url, load_settings

    root = _root(args)
    listen = listen_url(args.host, args.port)
    st = load_settings(root, database=args.database, listen=listen)
    created = create_embedded_database(st)
    if created:
        print(f"policydocs acks: first start — created the embedded database acks/acks.sqlite3 (schema {created[0]}, "
              f"database id {created[1]})", file=sys.stderr, flush=True)
    service = _service(args)  # fails early with a clear message (schema, config)
    service.close()
    os.environ[asgi.PROJECT_ENV] = str(root)
    os.environ[DATABASE_ENV] = st.database
    os.environ[asgi.BACKGROUND_ENV] = "0" if args.no_background else "1"
    os.environ[asgi.LISTEN_ENV] = listen
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: listening on {args.host}, not only this computer; use HTTPS through a reverse proxy",
              file=sys.stderr)
    print(f"policydocs acks: {db.redacted(st.database)}; HR: {listen}/hr/ ; links start with {st.base_url}/a/",
          file=sys.stderr, flush=True)
    standalone = load_settings(root, database=args.database).base_url  # what `acks remind` from cron uses
    if standalone != st.base_url:
        print(f"note: [acks] base_url is not set: links from this server start with {st.base_url}, but "
              f"`acks remind` and `acks campaign links` run on their own use {standalone}; set base_url in "
              f"acks.toml", file=sys.stderr, flush=True)
    uvicorn.run("policydocs.acks.asgi:create", factory=True, host=args.host, port=args.port, workers=args.workers,
                proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips, log_level="warning",
                server_header=False, access_log=False)
    return 0


def cmd_import_roster(args) -> int:
    # lazy: the acks stack ≈ 0.2–0.3 s and the roster reader (openpyxl) ≈ 55 ms at start-up
    from ..acks.store import Person
    from ..read.roster import load_roster

    service = _service(args)
    roster = load_roster(args.roster, sheet=args.sheet, group=False)
    locale = args.locale or load_config(_root(args)).locales.source
    people = [Person(e.employee_no, e.name, e.department, e.position, e.email, "") for e in roster]
    res = service.store.import_people(people, default_locale=locale, deactivate_missing=args.deactivate_missing,
                                      actor=_actor(args), source=str(args.roster))
    print(f"{args.roster}: {len(people)} employees — {res.added} added, {res.updated} updated, "
          f"{res.unchanged} unchanged, {len(res.deactivated)} deactivated, {len(res.reactivated)} reactivated")
    if res.deactivated:
        print("deactivated (not in the roster): " + ", ".join(res.deactivated[:50])
              + (" …" if len(res.deactivated) > 50 else ""))
    no_mail = sum(1 for p in people if not p.email)
    if no_mail:
        print(f"note: {no_mail} employees have no e-mail address (column 邮箱/email); give them their link "
              f"with `policydocs acks campaign links`", file=sys.stderr)
    return 0


def cmd_deactivate(args) -> int:
    _service(args).deactivate(args.employee_no, _actor(args), args.reason)
    print(f"{args.employee_no}: deactivated (records kept)")
    return 0


def cmd_hr_user(args) -> int:
    from ..acks.web import hash_password  # lazy: the acks web app ≈ 290 ms at start-up

    service = _service(args)
    password_hash = None
    if not args.sso_only:
        password = os.environ.get(PASSWORD_ENV)
        if not password:
            if not sys.stdin.isatty():
                raise PolicyError(PASSWORD_ENV, 0, f"set ${PASSWORD_ENV} or run in a terminal to type a password")
            password = getpass.getpass(f"password for {args.username}: ")
            if getpass.getpass("repeat: ") != password:
                raise PolicyError("hr-user", 0, "the passwords differ")
        if len(password) < 10:
            raise PolicyError("hr-user", 0, "an HR password needs at least 10 characters")
        password_hash = hash_password(password)
    service.store.add_hr_user(args.username, password_hash, actor=_actor(args))
    print(f"HR user {args.username}: " + ("SSO only" if args.sso_only else "password set (argon2)"))
    return 0


def cmd_campaign_open(args) -> int:
    kind, value = "all", ""
    if args.department:
        kind, value = "department", args.department
    elif args.position:
        kind, value = "position", args.position
    service = _service(args)
    cid = service.open_campaign(args.policy, args.version, audience_kind=kind, audience_value=value, due=args.due,
                                opened_by=_actor(args), requires_ack=not args.no_ack_needed, reason=args.reason)
    camp = service.store.campaign(cid)
    members = service.store.members(cid)
    files = ", ".join(f"{loc} {t['file_sha256'][:12]}" for loc, t in service.store.campaign_texts(cid).items())
    print(f"campaign {cid}: {camp['policy_id']} {camp['version']} 《{camp['title']}》, {len(members)} employees, "
          f"due {camp['due_date']}; files {files}")
    if not camp["requires_ack"]:
        print(f"no new acknowledgement required ({camp['waiver_reason']}); acknowledgements of campaign "
              f"{camp['carries_from']} carry over")
    return 0


def cmd_campaign_list(args) -> int:
    service = _service(args)
    camps = service.store.campaigns()
    if not camps:
        print("no campaigns")
    for c in camps:
        counts: dict[str, int] = {}
        for m in service.store.status(c["id"]):
            counts[m.state] = counts.get(m.state, 0) + 1
        print(f"{c['id']:>4}  {c['policy_id']} {c['version']}  due {c['due_date']}  "
              f"{c['audience_kind']}{(': ' + c['audience_value']) if c['audience_value'] else ''}  "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def cmd_campaign_links(args) -> int:
    service = _service(args)
    pending = service.pending(args.campaign)
    links = service.links(args.campaign, [m.employee_id for m in pending])
    out = open(args.out, "w", encoding="utf-8-sig", newline="") if args.out else sys.stdout
    try:
        w = csv.writer(out)
        w.writerow(["部门", "工号", "姓名", "邮箱", "个人链接"])
        for m in pending:
            w.writerow([m.department, m.employee_no, m.name, m.email, links[m.employee_id]])
    finally:
        if args.out:
            out.close()
    service.store.log(_actor(args), "links", {"campaign": args.campaign, "count": len(pending)})
    if args.out:
        print(f"{args.out}: {len(pending)} personal links (keep this file private)")
    return 0


def cmd_campaign_sync(args) -> int:
    n = _service(args).store.sync_members(args.campaign, _actor(args))
    print(f"campaign {args.campaign}: {n} employees added")
    return 0


def cmd_remind(args) -> int:
    service = _service(args)
    if args.now:
        if not args.campaign:
            raise PolicyError("remind", 0, "--now needs --campaign ID")
        reports = {args.campaign: service.remind_now(args.campaign, _actor(args))}
    else:
        reports = service.scheduled_reminders(_actor(args))
        if args.campaign:
            reports = {k: v for k, v in reports.items() if k == args.campaign}
    if not reports:
        print("no reminders due")
    for cid, rep in reports.items():
        print(f"campaign {cid}: {len(rep.sent)} sent, {len(rep.failed)} failed, {len(rep.no_email)} without e-mail")
        for no, err in rep.failed:
            print(f"  {no}: {err}", file=sys.stderr)
    return 1 if any(r.failed for r in reports.values()) else 0


def cmd_report(args) -> int:
    # lazy: the acks stack (SQLAlchemy, Alembic, Starlette) ≈ 0.2–0.3 s at start-up, see the module docstring
    from ..acks import exports
    from ..acks.service import version_report

    service = _service(args)
    rep = version_report(service, args.policy, args.version)
    if args.format in ("csv", "xlsx"):
        camps = service.store.campaigns(args.policy, args.version)
        members = [m for c in camps for m in service.store.status(c["id"])]
        data = (exports.to_csv if args.format == "csv" else exports.to_xlsx)(camps[0], members)
        if not args.out:
            raise PolicyError("report", 0, f"--format {args.format} needs --out FILE")
        args.out.write_bytes(data)
        print(f"{args.out}: {len(members)} rows")
    else:
        text = rep.to_json() if args.format == "json" else rep.to_text()
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
            print(f"{args.out}: written")
        else:
            print(text)
    for p in rep.problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if rep.problems else 0


def cmd_seal(args) -> int:
    from ..acks.seal import seal_days  # lazy: the acks stack ≈ 0.2–0.3 s at start-up

    service = _service(args)
    recs = seal_days(service.store, service.root)
    if not recs:
        print("nothing to seal (finished days are sealed already)")
    for r in recs:
        p = r["payload"]
        print(f"sealed {p['day']}: {p['count']} acknowledgements, head {p['head'][:12]} → {ledger.describe(r)}")
    return 0


def verify_acknowledgements(args, root, config) -> list[str]:
    """The acknowledgement part of ``policydocs verify``: rows against hashes and ledger seals."""
    # lazy: the acks stack (SQLAlchemy, Alembic, Starlette) ≈ 0.2–0.3 s at start-up, see the module docstring
    from sqlalchemy.exc import SQLAlchemyError

    from ..acks import db, migrate
    from ..acks.seal import verify_acks
    from ..acks.settings import load_settings
    from ..acks.store import AckStore

    st = load_settings(root)
    sealed = ledger.load_state(root, config).acks_seals
    missing = db.sqlite_file(st.database)
    if missing is not None and not missing.exists():  # never create an empty database file just to look
        shown = "acks/acks.sqlite3" if st.database == db.default_url(root) else str(missing)
        return [f"acknowledgements were sealed in the ledger ({', '.join(sealed)}) but the database "
                f"{shown} is missing"] if sealed else []
    engine = db.make_engine(st.database)
    try:
        if migrate.current_revision(engine) is None:
            return [f"acknowledgement database {db.redacted(st.database)} has no schema"] if sealed else []
        problems, summary = verify_acks(AckStore(engine), root)
    except SQLAlchemyError as exc:
        return [f"acknowledgement database {db.redacted(st.database)} cannot be read: {type(exc).__name__}: {exc}"]
    finally:
        engine.dispose()
    if not getattr(args, "json", False):
        print(f"acknowledgements: {summary['rows']} records, {summary['sealed_days']} sealed days, "
              f"{summary['unsealed_rows']} not sealed yet")
    return [f"acknowledgements: {p}" for p in problems]
