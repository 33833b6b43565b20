"""Least privilege and encryption, read from template.yaml (docs/SECURITY.md).

Each role's grants are compared with the table below, which is traced from the code: the handler,
the service function it calls and the escalation/aws/* calls those make. The contact log stays
append-only, no statement allows a wildcard action, every wildcard resource is the documented SNS
SMS exception, every store of data uses the stack's customer-managed key, and the bucket, queues
and topic refuse non-TLS requests. The last tests show that these checks fail on what they exist
to catch (a SAM CRUD policy, an update right on the audit log, a queue without the key).
"""

import copy
import re

import pytest

from sim.local import iam
from sim.local.template import ROOT, TEMPLATE, load_template, resources_of_type

KEY = "EncryptionKey"
SEAL_KEY = "OperatorSealKey"  # the HMAC key that seals the operators' events (escalation.aws.seal)
DECRYPT, DATA_KEY = ("kms:Decrypt", KEY), ("kms:GenerateDataKey", KEY)
ACCOUNTS_RW = {("dynamodb:GetItem", "AccountsTable"), ("dynamodb:UpdateItem", "AccountsTable")}
RECORD = ("dynamodb:PutItem", "ContactsTable")  # the audit record: conditional put of a new key
NUMBER = ("dynamodb:GetItem", "NumbersTable")  # the number's suppression record (numbers.status)
CLOSE_NUMBER = ("dynamodb:UpdateItem", "NumbersTable")  # a channel closed on a number (numbers.close)
REVIEW = "LegalReviewStateMachine"
STACK_LOOKUP = {(f"cloudformation:{call}", "AWS::StackId") for call in ("ListStackResources", "DescribeStacks")}  # the ops CLI
# The deployed lender configuration (configuration.deployed: AppConfig's data plane, through Powertools Parameters).
LENDER_CONFIG = {(f"appconfig:{call}", "LenderConfigProfile") for call in ("StartConfigurationSession", "GetLatestConfiguration")}
RUN_CONFIG = ("s3:GetObject", "ManifestBucket/runs/*/configuration.json")  # the run's copy (configuration.for_run)
# Step Functions' log delivery (vended logs) has no resource-level permissions: AWS requires Resource "*".
LOG_DELIVERY = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}

