"""Training sign-in registers and acknowledgement receipts: what a person sees on paper.

Core functions are tested with plain values; the CLI on a copy of the sample
project (no ledger there, so versions print as the draft marker 草稿).
"""

from __future__ import annotations

import io
import math
import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import pdftotext, run_cli

from policydocs.products import forms
from policydocs.products.forms import FormOptions, Material, Session
from policydocs.read.roster import Employee

MATERIAL = Material("考勤管理制度", "HR-ATT-002", "A/1")
DEPTS = ["人力资源部", "研发中心", "财务部"]


def people(n: int) -> list[Employee]:
    return [Employee(DEPTS[i % 3], f"员工{i:04d}", f"E{i:05d}", "专员") for i in range(n)]


def session(**kw) -> Session:
    values = dict(topic="《考勤管理制度》宣贯培训", date=date(2025, 3, 5), time="14:00–16:00", place="三楼大会议室",
                  trainer="王丽", organizer="人力资源部", audience="全体员工", material=MATERIAL)
    values.update(kw)
    return Session(**values)


def pages_of(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ register PDF


@pytest.mark.parametrize("n,rows_per_page,blank", [(45, 20, 0), (40, 20, 0), (7, 10, 5), (0, 20, 20)])
def test_register_pdf_names_once_header_every_page_right_page_count(tmp_path, n, rows_per_page, blank):
    opts = FormOptions(company="测试公司", rows_per_page=rows_per_page, blank=blank, form_no="PD-F-001")
    pdf = write(tmp_path, "r.pdf", forms.register_pdf(session(), people(n), opts))
    expected = max(1, math.ceil((n + blank) / rows_per_page))
    assert pages_of(pdf) == expected == forms.page_count(n, blank, rows_per_page)
    text = pdftotext(pdf, "-layout")
    for e in people(n):
        assert len(re.findall(rf"{e.name}(?!\d)", text)) == 1, e.name
    for page in range(1, expected + 1):
        page_text = pdftotext(pdf, "-layout", "-f", str(page), "-l", str(page))
        for words in ("培训签到表", "培训主题", "《考勤管理制度》宣贯培训", "培训时间", "2025年3月5日", "14:00–16:00",
                      "培训地点", "主讲人", "组织部门", "培训对象", "应到/实到", f"{n} 人", "文件编号：HR-ATT-002",
                      "版本：A/1", "表单编号：PD-F-001", "序号", "部门", "姓名", "工号", "岗位", "签到时间", "签名",
                      "备注", "记录人", "审核人", "请本人亲笔签名，不得代签", f"第{page}页 共{expected}页"):
            assert words in page_text, (page, words)


def test_register_rows_line_up_and_are_grouped_as_given(tmp_path):
    emps = [Employee("人力资源部", "张三", "A001", "专员", "外派"), Employee("研发中心", "李四", "A002", "工程师")]
    pdf = write(tmp_path, "r.pdf", forms.register_pdf(session(), emps, FormOptions()))
    lines = pdftotext(pdf, "-layout").splitlines()
    row1 = next(ln for ln in lines if "张三" in ln)
    assert re.search(r"^\s*1\s+人力资源部\s+张三\s+A001\s+专员\s+外派\s*$", row1), row1
    assert re.search(r"^\s*2\s+研发中心\s+李四\s+A002\s+工程师\s*$", next(ln for ln in lines if "李四" in ln))


def test_long_values_shrink_instead_of_spilling(tmp_path):
    """A value too wide for its cell is set smaller (and wrapped) inside the cell: printed whole."""
    emps = [Employee("研发中心软件开发部测试组质量保障科", "阿卜杜热合曼·买买提", "E1", "高级软件开发工程师（后端）")]
    pdf = write(tmp_path, "r.pdf", forms.register_pdf(session(), emps, FormOptions()))
    flat = re.sub(r"\s+", "", pdftotext(pdf))
    for value in ("研发中心软件开发部测试组质量保障科", "阿卜杜热合曼·买买提", "高级软件开发工程师（后端）"):
        assert value in flat
    # the name stays inside its column (32 mm wide, from x = 15 + 10 + 26 = 51 mm on the page)
    mm = 72 / 25.4
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = [(float(a), float(y), float(b), float(y1)) for a, y, b, y1, t in
             re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', bbox)
             if "阿卜" in t or "买买提" in t]
    words = [(x0, x1) for x0, _, x1, _ in found]
    assert words and all(51 * mm - 1 < x0 and x1 < 83 * mm + 1 for x0, x1 in words), words
    # on one line, at a size that can be read (≥ 8 pt; it was wrapped at 6 pt in a 20 mm column)
    assert len({round(y) for _, y, _, _ in found}) == 1, found
    assert all(y1 - y >= 8 for _, y, _, y1 in found), found


def test_roster_text_cannot_inject_typst(tmp_path):
    hostile = ['#read("/etc/passwd")', "] #set page(fill: red) [", "*粗* _斜_ $x$ <lab> @ref", "// 注释 /* x",
               "= 标题", "\\u{41}"]
    emps = [Employee(h, h, "A&1", h) for h in hostile]
    pdf = write(tmp_path, "r.pdf", forms.register_pdf(session(), emps, FormOptions(company="#pagebreak()")))
    text = re.sub(r"\s+", "", pdftotext(pdf))
    for h in hostile + ["#pagebreak()"]:
        assert re.sub(r"\s+", "", h) in text, h
    assert pages_of(pdf) == 1 and "root:" not in text


def test_traditional_locales_use_their_own_words(tmp_path):
    opts = FormOptions(locale="zh-Hant-TW")
    text = pdftotext(write(tmp_path, "r.pdf", forms.register_pdf(session(), people(3), opts)))
    for words in ("教育訓練簽到表", "簽到時間", "請本人親筆簽名，不得代簽", "第1頁 共1頁", "員工編號"):
        assert words in text
    assert "签到" not in text


def test_options_are_checked():
    for bad in (FormOptions(rows_per_page=2), FormOptions(rows_per_page=80), FormOptions(blank=-1)):
        with pytest.raises(forms.PolicyError):
            forms.register_pdf(session(), [], bad)
    assert forms.parse_time_range("9:00-11:30") == "09:00–11:30"
    for bad in ("16:00-14:00", "25:00-26:00", "afternoon"):
        with pytest.raises(forms.PolicyError):
            forms.parse_time_range(bad)


def test_rows_tall_enough_to_sign():
    assert 8.0 <= forms.row_height(20) <= 9.0
    assert forms.row_height(30) >= 6.0


def test_same_input_same_bytes():
    a = forms.register_pdf(session(), people(5), FormOptions())
    b = forms.register_pdf(session(), people(5), FormOptions())
    assert a == b


# ------------------------------------------------------------------ register DOCX


def docx_xml(data: bytes, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(part).decode("utf-8")


def test_register_docx_repeated_header_row_and_unsplittable_rows():
    import docx

    data = forms.register_docx(session(), people(45), FormOptions(form_no="PD-F-001"))
    document = docx.Document(io.BytesIO(data))
    table = document.tables[-1]
    assert len(table.rows) == 1 + 60  # header + 3 pages of 20
    first = table.rows[0]._tr
    assert first.find(".//{*}tblHeader") is not None
    assert all(r._tr.find(".//{*}tblHeader") is None for r in table.rows[1:])
    assert all(r._tr.find(".//{*}cantSplit") is not None for r in table.rows)
    # schema order inside w:trPr: cantSplit, trHeight, tblHeader
    assert [c.tag.split("}")[1] for c in first.trPr] == ["cantSplit", "trHeight", "tblHeader"]
    assert [c.text for c in table.rows[0].cells] == ["序号", "部门", "姓名", "工号", "岗位", "签到时间", "签名", "备注"]
    names = [r.cells[2].text for r in table.rows[1:]]
    assert sorted(n for n in names if n) == sorted(e.name for e in people(45))
    assert all(r.cells[6].text == "" for r in table.rows[1:])  # 签名 left for handwriting
    header = "".join(docx_xml(data, name) for name in zipfile.ZipFile(io.BytesIO(data)).namelist()
                     if name.startswith("word/header"))
    for words in ("培训主题", "HR-ATT-002", "A/1", "应到/实到", "PD-F-001"):
        assert words in header
    footer = "".join(docx_xml(data, name) for name in zipfile.ZipFile(io.BytesIO(data)).namelist()
                     if name.startswith("word/footer"))
    assert "PAGE" in footer and "NUMPAGES" in footer and "不得代签" in footer and "记录人" in footer
    styles = docx_xml(data, "word/styles.xml")
    assert 'w:eastAsia="Noto Sans CJK SC"' in styles and 'w:eastAsia="zh-CN"' in styles


def test_register_docx_opens_in_libreoffice(tmp_path):
    import shutil

    soffice = shutil.which("soffice")
    if not soffice:
        pytest.skip("LibreOffice not installed")
    src = write(tmp_path, "r.docx", forms.register_docx(session(), people(30), FormOptions()))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=120)
    pdf = tmp_path / "r.pdf"
    text = pdftotext(pdf)
    assert pages_of(pdf) >= 2
    for page in range(1, pages_of(pdf) + 1):  # the column header repeats on every page
        assert "签到时间" in pdftotext(pdf, "-f", str(page), "-l", str(page))
    assert "员工0029" in re.sub(r"\s+", "", text)  # LibreOffice spaces CJK from digits


# ------------------------------------------------------------------ receipts


def test_individual_receipts_two_per_page_with_statement(tmp_path):
    emps = people(5)
    pdf = write(tmp_path, "a.pdf", forms.receipts_pdf(MATERIAL, emps, FormOptions()))
    assert pages_of(pdf) == 3
    text = re.sub(r"\s+", "", pdftotext(pdf))
    assert text.count("本人已收到并阅读《考勤管理制度》（文件编号：HR-ATT-002，版本：A/1）") == 5
    assert text.count("学习确认书") == 5
    for e in emps:
        assert text.count(e.name) == 1 and e.employee_no in text
    data = forms.receipts_docx(MATERIAL, emps, FormOptions())
    assert docx_xml(data).count("学习确认书") == 5


def test_batch_receipts_table(tmp_path):
    pdf = write(tmp_path, "b.pdf", forms.batch_receipt_pdf(MATERIAL, people(25), FormOptions(), "人力资源部",
                                                         date(2025, 3, 5)))
    assert pages_of(pdf) == 2
    for page in (1, 2):
        t = pdftotext(pdf, "-layout", "-f", str(page), "-l", str(page))
        for words in ("文件签收单", "文件名称", "《考勤管理制度》", "HR-ATT-002", "A/1", "签收日期", "签名",
                      f"第{page}页 共2页"):
            assert words in t
    text = pdftotext(pdf)
    assert text.count("HR-ATT-002") == text.count("《考勤管理制度》") == 2  # in the header block of each page only
    data = forms.batch_receipt_docx(MATERIAL, people(25), FormOptions(), "人力资源部", date(2025, 3, 5))
    assert "<w:tblHeader/>" in docx_xml(data)


LONG_NAME = "阿卜杜热合曼·买买提"


def test_batch_receipts_give_the_width_to_names_not_to_the_document(tmp_path):
    """The 签收单 covers one document, named in its header block: rows do not repeat 文件名称 and
    文件编号/版本, and a 10-character name prints at body size (≥ 9 pt) on one line."""
    labels = [c.label for c in forms.batch_columns(forms.form_words("zh-Hans"))]
    assert labels == ["序号", "部门", "姓名", "工号", "签收日期", "签名", "备注"]
    emps = [Employee("信息技术部（数据安全组）", LONG_NAME, "E00001", "工程师")] + people(3)
    pdf = write(tmp_path, "b.pdf", forms.batch_receipt_pdf(MATERIAL, emps, FormOptions(), "人力资源部",
                                                         date(2025, 3, 5)))
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    boxes = {t: float(y1) - float(y0) for y0, y1, t in
             re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', xml)}
    assert LONG_NAME in boxes, sorted(boxes)  # one word: one line, whole
    assert boxes[LONG_NAME] >= boxes["员工0000"] - 0.01  # the body size of a short name
    assert "信息技术部（数据安全组）" in boxes
    # the DOCX: the same columns, and the name at 9 pt or more on one line
    data = forms.batch_receipt_docx(MATERIAL, emps, FormOptions(), "人力资源部", date(2025, 3, 5))
    body = docx_xml(data)
    cell = re.search(r"<w:tc>(?:(?!</w:tc>).)*" + LONG_NAME + ".*?</w:tc>", body).group(0)
    size = re.search(r'<w:sz w:val="(\d+)"/>', cell)
    assert (int(size.group(1)) / 2 if size else forms.DOCX_PT) >= 9 and "<w:br/>" not in cell
    assert "文件编号/版本" not in body and "HR-ATT-002" not in body  # in the page header, not the rows


# ------------------------------------------------------------------ CLI


def roster_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(",".join(r) for r in rows) + "\r\n").encode(encoding))
    return path


