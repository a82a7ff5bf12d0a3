"""The pages of both PDF engines, checked on every sample in every locale.

Every sample policy (with the sample ledger: released versions, approvals,
修订记录) is laid out in zh-Hans, zh-Hant-TW and zh-Hant-HK by Typst (this
checkout) and, unless ``--only typst``, by WeasyPrint (the code of
``--baseline``, extracted with ``git archive`` as ``bench_engine.py`` does;
``pip install -e '.[bench]'`` brings WeasyPrint). Each PDF is then read back
with ``pdftotext -bbox`` and checked the same way for both engines:

* **justified**: lines of a paragraph that another line of the same paragraph
  follows (the next line starts at the left edge, one line pitch below, with
  no 第…条, 一、, （一） or 1. marker), ending at the right edge of the type area
  (±0.5 pt; a line ending in closing punctuation may reach 8.5 pt further, its
  compressed advance);
* **bad breaks**: lines starting with 。，、；：？！）》」 or ending with （《「;
* **header whole**: pages whose document-control header holds 文件编号, 生效日期
  and 第x页 共y页 each on one line;
* **text in order**: headings, paragraphs and items (their first 40
  characters, as this checkout's text writer prints them) found in order in
  the extracted body text.

Both templates have the same type area (A4, margins 37/26/35/28 mm).

    python bench/compare_pages.py                       # print the table
    python bench/compare_pages.py --write docs/pdf-engine/comparison.md
    python bench/compare_pages.py --images docs/pdf-engine   # + one PNG per locale (60 dpi)
    COMPARE_PAGES_DEBUG=1 python bench/compare_pages.py      # + each line found wanting, on stderr
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEASYPRINT_BASELINE = "9cf791b"  # as bench_engine.py: the last commit with the WeasyPrint engine
LOCALES = ("zh-Hans", "zh-Hant-TW", "zh-Hant-HK")
MM = 72 / 25.4
LEFT, RIGHT, TOP, BOTTOM = 28 * MM, (210 - 26) * MM, 37 * MM, (297 - 35) * MM
CLOSING = "。，、；：？！）》」』〕】"
OPENING = "（《「『〔【"
#: The start of a numbered heading, article or item (第五条, 一、, （一）, 1.): a new block, not a continuation.
MARKER = re.compile(r"第[一二三四五六七八九十百]+[章节条節條]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．]")
SHOWN = "HR-ATT-002"  # the sample pictured in each locale's PNG


# --------------------------------------------------------------------------- laying out (child process)


def render_all(corpus: Path, out: Path) -> list[str]:
    """Every sample × locale as a PDF with whatever ``policydocs`` is importable, and the text
    that code's text writer gives for each (``expected.json``: conversion has changed since
    the baseline, so each engine is held to its own code's text); the file names."""
    from policydocs.convert import conversion
    from policydocs.products import history
    from policydocs.read.project import load_project
    from policydocs.render.context import RenderContext
    from policydocs.render.pdf import PdfWriter

    project = load_project(corpus)
    writer = PdfWriter(corpus)
    glossary = conversion.load_glossary(corpus)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for pid, doc in sorted(project.documents.items()):
        version = history.version_info(corpus, project.config, pid, doc.source_text,
                                       fallback_effective=doc.meta.effective_date)
        for locale in LOCALES:
            localized, _ = conversion.localize(doc, locale, glossary)
            name = f"{pid}.{locale}.pdf"
            (out / name).write_bytes(writer.write(RenderContext(localized, project.config, version)))
            names.append(name)
    (out / "expected.json").write_text(json.dumps(body_texts(corpus), ensure_ascii=False), encoding="utf-8")
    return names


# --------------------------------------------------------------------------- reading back


def lines_of(pdf: Path) -> list[list[dict]]:
    """Lines per page from ``pdftotext -bbox`` (words on one baseline joined left to right),
    as tests/conftest.py ``pdf_lines`` reads them."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        words = [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
        rows: dict[float, list] = {}
        for x0, y0, x1, y1, text in words:
            if y1 - y0 > 40:  # the 草稿 / 已废止 watermark
                continue
            key = next((k for k in rows if abs(k - y1) < 1.0), y1)
            rows.setdefault(key, []).append((x0, y0, x1, y1, text))
        lines = []
        for key in sorted(rows):
            ws = sorted(rows[key])
            lines.append({"text": "".join(w[4] for w in ws), "x0": ws[0][0], "x1": max(w[2] for w in ws),
                          "y0": min(w[1] for w in ws), "y1": key})
        pages.append(lines)
    return pages


@dataclass
class Checks:
    pages: int
    justified: int  # paragraph lines ending at the right edge
    checked: int  # paragraph lines that another line of the paragraph follows
    worst: float  # pt: the farthest such line ends from the edge
    bad_breaks: int
    header_ok: int  # pages whose control header fields are whole
    text_found: int  # headings, paragraphs and items found in order
    texts: int


def body_size(pages: list[list[dict]]) -> float:
    """The body text's size: the commonest line height in the type area."""
    heights = [round(ln["y1"] - ln["y0"]) for page in pages for ln in page if TOP < ln["y0"] < BOTTOM]
    return max(set(heights), key=heights.count)