# Role -> what its code needs. Decrypt: any table, queue read, S3 read, and the functions' environment
# (Globals: KmsKeyArn); GenerateDataKey: sending to an encrypted queue or topic, writing to the bucket.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    # inbox.receive -> ingest: load/legal_token (GetItem), enroll (PutItem), save_event_fields (UpdateItem),
    # the number's record and its closures, legal_workflow.decide / end_withdrawn; rejected events -> work_queues.enqueue;
    # the applied event's audit entry (PutItem, in save_event_fields' transaction).
    "IngestEventsFunction": ACCOUNTS_RW
    | {
        ("dynamodb:PutItem", "AccountsTable"),
        RECORD,
        NUMBER,
        CLOSE_NUMBER,
        ("sqs:SendMessage", "RejectedEventsQueue"),
        ("sqs:SendMessage", "CallQueue"),  # a borrower's reply for an agent
        ("states:SendTaskSuccess", REVIEW),
        ("states:SendTaskFailure", REVIEW),
        ("kms:VerifyMac", SEAL_KEY),  # the operators' seal on a collections.ops event
        DECRYPT,
        DATA_KEY,
    }
    | LENDER_CONFIG,
    # runs.plan: the configuration in force (copied to the run), due_account_ids (Query on the due index), the manifest.
    "PlanRunFunction": LENDER_CONFIG
    | {
        ("dynamodb:Query", "AccountsTable/index/due"),
        ("s3:PutObject", "ManifestBucket/runs/*/manifest.json"),
        ("s3:PutObject", "ManifestBucket/runs/*/configuration.json"),
        ("s3:GetObject", "ManifestBucket/state/due-shards.json"),
        ("s3:PutObject", "ManifestBucket/state/due-shards.json"),
        ("s3:ListBucket", "ManifestBucket"),  # so that a missing state object is a 404, not a 403
        DECRYPT,
        DATA_KEY,
    },
    # runs.assess: load_many and the numbers' records (numbers.attach), recover_stale_claims (record + a legal review
    # started again), the calendar (save_event_fields), tend_review (legal_token, heartbeat, ReviewExpired, an approval
    # handed over), reschedule, the SMS outbox (sms_outbox.post: SendMessageBatch), the batch summary.
    "AssessAccountsFunction": ACCOUNTS_RW
    | {
        ("dynamodb:BatchGetItem", "AccountsTable"),
        ("dynamodb:BatchGetItem", "NumbersTable"),
        NUMBER,
        RECORD,
        ("sqs:SendMessage", "SmsOutbox"),
        ("sqs:SendMessage", "CallQueue"),  # queued.claim_and_queue: the claimed calls and visits (SendMessageBatch)
        ("sqs:SendMessage", "VisitQueue"),
        ("s3:PutObject", "ManifestBucket/runs/*/batches/*"),
        RUN_CONFIG,
        ("states:StartExecution", REVIEW),
        ("states:SendTaskHeartbeat", REVIEW),
        ("states:SendTaskFailure", REVIEW),
        ("states:SendTaskSuccess", REVIEW),
        DECRYPT,
        DATA_KEY,
    },
    # texting.send_texts: the batch's accounts and numbers (BatchGetItem), claims and records (TransactWriteItems:
    # UpdateItem + PutItem); dispatch's one-at-a-time path: claim/release (UpdateItem), why a claim was refused
    # (GetItem), the number's record; sms.send_sms, and a number SNS refuses as opted out closed.
    # Reading the send queue is the SQS event source's (SAM adds its poller policy); the outbox is the releaser's.
    "SendSmsFunction": ACCOUNTS_RW
    | {
        ("dynamodb:BatchGetItem", "AccountsTable"),
        ("dynamodb:BatchGetItem", "NumbersTable"),
        RECORD,
        NUMBER,
        CLOSE_NUMBER,
        RUN_CONFIG,
        ("sns:Publish", "*"),
        DECRYPT,
    },
    "RequestLegalReviewFunction": ACCOUNTS_RW | {RECORD, NUMBER, RUN_CONFIG, ("states:StartExecution", REVIEW), DECRYPT},
    # queued.record_queued: the batch's accounts, their claims completed and the entries appended (TransactWriteItems).
    "RecordOutcomesFunction": {
        ("s3:PutObject", "ManifestBucket/runs/*/outcomes/*"),
        ("dynamodb:BatchGetItem", "AccountsTable"),
        ("dynamodb:UpdateItem", "AccountsTable"),
        RECORD,
        RUN_CONFIG,
        DECRYPT,
        DATA_KEY,
    },
    "SummarizeRunFunction": {
        ("s3:ListBucket", "ManifestBucket"),
        ("s3:GetObject", "ManifestBucket/runs/*/batches/*"),
        ("s3:GetObject", "ManifestBucket/runs/*/outcomes/*"),
        ("s3:PutObject", "ManifestBucket/runs/*/report.json"),
        DECRYPT,
        DATA_KEY,
    },
    # legal.await_decision: set_legal_token, notify_reviewers.
    "AwaitLegalDecisionFunction": {("dynamodb:UpdateItem", "AccountsTable"), ("sns:Publish", "ReviewerTopic"), DECRYPT, DATA_KEY},
    # legal.refer: load, claim, enqueue the referral, record, save_event_fields.
    "ReferToLegalFunction": ACCOUNTS_RW | LENDER_CONFIG | {RECORD, NUMBER, ("sqs:SendMessage", "LegalReferralQueue"), DECRYPT, DATA_KEY},
    "ReturnToLadderFunction": ACCOUNTS_RW | LENDER_CONFIG | {NUMBER, DECRYPT},
    # AppConfig's validator of a configuration version: it reads only the document it is given.
    "ValidateConfigurationFunction": {DECRYPT},
    # optouts.sync: the provider's opted-out list, which numbers are closed already, close the others.
    "SyncOptOutsFunction": {("sns:ListPhoneNumbersOptedOut", "*"), ("dynamodb:BatchGetItem", "NumbersTable"), CLOSE_NUMBER, DECRYPT},
    # Not ours: SNS assumes it to write SMS delivery status to the two groups the receipts function is subscribed to.
    "SmsDeliveryStatusRole": {
        (action, group)
        for action in ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
        for group in ("SmsDeliveryLogGroup", "SmsDeliveryFailureLogGroup")
    },
    # operator_commands.commands: the account a command is about, then the command on the bus as collections.ops.
    "OperatorCommandsFunction": {
        ("dynamodb:GetItem", "AccountsTable"),
        ("events:PutEvents", "BorrowerEventBus"),
        ("kms:GenerateMac", SEAL_KEY),
        DECRYPT,
    },
    # People (issue 19): reviewers read what they decide and decide through OperatorCommandsFunction's URL, nothing else.
    "ReviewerRole": STACK_LOOKUP
    | {
        ("states:ListExecutions", REVIEW),
        ("states:DescribeExecution", f"{REVIEW}:execution:*"),
        ("dynamodb:GetItem", "AccountsTable"),
        ("lambda:InvokeFunctionUrl", "OperatorCommandsFunction"),
        ("lambda:InvokeFunction", "OperatorCommandsFunction"),  # only via the URL (test_people_reach_...)
        DECRYPT,
    },
    # Operators: read accounts, their audit entries and the runs; start, redrive runs (ops smoke, runs redrive); the rest
    # through OperatorCommandsFunction. No write to any table or queue, nothing on the bus, no delete anywhere.
    "OperatorRole": STACK_LOOKUP
    | {
        ("dynamodb:GetItem", "AccountsTable"),
        NUMBER,
        ("dynamodb:Query", "ContactsTable"),
        ("s3:ListBucket", "AuditArchiveBucket"),
        ("s3:GetObject", "AuditArchiveBucket/audit/*"),
        ("s3:GetObject", "ManifestBucket/runs/*"),
        ("states:ListExecutions", "DailyRunStateMachine"),
        ("states:StartExecution", "DailyRunStateMachine"),
        ("states:DescribeExecution", "DailyRunStateMachine:execution:*"),
        ("states:RedriveExecution", "DailyRunStateMachine:execution:*"),
        ("lambda:InvokeFunctionUrl", "OperatorCommandsFunction"),
        ("lambda:InvokeFunction", "OperatorCommandsFunction"),
        DECRYPT,
    },
    # inbound.forward: the accounts that carry the replying number, one sms_reply event each on the bus.
    "ForwardRepliesFunction": {
        ("dynamodb:Query", "AccountsTable/index/by_phone"),
        ("events:PutEvents", "BorrowerEventBus"),
        ("sqs:SendMessage", "RejectedEventsQueue"),  # a text from an unknown number, a malformed one
        CLOSE_NUMBER,  # a STOP from a number no account carries
        DECRYPT,
        DATA_KEY,
    },
    # receipts.record_receipts: the text by message id (the keys-only index), the receipt's entry, the account's
    # profile and zone, the number's failure streak and closure.
    "RecordDeliveryReceiptsFunction": {
        ("dynamodb:Query", "ContactsTable/index/by_sms_message_id"),
        RECORD,
        ("dynamodb:GetItem", "AccountsTable"),
        CLOSE_NUMBER,
        ("sqs:SendMessage", "RejectedEventsQueue"),  # a receipt about no text we sent, a malformed one
        DECRYPT,
        DATA_KEY,
    },
    "DailyRunStateMachine": {
        *(
            ("lambda:InvokeFunction", f)
            for f in (
                "SyncOptOutsFunction",
                "PlanRunFunction",
                "AssessAccountsFunction",
                "RequestLegalReviewFunction",
                "SummarizeRunFunction",
                "RecordOutcomesFunction",
            )
        ),
        ("s3:GetObject", "ManifestBucket/runs/*/manifest.json"),  # the Distributed Map's ItemReader
        DECRYPT,
        *((a, "*") for a in sorted(LOG_DELIVERY)),
        *(
            (a, r)
            for a in ("states:StartExecution", "states:DescribeExecution", "states:StopExecution")
            for r in ("DailyRunStateMachine", "DailyRunStateMachine:execution:*")
        ),
    },
    "LegalReviewStateMachine": {
        *(("lambda:InvokeFunction", f) for f in ("AwaitLegalDecisionFunction", "ReferToLegalFunction", "ReturnToLadderFunction")),
        *((a, "*") for a in sorted(LOG_DELIVERY)),
    },
    "DailyRunScheduleRole": {("states:StartExecution", "DailyRunStateMachine"), ("sqs:SendMessage", "ScheduleDLQ"), DECRYPT, DATA_KEY},
    # archive.archive: one object per group of a stream batch, with its Object Lock retention (PutObject with lock headers
    # is authorized as PutObject and PutObjectRetention); the stream's on-failure destination. Reading the stream is the
    # event source's (SAM adds AWSLambdaDynamoDBExecutionRole). No read, no delete.
    "ArchiveAuditFunction": {
        ("s3:PutObject", "AuditArchiveBucket/audit/*"),
        ("s3:PutObjectRetention", "AuditArchiveBucket/audit/*"),
        ("sqs:SendMessage", "AuditArchiveDLQ"),
        DECRYPT,
        DATA_KEY,
    },
    # release.release: take texts off the outbox (sms_send_queue.receive / delete), post them delayed to the send queue.
    "ReleaseTextsFunction": {
        ("sqs:ReceiveMessage", "SmsOutbox"),
        ("sqs:DeleteMessage", "SmsOutbox"),
        ("sqs:SendMessage", "SmsSendQueue"),
        DECRYPT,
        DATA_KEY,
    },
    # The release schedule (every minute): invoke the releaser; an invocation it could not make goes to ScheduleDLQ.
    "ReleaseTextsScheduleRole": {("lambda:InvokeFunction", "ReleaseTextsFunction"), ("sqs:SendMessage", "ScheduleDLQ"), DECRYPT, DATA_KEY},
}