GOOD = [["部门", "姓名", "工号", "岗位"], ["人力资源部", "张三", "A001", "专员"], ["研发中心", "李四", "A002", "工程师"],
        ["人力资源部", "王五", "A003", "经理"]]
SESSION_ARGS = ["--date", "2025-03-05", "--time", "14:00-16:00", "--place", "三楼大会议室", "--trainer", "王丽",
                "--organizer", "人力资源部"]


def test_cli_register_from_gbk_roster(project, tmp_path):
    roster = roster_csv(tmp_path / "r.csv", GOOD, "gbk")
    out = tmp_path / "out"
    r = run_cli("register", "--policy", "HR-ATT-002", "--roster", str(roster), *SESSION_ARGS, "-o", str(out),
                "--draft", cwd=project)  # never released in this copy: only as a draft
    assert r.returncode == 0, r.stderr
    pdf = out / "register-HR-ATT-002-2025-03-05.pdf"
    assert sorted(p.name for p in out.iterdir()) == [pdf.with_suffix(".docx").name, pdf.name]
    text = pdftotext(pdf, "-layout")
    assert "文件编号：HR-ATT-002" in text and "版本：草稿" in text and "培训签到表（草稿：未发布版本）" in text
    assert "3 人 / ______ 人" in text and "全体员工" in text  # audience from applies_to
    order = [text.index(n) for n in ("张三", "王五", "李四")]
    assert order == sorted(order)  # grouped by department


