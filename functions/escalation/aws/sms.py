"""SMS through SNS: the only module that publishes text messages.

Provider errors are re-raised without their message, which can repeat the phone number:
the error's class name and code are what reach Step Functions' history and the logs.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from .clients import ProviderRefused, client

THROTTLE_CODES = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException"})


class SmsThrottled(ProviderRefused):
    """The provider refused the send for rate (nothing was sent; the message returns to the outbox, retried later)."""


class SmsFailed(ProviderRefused):
    """The provider refused the send for another reason (nothing was sent)."""


def send_sms(phone: str, text: str, idempotency_key: str) -> str:
    """Publish one transactional SMS; returns the provider's message id."""
    try:
        response = client("sns").publish(
            PhoneNumber=phone,
            Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
    except ClientError as exc:
        raise _provider_error("Publish", exc) from None
    return response["MessageId"]


def opted_out(phone: str) -> bool:
    """SNS's own opt-out list (borrowers who replied STOP)."""
    try:
        return bool(client("sns").check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"])
    except ClientError as exc:
        raise _provider_error("CheckIfPhoneNumberIsOptedOut", exc) from None


def _provider_error(operation: str, exc: ClientError) -> Exception:
    code = exc.response.get("Error", {}).get("Code", "Unknown")
    kind = SmsThrottled if code in THROTTLE_CODES else SmsFailed
    return kind(f"SNS {operation} refused: {code}")
