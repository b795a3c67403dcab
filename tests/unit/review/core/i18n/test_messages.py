"""Lazy messages: Chinese as the value and the msgid, the request's locale when written out (str, templates,
JSON answers), f-string messages found by their shape, and the refusals' JSON form with its code untranslated."""

from __future__ import annotations

import json

import msgspec
import pytest
from jinja2 import Environment

from review.core import i18n
from review.core.errors import DraftInvalid, Invalid, NotFound
from review.core.i18n_extract import messages

pytestmark = pytest.mark.unit

CATALOG = i18n._Catalog({
    "案件不存在": "Case not found",
    "字段 {name} 过长（最多 {limit} 个字符）": "Field {name} is too long (at most {limit} characters)",
    "本案已结束（{STATUS_LABELS[case_status]}），不能再评分": "The case has ended ({STATUS_LABELS[case_status]}): "
                                                       "it can no longer be scored",
    "已办结": "Closed",
})


def test_a_message_found_exactly_and_by_its_shape() -> None:
    assert CATALOG.lookup("案件不存在") == "Case not found"
    assert CATALOG.lookup("字段 title 过长（最多 200 个字符）") == "Field title is too long (at most 200 characters)"
    assert CATALOG.lookup("无此消息") is None


def test_a_label_inside_a_shaped_message_is_translated_too() -> None:
    assert CATALOG.lookup("本案已结束（已办结），不能再评分") == "The case has ended (Closed): it can no longer be scored"


def test_a_lazy_message_is_chinese_by_default_and_english_in_the_english_locale() -> None:
    message = i18n.lazy("页面不存在")
    assert message == "页面不存在" and str(message) == "页面不存在"
    with i18n.use_locale("en"):
        assert str(message) == "Page not found"
        assert message == "页面不存在"  # what compares and stores it still sees the msgid
        assert f"{message}" == "页面不存在"  # an f-string builds Chinese, translated whole by its shape
        assert "%s" % message == "Page not found"  # noqa: UP031  (as logging and %-formatting write it)


def test_an_unknown_locale_falls_back_to_chinese() -> None:
    with i18n.use_locale("fr"):
        assert i18n.current() == "zh_Hans"
        assert str(i18n.lazy("页面不存在")) == "页面不存在"


def test_refusal_json_in_each_locale_keeps_its_code() -> None:
    error = NotFound("not_found", "页面不存在", field="id")
    assert error.as_json() == {"error": {"code": "not_found", "message": "页面不存在", "field": "id"}}
    with i18n.use_locale("en"):
        answer = json.loads(json.dumps(error.as_json()))
    assert answer == {"error": {"code": "not_found", "message": "Page not found", "field": "id"}}
    assert str(Invalid("x", "页面不存在")) == "页面不存在"


def test_a_draft_refused_reads_in_the_locale_too() -> None:
    error = DraftInvalid("页面不存在", "stages")
    with i18n.use_locale("en"):
        assert str(error.message) == "Page not found"


def test_lazy_labels_in_an_api_answer_are_written_in_the_current_locale() -> None:
    class Answer(msgspec.Struct):
        status: str
        labels: dict[str, str]

    value = {"status": i18n.lazy("页面不存在"), "labels": i18n.lazy_labels({"a": "页面不存在"})}
    typed = msgspec.convert(value, Answer)
    with i18n.use_locale("en"):
        encoded = json.loads(msgspec.json.encode(typed, enc_hook=i18n.written))
    assert encoded == {"status": "Page not found", "labels": {"a": "Page not found"}}
    assert json.loads(msgspec.json.encode(typed, enc_hook=i18n.written))["status"] == "页面不存在"
    with i18n.use_locale("en"):
        assert i18n.text({"a": [i18n.lazy("页面不存在")]}) == {"a": ["Page not found"]}


def test_templates_write_lazy_labels_and_trans_blocks_in_the_locale() -> None:
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    page = env.from_string("{{ label }}|{% trans %}页面不存在{% endtrans %}|{{ _('页面不存在') }}")
    label = i18n.lazy("页面不存在")
    assert page.render(label=label) == "页面不存在|页面不存在|页面不存在"
    with i18n.use_locale("en"):
        assert page.render(label=label) == "Page not found|Page not found|Page not found"


def test_dates_and_numbers_per_locale() -> None:
    from datetime import date

    assert i18n.format_date(date(2026, 12, 4)) == "2026年12月4日"
    assert i18n.format_number(12345.678, 1) == "12,345.7"
    with i18n.use_locale("en"):
        assert i18n.format_date(date(2026, 12, 4)) == "Dec 4, 2026"
        assert i18n.format_percent(0.256) == "26%"


def test_extraction_takes_refusals_labels_and_fstring_shapes() -> None:
    source = '''
raise Invalid("invalid_field", f"字段 {name} 过长（最多 {limit} 个字符）", field=name)
raise NotFound("case_not_found", "案件不存在")
raise PolicyInvalid(f"环节「{code}」不存在", "stages")
LABELS = lazy_labels({"a": "已办结", "b": "code"})
Route("/path", "name")
super().__init__("internal_error", f"服务器内部错误 {error_id}")
'''
    assert [text for _, text in messages(source)] == [
        "字段 {name} 过长（最多 {limit} 个字符）", "案件不存在", "环节「{code}」不存在", "已办结", "服务器内部错误 {error_id}"]


def test_printed_documents_stay_chinese_in_an_english_request() -> None:
    from review.core.printing import pdf_environment

    template = pdf_environment().from_string("{{ label }}")
    with i18n.use_locale("en"):
        assert template.render(label=i18n.lazy("页面不存在")) == "页面不存在"
        assert i18n.current() == "en"
