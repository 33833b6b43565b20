"""`python -m ops sms-receipts enable|check`: the account's SMS settings that make SNS log delivery status.

SNS writes a text's delivery status (the carrier's receipt) to CloudWatch Logs only when the account's SMS
settings name a role it may write with; the stack creates that role (SmsDeliveryStatusRole), the two log groups
and the receipt function subscribed to them, but CloudFormation has no resource for account-level SMS settings.
They are the account's and the region's, not the stack's: deleting the stack leaves them (and SNS then fails to
log, harmlessly), and two stacks in one account and region share them (the second deploys with
SmsDeliveryLogs=existing and subscribes to the same groups): point them at a stack that stays.

    enable   DeliveryStatusIAMRole = the stack's role, DeliveryStatusSuccessSamplingRate = 100 (every success;
             failures are always logged once a role is set)
    check    says whether they are so, and changes nothing

The local stack needs neither: its carrier hands receipts to the function itself (sim/local/carrier.py).
"""

from __future__ import annotations

from typing import Any

from .commands import Ops, OpsError

ROLE = "SmsDeliveryStatusRole"
SAMPLING = "100"


def _role_arn(ops: Ops) -> str:
    name = ops.resources.get(ROLE)
    if not name:
        raise OpsError(f"the stack has no {ROLE}: deploy this version of the template first")
    if name.startswith("arn:"):
        return name
    identity = ops.client("sts").get_caller_identity()
    partition = identity["Arn"].split(":")[1]
    return f"arn:{partition}:iam::{identity['Account']}:role/{name}"


def sms_receipts(ops: Ops, enable: bool) -> dict[str, Any]:
    if ops.endpoint_url:
        return {"receipts": "local", "note": "the local stack's carrier delivers receipts to the function itself: nothing to set"}
    role = _role_arn(ops)
    wanted = {"DeliveryStatusIAMRole": role, "DeliveryStatusSuccessSamplingRate": SAMPLING}
    sns = ops.client("sns")
    if enable:
        sns.set_sms_attributes(attributes=wanted)
    # Every setting, then ours: moto (5.2) answers a filtered request with only the first name asked for.
    found = sns.get_sms_attributes().get("attributes", {})
    current = {name: found.get(name) for name in wanted}
    on = all(current.get(k) == v for k, v in wanted.items())
    return {"receipts": "on" if on else "off", "role": role, "settings": current, "changed": enable}


def render(result: dict[str, Any]) -> str:
    if result["receipts"] == "local":
        return result["note"]
    head = f"SMS delivery receipts: {result['receipts']}" + (" (settings written)" if result["changed"] else "")
    lines = [head, f"  wanted role            {result['role']}"]
    lines += [f"  {name:<22} {value or '(not set)'}" for name, value in sorted(result["settings"].items())]
    if result["receipts"] == "off":
        lines.append("  run `sms-receipts enable` to have SNS log every delivery status for the receipt function")
    return "\n".join(lines)
