"""SMS through SNS: the only module that publishes text messages."""

from __future__ import annotations

from .clients import client


def send_sms(phone: str, text: str, idempotency_key: str) -> str:
    """Publish one transactional SMS; returns the provider's message id."""
    response = client("sns").publish(
        PhoneNumber=phone,
        Message=text,
        MessageAttributes={
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        },
    )
    return response["MessageId"]


def opted_out(phone: str) -> bool:
    """SNS's own opt-out list (borrowers who replied STOP)."""
    return bool(client("sns").check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"])
