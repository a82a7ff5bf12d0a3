"""What the service says, in 简体 and 繁體 (the employee's page, mails, HR's pages)."""

from __future__ import annotations

from ..core.locales import get_locale

_SC = {
    "lang_name": "简体中文",
    "read_title": "阅读并确认",
    "intro": "请阅读以下制度全文。读到末尾后，“确认”按钮才可使用。",
    "statement": "本人已阅读并理解《{title}》（文件编号{doc_no}，版本{version}），同意遵守。",
    "confirm": "确认已阅读并同意遵守",
    "confirm_locked": "请先阅读到全文末尾",
    "end_of_text": "— 全文完 —",
    "pdf": "下载已签名的 PDF 文本",
    "pdf_hash": "文件 SHA-256",
    "due": "请于 {due} 前确认",
    "employee": "员工",
    "noscript": "本页需要启用 JavaScript，以确认您已阅读到全文末尾。",
    "done_title": "确认已记录",
    "done_body": "您的确认已于 {time} 记录（记录号 #{seq}）。",
    "done_keep": "本页可截图保存。您不需要再做任何操作。",
    "recorded": "记录内容",
    "time": "时间", "ip": "IP 地址", "locale_shown": "阅读语言", "record": "记录号",
    "used_title": "此链接已使用",
    "used_body": "此链接已用于确认，不能再次使用。您的确认记录于 {time}。",
    "already_title": "您已确认过",
    "already_body": "您已于 {time} 确认本版本，无需重复确认。",
    "expired_title": "链接已过期",
    "expired_body": "此个人链接已过期。请联系人力资源部重新发送。",
    "bad_title": "链接无效",
    "bad_body": "此链接无效或不完整。请从邮件中完整复制链接，或联系人力资源部。",
    "inactive_title": "无法确认",
    "inactive_body": "此账户已停用。如有疑问，请联系人力资源部。",
    "limited_title": "尝试次数过多",
    "limited_body": "请稍后再试。",
    "stale_title": "页面已过期",
    "stale_body": "页面打开时间过长或已被修改，请重新打开链接后再确认。",
    "notfound_title": "页面不存在",
    "notfound_body": "您访问的页面不存在。",
    "error_title": "出现错误",
    "error_body": "服务器暂时无法处理您的请求，请稍后再试。您的操作未被记录。",
    "mail_subject": "请阅读并确认《{title}》（版本{version}）",
    "mail_reminder_subject": "提醒：请于 {due} 前确认《{title}》（版本{version}）",
    "mail_overdue_subject": "已逾期：请尽快确认《{title}》（版本{version}）",
    "mail_body": ("{name}，您好：\n\n公司发布了《{title}》（文件编号{doc_no}，版本{version}）。"
                  "请在 {due} 前打开下面的个人链接，阅读全文并确认：\n\n{link}\n\n"
                  "此链接仅供您本人使用，有效期至 {expires}，请勿转发。\n\n{org}"),
}
_TC = dict(_SC, **{
    "lang_name": "繁體中文",
    "read_title": "閱讀並確認",
    "intro": "請閱讀以下制度全文。讀到末尾後，「確認」按鈕才可使用。",
    "statement": "本人已閱讀並理解《{title}》（文件編號{doc_no}，版本{version}），同意遵守。",
    "confirm": "確認已閱讀並同意遵守",
    "confirm_locked": "請先閱讀到全文末尾",
    "end_of_text": "— 全文完 —",
    "pdf": "下載已簽章的 PDF 文本",
    "pdf_hash": "檔案 SHA-256",
    "due": "請於 {due} 前確認",
    "employee": "員工",
    "noscript": "本頁需要啟用 JavaScript，以確認您已閱讀到全文末尾。",
    "done_title": "確認已記錄",
    "done_body": "您的確認已於 {time} 記錄（記錄號 #{seq}）。",
    "done_keep": "本頁可截圖保存。您不需要再做任何操作。",
    "recorded": "記錄內容",
    "time": "時間", "ip": "IP 位址", "locale_shown": "閱讀語言", "record": "記錄號",
    "used_title": "此連結已使用",
    "used_body": "此連結已用於確認，不能再次使用。您的確認記錄於 {time}。",
    "already_title": "您已確認過",
    "already_body": "您已於 {time} 確認本版本，無需重複確認。",
    "expired_title": "連結已過期",
    "expired_body": "此個人連結已過期。請聯絡人力資源部重新發送。",
    "bad_title": "連結無效",
    "bad_body": "此連結無效或不完整。請從郵件中完整複製連結，或聯絡人力資源部。",
    "inactive_title": "無法確認",
    "inactive_body": "此帳戶已停用。如有疑問，請聯絡人力資源部。",
    "limited_title": "嘗試次數過多",
    "limited_body": "請稍後再試。",
    "stale_title": "頁面已過期",
    "stale_body": "頁面開啟時間過長或已被修改，請重新開啟連結後再確認。",
    "notfound_title": "頁面不存在",
    "notfound_body": "您造訪的頁面不存在。",
    "error_title": "發生錯誤",
    "error_body": "伺服器暫時無法處理您的請求，請稍後再試。您的操作未被記錄。",
    "mail_subject": "請閱讀並確認《{title}》（版本{version}）",
    "mail_reminder_subject": "提醒：請於 {due} 前確認《{title}》（版本{version}）",
    "mail_overdue_subject": "已逾期：請盡快確認《{title}》（版本{version}）",
    "mail_body": ("{name}，您好：\n\n公司發布了《{title}》（文件編號{doc_no}，版本{version}）。"
                  "請在 {due} 前開啟下面的個人連結，閱讀全文並確認：\n\n{link}\n\n"
                  "此連結僅供您本人使用，有效期至 {expires}，請勿轉寄。\n\n{org}"),
})

#: HR pages are in Simplified Chinese (the source locale of the sample projects).
STATES = {"acknowledged": "已确认", "pending": "待确认", "overdue": "已逾期", "left": "已离职"}
KINDS = {"online": "在线确认", "paper": "纸质签收（代录）", "void": "更正（作废）"}


def words(locale: str) -> dict[str, str]:
    """The employee-facing words for a locale code (zh-Hans, zh-Hant-TW, zh-Hant-HK …)."""
    try:
        traditional = get_locale(locale).traditional
    except ValueError:
        traditional = False
    return dict(_TC if traditional else _SC)


def statement(locale: str, title: str, doc_no: str, version: str) -> str:
    """The 学习确认书 sentence the employee confirms."""
    return words(locale)["statement"].format(title=title, doc_no=doc_no, version=version)