# Where AWS itself requires Resource "*": an SMS to a phone number and the account's opted-out list have no ARN; log delivery.
WILDCARD_RESOURCE_ALLOWED = {
    "SendSmsFunction": {"sns:Publish"},
    "SyncOptOutsFunction": {"sns:ListPhoneNumbersOptedOut"},
    "DailyRunStateMachine": LOG_DELIVERY,
    "LegalReviewStateMachine": LOG_DELIVERY,
}
# No role may change or remove an audit record, or the table itself.
CONTACT_LOG_FORBIDDEN = {
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:RestoreTableFromBackup",
}


@pytest.fixture(scope="module")
def template():
    return load_template()


# ---------------------------------------------------------------------- the checks, as functions (so they can be shown to fail)
def grant_differences(template) -> dict[str, dict[str, set]]:
    out = {}
    for role in set(iam.roles(template)) | set(EXPECTED):
        granted = iam.grants(template, role) if role in template["Resources"] else set()
        expected = EXPECTED.get(role, set())
        if granted != expected:
            out[role] = {"extra": granted - expected, "missing": expected - granted}
    return out


def contact_log_violations(template) -> list[tuple[str, str, str]]:
    found = []
    for role in iam.roles(template):
        for action, resource in iam.grants(template, role):
            on_log = resource == "*" or resource.split("/", 1)[0] == "ContactsTable"
            # The granted action may itself be a pattern (dynamodb:*): it matches a forbidden one.
            if on_log and any(iam.allows({(action, "*")}, forbidden, "*") for forbidden in CONTACT_LOG_FORBIDDEN):
                found.append((role, action, resource))
    return found


