"""Roster parsing: encodings Excel produces, Chinese/English columns, and every bad-input case."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from policydocs.core.errors import PolicyError, PolicyErrors
from policydocs.read.roster import load_roster, parse_date

ROWS = [
    ["序号", "部门", "姓名", "工号", "岗位", "备注"],
    ["1", "人力资源部", "张三", "A001", "专员", ""],
    ["2", "研发中心", "李四", "A002", "工程师", "外派"],
    ["3", "人力资源部", "王五", "A003", "经理", ""],
    ["4", "研发中心", "赵六", "A004", "测试", ""],
]


def write_csv(path, rows, encoding="utf-8", delimiter=","):
    text = "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def messages(exc_info) -> str:
    return str(exc_info.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_excel_produces(tmp_path, encoding):
    delimiter = "\t" if encoding == "utf-16" else ","
    roster = load_roster(write_csv(tmp_path / "r.csv", ROWS, encoding, delimiter))
    assert [e.name for e in roster] == ["张三", "王五", "李四", "赵六"]  # grouped by department
    assert roster.employees[0].department == "人力资源部"
    assert roster.employees[2].note == "外派"
    assert roster.employees[1].row == 4  # spreadsheet row numbers survive grouping


def test_gbk_bytes_are_really_gbk(tmp_path):
    path = write_csv(tmp_path / "r.csv", ROWS, "gbk")
    assert "张三".encode("gbk") in path.read_bytes()
    assert load_roster(path).encoding == "gb18030"


def test_english_columns_any_order_extra_columns_ignored(tmp_path):
    rows = [["Employee ID", "Name", "Email", "Department", "Position"],
            ["1001", "Alice Wang", "a@x.cn", "Sales", "Rep"],
            ["1002", "Bob Li", "b@x.cn", "Sales", "Lead"]]
    roster = load_roster(write_csv(tmp_path / "r.csv", rows))
    assert [(e.employee_no, e.name, e.department, e.position) for e in roster] == [
        ("1001", "Alice Wang", "Sales", "Rep"), ("1002", "Bob Li", "Sales", "Lead")]


def test_traditional_columns_title_row_and_padded_names(tmp_path):
    rows = [["2025年員工花名冊", "", "", ""],
            ["部門", "姓名", "工號", "崗位"],
            ["業務部", "陳　明", "T01", "專員"],
            ["", "", "", ""],
            ["業務部", " 林美華 ", "T02", ""]]
    roster = load_roster(write_csv(tmp_path / "r.csv", rows))
    assert [e.name for e in roster] == ["陳明", "林美華"]
    assert [e.row for e in roster] == [3, 5]


def test_xlsx_numbers_and_dates(tmp_path):
    rows = [["部门", "姓名", "工号", "入职日期"],
            ["财务部", "钱七", 1023, datetime(2024, 3, 1)],
            ["财务部", "孙八", 1024.0, "2024/3/2"]]
    roster = load_roster(write_xlsx(tmp_path / "r.xlsx", rows))
    assert [e.employee_no for e in roster] == ["1023", "1024"]
    assert [e.date for e in roster] == [date(2024, 3, 1), date(2024, 3, 2)]
    assert roster.encoding == "xlsx"


def test_parse_date_forms():
    assert parse_date("2025年3月5日") == parse_date("2025.3.5") == parse_date("20250305") == date(2025, 3, 5)
    for bad in ("2025-02-30", "next monday", "3/5"):
        with pytest.raises(ValueError):
            parse_date(bad)


# ---------------------------------------------------------------- bad input


def test_missing_required_column_names_file_and_header_row(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["部门", "姓名", "岗位"], ["a", "b", "c"]])
    with pytest.raises(PolicyErrors) as exc:
        load_roster(path)
    text = messages(exc)
    assert f"{path}:1:" in text and "工号" in text and "missing required column" in text


def test_duplicate_employee_no_names_both_rows(tmp_path):
    rows = ROWS + [["5", "财务部", "周九", "A002", "", ""]]
    path = write_csv(tmp_path / "r.csv", rows)
    with pytest.raises(PolicyErrors) as exc:
        load_roster(path)
    assert f"{path}:6:" in messages(exc)
    assert "duplicate 工号 A002 (first used in row 3)" in messages(exc)


def test_empty_names_and_bad_dates_all_reported_together(tmp_path):
    rows = [["部门", "姓名", "工号", "日期"],
            ["财务部", "", "B1", ""],
            ["财务部", "吴十", "B2", "2025-13-01"],
            ["财务部", "郑一", "B3", "明天"]]
    path = write_csv(tmp_path / "r.csv", rows)
    with pytest.raises(PolicyErrors) as exc:
        load_roster(path)
    lines = [str(d) for d in exc.value.diagnostics]
    assert any(f"{path}:2:" in ln and "empty 姓名" in ln for ln in lines)
    assert any(f"{path}:3:" in ln and "'2025-13-01' is not a date" in ln for ln in lines)
    assert any(f"{path}:4:" in ln and "'明天' is not a date" in ln for ln in lines)


def test_undecodable_bytes_name_the_row(tmp_path):
    good = "部门,姓名,工号\r\n财务部,张三,C1\r\n".encode("utf-8")
    path = tmp_path / "r.csv"
    path.write_bytes(good + b"\xff\xfe\x80,\x80\x80,C2\r\n")
    with pytest.raises(PolicyError) as exc:
        load_roster(path)
    assert f"{path}:3:" in messages(exc) and "neither UTF-8 nor GBK" in messages(exc)


def test_other_bad_files(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "fake.xlsx").write_bytes(b"not a zip")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    for name, words in [("empty.csv", "empty"), ("fake.xlsx", "not a valid .xlsx"), ("old.xls", ".xls"),
                        ("missing.csv", "not found")]:
        with pytest.raises(PolicyError) as exc:
            load_roster(tmp_path / name)
        assert str(tmp_path / name) in messages(exc) and words in messages(exc)


def test_xlsx_errors_use_sheet_row_numbers(tmp_path):
    rows = [["花名册"], ["部门", "姓名", "工号"], ["研发", "甲", 7], ["研发", "乙", 7]]
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    with pytest.raises(PolicyErrors) as exc:
        load_roster(path)
    assert f"{path}:4:" in messages(exc) and "duplicate 工号 7 (first used in row 3)" in messages(exc)


def test_header_without_employees_is_an_error(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["部门", "姓名", "工号"], ["", "", ""]])
    with pytest.raises(PolicyError) as exc:
        load_roster(path)
    assert f"{path}:1:" in messages(exc) and "no employees" in messages(exc)