def test_cli_register_xlsx_handbook_missing_is_an_error(project, tmp_path):
    wb = openpyxl.Workbook()
    for row in GOOD:
        wb.active.append(row)
    wb.save(tmp_path / "r.xlsx")
    out = tmp_path / "out"
    r = run_cli("register", "--handbook", "nope", "--roster", str(tmp_path / "r.xlsx"), *SESSION_ARGS,
                "-o", str(out), cwd=project)
    assert r.returncode == 2 and "no handbook 'nope'" in r.stderr
    assert not out.exists()


def test_cli_blank_register_and_receipts(project, tmp_path):
    out = tmp_path / "out"
    r = run_cli("register", "--policy", "HR-ATT-002", "--date", "2025-03-05", "--format", "pdf", "-o", str(out),
                "--draft", cwd=project)
    assert r.returncode == 0, r.stderr
    assert pages_of(out / "register-HR-ATT-002-2025-03-05.pdf") == 1
    roster = roster_csv(tmp_path / "r.csv", GOOD)
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--roster", str(roster), "-o", str(out), "--draft", cwd=project,
                env={"POLICYDOCS_TODAY": "2025-03-06"})
    assert r.returncode == 0, r.stderr
    text = re.sub(r"\s+", "", pdftotext(out / "receipts-HR-ATT-002-2025-03-06.pdf"))
    assert text.count("文件编号：HR-ATT-002，版本：草稿") == 3
    r = run_cli("receipts", "--policy", "HR-ATT-002", "--roster", str(roster), "--batch", "--date", "2025-03-05",
                "-o", str(out), "--draft", cwd=project)
    assert r.returncode == 0, r.stderr
    assert (out / "receipts-batch-HR-ATT-002-2025-03-05.docx").exists()


