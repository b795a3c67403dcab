"""The clock policy: a draft read as data, refused with the field named, and hashed over its canonical JSON."""

from __future__ import annotations

import copy

import pytest

from review.deadlines.policy import (
    DEFAULT,
    STAGES,
    PolicyInvalid,
    as_data,
    canonical,
    parse_policy,
    policy_hash,
)

pytestmark = pytest.mark.unit


def draft() -> dict:
    return copy.deepcopy(as_data(DEFAULT))


def test_the_default_reads_back_to_itself_and_hashes_alike():
    again = parse_policy(draft())
    assert again == DEFAULT
    assert policy_hash(again) == policy_hash(DEFAULT)
    assert len(policy_hash(DEFAULT)) == 64
    assert canonical(DEFAULT) == canonical(again)


def test_a_changed_limit_changes_the_hash():
    raw = draft()
    raw["stages"]["scoring"]["limit"] = 6
    assert policy_hash(parse_policy(raw)) != policy_hash(DEFAULT)


def test_every_stage_has_words_naming_its_limit():
    scoring = DEFAULT.rule("scoring")
    assert scoring is not None
    assert scoring.words.startswith("评分：5 个工作日内完成")
    assert "调解进行中" in scoring.words and "评议办负责人" in scoring.words
    assert set(DEFAULT.stages) <= set(STAGES)


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda r: r["stages"]["screening"].update(limit=-1), "stages.screening.limit", "不能小于 1"),
    (lambda r: r["stages"]["screening"].update(limit=0), "stages.screening.limit", "不能小于 1"),
    (lambda r: r["stages"]["screening"].update(limit="两天"), "stages.screening.limit", "应为整数"),
    (lambda r: r["stages"]["screening"].update(limit=2.5), "stages.screening.limit", "应为整数"),
    (lambda r: r["stages"]["scoring"].update(remind_before=5), "stages.scoring.remind_before", "到期之前"),
    (lambda r: r["stages"]["scoring"].update(remind_before=-1), "stages.scoring.remind_before", "不能小于 0"),
    (lambda r: r["stages"]["scoring"]["escalations"][0].pop("to"), "stages.scoring.escalations[0].to", "通知对象"),
    (lambda r: r["stages"]["scoring"]["escalations"][0].update(to="mayor"), "stages.scoring.escalations[0].to",
     "mayor"),
    (lambda r: r["stages"]["scoring"]["escalations"][1].update(after=1), "stages.scoring.escalations[1].after",
     "晚于上一步"),
    (lambda r: r["stages"]["scoring"].update(pauses=["lunch"]), "stages.scoring.pauses", "lunch"),
    (lambda r: r["stages"]["scoring"].update(unit="weeks"), "stages.scoring.unit", "计时单位"),
    (lambda r: r["stages"].update(coffee={"limit": 1}), "stages.coffee", "不存在"),
    (lambda r: r["stages"]["scoring"].update(colour="red"), "stages.scoring.colour", "无法识别"),
    (lambda r: r.update(stages={}), "stages", "至少"),
])
def test_a_bad_draft_is_refused_with_the_field_named(change, field, words):
    raw = draft()
    change(raw)
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(raw)
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_stage_left_out_has_no_clock():
    raw = draft()
    del raw["stages"]["delivery"]
    assert parse_policy(raw).rule("delivery") is None


@pytest.mark.parametrize(("change", "field", "words"), [
    # A reminder at the deadline itself is no reminder before it.
    (lambda r: r["stages"]["scoring"].update(remind_before=r["stages"]["scoring"]["limit"]),
     "stages.scoring.remind_before", "到期之前"),
    (lambda r: r["stages"]["invitation"].update(remind_before=48), "stages.invitation.remind_before", "到期之前"),
    (lambda r: r["stages"]["redo"]["escalations"][0].update(to=""), "stages.redo.escalations[0].to", "须指明通知对象"),
    (lambda r: r["stages"]["redo"]["escalations"][1].update(to=None), "stages.redo.escalations[1].to", "须指明通知对象"),
    (lambda r: r["stages"]["scoring"].update(remind=""), "stages.scoring.remind", "须指明通知对象"),
    (lambda r: r["stages"]["invitation"].update(limit=-48), "stages.invitation.limit", "「评议员答复邀请」的时限不能小于 1"),
])
def test_a_reminder_not_before_the_deadline_or_a_step_to_nobody_is_refused(change, field, words):
    raw = draft()
    change(raw)
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(raw)
    assert refused.value.field == field
    assert words in refused.value.message
