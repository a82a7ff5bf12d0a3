"""Vocabulary tests: every glossary entry in every direction and mode it applies to,
plus the document-control and register vocabulary of zh-conventions.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from policydocs.convert import conversion as cv

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = cv.load_glossary(ROOT)
TRAD = ("zh-Hant-TW", "zh-Hant-HK", "zh-Hant")


def _cases():
    """(id, source, target, phrase, term, expected) for every entry and applicable direction."""
    out = []
    for i, e in enumerate(GLOSSARY.entries):
        modes = (True,) if e.phrase else (False, True)
        for phrase in modes:
            if e.protect:
                for src, tgt in [("zh-Hans", t) for t in TRAD] + [(t, "zh-Hans") for t in TRAD]:
                    out.append((f"{i}-protect-{e.protect}-{src}-{tgt}-{phrase}", src, tgt, phrase, e.protect, e.protect))
                continue
            for t in TRAD:
                if e.only != "to-simplified" and e.form(t):
                    out.append((f"{i}-{e.label}-zh-Hans-{t}-{phrase}", "zh-Hans", t, phrase, e.form("zh-Hans"), e.form(t)))
                if e.only != "to-traditional" and e.form(t):
                    for term in sorted(e.source_forms(t)):
                        out.append((f"{i}-{e.label}-{t}-{term}-zh-Hans-{phrase}", t, "zh-Hans", phrase, term,
                                    e.form("zh-Hans")))
    return out


def _effective(src, tgt, phrase, term):
    """The rule that wins for ``term`` (a later entry may override an earlier one)."""
    return GLOSSARY.rules(src, tgt, phrase).get(term)


CASES = _cases()


def test_every_entry_has_a_reason_and_some_cases():
    assert len(GLOSSARY.entries) >= 40
    for e in GLOSSARY.entries:
        assert e.reason.strip(), f"{e.source}: entry without a reason"
    assert len(CASES) > 300


@pytest.mark.parametrize("src,tgt,phrase,term,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_entry(src, tgt, phrase, term, expected):
    rule = _effective(src, tgt, phrase, term)
    assert rule is not None
    if rule.target != expected:  # overridden by a later entry (e.g. the project's glossary)
        expected = rule.target
    c = cv.get_converter(src, tgt, phrase_mode=phrase, glossary=GLOSSARY)
    assert c.convert(term) == expected
    assert c.convert(f"（{term}）") == f"（{expected}）"
    assert c.convert(f"第一条 {term}。") .endswith(f" {expected}。")


# Document-control, approval and register vocabulary (zh-conventions.md): zh-Hans → TW/HK, both modes.
VOCAB = {
    "编制": "編制", "审核": "審核", "批准": "批准", "会签": "會簽", "签批": "簽批",
    "文件编号": "文件編號", "文件名称": "文件名稱", "版本": "版本", "版次": "版次", "生效日期": "生效日期",
    "制定日期": "制定日期", "页次": "頁次", "受控状态": "受控狀態", "编制部门": "編制部門",
    "修订记录": "修訂記錄", "序号": "序號", "修订日期": "修訂日期", "修订章节": "修訂章節",
    "修订内容摘要": "修訂內容摘要", "修订人": "修訂人", "首次发行": "首次發行",
    "培训签到表": "培訓簽到表", "培训主题": "培訓主題", "培训地点": "培訓地點", "主讲人": "主講人",
    "授课人": "授課人", "组织部门": "組織部門", "培训对象": "培訓對象", "课时": "課時",
    "应到人数": "應到人數", "实到人数": "實到人數", "工号": "工號", "岗位": "崗位", "签到时间": "簽到時間",
    "签名": "簽名", "备注": "備註", "记录人": "記錄人", "审核人": "審核人",
    "请本人亲笔签名，不得代签": "請本人親筆簽名，不得代簽", "学习确认书": "學習確認書", "签收单": "簽收單",
    "签收日期": "簽收日期", "本制度由人力资源部负责解释": "本制度由人力資源部負責解釋",
    "本制度自发布之日起施行": "本制度自發布之日起施行", "原《考勤管理制度》同时废止": "原《考勤管理制度》同時廢止",
    "本办法经董事会通过后施行，修正时亦同": "本辦法經董事會通過後施行，修正時亦同",
    "总则": "總則", "附则": "附則", "协调制度": "協調制度", "审批程序": "審批程序",
    "特制定本制度": "特制定本制度", "拟制定实施细则": "擬制定實施細則", "核准": "核准", "考核": "考核",
    "按照本制度第五条、第六条规定处理": "按照本制度第五條、第六條規定處理", "检查项目": "檢查項目",
    "冲账": "沖賬", "资产标签": "資產標籤", "审批权限": "審批權限", "请假类型": "請假類型", "设置岗位": "設置崗位",
    "系统运行": "系統運行", "注销账号": "註銷賬號",
    # 发 joined with the previous character into a hair word by OpenCC (髮)
    "延长发放期限": "延長發放期限", "换发证件": "換發證件", "产生发票": "產生發票", "办理发票报销": "辦理發票報銷",
    "防止安全卫生发生问题": "防止安全衛生發生問題", "对表现优秀的员工": "對表現優秀的員工",
    "一出现问题": "一出現問題", "没有采取措施": "沒有採取措施", "国家具有": "國家具有", "补扣工资": "補扣工資", "文件销毁": "文件銷毀", "不得染发": "不得染髮", "头发整洁": "頭髮整潔",
}


@pytest.mark.parametrize("phrase", [False, True], ids=["default", "phrase"])
@pytest.mark.parametrize("target", TRAD)
def test_regulation_vocabulary(target, phrase):
    c = cv.get_converter("zh-Hans", target, phrase_mode=phrase, glossary=GLOSSARY)
    expected = {s: (t.replace("衛", "衞") if target == "zh-Hant-HK" else t) for s, t in VOCAB.items()}  # HK variant
    assert {s: c.convert(s) for s in VOCAB} == expected


@pytest.mark.parametrize("phrase", [False, True], ids=["default", "phrase"])
@pytest.mark.parametrize("source", ["zh-Hant-TW", "zh-Hant-HK"])
def test_regulation_vocabulary_back_to_simplified(source, phrase):
    c = cv.get_converter(source, "zh-Hans", phrase_mode=phrase, glossary=GLOSSARY)
    trad = {s: (t.replace("衛", "衞") if source == "zh-Hant-HK" else t) for s, t in VOCAB.items()}
    assert {t: c.convert(t) for t in trad.values()} == {t: s for s, t in trad.items()}
    assert c.convert("註銷帳號") == "注销帐号"
