"""Assemble one PDF from PDFs rendered separately (the parallel handbook).

WeasyPrint lays out one document in one thread, so a 300-page handbook is
rendered as several documents in several processes and put back together
here with pikepdf (qpdf):

* pages are appended in order;
* every document's named destinations (the targets of internal links) are
  merged into one name tree, each name taken from the document that *owns*
  it — the others carry a stand-in anchor only so that WeasyPrint keeps the
  links that point across documents;
* every document's bookmarks are re-pointed at the merged pages;
* an *overlay* PDF, one page per page of the result, is stamped on top: the
  page numbers ("第x页 共y页"), which no part can know while it is being laid
  out in parallel;
* document information and catalog entries come from the first document.

The result is deterministic (same inputs, same bytes) so that a handbook can
be rebuilt and compared before it is signed.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pikepdf

OVERLAY_NAME = "/PolicydocsPageNumbers"  # + page number


@dataclass
class RenderedPart:
    """One separately rendered PDF and the anchor names whose targets it holds."""

    pdf: bytes
    owned: frozenset[str]


def _page_index(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: i for i, page in enumerate(pdf.pages)}


def _named_dests(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Array]:
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    tree = pikepdf.NameTree(names.Dests)
    out = {}
    for name, dest in tree.items():
        if isinstance(dest, pikepdf.Dictionary):  # the { /D [...] } form
            dest = dest.get("/D")
        if isinstance(dest, pikepdf.Array) and len(dest) > 0:
            out[str(name)] = dest
    return out


def _outline(pdf: pikepdf.Pdf, index: dict[tuple[int, int], int], offset: int) -> list[dict]:
    """The bookmarks of ``pdf`` as plain data, pages counted in the merged document."""

    def walk(items) -> list[dict]:
        out = []
        for item in items:
            dest = item.destination
            if isinstance(dest, pikepdf.Array) and len(dest) >= 4 and str(dest[1]) == "/XYZ":
                page = offset + index[dest[0].objgen]
                left, top = float(dest[2]), float(dest[3])
            else:  # WeasyPrint writes /XYZ destinations only; anything else points at the page top
                page, left, top = offset, None, None
            out.append({"title": item.title, "page": page, "left": left, "top": top,
                        "closed": item.is_closed, "children": walk(item.children)})
        return out

    with pdf.open_outline() as outline:
        return walk(outline.root)


def assemble(parts: list[RenderedPart], overlay: bytes | None = None) -> bytes:
    """One PDF: the pages of ``parts`` in order, links and bookmarks re-joined,
    ``overlay`` page *k* stamped on page *k* (it must have as many pages)."""
    out = pikepdf.Pdf.new()
    sources = [pikepdf.Pdf.open(io.BytesIO(part.pdf)) for part in parts]
    dests: dict[str, tuple[int, pikepdf.Array]] = {}
    bookmarks: list[dict] = []
    for part, src in zip(parts, sources):
        offset = len(out.pages)
        index = _page_index(src)
        with warnings.catch_warnings():  # named destinations are merged below, by hand
            warnings.simplefilter("ignore")
            out.pages.extend(src.pages)
        for name, dest in _named_dests(src).items():
            if name in part.owned and name not in dests:
                dests[name] = (offset + index[dest[0].objgen], dest)
        bookmarks.extend(_outline(src, index, offset))

    if dests:
        tree = pikepdf.NameTree.new(out)
        for name in sorted(dests):
            page, dest = dests[name]
            tree[name] = pikepdf.Array([out.pages[page].obj, *list(dest)[1:]])
        out.Root.Names = pikepdf.Dictionary(Dests=tree.obj)

    if bookmarks:
        def make(entry: dict) -> pikepdf.OutlineItem:
            item = pikepdf.OutlineItem(entry["title"], entry["page"], "XYZ", left=entry["left"], top=entry["top"])
            item.is_closed = entry["closed"]
            item.children.extend(make(child) for child in entry["children"])
            return item

        with out.open_outline() as outline:
            outline.root.extend(make(entry) for entry in bookmarks)

    first = sources[0]

    def copied(obj):
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Array)):
            return out.copy_foreign(obj if obj.is_indirect else first.make_indirect(obj))
        return obj  # a name, string or number: copied by value

    for key in ("/PageMode", "/Lang", "/ViewerPreferences", "/MarkInfo"):
        if key in first.Root:
            out.Root[key] = copied(first.Root[key])
    if "/Info" in first.trailer:
        out.trailer.Info = copied(first.trailer.Info)

    if overlay is not None:
        stamp = pikepdf.Pdf.open(io.BytesIO(overlay))
        count = len(out.pages)
        if len(stamp.pages) != count:
            raise ValueError(f"overlay has {len(stamp.pages)} pages for {count}")
        # copied in as pages first (qpdf copies their resources), turned into form XObjects, then dropped;
        # Page.add_overlay would name each XObject at random, and the bytes must not vary between runs
        out.pages.extend(stamp.pages)
        for k in range(count):
            _stamp(out.pages[k], out.pages[count + k].as_form_xobject(), f"{OVERLAY_NAME}{k + 1}")
        del out.pages[count:]

    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, min_version=max(src.pdf_version for src in sources))
    return buf.getvalue()


def _stamp(page: pikepdf.Page, form: pikepdf.Object, name: str) -> None:
    """Draw ``form`` over the whole of ``page`` (what Page.add_overlay does, under a name of ours:
    pages of one part share one /Resources dictionary, so the name differs per page)."""
    name = pikepdf.Name(name)
    xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
    if name in xobjects:
        raise ValueError(f"page already has an XObject named {name}")
    page.add_resource(form, pikepdf.Name.XObject, name)
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n", prepend=False)
    page.contents_add(placement, prepend=False)
    page.contents_coalesce()
