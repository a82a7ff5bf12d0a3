"""Small pieces of the portal: sizes, data for its scripts, search segments and anchors."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from ...core.errors import PolicyError
from ...core.model import Article, Chapter, walk_with_path
from ...core.numbering import article_label, heading_marker
from ...render.html import HtmlWriter
from ...render.text import TextWriter


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def js_data(var: str, obj) -> str:
    """``window.VAR = <json>;`` safe to load as a script (no ``</script>``, no U+2028 breaks)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return f"window.{var} = {text};\n"


def safe_rel(path_text: str, where: Path) -> PurePosixPath:
    """A manifest path as a relative path without ``..`` (refuse anything else)."""
    p = PurePosixPath(path_text)
    if p.is_absolute() or not p.parts or any(part in ("..", "") for part in p.parts) or "\\" in path_text:
        raise PolicyError(where, 0, f"unsafe artifact path {path_text!r} in the manifest")
    return p


def search_segments(writer: HtmlWriter) -> list[dict]:
    """The searchable pieces of a policy: one per article (or per part in sectioned style),
    each with the anchor it is rendered under, so a hit links to ``ID.html#第五条``."""
    loc = writer.loc
    text = TextWriter(loc, line_break=" ")
    segs: list[dict] = []

    def article(art: Article) -> None:
        title = text.inline(art.title)
        label = article_label(art.number, loc)
        segs.append({"a": writer.article_id(art), "l": f"{label}　{title}".strip("　"),
                     "t": text.text(art.blocks)})

    for node in writer.ctx.body:
        if isinstance(node, Chapter):
            if writer.sectioned:
                segs.append({"a": writer.chapter_id(node),
                             "l": heading_marker(1, node.number, loc) + text.inline(node.title),
                             "t": text.text(node.children)})
            else:
                for art in (n for n, _path in walk_with_path(node.children) if isinstance(n, Article)):
                    article(art)
        elif isinstance(node, Article):
            if writer.sectioned:
                segs.append({"a": "", "l": text.inline(node.title), "t": text.text([node])})
            else:
                article(node)
        else:
            segs.append({"a": "", "l": "", "t": text.text([node])})
    return [s for s in segs if s["t"] or s["l"]]


def page_anchors(writer: HtmlWriter) -> list[str]:
    """Chapter and article ids in document order (same order in every locale: used by the 简/繁 switch
    to keep the reader at the same article)."""
    return [writer.chapter_id(n) if isinstance(n, Chapter) else writer.article_id(n)
            for n, _path in walk_with_path(writer.ctx.body)
            if isinstance(n, Chapter) or (isinstance(n, Article) and not writer.sectioned)]