BAD_ROSTERS = {
    "missing-column": ([["部门", "姓名"], ["人力资源部", "张三"]], ":1:", "工号"),
    "duplicate-id": ([["部门", "姓名", "工号"], ["a", "张三", "A1"], ["a", "李四", "A1"]], ":3:", "duplicate 工号 A1"),
    "empty-name": ([["部门", "姓名", "工号"], ["a", "", "A1"]], ":2:", "empty 姓名"),
    "bad-date": ([["部门", "姓名", "工号", "日期"], ["a", "张三", "A1", "2025-02-30"]], ":2:", "is not a date"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROSTERS))
def test_cli_bad_roster_exit_2_names_file_and_row_writes_nothing(project, tmp_path, case):
    rows, where, words = BAD_ROSTERS[case]
    roster = roster_csv(tmp_path / f"{case}.csv", rows)
    out = tmp_path / "out"
    for cmd in (["register", *SESSION_ARGS], ["receipts"], ["receipts", "--batch"]):
        r = run_cli(*cmd, "--policy", "HR-ATT-002", "--roster", str(roster), "-o", str(out), "--draft", cwd=project)
        assert r.returncode == 2, (cmd, r.stderr)
        assert f"{roster}{where}" in r.stderr and words in r.stderr, r.stderr
        assert not out.exists()