def check(pdf: Path, pid: str, locale: str, expected: list[str]) -> Checks:
    pages = lines_of(pdf)
    size = body_size(pages)
    justified = checked = bad = header_ok = 0
    worst = 0.0
    for n, page in enumerate(pages, start=1):
        body = [ln for ln in page if TOP - 1 < ln["y0"] < BOTTOM and ln["x0"] >= LEFT - 0.5
                and abs((ln["y1"] - ln["y0"]) - size) < 1.5]
        for a, b in zip(body, body[1:]):
            continues = (abs(b["x0"] - LEFT) < 0.5 and 0 < b["y0"] - a["y1"] < 1.3 * size
                         and not MARKER.match(b["text"]))  # a heading or item set flush left starts anew
            if not continues or a["text"].rstrip()[-1:] in "：:":
                continue
            checked += 1
            over = a["x1"] - RIGHT
            hangs = a["text"].rstrip()[-1] in CLOSING + "”’" and -0.5 <= over <= 8.5
            if abs(over) <= 0.5 or hangs:
                justified += 1
            else:
                worst = max(worst, abs(over))
                if os.environ.get("COMPARE_PAGES_DEBUG") and abs(over) > 30:
                    print(f"{pdf.name} p{n}: {over:+.1f} pt: {a['text'][:30]!r} / {b['text'][:30]!r}", file=sys.stderr)
        for ln in page:
            text = ln["text"].strip()
            if text and (text[0] in CLOSING or text[-1] in OPENING):
                bad += 1
        head = "\n".join(ln["text"].replace(" ", "") for ln in page if ln["y1"] < TOP)
        word = "页" if locale == "zh-Hans" else "頁"
        if (re.search(rf"：{re.escape(pid)}(版本|版次|$)", head, re.M)
                and re.search(r"生效日期：(\d{4}|中華民國\d+)年\d{1,2}月\d{1,2}日", head)
                and f"第{n}{word}共{len(pages)}{word}" in head):
            header_ok += 1
    text = re.sub(r"\s+", "", "".join(ln["text"] for page in pages for ln in page if TOP < ln["y0"] < BOTTOM))
    found, pos = 0, 0
    for want in expected:
        at = text.find(want[:40], pos)
        if at >= 0:
            found, pos = found + 1, at
        elif os.environ.get("COMPARE_PAGES_DEBUG"):
            print(f"{pdf.name}: not found after {pos}: {want[:40]}", file=sys.stderr)
    return Checks(len(pages), justified, checked, round(worst, 1), bad, header_ok, found, len(expected))


def body_texts(corpus: Path) -> dict[str, list[str]]:
    """{"ID.locale": the plain text of each heading, paragraph and item of the body, tables
    left out}, from the importable code's text writer."""
    from policydocs.convert import conversion
    from policydocs.read.project import load_project
    from policydocs.render.text import TextWriter

    class WithoutTables(TextWriter):
        def visit_Table(self, node) -> list[str]:  # cells are read back cell by cell, not as rows
            return []

    project = load_project(corpus)
    glossary = conversion.load_glossary(corpus)
    texts = {}
    for pid, doc in project.documents.items():
        for locale in LOCALES:
            localized, _ = conversion.localize(doc, locale, glossary)
            lines = WithoutTables(locale).lines(localized.body)
            texts[f"{pid}.{locale}"] = [t for t in (re.sub(r"\s+", "", line) for line in lines) if t]
    return texts


# --------------------------------------------------------------------------- driver


def make_corpus(dst: Path) -> Path:
    """The sample project with its ledger (released versions, approvals, 修订记录)."""
    dst.mkdir(parents=True)
    for name in ("policydocs.toml", "glossary.yaml", "people.yaml"):
        shutil.copy2(REPO / name, dst / name)
    for name in ("policies", "ledger"):
        shutil.copytree(REPO / name, dst / name)
    return dst