def wildcard_actions(template) -> list[tuple[str, str]]:
    """Allow statements whose actions use a wildcard, except the key policy's account-root statement."""
    found = []
    for owner, statement in iam.all_allow_statements(template):
        if owner in (KEY, SEAL_KEY) and statement.get("Sid") == "AccountAdministersTheKeyThroughIam":
            continue
        found += [(owner, a) for a in iam._listed(statement["Action"]) if "*" in a]
    return found


def wildcard_resources(template) -> list[tuple[str, str]]:
    """Role grants on Resource "*" outside the allow-list."""
    return [
        (role, action)
        for role in iam.roles(template)
        for action, resource in iam.grants(template, role)
        if resource == "*" and action not in WILDCARD_RESOURCE_ALLOWED.get(role, set())
    ]


def unencrypted(template) -> list[str]:
    """Stores of data not encrypted with the stack's key."""

    def is_key(value) -> bool:
        return value in ({"Ref": KEY}, {"Fn::GetAtt": [KEY, "Arn"]})

    bad = []
    for name, table in resources_of_type(template, "AWS::DynamoDB::Table").items():
        sse = table["Properties"].get("SSESpecification", {})
        if not (sse.get("SSEEnabled") is True and sse.get("SSEType") == "KMS" and is_key(sse.get("KMSMasterKeyId"))):
            bad.append(name)
    for kind in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        for name, resource in resources_of_type(template, kind).items():
            props = resource.get("Properties", {})
            if not is_key(props.get("KmsMasterKeyId")) or "SqsManagedSseEnabled" in props:
                bad.append(name)
    for name, bucket in resources_of_type(template, "AWS::S3::Bucket").items():
        rules = bucket["Properties"].get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        ok = rules and all(
            r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
            and is_key(r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID"))
            and r.get("BucketKeyEnabled") is True
            for r in rules
        )
        if not ok:
            bad.append(name)
    if not is_key(template["Globals"]["Function"].get("KmsKeyArn")):
        bad.append("Globals.Function.KmsKeyArn")
    return bad


# ---------------------------------------------------------------------- IAM
def test_every_role_is_allowed_exactly_what_its_code_calls(template):
    assert grant_differences(template) == {}


def test_no_sam_policy_templates_hide_broader_rights(template):
    # DynamoDBCrudPolicy allows Scan and DeleteItem, SQSSendMessagePolicy sqs:SendMessage*, S3WritePolicy
    # PutObjectAcl and PutLifecycleConfiguration: every statement is written out instead.
    assert iam.policy_templates(template) == {}


def test_the_contact_log_is_append_only(template):
    assert contact_log_violations(template) == []
    writers = {role for role in iam.roles(template) if RECORD in iam.grants(template, role)}
    assert writers == {
        "IngestEventsFunction",  # the applied events' entries
        "RecordDeliveryReceiptsFunction",  # delivery receipts' entries
        "AssessAccountsFunction",
        "SendSmsFunction",
        "RecordOutcomesFunction",  # the calls and visits the daily run's branches queued
        "RequestLegalReviewFunction",
        "ReferToLegalFunction",
    }
    on_log = {a for role in iam.roles(template) for a, r in iam.grants(template, role) if r.startswith("ContactsTable")}
    # No function reads it either (the daily run never does), but for the receipts' Query of the sparse index of
    # SNS message ids; and people: operators read an account's entries (ops timeline).
    assert on_log == {"dynamodb:PutItem", "dynamodb:Query"}
    readers = {
        (role, r)
        for role in iam.roles(template)
        for a, r in iam.grants(template, role)
        if a == "dynamodb:Query" and r.startswith("ContactsTable")
    }
    assert readers == {("RecordDeliveryReceiptsFunction", "ContactsTable/index/by_sms_message_id"), ("OperatorRole", "ContactsTable")}


def test_no_wildcard_actions(template):
    assert wildcard_actions(template) == []


def test_wildcard_resources_only_where_aws_requires_them_each_with_its_reason(template):
    assert wildcard_resources(template) == []
    # Every Resource "*" of the template carries a comment just above it (the statement's reason).
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        if re.search(r'Resource:\s*"\*"', line):
            above = lines[max(0, n - 8) : n]
            assert any(line_above.strip().startswith("#") for line_above in above), f'template.yaml:{n + 1}: Resource "*" without a comment'


def test_state_machines_use_no_role_sam_would_generate_from_an_event(template):
    # ScheduleV2 events name DailyRunScheduleRole; without RoleArn SAM generates a role the key policy knows nothing of.
    for machine in resources_of_type(template, "AWS::Serverless::StateMachine").values():
        for event in machine["Properties"].get("Events", {}).values():
            assert event["Properties"].get("RoleArn") == {"Fn::GetAtt": ["DailyRunScheduleRole", "Arn"]}
    # The same for the functions' schedules (the SMS release): each names its own role.
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "ScheduleV2":
                assert event["Properties"].get("RoleArn") == {"Fn::GetAtt": [f"{name.removesuffix('Function')}ScheduleRole", "Arn"]}
    for schedule_role in ("DailyRunScheduleRole", "ReleaseTextsScheduleRole"):
        role = template["Resources"][schedule_role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert role == [
            {
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            }
        ], schedule_role


def test_only_the_releaser_reads_the_sms_outbox_and_only_the_senders_poll_the_send_queue(template):
    readers = {role for role in iam.roles(template) for a, r in iam.grants(template, role) if r == "SmsOutbox" and a != "sqs:SendMessage"}
    assert readers == {"ReleaseTextsFunction"}
    polled = {
        name: event["Properties"]["Queue"]
        for name, function in resources_of_type(template, "AWS::Serverless::Function").items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS" and "Sms" in event["Properties"]["Queue"]["Fn::GetAtt"][0]
    }
    assert polled == {"SendSmsFunction": {"Fn::GetAtt": ["SmsSendQueue", "Arn"]}}


def test_roles_may_use_the_key_only_to_decrypt_and_generate_data_keys(template):
    """And the seal key: only the operators' path makes seals, only the ingest verifies them."""
    seals = {(role, a) for role in iam.roles(template) for a, r in iam.grants(template, role) if r == SEAL_KEY}
    assert seals == {("OperatorCommandsFunction", "kms:GenerateMac"), ("IngestEventsFunction", "kms:VerifyMac")}
    for role in iam.roles(template):
        kms = {(a, r) for a, r in iam.grants(template, role) if a.startswith("kms:") and r != SEAL_KEY}
        assert kms <= {DECRYPT, DATA_KEY}, role
    for function in resources_of_type(template, "AWS::Serverless::Function"):
        assert DECRYPT in iam.grants(template, function), f"{function}: its environment is encrypted with the key"


# ---------------------------------------------------------------------- encryption and storage
def test_every_store_of_data_uses_the_customer_managed_key(template):
    assert unencrypted(template) == []


def test_the_key_rotates_has_an_alias_and_trusts_only_the_account_eventbridge_and_alarms(template):
    key = template["Resources"][KEY]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    aliases = resources_of_type(template, "AWS::KMS::Alias")
    assert [a["Properties"]["TargetKeyId"] for a in aliases.values()] == [{"Ref": KEY}]
    principals = [s["Principal"] for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert principals == [
        {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
        {"Service": "events.amazonaws.com"},
        {"Service": "cloudwatch.amazonaws.com"},
        {"Service": "sms-voice.amazonaws.com"},
        {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}},
        {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}},
    ]
    events = key["Properties"]["KeyPolicy"]["Statement"][1]
    assert events["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    # Only data keys bound to this stack's queues / topics (the encryption context SQS and SNS send, checked by KMS).
    assert list(events["Condition"]["StringLike"]) == ["kms:EncryptionContext:aws:sqs:arn"]
    assert events["Condition"]["StringLike"]["kms:EncryptionContext:aws:sqs:arn"]["Fn::Sub"].endswith(":${AWS::StackName}-*")
    alarms = key["Properties"]["KeyPolicy"]["Statement"][2]
    assert alarms["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert list(alarms["Condition"]["StringLike"]) == ["kms:EncryptionContext:aws:sns:topicArn"]
    two_way = key["Properties"]["KeyPolicy"]["Statement"][3]
    assert list(two_way["Condition"]["StringLike"]) == ["kms:EncryptionContext:aws:sns:topicArn"]
    logs = key["Properties"]["KeyPolicy"]["Statement"][4]  # only SNS's SMS delivery-status groups
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]["Fn::Sub"].endswith("/DirectPublishToPhoneNumber*")
    function_logs = key["Properties"]["KeyPolicy"]["Statement"][5]  # only the functions' own groups
    assert function_logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]["Fn::Sub"].endswith(
        ":log-group:/aws/lambda/${AWS::StackName}/*"
    )


def test_every_function_logs_to_its_own_group_that_expires_and_is_encrypted(template):
    """Not the group Lambda would create on first use, which keeps logs forever, unencrypted by the stack's key."""
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    for name in resources_of_type(template, "AWS::Serverless::Function"):
        own = name.removesuffix("Function") + "Logs"
        assert template["Resources"][name]["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": own}}, name
        props = groups[own]["Properties"]
        assert props["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}/" + own.removesuffix("Logs")}
        assert (props["RetentionInDays"], props["KmsKeyId"]) == ({"Ref": "LogRetentionDays"}, {"Fn::GetAtt": [KEY, "Arn"]}), name


def test_point_in_time_recovery_on_both_tables(template):
    for name, table in resources_of_type(template, "AWS::DynamoDB::Table").items():
        pitr = table["Properties"]["PointInTimeRecoverySpecification"]
        assert pitr == {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 35}, name
        assert table["Properties"]["DeletionProtectionEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_the_bucket_blocks_public_access_expires_run_files_and_denies_non_tls(template):
    bucket = template["Resources"]["ManifestBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] <= 400
    policy = template["Resources"]["ManifestBucketPolicy"]
    assert policy["Properties"]["Bucket"] == {"Ref": "ManifestBucket"}
    assert_denies_non_tls(policy["Properties"]["PolicyDocument"], "s3:*")
    policies = {p["Properties"]["Bucket"]["Ref"] for p in resources_of_type(template, "AWS::S3::BucketPolicy").values()}
    assert policies == set(resources_of_type(template, "AWS::S3::Bucket")), "every bucket has its policy"


# ---------------------------------------------------------------------- the audit archive
ARCHIVE = "AuditArchiveBucket"
DELETES = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket", "s3:BypassGovernanceRetention", "s3:PutLifecycleConfiguration")


OPERATORS_READ = {("OperatorRole", "s3:ListBucket"), ("OperatorRole", "s3:GetObject")}


def archive_violations(template) -> list[tuple[str, str, str]]:
    """Grants that could delete, overwrite the retention of, or read the archive's objects other than the archive's own put
    and the operators' reads (ops timeline --since: s3:ListBucket and s3:GetObject, nothing else)."""
    found = []
    for role in iam.roles(template):
        for action, resource in iam.grants(template, role):
            if resource != "*" and resource.split("/", 1)[0] != ARCHIVE:
                continue
            if any(iam.allows({(action, "*")}, forbidden, "*") for forbidden in DELETES):
                found.append((role, action, resource))
            elif action.startswith("s3:") and role != "ArchiveAuditFunction" and (role, action) not in OPERATORS_READ:
                found.append((role, action, resource))
    return found


def test_the_archive_is_locked_in_compliance_mode_versioned_retained_and_encrypted(template):
    bucket = template["Resources"][ARCHIVE]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert props["ObjectLockEnabled"] is True
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    # The floor for anything put without a retention of its own: the shortest profile's years, compliance mode.
    from escalation.domain.profiles import PROFILES

    default = props["ObjectLockConfiguration"]
    assert default == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": min(p.retention_years for p in PROFILES.values())}},
    }
    manifests = template["Resources"]["ManifestBucket"]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == manifests["PublicAccessBlockConfiguration"]  # all four blocks on
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}]
    assert not {k for k in rule if "Expiration" in k}, "nothing expires archived entries: their locks say how long"