def test_cli_other_bad_input_writes_nothing(project, tmp_path):
    good = roster_csv(tmp_path / "good.csv", GOOD)
    undecodable = tmp_path / "bytes.csv"
    undecodable.write_bytes("部门,姓名,工号\n".encode() + b"\xff\xfe\x80,\x80,A1\n")
    out = tmp_path / "out"
    cases = [
        (["--policy", "HR-ATT-002", "--roster", str(undecodable), *SESSION_ARGS], f"{undecodable}:2:", "neither UTF-8 nor GBK"),
        (["--policy", "NO-SUCH-001", "--roster", str(good), *SESSION_ARGS], "policies", "no policy with id 'NO-SUCH-001'"),
        (["--policy", "HR-ATT-001", "--roster", str(good), *SESSION_ARGS], "HR-ATT-001.md", "superseded"),
        (["--policy", "HR-ATT-002", "--roster", str(good), "--date", "2025-13-01"], "--date", "is not a date"),
        (["--policy", "HR-ATT-002", "--roster", str(good), *SESSION_ARGS, "--time", "16:00-14:00"], "--time", "after"),
        (["--policy", "HR-ATT-002", "--roster", str(good), *SESSION_ARGS, "--rows-per-page", "99"], "--rows-per-page", "between"),
        (["--policy", "HR-ATT-002", "--roster", str(tmp_path / "missing.csv"), *SESSION_ARGS], "missing.csv", "not found"),
    ]
    for args, where, words in cases:
        r = run_cli("register", *args, "-o", str(out), "--draft", cwd=project)
        assert r.returncode == 2, (args, r.stderr)
        assert where in r.stderr and words in r.stderr, (args, r.stderr)
        assert not out.exists()


def test_cli_register_for_a_handbook_in_taiwan_words(project, tmp_path):
    (project / "handbooks").mkdir()
    (project / "handbooks" / "hb.yaml").write_text("title: 员工手册\naudience: 新入职员工\ndoc_no: HB-001\n"
                                                   "version: 2025年版\npolicies: [HR-ATT-002]\n", encoding="utf-8")
    roster = roster_csv(tmp_path / "r.csv", GOOD)
    out = tmp_path / "out"
    r = run_cli("register", "--handbook", "hb", "--roster", str(roster), *SESSION_ARGS, "--locale", "zh-Hant-TW",
                "--format", "pdf", "-o", str(out), cwd=project)
    assert r.returncode == 0, r.stderr
    text = pdftotext(out / "register-hb-2025-03-05.zh-Hant-TW.pdf", "-layout")
    for words in ("教育訓練簽到表", "《員工手冊》", "文件編號：HB-001", "版本：2025年版", "新入職員工", "张三"):  # names as registered
        assert words in text, words
