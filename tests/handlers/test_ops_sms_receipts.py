"""`python -m ops sms-receipts enable|check` against SNS (moto): the account's SMS settings for delivery status."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from ops.cli import main
from ops.commands import Ops

REGION = "us-east-1"


@pytest.fixture
def ops():
    with mock_aws():
        yield Ops({"SmsDeliveryStatusRole": "collections-SmsDeliveryStatusRole-ABC"}, boto3.Session(region_name=REGION))


def test_check_says_off_until_enabled_then_on(ops, capsys):
    assert main(["--stack", "s", "sms-receipts", "check"], ops=ops) == 0
    assert capsys.readouterr().out.startswith("SMS delivery receipts: off")
    assert main(["--stack", "s", "sms-receipts", "enable"], ops=ops) == 0
    assert capsys.readouterr().out.startswith("SMS delivery receipts: on (settings written)")
    attributes = ops.client("sns").get_sms_attributes()["attributes"]
    assert attributes["DeliveryStatusIAMRole"] == "arn:aws:iam::123456789012:role/collections-SmsDeliveryStatusRole-ABC"
    assert attributes["DeliveryStatusSuccessSamplingRate"] == "100"
    assert main(["--stack", "s", "--json", "sms-receipts", "check"], ops=ops) == 0
    assert '"receipts": "on"' in capsys.readouterr().out


def test_a_stack_without_the_role_is_told_to_deploy_first(capsys):
    with mock_aws():
        ops = Ops({}, boto3.Session(region_name=REGION))
        assert main(["--stack", "s", "sms-receipts", "enable"], ops=ops) == 2
    assert "has no SmsDeliveryStatusRole: deploy this version" in capsys.readouterr().err