def test_nobody_may_delete_or_overwrite_archived_entries(template):
    assert archive_violations(template) == []
    writers = {
        role
        for role in iam.roles(template)
        for a, r in iam.grants(template, role)
        if r.startswith(ARCHIVE) and (role, a) not in OPERATORS_READ
    }
    assert writers == {"ArchiveAuditFunction"}
    document = template["Resources"]["AuditArchiveBucketPolicy"]["Properties"]["PolicyDocument"]
    assert_denies_non_tls(document, "s3:*")
    statements = {s.get("Sid"): s for s in document["Statement"]}
    deletes = statements["DenyDeletingArchivedEntries"]
    assert (deletes["Effect"], deletes["Principal"]) == ("Deny", "*") and "Condition" not in deletes
    assert set(iam._listed(deletes["Action"])) == {"s3:DeleteObject", "s3:DeleteObjectVersion"}
    overwrites = statements["DenyOverwritingArchivedEntries"]
    assert (overwrites["Effect"], overwrites["Principal"], overwrites["Action"]) == ("Deny", "*", "s3:PutObject")
    assert overwrites["Condition"] == {"Null": {"s3:if-none-match": "true"}}  # a put without If-None-Match
    assert not [s for s in document["Statement"] if s["Effect"] == "Allow"]


