"""The reviewers' notification topic (SNS): the only module that publishes to it."""

from __future__ import annotations

import json

from .clients import client


def notify_reviewers(topic_arn: str, subject: str, body: dict) -> None:
    client("sns").publish(TopicArn=topic_arn, Subject=subject[:100], Message=json.dumps(body, default=str))
