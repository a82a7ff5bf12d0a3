"""Exports and reports: per-campaign CSV / XLSX for HR, the per-version report for auditors."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

import openpyxl
from openpyxl.styles import Font, PatternFill

from .store import MemberStatus
from .words import KINDS, STATES

HEADER = ["部门", "工号", "姓名", "岗位", "状态", "确认方式", "确认时间", "阅读语言", "所示文件 SHA-256",
          "IP 地址", "浏览器", "记录号", "代录人", "备注", "签收日期", "扫描件 SHA-256"]


def rows(members: list[MemberStatus]) -> list[list[str]]:
    out = []
    for m in members:
        a = m.ack or {}
        out.append([m.department, m.employee_no, m.name, m.position, STATES[m.state],
                    KINDS.get(a.get("kind", ""), ""), str(a.get("recorded_at", ""))[:19].replace("T", " "),
                    a.get("locale", ""), a.get("file_sha256", ""), a.get("ip", ""), a.get("user_agent", ""),
                    f"#{a['seq']}" if a else "", a.get("entered_by", ""), a.get("note", ""), a.get("signed_on", ""),
                    a.get("scan_sha256", "")])
    return out


def _safe_cell(value: str) -> str:
    """Cells starting with = + - @ would be formulas in Excel: keep them text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(camp: dict, members: list[MemberStatus]) -> bytes:
    """UTF-8 with BOM, so Excel in China opens it with the right encoding."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"《{camp['title']}》", camp["policy_id"], camp["version"], f"截止日期 {camp['due_date']}"])
    w.writerow(HEADER)
    for r in rows(members):
        w.writerow([_safe_cell(c) for c in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(camp: dict, members: list[MemberStatus]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "确认情况"
    ws.append([f"《{camp['title']}》 {camp['policy_id']} {camp['version']}  截止日期 {camp['due_date']}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(HEADER)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE3EE")
    fills = {"已逾期": PatternFill("solid", fgColor="F8D7D3"), "待确认": PatternFill("solid", fgColor="FCEBD2")}
    for r in rows(members):
        ws.append([_safe_cell(c) for c in r])
        fill = fills.get(r[4])
        if fill:
            ws.cell(ws.max_row, 5).fill = fill
    for col, width in zip("ABCDEFGHIJKLMNOP", (14, 10, 10, 10, 8, 16, 18, 10, 66, 15, 30, 8, 10, 24, 11, 66)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:P{ws.max_row}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class VersionReport:
    policy_id: str
    version: str
    campaigns: list[dict] = field(default_factory=list)  # campaign + counts + members
    seals: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"policy": self.policy_id, "version": self.version, "campaigns": self.campaigns,
                           "seals": self.seals, "problems": self.problems, "ok": not self.problems},
                          ensure_ascii=False, indent=2, default=str)

    def to_text(self) -> str:
        lines = [f"{self.policy_id} {self.version}: acknowledgement report"]
        for c in self.campaigns:
            n = c["counts"]
            lines.append(f"campaign {c['id']} ({c['audience']}, due {c['due_date']}): {n['acknowledged']} acknowledged, "
                         f"{n['pending']} pending, {n['overdue']} overdue, {n['left']} left"
                         + ("" if c["requires_ack"] else f" — no new acknowledgement required: {c['waiver_reason']}"))
            for m in c["members"]:
                a = m["ack"] or {}
                lines.append(f"  {m['state']:<12} {m['department']}  {m['employee_no']}  {m['name']}"
                             + (f"  {a.get('kind')} #{a.get('seq')} {str(a.get('recorded_at', ''))[:19]} "
                                f"{a.get('locale', '')} {a.get('file_sha256', '')[:12]}" if a else ""))
        lines.append(f"sealed days in the ledger: {len(self.seals)}"
                     + (f", last {self.seals[-1]['day']} (head {self.seals[-1]['head'][:12]})" if self.seals else ""))
        if self.problems:
            lines += [f"PROBLEM: {p}" for p in self.problems]
        else:
            lines.append("stored acknowledgements verify against their hashes and the ledger seals")
        return "\n".join(lines)
