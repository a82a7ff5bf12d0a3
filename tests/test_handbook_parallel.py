"""A handbook laid out in parallel parts (jobs > 1) is the same book as the
one-document layout: same text and pixels on every page, same links, link
targets and bookmarks; reproducible; signed and verified like any handbook."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import copy_project, run_cli

from policydocs.products import handbook
from policydocs.products.handbook import HandbookRenderer, load_handbook
from policydocs.read.project import load_project


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """The demo handbook (released versions) as one document and in three parallel parts."""
    base = tmp_path_factory.mktemp("hbpar")
    root = copy_project(base / "proj", ledger=True)
    project = load_project(root)
    hb = load_handbook(root / "handbooks" / "employee-handbook.yaml", project)
    renderer = HandbookRenderer(project)
    out = {}
    for label, jobs in (("one", 1), ("parts", 3)):
        out[label] = base / f"{label}.pdf"
        out[label].write_bytes(renderer.pdf(hb, "zh-Hans", jobs=jobs))
    out["again"] = base / "again.pdf"
    out["again"].write_bytes(renderer.pdf(hb, "zh-Hans", jobs=3))
    return out


def page_count(pdf: Path) -> int:
    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def page_images(pdf: Path, folder: Path) -> list[bytes]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(folder / "p")], check=True)
    return [p.read_bytes() for p in sorted(folder.glob("p-*.pgm"))]


def structure(pdf: Path) -> tuple[dict, list, list]:
    """(named destination → (page, x, y)), links (page, rect, destination name), bookmarks (level, title, page, y)."""
    with pikepdf.open(pdf) as doc:
        index = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        dests = {str(name): (index[d[0].objgen], round(float(d[2]), 1), round(float(d[3]), 1))
                 for name, d in pikepdf.NameTree(doc.Root.Names.Dests).items()}
        links = [(i, [round(float(v), 1) for v in annot.Rect], str(annot.get("/Dest", annot.get("/A"))))
                 for i, page in enumerate(doc.pages) for annot in page.obj.get("/Annots", [])
                 if annot.get("/Subtype") == "/Link"]

        def walk(items, level=0):
            for item in items:
                yield level, item.title, index[item.destination[0].objgen], round(float(item.destination[3]), 1)
                yield from walk(item.children, level + 1)

        with doc.open_outline() as outline:
            bookmarks = list(walk(outline.root))
    return dests, links, bookmarks


def test_every_page_reads_and_looks_the_same(books, tmp_path):
    assert page_count(books["one"]) == page_count(books["parts"]) > 20
    assert page_texts(books["one"]) == page_texts(books["parts"])
    one, parts = page_images(books["one"], tmp_path / "one"), page_images(books["parts"], tmp_path / "parts")
    assert len(one) == len(parts)
    differ = [i + 1 for i, (a, b) in enumerate(zip(one, parts)) if a != b]
    assert differ == [], f"pages that look different: {differ}"


def test_links_targets_and_bookmarks_are_the_same(books):
    one, parts = structure(books["one"]), structure(books["parts"])
    dests_one, links_one, marks_one = one
    dests_parts, links_parts, marks_parts = parts
    assert dests_parts == dests_one  # no stand-in anchor leaked into the joined book
    assert links_parts == links_one and len(links_one) > 100  # contents, summary and cross-references
    assert all(link[2] in dests_parts for link in links_parts)
    assert marks_parts == marks_one and any(level == 1 for level, *_ in marks_one)


def test_parallel_book_is_reproducible(books):
    assert books["parts"].read_bytes() == books["again"].read_bytes()


def test_runs_are_consecutive_whole_policies():
    policies = [{"id": str(i), "body": "x" * size} for i, size in enumerate([9000, 100, 100, 5000, 4000, 100])]
    runs = handbook._runs(policies, 3)
    assert len(runs) == 3 and all(runs)
    assert [p["id"] for run in runs for p in run] == [p["id"] for p in policies]
    assert len(handbook._runs(policies[:2], 5)) == 2


def test_a_single_handbook_build_is_laid_out_in_parallel_signed_and_verified(tmp_path, monkeypatch):
    """`build` with one handbook in one locale and two CPUs: parallel parts, then signed like any release."""
    root = copy_project(tmp_path / "proj", ledger=True)  # with the demo handbook
    toml = root / "policydocs.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'publish = ["zh-Hans", "zh-Hant-TW", "zh-Hant-HK"]', 'publish = ["zh-Hans"]'), encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "POLICYDOCS_SIGNING_PASSPHRASE": "test-pass"}
    assert run_cli("keys", "init-org", cwd=root, env=env).returncode == 0
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    calls = []
    original = handbook._pdf_parallel
    monkeypatch.setattr(handbook, "_pdf_parallel", lambda *a: calls.append(a[4]) or original(*a))
    from policydocs.pipeline.build import build

    build(root, formats=["pdf"], jobs=2)
    assert calls == [2]
    pdf = root / "build" / "handbooks" / "employee-handbook.zh-Hans.pdf"
    sig = subprocess.run(["pdfsig", "-nocert", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in sig and "Total document signed" in sig
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    art = next(a for a in manifest["artifacts"] if a["path"] == "handbooks/employee-handbook.zh-Hans.pdf")
    assert art["signed"] is True
    verified = run_cli("verify-file", str(pdf), cwd=root, env=env)
    assert verified.returncode == 0 and "AUTHENTIC" in verified.stdout, verified.stdout + verified.stderr
