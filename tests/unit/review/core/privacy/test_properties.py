"""Masking's promises on any text: spans inside the text and apart, and nothing left for the leak gate."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.core.privacy import Complainant, find, find_leaks, mask_text

pytestmark = pytest.mark.unit

KNOWN = Complainant(
    name="王小明", phone="13812345678", id_number="51010419900101123X", address="玉林南路12号"
)
# Phrases as complaints put them, in any order and number: what one leaves around another must not change what is
# found (a label beside a name, a number beside a date).
_PHRASES = st.sampled_from(
    ["王小明", "小明称", "王 小 明说", "电话13812345678，", "１３８ １２３４ ５６７８", "+86 138-1234-5678。",
     "身份证51010419900101123X", "510104 19900101 123x", "住玉林南路12号", "3栋2单元501室", "7-1-1203", "B座1203",
     "邻居李建华称", "建华说", "邻居张强，", "车牌川A·7B2K9", "QQ：12345678。", "微信号：wxm_2026", "a.b@qq.com ",
     "卡号6222 0212 3456 7890 123", "座机028-8765-4321", "1号窗口", "〔2023〕5号文件", "地铁1号线", "二楼",
     "补偿款2800000元", "工单号20261008", "2026-10-08", "受理编号PY2026000123", "王局长", "早晚高峰", "向阳小区",
     "，", "。", " ", "\n", "（", "）", "、"]
)  # fmt: skip
_TEXTS = st.lists(_PHRASES, max_size=24).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS)
def test_find_spans_lie_inside_the_text_in_order_and_apart(text: str) -> None:
    spans = find(text, KNOWN, ["李建华"])

    assert all(0 <= a.start < a.end <= len(text) for a in spans)
    assert all(a.end <= b.start for a, b in pairwise(spans))


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS)
def test_masked_text_holds_no_leak_and_masks_to_itself(text: str) -> None:
    masked = mask_text(text, ["李建华"], known=KNOWN)

    assert find_leaks(masked, known=KNOWN, names=["李建华"]) == []
    assert mask_text(masked, ["李建华"], known=KNOWN) == masked
