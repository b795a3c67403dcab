"""Personal data removed from every public output (DESIGN §8)."""

from __future__ import annotations

import re

_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "夏侯",
    "轩辕", "端木", "南宫", "西门", "独孤", "司徒", "司空", "闻人", "万俟", "呼延", "澹台", "申屠",
)
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}[01][0-9][0-3][0-9]{4}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:0[0-9]{2,3}[- ]?[0-9]{7,8}|[2-9][0-9]{6,7})(?![0-9])")
_NUMERAL = "0-9一二三四五六七八九十百"
# Building, unit and room numbers; a bare 号 only where it is a door number (not 10月8号, 1号线).
_HOUSE_NUMBER = re.compile(
    rf"[{_NUMERAL}]+(?:号楼|栋|幢|单元|室|楼)|(?<![月第{_NUMERAL}])[{_NUMERAL}]+号(?![线院楼])"
)


def mask_name(name: str) -> str:
    """王小明 → 王某; 欧阳娜娜 → 欧阳某."""
    name = name.strip()
    if not name:
        return ""
    surname = next((s for s in _COMPOUND_SURNAMES if name.startswith(s)), name[0])
    return surname + "某"


def mask_text(text: str, names: tuple[str, ...] = (), addresses: tuple[str, ...] = ()) -> str:
    """Remove ID numbers, phone numbers, house numbers, and the given names and addresses."""
    for address in sorted(filter(None, addresses), key=len, reverse=True):
        text = text.replace(address, "［地址已隐去］")
    for name in sorted(filter(None, names), key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _ID_NUMBER.sub("［身份证号已隐去］", text)
    text = _MOBILE.sub("［电话已隐去］", text)
    text = _LANDLINE.sub("［电话已隐去］", text)
    return _HOUSE_NUMBER.sub("［门牌已隐去］", text)
