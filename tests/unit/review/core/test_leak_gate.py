"""The leak gate's scan: kinds and places of what it finds, never the values; what an output must carry passes."""

from __future__ import annotations

import pytest

from review.core import leak_gate
from review.core.privacy import Complainant

pytestmark = pytest.mark.unit

KNOWN = Complainant(name="王小明", phone="13800001234", id_number="51010719900101123X", address="玉林南路12号3栋2单元501室")


def test_scan_finds_each_known_identifier_however_written_and_names_the_part() -> None:
    hits = leak_gate.scan({"摘要": "王小明说：请打１３８ ０００ ０１２３４。", "理由": "身份证 510107 19900101 123x。"},
                          known=KNOWN)
    assert {(h.kind, h.where) for h in hits} == {("name", "摘要"), ("phone", "摘要"), ("id_number", "理由")}


def test_scan_finds_shapes_of_strangers_identifiers() -> None:
    hits = leak_gate.scan({"正文": "车牌川A·7B2K9，邮箱 someone@example.cn，手机 139-1234-5678。"})
    assert {h.kind for h in hits} == {"plate", "email", "phone"}


def test_masked_text_and_ordinary_numbers_pass() -> None:
    text = "王某反映1号窗口排队，〔2023〕5号文件，补偿款2800000元，工单号20261008，［电话已隐去］。"
    assert leak_gate.scan({"正文": text}, known=KNOWN) == []


def test_allowed_strings_are_not_read_as_numbers() -> None:
    code = "13912345678"  # a code the output must carry that has a phone's shape
    assert leak_gate.scan({"正文": f"核验码 {code}"})
    assert leak_gate.scan({"正文": f"核验码 {code}"}, allowed=[code]) == []


def test_check_raises_a_refusal_that_names_kind_and_place_but_not_the_value() -> None:
    with pytest.raises(leak_gate.LeakStopped) as stop:
        leak_gate.check({"评议理由": "诉求人电话13800001234"}, what="公开的评议结论", known=KNOWN)
    assert stop.value.code == "leak_stopped" and stop.value.status == 409
    assert "评议理由：电话号码" in stop.value.message and "13800001234" not in stop.value.message


def test_a_number_broken_for_the_line_is_still_found_and_a_broken_code_still_passes() -> None:
    broken = "\u200b".join("13912345678")
    assert [h.kind for h in leak_gate.scan({"正文": f"电话{broken}"})] == ["phone"]
    assert leak_gate.scan({"正文": f"核验码 {broken}"}, allowed=["13912345678"]) == []
