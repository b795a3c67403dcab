"""Log records carry no identifier: message, arguments and traceback masked before any handler sees them."""

from __future__ import annotations

import logging

import pytest

from review.core.privacy import ID_NUMBER, PHONE
from review.core.privacy.logs import PersonalDataFilter, mask_personal_data_in_logs

pytestmark = pytest.mark.unit

MOBILE, ID = "13800001234", "51010719900101123X"


@pytest.fixture
def masked_logs() -> object:
    before = logging.getLogRecordFactory()
    mask_personal_data_in_logs()
    yield
    logging.setLogRecordFactory(before)


@pytest.mark.usefixtures("masked_logs")
def test_log_record_message_and_args_masked(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("review.test.privacy")
    with caplog.at_level(logging.INFO, logger="review.test.privacy"):
        log.info("诉求人电话 %s，身份证 %s，第%d次", MOBILE, ID, 3)
        log.info("来电 138-0000-1234，工单号20261008，1号窗口")
        log.warning("号码 %(phone)s", {"phone": int(MOBILE)})

    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        f"诉求人电话 {PHONE}，身份证 {ID_NUMBER}，第3次",
        f"来电 {PHONE}，工单号20261008，1号窗口",
        f"号码 {PHONE}",
    ]
    assert MOBILE not in caplog.text and ID not in caplog.text


@pytest.mark.usefixtures("masked_logs")
def test_log_record_traceback_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="review.test.privacy"):
        try:
            raise ValueError(f"手机号 {MOBILE} 格式不对")
        except ValueError:
            logging.getLogger("review.test.privacy").exception("受理失败")

    assert "ValueError" in caplog.text and PHONE in caplog.text
    assert MOBILE not in caplog.text


@pytest.mark.usefixtures("masked_logs")
def test_mask_personal_data_in_logs_twice_masks_once() -> None:
    factory = logging.getLogRecordFactory()

    mask_personal_data_in_logs()

    assert logging.getLogRecordFactory() is factory


def test_filter_on_a_handler_masks_what_it_emits() -> None:
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    handler = Keep()
    handler.addFilter(PersonalDataFilter())
    log = logging.getLogger("review.test.privacy.handler")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("邮箱 %s 车牌 %s", "wang@example.com", "川A·7B2K9")
    finally:
        log.removeHandler(handler)

    assert seen == ["邮箱 ［邮箱已隐去］ 车牌 ［车牌已隐去］"]


def test_app_masks_the_logs_of_its_process() -> None:
    # lazy: the application loads Starlette and every slice; only this test needs it
    from review.app import create_app

    before = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)
    try:
        create_app()
        record = logging.getLogger("review.test.privacy").makeRecord(
            "review.test.privacy", logging.INFO, __file__, 1, "电话 %s", (MOBILE,), None
        )
    finally:
        logging.setLogRecordFactory(before)

    assert record.getMessage() == f"电话 {PHONE}"
