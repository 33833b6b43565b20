"""escalation.sqs_batch: Lambda's partial-batch response for the SQS consumers."""

import logging

from escalation.logs import make_logger
from escalation.sqs_batch import handle_batch


def records(*ids: str) -> dict:
    return {"Records": [{"messageId": i, "body": i} for i in ids]}


def test_only_the_messages_that_raised_are_returned_for_redelivery(caplog):
    def handle(record: dict) -> str:
        if record["body"] == "bad":
            raise ValueError("no")
        return record["body"].upper()

    with caplog.at_level(logging.ERROR):
        batch = handle_batch(records("a", "bad", "c"), handle, make_logger(service="test"))
    assert batch.response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert batch.results == ["A", None, "C"]  # every message was tried, in order


def test_a_clean_batch_returns_no_failures():
    batch = handle_batch(records("a", "b"), lambda r: r["body"], make_logger(service="test"))
    assert batch.response == {"batchItemFailures": []}
    assert batch.failed == []
