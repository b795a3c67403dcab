"""Persons' names as published: the surname stays, several of one surname are told apart, words stay words."""

from __future__ import annotations

import pytest

from review.core.privacy import Complainant, mask_text
from review.core.privacy.names import labels

pytestmark = pytest.mark.unit


def test_labels_persons_of_one_surname_told_apart_in_order_held() -> None:
    assert labels(["张伟", "张强", "李娜", "张伟"]) == {"张伟": "张某甲", "张强": "张某乙", "李娜": "李某"}


@pytest.mark.parametrize(("name", "label"), [("欧阳娜娜", "欧阳某"), ("宗政明", "宗政某"), ("皇甫建国", "皇甫某"),
                                             ("上官婉儿", "上官某"), ("司小红", "司某")])  # fmt: skip
def test_labels_compound_surnames_kept_whole(name: str, label: str) -> None:
    assert labels([name]) == {name: label}


def test_mask_text_same_surname_persons_stable_across_texts_of_one_case() -> None:
    known, others = Complainant(name="张伟"), ("张强",)

    first = mask_text("张强打了张伟。", others, known=known)
    second = mask_text("张伟报警，张强离开。", others, known=known)

    assert (first, second) == ("张某乙打了张某甲。", "张某甲报警，张某乙离开。")


@pytest.mark.parametrize(
    ("given", "text"),
    [("峰", "早晚高峰车流大"), ("阳", "向阳小区门口"), ("建国", "建国路施工"), ("建国", "建国以来"),
     ("国庆", "称国庆假期施工"), ("光明", "光明社区"), ("明", "说明情况")],
)  # fmt: skip
def test_mask_text_word_holding_given_name_survives(given: str, text: str) -> None:
    assert mask_text(text, known=Complainant(name="王" + given)) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [("小明称噪声扰民", "王某称噪声扰民"), ("告诉小明：不予受理", "告诉王某：不予受理"),
     ("让光明先回家", "让刘某先回家"), ("李小明也来了", "李某也来了")],
)  # fmt: skip
def test_mask_text_given_name_alone_masked_where_it_stands_as_name(text: str, masked: str) -> None:
    known = Complainant(name="刘光明") if "光明" in text else Complainant(name="王小明")

    assert mask_text(text, known=known) == masked


@pytest.mark.parametrize("text", ["王局长答复", "李主任到场", "武侯区住建局回复", "张书记批示"])
def test_mask_text_officials_by_title_and_organisations_kept(text: str) -> None:
    assert mask_text(text, ("王强", "李娜"), known=Complainant(name="张伟")) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [("邻居王建国称噪声", "邻居王某称噪声"), ("业主李娜的车", "业主李某的车"), ("邻居张强，多次敲门", "邻居张某，多次敲门"),
     ("名叫陈静的人", "名叫陈某的人"), ("邻居欧阳娜娜说", "邻居欧阳某说"), ("邻居王建国多次敲门", "邻居王某多次敲门")],
)  # fmt: skip
def test_mask_text_person_not_held_named_after_role_word(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text", ["房东方面表示", "市民高度关注", "居民王女士反映", "业主李先生说", "对方车辆", "村民小组", "司机师傅",
             "投诉人刘某某称", "同事马上到", "诉求人陈述", "当事人解释", "邻居解决不了"],
)  # fmt: skip
def test_mask_text_role_word_before_ordinary_word_kept(text: str) -> None:
    assert mask_text(text) == text


def test_mask_text_held_given_name_after_another_compound_surname_is_that_person() -> None:
    assert mask_text("邻居司徒海涛称", known=Complainant(name="诸葛海涛")) == "邻居司徒某称"


@pytest.mark.parametrize(
    ("text", "masked"),
    [("早晚高峰时段车多", "早晚高峰时段车多"), ("高峰时段车多", "高峰时段车多"), ("诉求人高峰称", "诉求人高某称"),
     ("高峰反映噪声", "高某反映噪声"), ("向阳小区的向阳说", "向阳小区的向某说")],
)  # fmt: skip
def test_mask_text_two_character_name_that_is_a_word_masked_only_as_a_name(text: str, masked: str) -> None:
    name = "向阳" if "向阳" in text else "高峰"

    assert mask_text(text, known=Complainant(name=name)) == masked
