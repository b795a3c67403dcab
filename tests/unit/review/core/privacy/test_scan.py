"""The leak gate's scanner: what masking would remove, found in a text meant to be masked already."""

from __future__ import annotations

import pytest

from review.core.privacy import Complainant, Leak, find_leaks, mask_text

pytestmark = pytest.mark.unit

KNOWN = Complainant(name="王小明", phone="13812345678", id_number="51010419900101123X",
                    address="玉林南路12号3栋2单元501室")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind", "leaked"),
    [
        ("请拨１３８ １２３４ ５６７８联系", "phone", "１３８ １２３４ ５６７８"),
        ("身份证510104-19900101-123x。", "id_number", "510104-19900101-123x"),
        ("住玉林南路 12号 3栋 2单元 501室，", "address", "玉林南路 12号 3栋 2单元 501室"),
        ("王 小 明来电", "name", "王 小 明"),
        ("小明称噪声扰民", "name", "小明"),
        ("另一号码139-0000-1234", "phone", "139-0000-1234"),
        ("车牌川A·7B2K9停放", "plate", "川A·7B2K9"),
        ("卡号6222 0212 3456 7890 123", "bank_card", "6222 0212 3456 7890 123"),
        ("邮箱 a.b@example.com", "email", "a.b@example.com"),
        ("微信号：wxm_2026", "account", "wxm_2026"),
        ("住7-1-1203", "address", "7-1-1203"),
    ],
)
def test_find_leaks_reports_each_kind_where_it_is_written(text: str, kind: str, leaked: str) -> None:
    leaks = find_leaks(text, known=KNOWN)

    assert [(leak.kind, text[leak.start : leak.end]) for leak in leaks] == [(kind, leaked)]


def test_find_leaks_other_persons_held_found_by_name() -> None:
    text = "邻居李建华多次敲门"

    assert find_leaks(text, known=KNOWN, names=["李建华"]) == [Leak("name", 2, 5)]


def test_find_leaks_masked_text_has_none() -> None:
    text = ("王小明（13812345678，51010419900101123X）住玉林南路12号3栋2单元501室，邻居李建华的车川A7B2K9，"
            "邮箱 wang@example.com，QQ 12345678。小明称1号窗口办理，补偿款2800000元，工单号20261008。")  # fmt: skip

    masked = mask_text(text, ["李建华"], known=KNOWN)

    assert find_leaks(text, known=KNOWN, names=["李建华"])
    assert find_leaks(masked, known=KNOWN, names=["李建华"]) == []


@pytest.mark.parametrize(
    "text",
    ["1号窗口受理", "〔2023〕5号文件", "补偿款2800000元", "工单号20261008", "住三楼", "受理编号PY2026000123",
     "王局长答复", "2026-10-08来电", "地铁1号线", "早晚高峰"],
)  # fmt: skip
def test_find_leaks_ordinary_text_has_none(text: str) -> None:
    assert find_leaks(text, known=Complainant(name="李峰")) == []


def test_find_leaks_labels_are_not_leaks() -> None:
    assert find_leaks("王某（［电话已隐去］）住［地址已隐去］", known=KNOWN) == []
