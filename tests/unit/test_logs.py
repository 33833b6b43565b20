"""escalation.logs: the functions' Powertools Logger masks phone numbers and names in every record."""

import io
import itertools
import json
import logging
import warnings

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from escalation.logs import MASK, MaskingFormatter, make_logger, mask_phone, mask_text

CN, CN_MASKED = "+8613800138000", "+86*****00"
US, US_MASKED = "+14155550123", "+1*****23"
DE, DE_MASKED = "+4930123456", "+49*****56"
_services = itertools.count()


@pytest.fixture(autouse=True)
def _info_level(monkeypatch):
    """Whatever log level earlier tests' stacks left in the environment, these records are INFO."""
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    monkeypatch.delenv("LOG_LEVEL", raising=False)


def logged(emit) -> tuple[dict, str]:
    """Run emit(logger) on a fresh service's logger; the one record it wrote, parsed and raw."""
    stream = io.StringIO()
    logger = make_logger(service=f"test-logs-{next(_services)}", stream=stream)
    emit(logger)
    raw = stream.getvalue().strip()
    assert raw.count("\n") == 0, raw
    return json.loads(raw), raw


def test_phone_at_top_level_keeps_country_code_and_last_two_digits():
    record, raw = logged(lambda log: log.info("sent", extra={"phone": CN, "to": US, "phone_number": DE}))
    assert (record["phone"], record["to"], record["phone_number"]) == (CN_MASKED, US_MASKED, DE_MASKED)
    assert CN not in raw and "13800138000" not in raw


def test_phone_nested_and_in_lists():
    account = {"account_id": "CN-0001", "phone": CN, "emergency_contacts": [US, DE], "contacts": [{"destination": CN}]}
    record, raw = logged(lambda log: log.info("account", extra={"account": account, "batch": [{"to": US}]}))
    assert record["account"] == {
        "account_id": "CN-0001",
        "phone": CN_MASKED,
        "emergency_contacts": [US_MASKED, DE_MASKED],
        "contacts": [{"destination": CN_MASKED}],
    }
    assert record["batch"] == [{"to": US_MASKED}]
    assert all(n not in raw for n in (CN, US, DE))


def test_names_and_other_personal_values_become_stars():
    record, _ = logged(
        lambda log: log.info(
            "who", extra={"borrower": {"name": "张三", "full_name": "Zhang San", "borrower_name": "Li Si", "from": "2026-03-01"}}
        )
    )
    assert record["borrower"] == {"name": MASK, "full_name": MASK, "borrower_name": MASK, "from": MASK}


def test_phone_in_the_message_string():
    record, raw = logged(lambda log: log.info(f"SMS to {CN}, copy to +1 (415) 555-0123 and {DE}."))
    assert record["message"] == f"SMS to {CN_MASKED}, copy to {US_MASKED} and {DE_MASKED}."
    assert "555-0123" not in raw


def test_phone_in_a_dict_message():
    record, _ = logged(lambda log: log.info({"event": {"account": {"phone": CN, "emergency_contacts": [US]}}}))
    assert record["message"] == {"event": {"account": {"phone": CN_MASKED, "emergency_contacts": [US_MASKED]}}}


def test_exception_message_and_stack_trace_are_masked():
    def emit(log):
        try:
            raise ValueError(f"provider refused {CN}: {{'phone': '13800138000', 'name': 'Zhang San', 'emergency_contacts': ['{US}']}}")
        except ValueError:
            log.exception("publish failed")

    record, raw = logged(emit)
    assert record["exception_name"] == "ValueError"
    assert f"provider refused {CN_MASKED}" in record["exception"]
    assert "'phone': '*****'" in record["exception"] and "'name': '*****'" in record["exception"]
    assert f"provider refused {CN_MASKED}" in record["stack_trace"]["value"]
    assert all(s not in raw for s in (CN, US, "13800138000", "4155550123", "Zhang San"))


def test_personal_keys_in_json_text_are_masked():
    body = json.dumps({"detail": {"account": {"phone": "13800138000", "name": "Zhang San", "balance": "12.50"}}})
    record, raw = logged(lambda log: log.warning("rejected", extra={"body": body}))
    assert json.loads(record["body"]) == {"detail": {"account": {"phone": MASK, "name": MASK, "balance": "12.50"}}}
    assert "13800138000" not in raw


def test_timestamps_amounts_and_ids_are_untouched():
    extra = {
        "as_of": "2026-03-01T10:00:00+08:00",
        "local_time": "2026-03-01T10:00:00+0800",
        "amount": "+1234567.89",
        "balance": 12345678.5,
        "account_id": "CN-0001",
        "run_id": "AsiaRun-20260301T0200",
        "key": "2026-03-01#sms#D+3",
        "message_id": "5f1c2b7e-1234-4cde-9abc-0123456789ab",
        "task_token": "AAAA+12345678/zz==",
        "long": "+12345678901234567",
        "epoch_ms": 1772330400000,
        "support_phone": "400-800-1234",
    }
    record, _ = logged(lambda log: log.info("run 2026-03-01T02:00:00Z paid 1234567.89 CNY", extra=extra))
    assert record["message"] == "run 2026-03-01T02:00:00Z paid 1234567.89 CNY"
    assert {k: record[k] for k in extra} == extra


def test_a_signed_integer_of_phone_length_is_masked_as_a_phone():
    # The trade-off of the second net: "+" and 7-15 digits, not part of a decimal, reads as a phone number.
    assert mask_text("delta +12345678") == "delta +1*****78"


def test_no_masking_warnings_for_missing_fields():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logged(lambda log: log.info("nothing personal", extra={"account_id": "CN-0001"}))
        logged(lambda log: log.info("one personal key", extra={"phone": CN}))
    assert [str(w.message) for w in caught] == []


def test_mask_phone():
    assert mask_phone(CN) == CN_MASKED
    assert mask_phone("+1 (415) 555-0123") == US_MASKED
    assert mask_phone("13800138000") == MASK  # no country code: nothing kept
    assert mask_phone("+99912") == MASK  # too short
    assert mask_phone("+8001234567") == "+800*****67"  # three-digit country code


def test_mask_text_leaves_a_masked_number_alone():
    assert mask_text(mask_text(f"call {CN}")) == f"call {CN_MASKED}"


def test_make_logger_masks_a_service_logger_set_up_without_masking():
    service = f"test-logs-{next(_services)}"
    stream = io.StringIO()
    plain = Logger(service=service, stream=stream)
    assert not isinstance(plain.registered_formatter, MaskingFormatter)
    make_logger(service=service).info("x", extra={"phone": CN})
    assert json.loads(stream.getvalue())["phone"] == CN_MASKED


def test_make_logger_refuses_a_formatter_that_does_not_mask():
    with pytest.raises(TypeError):
        make_logger(service=f"test-logs-{next(_services)}", logger_formatter=LambdaPowertoolsFormatter())


def test_records_are_masked_for_any_handler_with_the_formatter():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter())
    std = logging.getLogger(f"test-logs-std-{next(_services)}")
    std.addHandler(handler)
    std.warning("to %s", CN)
    assert json.loads(stream.getvalue())["message"] == f"to {CN_MASKED}"
