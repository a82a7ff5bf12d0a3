"""Sources and references: sectioned citations, list depth, pictures, links, symlinks.

Most checks load a small project in-process (``load_project``) and look at what a
reader sees: the plain text every writer shares, the portal/PDF HTML, the DOCX
body. One CLI run per kind of failure proves the file:line message and exit 2.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from conftest import release_all, run_cli

from policydocs.convert.conversion import localize
from policydocs.core.errors import PolicyErrors
from policydocs.core.model import Image, VersionInfo
from policydocs.read.project import load_project
from policydocs.render.context import RenderContext
from policydocs.render.html import HtmlWriter
from policydocs.render.text import TextWriter

FRONT = """---
id: {id}
title: {title}
department: 行政部
category: 行政
status: effective
effective_date: 2025-01-01
applies_to: 全体员工
lang: zh-Hans
numbering: {numbering}
---

"""

SECTIONED = FRONT.format(id="ADM-S-1", title="会务保障规定", numbering="sectioned") + """\
# 总则 {#general}

本规定适用于公司会议。

# 会议分类

## 公司级会议 {#company}

公司级会议包括：

- 总经理办公会；{#gm}
- 经营分析会。

## 专题会议

### 筹备 {#topic}

专题会议的要求：

- 提前通知；
- 控制规模：{#size}
  - 不超过二十人；{#twenty}

# 附则

依照[[#general]]、[[#company]]、[[#gm]]、[[#topic]]、[[#size]]和[[#twenty]]执行。
"""

CITING = FRONT.format(id="ADM-A-1", title="会议室管理办法", numbering="articles") + """\
# 总则

会议安排依照[[ADM-S-1#gm]]和[[ADM-S-1#company]]执行。{#art}

- 第一项 {#one}
"""


def project(tmp_path: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    root = tmp_path / "proj"
    (root / "policies").mkdir(parents=True, exist_ok=True)
    (root / "policydocs.toml").write_text(
        '[organisation]\nname = "测试公司"\n[locales]\npublish = ["zh-Hans", "zh-Hant-TW"]\n' + config, encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def errors_of(root: Path) -> list[str]:
    with pytest.raises(PolicyErrors) as info:
        load_project(root)
    return [str(d) for d in info.value.diagnostics]


def text_of(doc, locale: str) -> str:
    localized, _ = localize(doc, locale, None)
    return TextWriter(locale).text(localized.body, sep="\n")


def html_of(doc, config, locale: str = "zh-Hans", **ctx) -> str:
    localized, _ = localize(doc, locale, None)
    return str(HtmlWriter(RenderContext(localized, config, VersionInfo.draft(localized), **ctx)).body())


# --------------------------------------------------------------------------
# Sectioned style: every unit cited with its whole path
# --------------------------------------------------------------------------


def test_sectioned_references_name_the_whole_path_in_both_locales(tmp_path):
    proj = load_project(project(tmp_path, {"policies/ADM-S-1.md": SECTIONED, "policies/ADM-A-1.md": CITING}))
    doc = proj.documents["ADM-S-1"]
    hans = text_of(doc, "zh-Hans")
    assert ("依照第一部分、第二部分第（一）项、第二部分第（一）项第1目、第二部分第（二）项第1目、"
            "第二部分第（二）项第1目（2）和第二部分第（二）项第1目（2）①执行。") in hans
    assert "第一章" not in hans and "第一条" not in hans
    tw = text_of(doc, "zh-Hant-TW")
    assert ("依照第一點、第二點第一款、第二點第一款第1目、第二點第二款第1目、"
            "第二點第二款第1目（2）和第二點第二款第1目（2）①執行。") in tw
    # the printed markers agree with the citation: （一） under 二、, 1. / 1、 below it
    assert "1.总经理办公会；" in hans and "1、總經理辦公會；" in tw
    assert "（2）控制规模：" in hans and "①不超过二十人；" in hans
    # cross-policy: the cited policy's title, then the same path
    citing = text_of(proj.documents["ADM-A-1"], "zh-Hans")
    assert "会议安排依照《会务保障规定》第二部分第（一）项第1目和《会务保障规定》第二部分第（一）项执行。" in citing
    assert "《會務保障規定》第二點第一款第1目" in text_of(proj.documents["ADM-A-1"], "zh-Hant-TW")


def test_sectioned_citation_links_to_its_heading_in_html(tmp_path):
    proj = load_project(project(tmp_path, {"policies/ADM-S-1.md": SECTIONED, "policies/ADM-A-1.md": CITING}))
    html = html_of(proj.documents["ADM-S-1"], proj.config)
    assert 'id="part-2-1"' in html and 'id="part-2-2-1"' in html
    assert '<a class="ref" href="#part-2-1">第二部分第（一）项</a>' in html
    assert '<a class="ref" href="#part-2-2-1">第二部分第（二）项第1目（2）</a>' in html
    citing = html_of(proj.documents["ADM-A-1"], proj.config, policy_links={"ADM-S-1": "ADM-S-1.html"})
    assert 'href="ADM-S-1.html#part-2-1"' in citing


def test_sectioned_list_and_numbered_headings_in_one_part_are_rejected(tmp_path):
    src = FRONT.format(id="S-1", title="测试规定", numbering="sectioned") + (
        "# 总则\n\n## 要求\n\n- 甲；\n- 乙。\n\n### 细则\n\n内容。\n")
    errs = errors_of(project(tmp_path, {"policies/S-1.md": src}))
    assert errs == ["policies/S-1.md:20: error: this ### heading would be numbered 1. like the list above it in the "
                    "same part: put the list under a ### heading of its own, or make the headings list items"]


def test_article_style_section_is_cited_with_its_chapter(tmp_path):
    src = FRONT.format(id="A-1", title="测试制度", numbering="articles") + (
        "# 总则\n\n总则条文。\n\n# 考勤\n\n## 工作时间 {#hours}\n\n每日八小时。\n\n见[[#hours]]。\n")
    proj = load_project(project(tmp_path, {"policies/A-1.md": src}))
    assert "见第二章第一节。" in text_of(proj.documents["A-1"], "zh-Hans")


# --------------------------------------------------------------------------
# List depth: nothing is silently dropped
# --------------------------------------------------------------------------


def _nested(levels: int) -> str:
    return "\n".join("  " * d + f"- 第{d + 1}层" for d in range(levels)) + "\n"


def test_list_deeper_than_five_levels_is_rejected_at_its_line(tmp_path):
    src = FRONT.format(id="A-1", title="测试制度", numbering="articles") + "# 总则\n\n条文如下：\n\n" + _nested(6)
    errs = errors_of(project(tmp_path, {"policies/A-1.md": src}))
    assert errs == ["policies/A-1.md:22: error: list nested too deeply: items have at most 5 levels "
                    "(（一） → 1. → （1） → 1) → ①) and this list is level 6; flatten it or move the detail "
                    "into a table or another article"]
    five = FRONT.format(id="A-1", title="测试制度", numbering="articles") + "# 总则\n\n条文如下：\n\n" + _nested(5)
    doc = load_project(project(tmp_path, {"policies/A-1.md": five})).documents["A-1"]
    assert "1)第4层" in text_of(doc, "zh-Hans") and "①第5层" in text_of(doc, "zh-Hans")
    assert "（1）第4層" in text_of(doc, "zh-Hant-TW") and "①第5層" in text_of(doc, "zh-Hant-TW")


def test_sixty_levels_are_an_error_not_fifty_one_lost_items(tmp_path):
    src = FRONT.format(id="A-1", title="测试制度", numbering="articles") + "# 总则\n\n条文如下：\n\n" + _nested(60)
    root = project(tmp_path, {"policies/A-1.md": src})
    result = run_cli("check", cwd=root)
    assert result.returncode == 2
    assert "policies/A-1.md:22: error: list nested too deeply" in result.stderr


def test_sectioned_list_beyond_level_five_is_rejected(tmp_path):
    src = FRONT.format(id="S-1", title="测试规定", numbering="sectioned") + "# 总则\n\n## 要求\n\n### 细则\n\n" + _nested(3)
    errs = errors_of(project(tmp_path, {"policies/S-1.md": src}))
    assert len(errs) == 1 and errs[0].startswith("policies/S-1.md:21: error: list nested too deeply: a sectioned "
                                                 "document has 5 levels (一、 → （一） → 1. → （1） → ①)")


def test_notes_nested_past_the_parser_limit_are_reported(tmp_path):
    src = FRONT.format(id="A-1", title="测试制度", numbering="articles") + "# 总则\n\n条文。\n\n" + ">" * 25 + " 深处\n\n末条。\n"
    errs = errors_of(project(tmp_path, {"policies/A-1.md": src}))
    assert any("nested too deeply to read" in e or "unsupported block inside a note" in e for e in errs), errs


# --------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([40, 90, 160]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffc0000b080020004001011100ffd9")  # 64 × 32 header
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">'
       '<rect x="5" y="5" width="290" height="90" fill="#def" stroke="#246"/></svg>')


def policy_with(body: str, numbering: str = "articles") -> str:
    return FRONT.format(id="P-1", title="报销管理办法", numbering=numbering) + "# 总则\n\n报销按以下流程办理。\n\n" + body


def test_pictures_are_nodes_with_everything_a_writer_needs(tmp_path):
    body = "![报销流程图](images/flow.png)\n\n![组织架构](../assets/org.svg)\n\n![签章样式](images/seal.jpg)\n"
    root = project(tmp_path, {"policies/P-1.md": policy_with(body), "policies/images/flow.png": png(640, 240),
                              "assets/org.svg": SVG, "policies/images/seal.jpg": JPEG})
    doc = load_project(root).documents["P-1"]
    flow, org, seal = doc.images()
    assert isinstance(flow, Image) and flow.alt == "报销流程图" and flow.pos.line == 17
    assert flow.path == (root / "policies/images/flow.png").resolve() and flow.rel == "policies/images/flow.png"
    assert (flow.media_type, flow.width, flow.height, flow.size) == ("image/png", 640, 240, len(png(640, 240)))
    assert re.fullmatch(r"[0-9a-f]{64}", flow.sha256)
    assert (org.media_type, org.rel, org.width, org.height) == ("image/svg+xml", "assets/org.svg", 300, 100)
    assert (seal.media_type, seal.width, seal.height) == ("image/jpeg", 64, 32)
    # the picture belongs to the article before it; its description is converted with the text
    assert doc.articles()[0].blocks[1] is flow
    tw, _ = localize(doc, "zh-Hant-TW", None)
    assert tw.images()[0].alt == "報銷流程圖" and tw.images()[0].path == flow.path
    html = html_of(doc, load_project(root).config)
    assert f'<img src="{flow.path.as_uri()}" alt="报销流程图" width="640" height="240"' in html
    assert "<figcaption>报销流程图</figcaption>" in html
    portal = html_of(doc, load_project(root).config, image_urls={flow.sha256: "../media/x.png"})
    assert '<img src="../media/x.png"' in portal


BAD_PICTURES = {
    "missing": ("![图](images/none.png)", {}, r"image 'images/none\.png' not found"),
    "outside by ..": ("![图](../../secret.png)", {"../secret.png": png(2, 2)}, r"outside the project"),
    "not a picture": ("![图](images/fake.png)", {"policies/images/fake.png": b"GIF89a not really"},
                      r"not a PNG, JPEG or SVG file \(judged by its content"),
    "script in svg": ("![图](images/x.svg)", {"policies/images/x.svg": SVG.replace("</svg>", "<script>alert(1)</script></svg>")},
                      r"SVG contains <script>"),
    "svg loads a file": ("![图](images/x.svg)", {"policies/images/x.svg": SVG.replace(
        "</svg>", '<image href="file:///etc/passwd"/></svg>')}, r"SVG refers to another file"),
    "svg entities": ("![图](images/x.svg)", {"policies/images/x.svg": '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]>' + SVG},
                     r"DOCTYPE or entity"),
    "remote": ("![图](https://example.com/a.png)", {}, r"is not a file of the project"),
    "absolute": ("![图](/etc/hosts)", {}, r"is an absolute path"),
    "inside text": ("文字![图](images/a.png)文字", {"policies/images/a.png": png(2, 2)}, r"an image must be a paragraph of its own"),
}


@pytest.mark.parametrize("case", sorted(BAD_PICTURES))
def test_bad_picture_is_reported_at_its_line(tmp_path, case):
    body, files, pattern = BAD_PICTURES[case]
    root = project(tmp_path / "p", {"policies/P-1.md": policy_with(body + "\n"), **files})
    errs = errors_of(root)
    assert len(errs) == 1 and errs[0].startswith("policies/P-1.md:17: error: "), errs
    assert re.search(pattern, errs[0]), errs


def test_oversized_picture_names_its_real_size(tmp_path, monkeypatch):
    from policydocs.read import media

    monkeypatch.setattr(media, "MAX_IMAGE_BYTES", 1000)
    root = project(tmp_path, {"policies/P-1.md": policy_with("![图](images/big.png)\n"),
                              "policies/images/big.png": png(200, 200) + b"\0" * 2048})
    size = len(png(200, 200)) + 2048
    assert errors_of(root) == [f"policies/P-1.md:17: error: image 'images/big.png' is {round(size / 1024)} KB "
                               f"({size:,} bytes); the limit is 1000 bytes: export it smaller "
                               "(a flowchart needs no more than 150 dpi)"]


def test_a_picture_just_over_the_default_limit_reads_as_over_it(tmp_path):
    """5 MB + 30 KB against the real 5 MB limit: rounded sizes alone read "5 MB; the limit is 5 MB"."""
    from policydocs.read.media import MAX_IMAGE_BYTES

    assert MAX_IMAGE_BYTES == 5 * 1024 * 1024
    data = png(200, 200)
    root = project(tmp_path, {"policies/P-1.md": policy_with("![图](images/big.png)\n"),
                              "policies/images/big.png": data + b"\0" * (5_272_880 - len(data))})
    [error] = errors_of(root)
    assert "is 5 MB (5,272,880 bytes); the limit is 5 MB (5,242,880 bytes)" in error, error


def test_symlinked_picture_out_of_the_project_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png(4, 4))
    root = project(tmp_path, {"policies/P-1.md": policy_with("![图](images/link.png)\n")})
    (root / "policies/images").mkdir()
    (root / "policies/images/link.png").symlink_to(outside)
    errs = errors_of(root)
    assert errs == [f"policies/P-1.md:17: error: image 'images/link.png' is a symlink to a file outside the project "
                    f"({outside.resolve()}): copy the picture into the project"]


def test_symlinked_policy_out_of_the_project_is_refused(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(policy_with(""), encoding="utf-8")
    root = project(tmp_path, {})
    (root / "policies/P-1.md").symlink_to(outside)
    result = run_cli("check", cwd=root)
    assert result.returncode == 2
    assert "policies/P-1.md:1: error: policy file is a symlink to" in result.stderr and "outside the project" in result.stderr


def test_symlinked_policy_inside_the_project_is_read(tmp_path):
    root = project(tmp_path, {"drafts/P-1.md": policy_with("")})
    (root / "policies/P-1.md").symlink_to(root / "drafts/P-1.md")
    assert list(load_project(root).documents) == ["P-1"]


@pytest.mark.parametrize("rel, what, content", [
    ("glossary.yaml", "glossary", "terms: []\n"),
    ("handbooks/staff.yaml", "handbook", "title: 员工手册\npolicies: [P-1]\n"),
    ("templates/typst/policy.typ", "template file", "// a company's layout\n"),
    ("templates/site/static/logo.svg", "template file", "<svg/>"),  # the portal would publish it
], ids=["glossary", "handbook", "typst-template", "portal-static"])
def test_symlinked_project_files_out_of_the_project_are_refused(tmp_path, rel, what, content):
    """Like a policy: a glossary, handbook or template that is a symlink out of the project."""
    outside = tmp_path / "elsewhere" / Path(rel).name
    outside.parent.mkdir()
    outside.write_text(content, encoding="utf-8")
    root = project(tmp_path, {"policies/P-1.md": policy_with("")})
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).symlink_to(outside)
    result = run_cli("check", cwd=root)
    assert result.returncode == 2, result.stdout
    assert (f"{rel}:1: error: {what} is a symlink to {outside.resolve()}, outside the project: project files are "
            "read only from inside the project; copy the file in") in result.stderr, result.stderr
    build = run_cli("build", "--no-sign", "-q", "--formats", "docx", "--locales", "zh-Hans", cwd=root)
    assert build.returncode == 2 and f"{rel}:1: error: {what} is a symlink" in build.stderr, build.stderr


# --------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "other.md", "../x.pdf"])
def test_links_other_than_web_addresses_are_refused(tmp_path, target):
    root = project(tmp_path, {"policies/P-1.md": policy_with(f"详见[这里]({target})。\n")})
    errs = errors_of(root)
    assert len(errs) == 1 and errs[0].startswith("policies/P-1.md:17: error: link target"), errs
    assert "is not allowed: links may point to http://, https:// or mailto:" in errs[0]


def test_web_links_are_live_and_not_mangled(tmp_path):
    body = "依照[《中华人民共和国劳动合同法》](https://flk.npc.gov.cn/detail?id=1&x=2)和<https://www.gov.cn/>执行。\n"
    root = project(tmp_path, {"policies/P-1.md": policy_with(body)})
    proj = load_project(root)
    doc = proj.documents["P-1"]
    assert "依照《中华人民共和国劳动合同法》和https://www.gov.cn/执行。" in text_of(doc, "zh-Hans")
    html = html_of(doc, proj.config)
    assert '<a href="https://flk.npc.gov.cn/detail?id=1&amp;x=2">《中华人民共和国劳动合同法》</a>' in html
    assert "](" not in html and "!" not in html


# --------------------------------------------------------------------------
# Pictures and links in the DOCX (python-docx and LibreOffice read them back)
# --------------------------------------------------------------------------


@pytest.mark.slow
def test_docx_shows_pictures_and_live_links(tmp_path):
    import shutil
    import subprocess

    import docx
    from docx.oxml.ns import qn

    body = ("![报销流程图](images/flow.png)\n\n![组织架构](images/org.svg)\n\n"
            "依照[劳动合同法](https://flk.npc.gov.cn/)执行。\n")
    root = project(tmp_path, {"policies/P-1.md": policy_with(body), "policies/images/flow.png": png(1600, 400),
                              "policies/images/org.svg": SVG})
    # as a user builds it (a separate process; the SVG's PNG copy is drawn by Typst there)
    result = run_cli("build", "--no-sign", "-q", "--formats", "docx", "--locales", "zh-Hant-TW", cwd=root)
    assert result.returncode == 0, result.stderr
    out = root / "build/preview/zh-Hant-TW/P-1.docx"
    d = docx.Document(str(out))
    shapes = list(d.inline_shapes)
    assert len(shapes) == 2
    # a wide picture is scaled to the text width, keeping its proportions
    text_width = d.sections[0].page_width - d.sections[0].left_margin - d.sections[0].right_margin
    assert abs(shapes[0].width - text_width) < 635 * 20 and abs(shapes[0].width / shapes[0].height - 4) < 0.01
    descr = [el.get("descr") for el in d.element.body.iter(qn("wp:docPr"))]
    assert descr == ["報銷流程圖", "組織架構"]
    # the SVG travels as SVG (Office 2016+) with a PNG copy for every other reader
    types = {p.partname: p.content_type for p in d.part.package.iter_parts()}
    assert sum(t == "image/svg+xml" for t in types.values()) == 1
    assert sum(t == "image/png" for t in types.values()) == 2
    assert "https://flk.npc.gov.cn/" in [r.target_ref for r in d.part.rels.values() if r.is_external]
    texts = [p.text for p in d.paragraphs]
    assert "報銷流程圖" in texts and not any("](" in t or "!" in t for t in texts)

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: `make setup` installs libreoffice-writer")
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), str(out)], check=True, capture_output=True, timeout=180)
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "lo" / "P-1.pdf")], capture_output=True, text=True, check=True).stdout
    assert len([line for line in listing.splitlines()[2:] if line.strip()]) >= 2, listing


def test_portal_publishes_pictures_inside_the_site(tmp_path):
    from policydocs.pipeline.build import build
    from policydocs.pipeline.session import BuildSession
    from policydocs.products.site import generate_site

    body = "![报销流程图](images/flow.png)\n"
    root = project(tmp_path, {"policies/P-1.md": policy_with(body), "policies/images/flow.png": png(64, 24)},
                   config='[build]\nformats = ["docx"]\n')
    release_all(root)  # the portal shows released versions only
    build(root)
    generate_site(BuildSession.open(root))
    site = root / "build" / "site"
    image = load_project(root).documents["P-1"].images()[0]
    copy = site / "media" / f"{image.sha256[:16]}.png"
    assert copy.read_bytes() == png(64, 24)
    page = (site / "zh-Hant-TW" / "P-1.html").read_text(encoding="utf-8")
    assert f'<img src="../media/{copy.name}" alt="報銷流程圖"' in page
    assert not [p for p in site.rglob("*.html") if "file:" in p.read_text(encoding="utf-8") or str(root) in p.read_text(encoding="utf-8")]


def test_a_changed_picture_re_renders_its_policy(tmp_path):
    from policydocs.pipeline.build import build

    root = project(tmp_path, {"policies/P-1.md": policy_with("![报销流程图](images/flow.png)\n"),
                              "policies/images/flow.png": png(64, 24)}, config='[build]\nformats = ["docx"]\n')
    first = build(root, sign=False, locales=["zh-Hans"])
    assert first.rendered == 1
    assert build(root, sign=False, locales=["zh-Hans"]).reused == 1
    (root / "policies/images/flow.png").write_bytes(png(80, 24))  # same text, new picture
    again = build(root, sign=False, locales=["zh-Hans"])
    assert again.rendered == 1 and again.reused == 0


def test_pdf_shows_pictures(tmp_path):
    import subprocess

    import pikepdf

    body = ("![报销流程图](images/flow.png)\n\n![组织架构](images/org.svg)\n\n"
            "差旅标准见[国家法律法规数据库](https://flk.npc.gov.cn/detail?id=1&lang=zh)。\n")
    root = project(tmp_path, {"policies/P-1.md": policy_with(body), "policies/images/flow.png": png(1600, 400),
                              "policies/images/org.svg": SVG}, config='[build]\nformats = ["pdf"]\n')
    result = run_cli("build", "--no-sign", "-q", "--locales", "zh-Hant-TW", cwd=root)
    assert result.returncode == 0, result.stderr
    pdf = root / "build/preview/zh-Hant-TW/P-1.pdf"
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert [(r[3], r[4]) for r in rows] == [("1600", "400")]  # the PNG as is; the SVG stays vector
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "報銷流程圖" in text and "組織架構" in text and "](" not in text
    assert "國家法律法規數據庫" in text.replace("\n", "") and "flk.npc" not in text  # the words, not the address
    with pikepdf.open(pdf) as doc:  # a live link: a /Link annotation with a /URI action over the words
        links = [(str(a.A.URI), [float(v) for v in a.Rect]) for page in doc.pages for a in page.get("/Annots", [])
                 if a.get("/Subtype") == "/Link" and "/A" in a and a.A.get("/S") == "/URI"]
    assert [uri for uri, _ in links] == ["https://flk.npc.gov.cn/detail?id=1&lang=zh"], links
    x0, y0, x1, y1 = links[0][1]
    assert x1 - x0 > 50 and y1 - y0 > 5  # covers the link text, not a zero-size box