def test_the_archive_is_fed_in_batches_from_the_contacts_table_stream(template):
    assert template["Resources"]["ContactsTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    (source,) = template["Resources"]["ArchiveAuditFunction"]["Properties"]["Events"].values()
    assert source["Type"] == "DynamoDB"
    props = source["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["ContactsTable", "StreamArn"]}
    assert (props["BatchSize"], props["StartingPosition"], props["BisectBatchOnFunctionError"]) == (1000, "TRIM_HORIZON", True)
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": ["AuditArchiveDLQ", "Arn"]}}}
    # The table keeps entries for AuditTableDays only: longer than any decision's look back (a redelivered event: 30 days).
    days = template["Parameters"]["AuditTableDays"]
    assert days["MinValue"] > 30 and days["Default"] >= days["MinValue"]
    assert template["Globals"]["Function"]["Environment"]["Variables"]["AUDIT_TABLE_DAYS"] == {"Ref": "AuditTableDays"}


def test_the_archive_checks_fail_on_a_delete_right_or_a_second_writer(template):
    broad = copy.deepcopy(template)
    statements = broad["Resources"]["PlanRunFunction"]["Properties"]["Policies"][0]["Statement"]
    statements.append({"Effect": "Allow", "Action": "s3:DeleteObject*", "Resource": {"Fn::Sub": "${AuditArchiveBucket.Arn}/*"}})
    assert ("PlanRunFunction", "s3:DeleteObject*", "AuditArchiveBucket/*") in archive_violations(broad)
    own = copy.deepcopy(template)
    own["Resources"]["ArchiveAuditFunction"]["Properties"]["Policies"][0]["Statement"][0]["Action"].append("s3:DeleteObjectVersion")
    assert ("ArchiveAuditFunction", "s3:DeleteObjectVersion", "AuditArchiveBucket/audit/*") in archive_violations(own)


def test_every_queue_and_topic_denies_non_tls(template):
    covered: set[str] = set()
    for policy in resources_of_type(template, "AWS::SQS::QueuePolicy").values():
        assert_denies_non_tls(policy["Properties"]["PolicyDocument"], "sqs:*")
        queues = {q["Ref"] for q in policy["Properties"]["Queues"]}
        deny = next(s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny")
        assert {r["Fn::GetAtt"][0] for r in deny["Resource"]} == queues
        assert not covered & queues, "one queue policy per queue (a second would replace the first)"
        covered |= queues
    assert covered == set(resources_of_type(template, "AWS::SQS::Queue"))
    topics = {t["Ref"] for p in resources_of_type(template, "AWS::SNS::TopicPolicy").values() for t in p["Properties"]["Topics"]}
    assert topics == set(resources_of_type(template, "AWS::SNS::Topic"))
    for policy in resources_of_type(template, "AWS::SNS::TopicPolicy").values():
        assert_denies_non_tls(policy["Properties"]["PolicyDocument"], "sns:Publish")


def assert_denies_non_tls(document: dict, action: str) -> None:
    denies = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    assert any(
        s["Principal"] == "*" and action in iam._listed(s["Action"]) and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in denies
    ), document


# ---------------------------------------------------------------------- inputs and scanners
def test_the_bus_rule_accepts_only_the_expected_sources(template):
    (rule,) = resources_of_type(template, "AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"]["source"] == ["lender.core", "collections.ops", "sms.inbound"]


ACCOUNT_ROOT = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
ANY_OF_THE_ACCOUNT = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:*"}


def bus_statements(template) -> dict[str, dict]:
    policies = resources_of_type(template, "AWS::Events::EventBusPolicy")
    for policy in policies.values():
        assert policy["Properties"]["EventBusName"] == {"Ref": "BorrowerEventBus"}
        statement = policy["Properties"]["Statement"]
        assert statement["Action"] == "events:PutEvents" and statement["Resource"] == {"Fn::GetAtt": ["BorrowerEventBus", "Arn"]}
    return {p["Properties"]["StatementId"]: p["Properties"]["Statement"] for p in policies.values()}


def test_the_bus_policy_binds_each_source_to_its_sender(template):
    """Issue 19: lender.core only from CoreSystemPrincipalArn (empty: the account), collections.ops only from
    OperatorCommandsFunction's role (the people's authenticated path), sms.inbound only from the forwarder's role,
    no other source at all."""
    core = {"Fn::If": ["HasCoreSystemPrincipal", {"Ref": "CoreSystemPrincipalArn"}, ACCOUNT_ROOT]}
    assert bus_statements(template) == {
        "core-system-puts-lender-core": {
            "Effect": "Allow", "Principal": {"AWS": core}, "Action": "events:PutEvents",
            "Resource": {"Fn::GetAtt": ["BorrowerEventBus", "Arn"]},
            "Condition": {"ForAllValues:StringEquals": {"events:source": ["lender.core"]}},
        },
        "only-the-core-system-puts-lender-core": {
            "Effect": "Deny", "Principal": "*", "Action": "events:PutEvents", "Resource": {"Fn::GetAtt": ["BorrowerEventBus", "Arn"]},
            "Condition": {
                "ForAnyValue:StringEquals": {"events:source": ["lender.core"]},
                "ArnNotLike": {"aws:PrincipalArn": {"Fn::If": ["HasCoreSystemPrincipal", core["Fn::If"][1], ANY_OF_THE_ACCOUNT]}},
            },
        },
        "only-operator-commands-puts-collections-ops": {
            "Effect": "Deny", "Principal": "*", "Action": "events:PutEvents", "Resource": {"Fn::GetAtt": ["BorrowerEventBus", "Arn"]},
            "Condition": {
                "ForAnyValue:StringEquals": {"events:source": ["collections.ops"]},
                "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["OperatorCommandsFunctionRole", "Arn"]}},
            },
        },
        "only-the-forwarder-puts-sms-inbound": {
            "Effect": "Deny", "Principal": "*", "Action": "events:PutEvents", "Resource": {"Fn::GetAtt": ["BorrowerEventBus", "Arn"]},
            "Condition": {
                "ForAnyValue:StringEquals": {"events:source": ["sms.inbound"]},
                "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["ForwardRepliesFunctionRole", "Arn"]}},
            },
        },
        "no-other-sources": {
            "Effect": "Deny", "Principal": "*", "Action": "events:PutEvents", "Resource": {"Fn::GetAtt": ["BorrowerEventBus", "Arn"]},
            "Condition": {"ForAnyValue:StringNotEquals": {"events:source": ["lender.core", "collections.ops", "sms.inbound"]}},
        },
    }  # fmt: skip
    # The sources the Denies name are the ones the rule routes, and the ones the product's code puts.
    from escalation.contract import INBOUND_SOURCE, OPS_SOURCE, SOURCE

    (rule,) = resources_of_type(template, "AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"]["source"] == [SOURCE, OPS_SOURCE, INBOUND_SOURCE]
    # The roles that put events at all: the forwarder's (sms.inbound) and the operators' path's (collections.ops).
    putters = {role for role in iam.roles(template) if any(a == "events:PutEvents" for a, _ in iam.grants(template, role))}
    assert putters == {"ForwardRepliesFunction", "OperatorCommandsFunction"}


def test_the_core_system_parameter_defaults_to_the_account_and_takes_only_an_iam_arn(template):
    parameter = template["Parameters"]["CoreSystemPrincipalArn"]
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("arn:aws:iam::123456789012:role/lender-core")
    assert pattern.fullmatch("arn:aws-cn:iam::123456789012:role/path/ops")
    for wrong in ("*", "123456789012", "arn:aws:iam::123456789012:root"):  # the root would deny every role of the account
        assert not pattern.fullmatch(wrong)


def test_people_reach_the_operators_path_signed_and_as_themselves(template):
    """Issue 19: the function URL takes AWS_IAM only; reviewers and operators are roles a person of this account assumes
    with MFA and under their own user name (the session name four eyes counts); the function knows both roles by name."""
    function = template["Resources"]["OperatorCommandsFunction"]["Properties"]
    assert function["FunctionUrlConfig"] == {"AuthType": "AWS_IAM"}
    assert function["Environment"]["Variables"]["REVIEWER_ROLES"] == {
        "Fn::Join": [" ", [{"Ref": "ReviewerRole"}, {"Ref": "ExtraReviewerRoles"}]]
    }
    assert function["Environment"]["Variables"]["OPERATOR_ROLES"] == {
        "Fn::Join": [" ", [{"Ref": "OperatorRole"}, {"Ref": "ExtraOperatorRoles"}]]
    }
    for role in ("ReviewerRole", "OperatorRole"):
        [trust] = template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"AWS": ACCOUNT_ROOT} and trust["Action"] == "sts:AssumeRole"
        assert trust["Condition"] == {
            "Bool": {"aws:MultiFactorAuthPresent": "true"},
            "StringEquals": {"sts:RoleSessionName": "${aws:username}"},
        }
        [invoke] = [s for s in iam.statements(template, role) if s["Action"] == "lambda:InvokeFunctionUrl"]
        assert invoke["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}
        # Since October 2025 a function URL also needs lambda:InvokeFunction: granted only via the URL, never directly.
        [direct] = [s for s in iam.statements(template, role) if s["Action"] == "lambda:InvokeFunction"]
        assert direct["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    for parameter in ("ExtraReviewerRoles", "ExtraOperatorRoles"):
        pattern = re.compile(template["Parameters"][parameter]["AllowedPattern"])
        assert pattern.fullmatch("") and pattern.fullmatch("AWSReservedSSO_Reviewer_0123abcd LegalTeam")
        assert not pattern.fullmatch("arn:aws:iam::123456789012:role/x")


def test_every_checkov_suppression_names_a_check_and_gives_a_reason(template):
    skips = [(name, skip) for name, r in template["Resources"].items() for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert skips, "the scan's suppressions live in the resources' Metadata"
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (name, skip)
        assert len(skip.get("comment", "")) >= 40, (name, skip)


def test_make_validate_runs_the_scanners_pinned():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^CHECKOV_VERSION := \d+\.\d+\.\d+$", makefile, re.M)
    validate = makefile.split("\nvalidate:", 1)[1].split("\n\n", 1)[0]
    assert "cfn-lint template.yaml" in validate and "scan" in validate
    scan = makefile.split("\nscan:", 1)[1].split("\n\n", 1)[0]
    assert "$(CHECKOV) -f template.yaml" in scan and "$(CHECKOV) -f $(TRANSFORMED)" in scan


# ---------------------------------------------------------------------- the checks catch what they are for
def test_the_checks_fail_on_a_sam_crud_policy_and_an_update_right_on_the_log(template):
    crud = copy.deepcopy(template)
    crud["Resources"]["SendSmsFunction"]["Properties"]["Policies"].append({"DynamoDBCrudPolicy": {"TableName": {"Ref": "ContactsTable"}}})
    assert iam.policy_templates(crud) == {"SendSmsFunction": ["DynamoDBCrudPolicy"]}
    assert ("SendSmsFunction", "dynamodb:DeleteItem", "ContactsTable") in contact_log_violations(crud)
    assert "SendSmsFunction" in grant_differences(crud)
    assert ("SendSmsFunction", "sqs:SendMessage*") not in wildcard_actions(crud)

    update = copy.deepcopy(template)
    statements = update["Resources"]["RecordOutcomesFunction"]["Properties"]["Policies"][0]["Statement"]
    statements.append({"Effect": "Allow", "Action": ["dynamodb:UpdateItem"], "Resource": {"Fn::GetAtt": ["ContactsTable", "Arn"]}})
    assert contact_log_violations(update) == [("RecordOutcomesFunction", "dynamodb:UpdateItem", "ContactsTable")]


def test_the_checks_fail_on_wildcards_and_an_unencrypted_queue(template):
    broad = copy.deepcopy(template)
    statements = broad["Resources"]["PlanRunFunction"]["Properties"]["Policies"][0]["Statement"]
    statements.append({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
    assert ("PlanRunFunction", "dynamodb:*") in wildcard_actions(broad)
    assert ("PlanRunFunction", "dynamodb:*") in wildcard_resources(broad)
    assert contact_log_violations(broad) == [("PlanRunFunction", "dynamodb:*", "*")]

    plain = copy.deepcopy(template)
    plain["Resources"]["CallDLQ"]["Properties"] = {"SqsManagedSseEnabled": True}
    plain["Resources"]["ContactsTable"]["Properties"]["SSESpecification"] = {"SSEEnabled": True}
    assert unencrypted(plain) == ["ContactsTable", "CallDLQ"]
