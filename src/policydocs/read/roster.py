"""Employee rosters (花名册) for training registers and acknowledgement receipts.

A roster is a CSV or XLSX file with one employee per row.  HR exports them
from whatever system they have, so we accept what Excel in China produces:

- CSV in UTF-8, UTF-8 with BOM ("CSV UTF-8" in Excel), GBK/GB18030 (plain
  "CSV" in a Chinese Excel) or UTF-16 with BOM ("Unicode text", tab separated);
  the encoding and the delimiter (``,`` ``\\t`` ``;``) are detected.
- XLSX (first worksheet, or ``sheet=``), read with openpyxl.
- Column names in Chinese (简/繁) or English, in any order; other columns
  are ignored.  Required: 部门, 姓名, 工号.  Optional: 岗位, 备注, 日期.

Every problem is reported with the file and the *row number as a spreadsheet
shows it* (header = row 1 in a file without leading blank rows) in the
``line`` slot of :class:`~policydocs.core.errors.PolicyError`; all problems are
collected and raised together as :class:`~policydocs.core.errors.PolicyErrors`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl

from ..core.errors import Collector, PolicyError

#: field → accepted column names (compared after :func:`_norm_header`).
COLUMNS: dict[str, tuple[str, ...]] = {
    "department": ("部门", "部門", "所属部门", "所屬部門", "所在部门", "所在部門", "部门名称", "部門名稱",
                   "department", "dept", "dept.", "division"),
    "name": ("姓名", "员工姓名", "員工姓名", "名字", "name", "fullname", "employeename", "staffname"),
    "employee_no": ("工号", "工號", "员工编号", "員工編號", "员工工号", "員工工號", "员工号", "員工號", "职工编号",
                    "職工編號", "employeeid", "employeeno", "employeenumber", "empno", "empid", "staffid",
                    "staffno", "id", "employeecode", "工号编码"),
    "position": ("岗位", "崗位", "职位", "職位", "职务", "職務", "岗位名称", "崗位名稱", "position", "jobtitle",
                 "title", "job", "role", "post"),
    "note": ("备注", "備註", "備注", "note", "notes", "remark", "remarks", "comment", "comments"),
    "email": ("邮箱", "郵箱", "电子邮箱", "電子郵箱", "电子邮件", "電子郵件", "邮件", "郵件", "email", "e-mail", "mail"),
    "date": ("日期", "入职日期", "入職日期", "到职日期", "到職日期", "签收日期", "簽收日期", "date", "hiredate",
             "joindate", "startdate"),
}
REQUIRED = ("department", "name", "employee_no")
#: How a missing field is named in messages.
FIELD_LABELS = {"department": "部门 (department)", "name": "姓名 (name)", "employee_no": "工号 (employee id)",
                "position": "岗位 (position)", "note": "备注 (note)", "date": "日期 (date)", "email": "邮箱 (email)"}

_ALIASES = {alias: fld for fld, names in COLUMNS.items() for alias in names}


@dataclass(frozen=True)
class Employee:
    """One roster row.  ``row`` is the spreadsheet row number it came from."""

    department: str
    name: str
    employee_no: str
    position: str = ""
    note: str = ""
    date: date | None = None
    row: int = 0
    email: str = ""


@dataclass
class Roster:
    path: Path
    employees: list[Employee]
    encoding: str = ""  # "utf-8", "utf-8-sig", "gb18030", "utf-16", or "xlsx"

    def __len__(self) -> int:
        return len(self.employees)

    def __iter__(self):
        return iter(self.employees)

    def departments(self) -> list[str]:
        """Departments in the order they appear (after grouping)."""
        seen: dict[str, None] = {}
        for e in self.employees:
            seen.setdefault(e.department, None)
        return list(seen)


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def load_roster(path: str | Path, *, sheet: str | None = None, group: bool = True) -> Roster:
    """Read and validate a roster; employees grouped by department when ``group``.

    Grouping keeps departments in the order of their first appearance and
    employees in roster order inside each department (HR's own order).
    Raises PolicyError / PolicyErrors naming the file and row.
    """
    path = Path(path)
    if not path.is_file():
        raise PolicyError(path, 0, "roster file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows, encoding = _read_xlsx(path, sheet), "xlsx"
    elif suffix == ".xls":
        raise PolicyError(path, 0, "old Excel .xls files are not supported; save the roster as .xlsx or CSV UTF-8")
    else:
        if sheet:
            raise PolicyError(path, 0, "a sheet name only applies to .xlsx rosters")
        rows, encoding = _read_csv(path)
    employees = _parse_rows(path, rows)
    if group:
        employees = group_by_department(employees)
    return Roster(path, employees, encoding)


def group_by_department(employees: list[Employee]) -> list[Employee]:
    order: dict[str, int] = {}
    for e in employees:
        order.setdefault(e.department, len(order))
    return sorted(employees, key=lambda e: order[e.department])  # stable: roster order inside


@dataclass(frozen=True)
class UncachedFormula:
    """An XLSX formula cell with no saved value: the file was written by a program
    (not saved by Excel, WPS or LibreOffice), so nobody ever computed the result."""

    formula: str

    def __str__(self) -> str:
        return ""


def _read_xlsx(path: Path, sheet: str | None) -> list[tuple[int, list[object]]]:
    """Rows of saved cell values; a formula cell without a saved value becomes an
    :class:`UncachedFormula` (looked up in a second pass, only when some cell is empty)."""
    rows = _xlsx_rows(path, sheet, data_only=True)
    if any(v is None for _, values in rows for v in values):
        formulas = _xlsx_rows(path, sheet, data_only=False)
        for (_, values), (_, raw) in zip(rows, formulas):
            for col, value in enumerate(values):
                if value is None and col < len(raw) and isinstance(raw[col], str) and raw[col].startswith("="):
                    values[col] = UncachedFormula(raw[col])
    return rows


def _xlsx_rows(path: Path, sheet: str | None, *, data_only: bool) -> list[tuple[int, list[object]]]:
    if not zipfile.is_zipfile(path):
        raise PolicyError(path, 0, "not a valid .xlsx file (expected an Excel 2007+ workbook)")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise PolicyError(path, 0, f"cannot read .xlsx file ({type(exc).__name__}): save it again from Excel, "
                                   "WPS or LibreOffice as an .xlsx workbook") from None
    try:
        if sheet:
            if sheet not in wb.sheetnames:
                raise PolicyError(path, 0, f"no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        rows = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            rows.append((number, list(values)))
        return rows
    finally:
        wb.close()


def _split_lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _first_bad_line(data: bytes, encoding: str) -> int:
    """1-based line of the first line that does not decode (0 if all do)."""
    for i, line in enumerate(_split_lines(data), start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            return i
    return 0


def decode_bytes(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding) for CSV bytes: BOMs first, then UTF-8, then GB18030 (⊇ GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    else:
        enc = ""
    if enc:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1 if enc != "utf-16" else 0
            raise PolicyError(path, line, f"row {line}: bytes that are not valid {enc.upper()} (the file starts "
                                          f"with a {enc} byte-order mark)") from None
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    # Neither: name the line where the more plausible encoding first breaks.
    bad_utf8, bad_gbk = _first_bad_line(data, "utf-8"), _first_bad_line(data, "gb18030")
    line = max(bad_utf8, bad_gbk)
    raise PolicyError(path, line, f"row {line}: undecodable bytes — the file is neither UTF-8 nor GBK; "
                                  "save it from Excel as \"CSV UTF-8\" or as .xlsx")


def _read_csv(path: Path) -> tuple[list[tuple[int, list[object]]], str]:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise PolicyError(path, 0, "this is an Excel workbook, not CSV; name it .xlsx")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PolicyError(path, 0, "binary data (NUL bytes) in a CSV roster")
    text, encoding = decode_bytes(path, data)
    sample = text[:8192]
    first = next((ln for ln in sample.splitlines() if ln.strip()), "")
    delimiter = max(",\t;", key=first.count) if first else ","
    if first and first.count(delimiter) == 0:
        delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [(number, list(rec)) for number, rec in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise PolicyError(path, 0, f"malformed CSV: {exc}") from None
    return rows, encoding


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

_WS = re.compile(r"[\s\u3000\ufeff]+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])[\s\u3000]+(?=[\u3400-\u9fff])")


def _norm_header(value: object) -> str:
    text = "" if value is None else str(value)
    text = _WS.sub("", text).lower()
    text = text.replace("_", "").replace("-", "").replace("：", "").replace(":", "").replace("*", "")
    return text


def _cell(value: object) -> str:
    """A cell as clean text: numbers without .0, whitespace trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat(" ")
    text = str(value).replace("\u3000", " ").strip()
    return _WS.sub(" ", text)


def _clean_name(text: str) -> str:
    """张　三 (padded for alignment in Excel) → 张三; Latin names keep their spaces."""
    return _CJK_GAP.sub("", text)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: object) -> date:
    """2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305 or an Excel date; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return date(y, mo, d)  # ValueError for 2025-02-30
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def _parse_rows(path: Path, rows: list[tuple[int, list[object]]]) -> list[Employee]:
    errors = Collector()
    # The header is the first row naming at least two of our columns; exports
    # often put a title row (“2025年员工花名册”) above it.
    non_empty = [(n, v) for n, v in rows[:50] if any(_cell(x) for x in v)]
    if not non_empty:
        raise PolicyError(path, 1, "the roster is empty (no header row)")
    header_row, header = non_empty[0]
    for number, values in non_empty[:10]:
        if len({_ALIASES.get(_norm_header(v)) for v in values} - {None}) >= 2:
            header_row, header = number, values
            break
    it = iter([(n, v) for n, v in rows if n > header_row])

    index: dict[str, int] = {}
    for col, value in enumerate(header):
        key = _norm_header(value)
        fld = _ALIASES.get(key)
        if fld is None:
            continue
        if fld in index:
            errors.add(path, header_row, f"row {header_row}: two columns mean {FIELD_LABELS[fld]}: "
                                         f"{_cell(header[index[fld]])!r} and {_cell(value)!r}")
            continue
        index[fld] = col
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in index]
    if missing:
        found = ", ".join(repr(_cell(v)) for v in header if _cell(v)) or "none"
        errors.add(path, header_row, f"row {header_row}: missing required column(s) {', '.join(missing)}; "
                                     f"columns found: {found}")
    errors.raise_if_any()

    employees: list[Employee] = []
    seen_no: dict[str, int] = {}
    for number, values in it:
        if not any(_cell(v) for v in values):
            continue  # blank separator rows are harmless

        def get(fld: str) -> object:
            col = index.get(fld)
            return values[col] if col is not None and col < len(values) else None

        uncached = [(fld, v) for fld in index if isinstance(v := get(fld), UncachedFormula)]
        if uncached:
            for fld, v in uncached:
                errors.add(path, number, f"row {number}: {FIELD_LABELS[fld]} is the formula {v.formula} with no saved "
                                         "value (the file was written by a program, not saved by a spreadsheet): "
                                         "open it in Excel, WPS or LibreOffice and save it, or paste the values")
            continue
        name = _clean_name(_cell(get("name")))
        emp_no = _cell(get("employee_no"))
        dept = _cell(get("department"))
        ok = True
        if not name:
            errors.add(path, number, f"row {number}: empty 姓名 (name)")
            ok = False
        if not emp_no:
            errors.add(path, number, f"row {number}: empty 工号 (employee id)" + (f" for {name}" if name else ""))
            ok = False
        elif emp_no in seen_no:
            errors.add(path, number, f"row {number}: duplicate 工号 {emp_no} (first used in row {seen_no[emp_no]})")
            ok = False
        else:
            seen_no[emp_no] = number
        if not dept:
            errors.add(path, number, f"row {number}: empty 部门 (department)" + (f" for {name}" if name else ""))
            ok = False
        when = None
        raw_date = get("date")
        if _cell(raw_date):
            try:
                when = parse_date(raw_date)
            except ValueError as exc:
                errors.add(path, number, f"row {number}: 日期 {_cell(raw_date)!r} is not a date ({_reason(exc)})")
                ok = False
        if ok:
            employees.append(Employee(dept, name, emp_no, _cell(get("position")), _cell(get("note")), when, number,
                                      _cell(get("email"))))
    errors.raise_if_any()
    if not employees:
        raise PolicyError(path, header_row, f"row {header_row}: no employees below the header row")
    return employees


def _reason(exc: ValueError) -> str:
    text = str(exc)
    return "use YYYY-MM-DD" if "is not a date" in text else text
