"""Text repair: pinyin leaking from ruby annotations, *** for brackets,
half-width punctuation in Chinese text, spaces between Chinese characters.

Each function returns the new text and what it changed, so the report can
say so; nothing is changed inside Latin words, numbers or times (21:00).
"""

from __future__ import annotations

import re

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# a parenthesis right after a Han character holding pinyin with at least one tone mark
_PINYIN = re.compile(rf"(?<=[{_HAN}])[（(]\s*([a-zA-Z{_TONED}ü]*[{_TONED}][a-zA-Z{_TONED}ü]*"
                     rf"(?:\s+[a-zA-Z{_TONED}ü]+)*)\s*[）)]")
_STARS = re.compile(r"\*{3}")
_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_CJK_CONTEXT = rf"[{_HAN}\u3000-\u303f\uff01-\uff5e“”‘’《》]"


def strip_pinyin(text: str) -> tuple[str, list[str]]:
    """繼續(xù) → 繼續; a bracket without a tone mark (e.g. (IT)) is left alone."""
    found = [m.group(0) for m in _PINYIN.finditer(text)]
    return (_PINYIN.sub("", text), found) if found else (text, [])


def stars_to_brackets(text: str) -> tuple[str, int]:
    """收集***信用狀況、…*** → 收集（信用狀況、…）: pairs of *** become full-width brackets."""
    count = len(_STARS.findall(text))
    if count < 2:
        return text, 0
    pairs = count // 2
    state = {"open": True, "left": pairs * 2}

    def repl(m: re.Match[str]) -> str:
        if state["left"] <= 0:
            return m.group(0)
        state["left"] -= 1
        out = "（" if state["open"] else "）"
        state["open"] = not state["open"]
        return out

    return _STARS.sub(repl, text), pairs


def full_width_punctuation(text: str) -> tuple[str, int]:
    """, : ; ? ! ( ) next to Chinese text → ，：；？！（）; 21:00, 1,000 and (IT) stay."""
    chars = list(text)
    changed = 0
    for i, ch in enumerate(chars):
        if ch not in _PUNCT:
            continue
        before = chars[i - 1] if i > 0 else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        if ch in ",:" and before.isdigit() and after.isdigit():
            continue
        cjk_before = bool(re.match(_CJK_CONTEXT, before)) if before else False
        cjk_after = bool(re.match(_CJK_CONTEXT, after)) if after else False
        if ch == "(":
            close = text.find(")", i)
            inner = text[i + 1:close] if close > 0 else ""
            ok = cjk_before or bool(re.search(f"[{_HAN}]", inner))
        elif ch == ")":
            open_ = text.rfind("(", 0, i)
            inner = text[open_ + 1:i] if open_ >= 0 else ""
            ok = cjk_after or bool(re.search(f"[{_HAN}]", inner)) or (open_ < 0 and cjk_before)
        else:
            ok = cjk_before or (cjk_after and not before.isascii())
            if not ok and cjk_after and (before == "" or not before.isalnum()):
                ok = True
        if ok:
            chars[i] = _PUNCT[ch]
            changed += 1
    return "".join(chars), changed


_CJK_SPACE = re.compile(rf"(?<=[{_HAN}\u3000-\u303f\uff01-\uff60“”《》])[ \t\u3000]+(?=[{_HAN}\u3000-\u303f\uff01-\uff60“”《》])")


def drop_cjk_spaces(text: str) -> str:
    """Spaces between Chinese characters are line breaks lost in copying: remove them."""
    return _CJK_SPACE.sub("", text)
