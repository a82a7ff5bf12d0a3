"""Subcommand: convert — ad-hoc Simplified ⇄ Traditional conversion of a policy or a text file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import PolicyError
from ..core.fsutil import atomic_write_bytes


def register(sub) -> None:
    """Add ``convert`` to the ``policydocs`` parser."""
    p = sub.add_parser(
        "convert", help="convert a Markdown policy or a text file between 简体 and 繁體 (stdin/stdout too)",
        description="Convert a Markdown policy source or a plain text file between Simplified and Traditional "
                    "Chinese with OpenCC plus the regulation glossary (the default one and the project's "
                    "glossary.yaml). In a policy only text is converted: front-matter text fields, never ids, "
                    "labels, references, code, link targets or URLs; `lang:` is set to the target locale. "
                    "Every place where a glossary or phrase rule changed the text beyond character mapping "
                    "is counted on stderr and listed with --report.")
    p.add_argument("input", nargs="?", default="-", help="input file (.md = policy, anything else = text); "
                                                         "'-' or omitted: stdin")
    p.add_argument("--to", required=True, metavar="LOCALE",
                   help="target locale: zh-Hans, zh-Hant, zh-Hant-TW, zh-Hant-HK (zh-CN/zh-TW/zh-HK accepted)")
    p.add_argument("--from", dest="source", metavar="LOCALE",
                   help="source locale (default: the policy's lang:, else zh-Hans, or zh-Hant when the text "
                        "contains Traditional characters)")
    p.add_argument("-o", "--output", default="-", help="output file ('-' or omitted: stdout)")
    p.add_argument("--format", choices=("auto", "md", "text"), default="auto",
                   help="input kind (auto: .md/.markdown or front matter → md)")
    p.add_argument("--phrase", action="store_true",
                   help="phrase mode: also swap whole words (s2twp/s2hkp/tw2sp/hk2sp: 软件→軟體); "
                        "regulation vocabulary stays protected by the glossary")
    p.add_argument("--no-glossary", action="store_true", help="plain OpenCC, no glossary")
    p.add_argument("--report", metavar="FILE", help="write the conversion report (changes to review) to FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..convert import conversion as cv  # lazy: OpenCC and the glossary ≈ 8 ms at start-up

    try:
        target = cv.normalize_locale(args.to)
        source = cv.normalize_locale(args.source) if args.source else None
    except ValueError as exc:
        print(f"policydocs convert: {exc}", file=sys.stderr)
        return 2

    if args.input == "-":
        text, name = sys.stdin.read(), "<stdin>"
    else:
        path = Path(args.input)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PolicyError(path, 0, f"cannot read: {exc.strerror}") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PolicyError(path, line, "file is not UTF-8; save it as UTF-8") from None
        name = str(path)
    text = text.replace("\r\n", "\n")

    if args.format == "auto":
        markdown = name.lower().endswith((".md", ".markdown")) or text.startswith("---\n")
    else:
        markdown = args.format == "md"

    if source is None:
        source = _guess_source(text, markdown, cv)

    glossary = cv.EMPTY_GLOSSARY if args.no_glossary else cv.load_glossary(Path(args.project))
    conv = cv.get_converter(source, target, phrase_mode=args.phrase, glossary=glossary)
    policy_id = "" if markdown else Path(name).stem
    out, report = cv.convert_source(text, conv, markdown=markdown, policy_id=policy_id,
                                    path="" if name == "<stdin>" else name)
    if not report.policy_id:
        report.policy_id = Path(name).stem if name != "<stdin>" else "stdin"

    if args.output == "-":
        sys.stdout.write(out)
        sys.stdout.flush()
    else:
        atomic_write_bytes(Path(args.output), out.encode("utf-8"), mode=0o644)
    if args.report:
        report.write(Path(args.report))
    print(f"{source} → {target} ({'+'.join(conv.configs) or 'identity'}): {report.summary_line()}",
          file=sys.stderr)
    return 0


def _guess_source(text: str, markdown: bool, cv) -> str:
    if markdown:
        for line in text.split("\n---", 1)[0].splitlines():
            if line.startswith("lang:"):
                try:
                    return cv.normalize_locale(line.split(":", 1)[1].split("#")[0].strip())
                except ValueError:
                    break
    if cv.is_simplified_clean(text):
        return "zh-Hans"
    print("policydocs convert: input contains Traditional characters; converting from zh-Hant "
          "(use --from zh-Hant-TW or zh-Hant-HK for regional sources)", file=sys.stderr)
    return "zh-Hant"
