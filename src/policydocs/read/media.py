"""Links and pictures in policy sources: what may be linked, which files may be shown.

- A link (``[text](url)``) may point to ``http://``, ``https://`` or
  ``mailto:`` addresses; any other scheme (``javascript:``, ``file:``, ``data:``)
  and any path is refused at its line — a policy cites another policy with
  ``[[ID]]``, not with a file link.
- A picture (``![alt](path)``) must be a file inside the project: a relative
  path, read relative to the policy's own folder (as Markdown editors
  preview it), that after resolving symlinks is still inside the project,
  is a real PNG, JPEG or SVG by its content (the name does not count) and is
  at most :data:`MAX_IMAGE_BYTES`.  SVG files must be self-contained drawings:
  no scripts, event handlers, embedded HTML, entity declarations or
  references to other files (they are copied into the portal and opened by
  browsers).

:func:`resolve_images` fills every ``Image`` of a document with its absolute
path, media type, content hash and size, as :func:`references.resolve`
fills references.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from ..core.errors import Collector
from ..core.model import Document, Image

MAX_IMAGE_BYTES = 5 * 1024 * 1024
LINK_SCHEMES = ("http", "https", "mailto")
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG"}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px|pt|mm|cm|in)?\s*$")
_UNIT_PX = {None: 1.0, "px": 1.0, "pt": 96 / 72, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


def format_size(n: int) -> str:
    """8.4 MB / 312 KB / 900 bytes: a size as people read it (binary units, MB with one decimal)."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def exact_size(n: int) -> str:
    """``format_size`` with the byte count: rounded alone, a 5,272,880-byte file and the
    5,242,880-byte limit both read "5 MB"."""
    shown = format_size(n)
    return shown if shown.endswith(" bytes") else f"{shown} ({n:,} bytes)"


def link_problem(href: str) -> str | None:
    """Why a link target is refused (None when it is an http(s) or mailto address)."""
    m = _SCHEME.match(href.strip())
    if m and m.group(1).lower() in ("http", "https"):
        if not urlsplit(href.strip()).netloc:
            return f"link target {href!r} has no host: write a full address such as https://www.example.com/"
        return None
    if m and m.group(1).lower() == "mailto":
        return None
    if m:
        return (f"link target {href!r} is not allowed: links may point to http://, https:// or mailto: "
                "addresses only")
    return (f"link target {href!r} is not allowed: links may point to http://, https:// or mailto: addresses; "
            "cite another policy with [[POLICY-ID]], show a picture with ![description](path)")


def source_problem(src: str) -> str | None:
    """Why an image path is refused before looking at the disk (None when it is a relative path)."""
    if not src.strip():
        return "image without a path: write ![description](images/flow.png)"
    if _SCHEME.match(src) or src.startswith("//"):
        return (f"image {src!r} is not a file of the project: pictures are stored in the project "
                "(e.g. policies/images/flow.png) and written as a relative path; nothing is downloaded")
    if src.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", src):
        return f"image {src!r} is an absolute path: write it relative to the policy file (e.g. images/flow.png)"
    if "\\" in src:
        return f"image {src!r}: use '/' between folders"
    return None


def resolve_images(doc: Document, root: Path, errors: Collector, base_dir: Path | None = None) -> None:
    """Check every picture of ``doc`` on disk and fill in its data; problems go to ``errors``.

    Relative paths are read from ``base_dir`` (default: the folder of
    ``doc.path`` under ``root``; pass the policies folder for a text that was
    read from elsewhere, e.g. a ledger snapshot)."""
    root = root.resolve()
    folder = base_dir if base_dir is not None else (root / doc.path).parent
    for image in doc.images():
        if source_problem(image.src):
            continue  # reported by the parser
        problem = _resolve(image, root, folder)
        if problem:
            errors.add(doc.path, image.pos.line, problem)


def _resolve(image: Image, root: Path, folder: Path) -> str | None:
    written = folder / PurePosixPath(image.src)
    try:
        path = written.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return f"image {image.src!r} not found (looked for {_shown(written, root)})"
    if not path.is_relative_to(root):
        how = "is a symlink to" if Path(os.path.normpath(written.absolute())) != path else "is"
        return (f"image {image.src!r} {how} a file outside the project ({path}): "
                "copy the picture into the project")
    if not path.is_file():
        return f"image {image.src!r} is not a file"
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        return (f"image {image.src!r} is {exact_size(size)}; the limit is {exact_size(MAX_IMAGE_BYTES)}: "
                "export it smaller (a flowchart needs no more than 150 dpi)")
    data = path.read_bytes()
    media_type, width, height, problem = inspect_image(data)
    if problem:
        return f"image {image.src!r}: {problem}"
    image.path = path
    image.rel = path.relative_to(root).as_posix()
    image.media_type = media_type
    image.sha256 = hashlib.sha256(data).hexdigest()
    image.size = size
    image.width, image.height = width, height
    return None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def inspect_image(data: bytes) -> tuple[str, float | None, float | None, str | None]:
    """(media type, width px, height px, problem) of a picture, judged by its content."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return "", None, None, "damaged PNG file (no IHDR header)"
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", float(width), float(height), None
    if data.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(data)
        if size is None:
            return "", None, None, "damaged JPEG file (no frame header)"
        return "image/jpeg", float(size[0]), float(size[1]), None
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--"):
        return _svg(data)
    return "", None, None, "not a PNG, JPEG or SVG file (judged by its content, not its name)"


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first SOF marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def _svg(data: bytes) -> tuple[str, float | None, float | None, str | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "", None, None, "SVG file is not UTF-8"
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.I):
        return "", None, None, "SVG with a DOCTYPE or entity declarations is not accepted (save it as plain SVG)"
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return "", None, None, f"not a well-formed SVG file ({exc})"
    if root.tag not in (f"{{{_SVG_NS}}}svg", "svg"):
        return "", None, None, "not an SVG drawing (the root element is not <svg>)"
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if tag in ("script", "foreignobject", "iframe", "embed", "object"):
            return "", None, None, f"SVG contains <{tag}>: only drawings are accepted (no scripts or embedded HTML)"
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return "", None, None, f"SVG has an event handler ({local}=…): only drawings are accepted"
            if (local == "href" or name == _XLINK) and not value.strip().startswith(("#", "data:image/")):
                return "", None, None, (f"SVG refers to another file or address ({value!r}): "
                                        "embed everything in the drawing")
            if "url(" in value and re.search(r"url\(\s*['\"]?(?!#)", value):
                return "", None, None, "SVG style refers to another file or address: embed everything in the drawing"
        if tag == "style" and el.text and re.search(r"url\(\s*['\"]?(?!#)|@import", el.text):
            return "", None, None, "SVG style refers to another file or address: embed everything in the drawing"
    width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if (width is None or height is None) and len(box) == 4:
        try:
            bw, bh = float(box[2]), float(box[3])
        except ValueError:
            bw = bh = 0.0
        if bw > 0 and bh > 0:
            if width is None and height is None:
                width, height = bw, bh
            elif width is None:
                width = height * bw / bh  # type: ignore[operator]
            else:
                height = width * bh / bw
    return "image/svg+xml", width, height, None


def _svg_length(value: str | None) -> float | None:
    m = _LENGTH.match(value or "")
    if not m:
        return None  # absent or a percentage: the viewBox decides
    return float(m.group(1)) * _UNIT_PX[m.group(2)]
