"""``policydocs init``: a new project that passes ``check`` and builds as is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..core.errors import PolicyError

CONFIG = """\
# policydocs configuration — every key has a default; see docs/ in the policydocs repository.
[organisation]
name = "{company}"

[locales]
source = "zh-Hans"
publish = ["zh-Hans", "zh-Hant-TW"]

[versions]
scheme = "A/0"                       # or "V1.0"
roles = ["编制", "审核", "批准"]

[build]
formats = ["pdf", "docx"]

# The company's licensed faces, by family name, tried before Noto CJK in PDFs
# (fonts in the project's fonts/ folder or installed on the machine; `check` warns when missing):
# [pdf.fonts]
# body = "FangSong_GB2312"          # 仿宋
# title = "FZXiaoBiaoSong-B05S"     # 小标宋
# heading = "SimHei"                # 黑体
"""

SAMPLE_POLICY = """\
---
id: ADM-GEN-001
title: 制度管理办法
department: 综合管理部
category: 行政
status: effective
effective_date: {today}
review_cycle_months: 12
applies_to: 全体员工
lang: zh-Hans
interpreted_by: 综合管理部
---

# 总则

为规范公司规章制度的起草、审核、批准、发布和修订工作，制定本办法。

本办法适用于公司各部门制定的全部管理制度。{{#scope}}

# 制度的制定与发布

制度由主管部门负责起草，经审核、批准后发布。制度发布前应当履行以下程序：

- 起草部门征求相关部门意见；
- 法务人员对制度内容进行合规审核；{{#legal}}
- 分管领导批准。

依照[[#legal]]进行合规审核时，发现制度内容与法律法规相抵触的，应当退回起草部门修改。

# 附则

本办法由综合管理部负责解释。

本办法自发布之日起施行。
"""

GLOSSARY = """\
# Project glossary, layered over the default regulation glossary shipped with
# policydocs; an entry here overrides a default entry for the same term.
#
# protect: written exactly as here in every locale (never converted).
# terms:   forced mappings, e.g.
#   - {{zh-Hans: 某某香港, zh-Hant-HK: 某某香港, reason: "the Hong Kong subsidiary is registered in Simplified"}}
version: 1

protect:
  - term: "{company}"
    reason: "legal name as registered"

terms: []
"""

HANDBOOK = """\
title: 员工手册
company: "{company}"
audience: 全体员工
foreword: 本手册汇编公司现行有效的管理制度，请全体员工认真阅读并遵守。
policies:
  - ADM-GEN-001
locales: [zh-Hans]
"""


def init_project(target: Path, *, company: str) -> Path:
    """Create the project skeleton in ``target`` (missing or empty)."""
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        raise PolicyError(target, 0, "directory is not empty; choose a new directory for the project")
    (target / "policies").mkdir(parents=True, exist_ok=True)
    (target / "templates").mkdir(exist_ok=True)
    (target / "handbooks").mkdir(exist_ok=True)
    (target / "ledger").mkdir(exist_ok=True)
    (target / "policydocs.toml").write_text(CONFIG.format(company=company), encoding="utf-8")
    (target / "glossary.yaml").write_text(GLOSSARY.format(company=company), encoding="utf-8")
    (target / "policies" / "ADM-GEN-001.md").write_text(SAMPLE_POLICY.format(today=date.today().isoformat()), encoding="utf-8")
    (target / "handbooks" / "employee-handbook.yaml").write_text(HANDBOOK.format(company=company), encoding="utf-8")
    (target / "templates" / "README.md").write_text(
        "Put a file named like one of policydocs' templates here to override it: typst/policy.typ\n"
        "(policy PDFs), typst/handbook.typ, typst/forms.typ, typst/common.typ; site/*.html.j2 (portal).\n"
        "Start from a copy of the built-in one (docs/pdf-engine.md).\n", encoding="utf-8")
    (target / ".gitignore").write_text("/build/\n*.p12\n*.key\nledger/.lock\n", encoding="utf-8")
    return target
