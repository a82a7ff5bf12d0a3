"""Chinese numerals: 1 → 一, 11 → 十一, 101 → 一百零一 (used by labels and dates)."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"
_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 100 → 一百, 101 → 一百零一, 110 → 一百一十.

    Covers 0 … 99 999 (regulations never get near).
    """
    if n < 0:
        raise ValueError("negative numbers have no article label")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = _below_10000(low)
        return chinese_numeral(high) + "万" + (("零" + rest) if 0 < low < 1000 else rest)
    return _below_10000(n)


def _below_10000(n: int) -> str:
    out: list[str] = []
    zero_pending = False
    for value, unit in _UNITS:
        digit, n = divmod(n, value)
        if digit:
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(_DIGITS[digit] + unit)
        elif out:
            zero_pending = True
    if n:
        if zero_pending:
            out.append("零")
        out.append(_DIGITS[n])
    return "".join(out)
