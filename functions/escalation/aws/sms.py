"""SMS through SNS: the only module that publishes text messages.

Provider errors are re-raised without their message, which can repeat the phone number:
the error's class name and code are what reach Step Functions' history and the logs.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from .clients import ProviderRefused, client

THROTTLE_CODES = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException"})
OPTED_OUT_CODES = frozenset({"OptedOut", "OptedOutException"})


class SmsThrottled(ProviderRefused):
    """The provider refused the send for rate (nothing was sent; the message returns to the outbox, retried later)."""


class SmsFailed(ProviderRefused):
    """The provider refused the send for another reason (nothing was sent)."""


class SmsOptedOut(ProviderRefused):
    """The provider refused the send: the number opted out of this account's texts (replied STOP)."""


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


def opted_out_numbers() -> list[str]:
    """Every number on the provider's opted-out list (SNS ListPhoneNumbersOptedOut, all pages)."""
    sns, numbers, token = client("sns"), [], None
    while True:
        try:
            page = sns.list_phone_numbers_opted_out(**({"nextToken": token} if token else {}))
        except ClientError as exc:
            raise _provider_error("ListPhoneNumbersOptedOut", exc) from None
        numbers += page.get("phoneNumbers", [])
        token = page.get("nextToken")
        if not token:
            return numbers


def _provider_error(operation: str, exc: ClientError) -> Exception:
    code = exc.response.get("Error", {}).get("Code", "Unknown")
    kind = SmsThrottled if code in THROTTLE_CODES else SmsOptedOut if code in OPTED_OUT_CODES else SmsFailed
    return kind(f"SNS {operation} refused: {code}")