def run_engine(src: Path, corpus: Path, out: Path) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(src))
    res = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(corpus), str(out)],
                         env=env, capture_output=True, text=True, cwd=corpus)
    if res.returncode != 0:
        raise SystemExit(f"engine run failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def cell(c: Checks | None, what: str) -> str:
    if c is None:
        return "—"
    if what == "justified":
        return f"{c.justified}/{c.checked}" + (f" (≤ {c.worst:g} pt off)" if c.justified < c.checked else "")
    if what == "header":
        return f"{c.header_ok}/{c.pages}"
    if what == "text":
        return f"{c.text_found}/{c.texts}"
    return str(getattr(c, what))


def table(results: dict[str, dict[str, Checks]], engines: list[str], command: str) -> str:
    cols = [("pages", "pages"), ("justified", "justified lines"), ("bad_breaks", "bad line starts/ends"),
            ("header", "header fields whole (pages)"), ("text", "text in order")]
    out = [f"<!-- generated by `{command}`; do not edit by hand -->", "",
           "# Both PDF engines on every sample, in every locale", "",
           "Made by `bench/compare_pages.py` (what each column checks is in its docstring). "
           "Engines: " + ", ".join(engines) + ". Type area of both templates: A4, margins 37/26/35/28 mm.", ""]
    head = ["sample", "locale"] + [f"{label} ({e})" for _, label in cols for e in engines]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    names = sorted({name for r in results.values() for name in r})
    for name in names:
        pid, locale = name.removesuffix(".pdf").split(".", 1)
        row = [pid, locale] + [cell(results[e].get(name), what) for what, _ in cols for e in engines]
        out.append("| " + " | ".join(row) + " |")
    total = ["**all**", ""]
    for what, _ in cols:
        for e in engines:
            cs = list(results[e].values())
            if what == "justified":
                total.append(f"**{sum(c.justified for c in cs)}/{sum(c.checked for c in cs)}**")
            elif what == "header":
                total.append(f"**{sum(c.header_ok for c in cs)}/{sum(c.pages for c in cs)}**")
            elif what == "text":
                total.append(f"**{sum(c.text_found for c in cs)}/{sum(c.texts for c in cs)}**")
            else:
                total.append(f"**{sum(getattr(c, what) for c in cs)}**")
    out.append("| " + " | ".join(total) + " |")
    return "\n".join(out) + "\n"


def side_by_side(pdfs: dict[str, Path], dst: Path) -> None:
    """Page 1 of each engine's PDF at 60 dpi, side by side with a caption, as one PNG."""
    from PIL import Image, ImageDraw, ImageFont  # lazy: only --images needs Pillow

    shots = []
    with tempfile.TemporaryDirectory() as tmp:
        for engine, pdf in pdfs.items():
            stem = Path(tmp) / engine
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                           check=True)
            shots.append((engine, Image.open(f"{stem}.png").convert("RGB")))
    gap, caption = 16, 24
    width = sum(im.width for _, im in shots) + gap * (len(shots) + 1)
    height = max(im.height for _, im in shots) + caption + gap
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 13)
    x = gap
    for engine, im in shots:
        draw.text((x + im.width // 2, 6), engine, fill="black", anchor="ma", font=font)
        canvas.paste(im, (x, caption))
        draw.rectangle((x - 1, caption - 1, x + im.width, caption + im.height), outline=(170, 170, 170))
        x += im.width + gap
    canvas.quantize(colors=64).save(dst, optimize=True)  # a palette: a third of the bytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", default=WEASYPRINT_BASELINE, help="git revision of the WeasyPrint engine")
    ap.add_argument("--only", choices=("typst",), help="check Typst's pages only (no WeasyPrint needed)")
    ap.add_argument("--write", type=Path, help="write the Markdown table to this file")
    ap.add_argument("--images", type=Path, help=f"folder for policy-<locale>.png: page 1 of {SHOWN}, 60 dpi")
    ap.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(render_all(*args.child)))
        return 0
    command = "python bench/compare_pages.py" + (" --only typst" if args.only else "")
    with tempfile.TemporaryDirectory(prefix="compare-pages-") as tmp:
        tmp = Path(tmp)
        corpus = make_corpus(tmp / "corpus")
        outs: dict[str, Path] = {}
        if not args.only:
            base = tmp / "baseline"
            base.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "src", "templates"],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
            outs["WeasyPrint"] = tmp / "weasyprint"
            run_engine(base / "src", corpus, outs["WeasyPrint"])
        outs["Typst"] = tmp / "typst"
        run_engine(REPO / "src", corpus, outs["Typst"])
        results = {}
        for engine, folder in outs.items():
            texts = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
            results[engine] = {pdf.name: check(pdf, *pdf.stem.split(".", 1), texts[pdf.stem])
                               for pdf in sorted(folder.glob("*.pdf"))}
        text = table(results, list(outs), command)
        if args.write:
            args.write.write_text(text, encoding="utf-8")
            print(f"wrote {args.write}")
        else:
            print(text)
        if args.images:
            for locale in LOCALES:
                args.images.mkdir(parents=True, exist_ok=True)
                dst = args.images / f"policy-{locale}.png"
                side_by_side({engine: folder / f"{SHOWN}.{locale}.pdf" for engine, folder in outs.items()}, dst)
                print(f"wrote {dst}")
        print(json.dumps({e: {n: asdict(c) for n, c in r.items()} for e, r in results.items()}, ensure_ascii=False),
              file=sys.stderr if args.write else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
