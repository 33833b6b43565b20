"""The stack of template.yaml on moto, in-process: the local AWS that tests, scenarios and the demo use.

Every table, queue, topic, bucket and state machine is created from template.yaml's own
resource properties. Step Functions executes the real ASL files (moto's interpreter), and
Lambda invocations run the project's handlers in this process, chosen by the Handler the
template names — see `_LambdaShim`. Relies on moto 5.2.x (pinned in pyproject.toml).
"""

from __future__ import annotations

import copy
import functools
import importlib
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody
from moto import mock_aws

from . import appconfig
from .template import ROOT, load_template, resolve, resources_of_type

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTIONS_DIR = ROOT / "functions"
# The local stack's sender identities: a fictional lender (a deployment deploys its own lender configuration).
SENDERS_FILE = ROOT / "infra" / "sender-identities.example.json"
# The lender configuration a local stack starts with: the fictional lender, the default ladder for every account.
LOCAL_CONFIGURATION: dict[str, Any] = {"senders": json.loads(SENDERS_FILE.read_text(encoding="utf-8"))}
# Parameter values for the local stack: two due-index shards instead of 32 (each shard is one query per
# run; moto answers slowly); local sends are not paced (the pacing itself is unit-tested), so simulations
# stay fast.
LOCAL_PARAMETERS = {
    "LogLevel": "WARNING",
    "DueShards": "2",
    "SmsPerSecond": "100000",
}
# What only the harness needs, kept out of the deployed template's parameters (DESIGN.md): moto's Distributed Map
# runs STANDARD children only, and the simulated clock times contacts by the run's scheduled instant.
LOCAL_SUBSTITUTIONS = {"MapChildExecutionType": "STANDARD"}
LOCAL_ENVIRONMENT = {"CLOCK": "run"}


@dataclass
class _Context:
    """The parts of a Lambda context the handlers (Powertools) read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = "local"
    log_group_name: str = "local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def function_url_event(body: str, caller: str | None, method: str = "POST") -> dict[str, Any]:
    """A function URL's request (payload 2.0) with AWS_IAM auth, as Lambda hands it over: the caller's ARN in the context."""
    context = {"http": {"method": method, "path": "/"}, "authorizer": {"iam": {"userArn": caller or "", "accountId": ACCOUNT}}}
    return {"version": "2.0", "rawPath": "/", "requestContext": context, "body": body, "isBase64Encoded": False}


@dataclass
class LocalStack:
    name: str = "local"
    parameters: dict[str, str] = field(default_factory=dict)
    handler_errors: list[str] = field(default_factory=list)
    # Every record the handlers' Powertools loggers emit at `log_level` or above, as formatted (masked)
    # JSON; stdout still gets only what the LogLevel parameter lets through.
    log_level: str = "INFO"
    logs: list[str] = field(default_factory=list)
    # With record_invocations, each lambda:Invoke (the state machines' Task states, including the Distributed
    # Map children whose histories moto does not expose) as {"function", "event", "result"}: the state payloads.
    record_invocations: bool = False
    invocations: list[dict[str, Any]] = field(default_factory=list)
    # Batches the SQS event sources delivered (in AWS, a ReceiveMessage and a DeleteMessageBatch each): the bench counts them.
    event_source_batches: int = 0
    # The lender configuration deployed when the stack starts (None: LOCAL_CONFIGURATION); `deploy_configuration` for more.
    configuration: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.template = load_template()
        defaults = {k: str(v.get("Default", "")) for k, v in self.template.get("Parameters", {}).items()}
        self.params = defaults | LOCAL_PARAMETERS | self.parameters
        self.refs: dict[str, str] = self.params | {
            "AWS::StackName": self.name,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
        }
        self.attrs: dict[tuple[str, str], str] = {}
        self.functions: dict[str, dict[str, Any]] = {}  # physical name -> {"handler", "logical"}
        self._settings: dict[tuple[str, tuple[str, ...]], Any] = {}  # (function, needs) -> its Settings (function_settings)
        self._stream_positions: dict[str, str] = {}  # table stream ARN -> the next record's sequence number (drain_streams)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }.items():
            os.environ[key] = value
        self._mock.start()
        # moto's interpreter logs every caught Task error and unsupported-field notice; the
        # harness reports handler errors itself (SIM_DEBUG=1 shows moto's own log).
        if not os.environ.get("SIM_DEBUG"):
            logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        boto3.setup_default_session(region_name=REGION)
        # moto has no AppConfig environments, deployments or data plane: sim/local/appconfig.py answers those.
        appconfig.reset()
        appconfig.install()
        appconfig.attach(boto3.DEFAULT_SESSION)
        _speed_up_moto_stepfunctions()
        self._create_data_and_messaging()
        self._create_event_buses()
        self._declare_functions()
        self._create_people_roles()
        self._create_lender_config()
        self._create_state_machines()
        os.environ.update(self.function_environment())
        if str(FUNCTIONS_DIR) not in sys.path:
            sys.path.insert(0, str(FUNCTIONS_DIR))
        self._collect_logs()
        # Clients are cached across stacks (_speed_up_moto_stepfunctions), each with the hook of the
        # session that made it: the hook serves whichever stack is running now.
        _RUNNING[0] = self
        boto3.DEFAULT_SESSION.events.register("before-call.lambda.Invoke", _invoke_on_running_stack)
        _refuse_sms_to_opted_out_numbers()
        self.deploy_configuration(self.configuration if self.configuration is not None else LOCAL_CONFIGURATION)

    def stop(self) -> None:
        if _RUNNING[0] is self:
            _RUNNING[0] = None
        self._release_logs()
        self._mock.stop()

    # ------------------------------------------------------------------ the functions' logs
    def _collect_logs(self) -> None:
        """Collect the handlers' log records into `logs`, formatted by their own (masking) formatter.

        Every handler's `make_logger()` returns the Powertools logger of POWERTOOLS_SERVICE_NAME
        (one `logging.Logger`, one stdout handler, one formatter); this stack adds a handler beside
        the stdout one. The logger's level is lowered to `log_level` and the stdout handler's set to
        the LogLevel parameter, so the console shows what it did before while `logs` gets it all.
        """
        from escalation.logs import make_logger

        powertools = make_logger()
        target, console = logging.getLogger(powertools.service), powertools.registered_handler
        self._log_restore = (target, target.level, console, console.level)
        console.setLevel(self.params["LogLevel"])
        target.setLevel(min(logging.getLevelName(self.log_level), logging.getLevelName(self.params["LogLevel"])))
        self._log_collector = _Collect(self.logs)
        self._log_collector.setFormatter(powertools.registered_formatter)
        target.addHandler(self._log_collector)

    def _release_logs(self) -> None:
        if collector := getattr(self, "_log_collector", None):
            target, level, console, console_level = self._log_restore
            target.removeHandler(collector)
            target.setLevel(level)
            console.setLevel(console_level)
            self._log_collector = None

    def log_records(self) -> list[dict[str, Any]]:
        """The collected log records, parsed (one JSON object each)."""
        return [json.loads(line) for line in list(self.logs)]

    # ------------------------------------------------------------------ resources
    def _create_keys(self) -> None:
        """The template's KMS keys and aliases, so that every Ref / GetAtt (Arn, KeyId) to them resolves.

        moto enforces neither IAM nor key policies, and its DynamoDB, SQS, SNS and S3 only record the
        encryption settings passed below: locally this is about references, not cryptography.
        """
        kms = boto3.client("kms", region_name=REGION)
        for logical, res in resources_of_type(self.template, "AWS::KMS::Key").items():
            props = resolve(res.get("Properties", {}), self.refs, self.attrs)
            kwargs = {"Description": props["Description"]} if "Description" in props else {}
            kwargs |= {k: props[k] for k in ("KeySpec", "KeyUsage") if k in props}  # an HMAC key (OperatorSealKey)
            if "KeyPolicy" in props:
                kwargs["Policy"] = json.dumps(props["KeyPolicy"])
            key = kms.create_key(**kwargs)["KeyMetadata"]
            if props.get("EnableKeyRotation"):
                kms.enable_key_rotation(KeyId=key["KeyId"])
            self.refs[logical] = key["KeyId"]
            self.attrs[(logical, "Arn")] = key["Arn"]
            self.attrs[(logical, "KeyId")] = key["KeyId"]
        for logical, res in resources_of_type(self.template, "AWS::KMS::Alias").items():
            props = resolve(res["Properties"], self.refs, self.attrs)
            kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
            self.refs[logical] = props["AliasName"]

    def _create_data_and_messaging(self) -> None:
        t = self.template
        self._create_keys()
        ddb, s3, sqs, sns = (boto3.client(s, region_name=REGION) for s in ("dynamodb", "s3", "sqs", "sns"))
        for logical, res in resources_of_type(t, "AWS::DynamoDB::Table").items():
            props = resolve(res["Properties"], self.refs, self.attrs)
            name = f"{self.name}-{logical}"
            kwargs = {k: props[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode") if k in props}
            if sse := props.get("SSESpecification"):  # CloudFormation's SSEEnabled is the API's Enabled
                kwargs["SSESpecification"] = {"Enabled": sse.get("SSEEnabled", False)} | {
                    k: sse[k] for k in ("SSEType", "KMSMasterKeyId") if k in sse
                }
            if stream := props.get("StreamSpecification"):  # CloudFormation's has no StreamEnabled: a view type enables it
                kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
            # DeletionProtectionEnabled is not passed: a local stack's tables are thrown away with it.
            created = ddb.create_table(TableName=name, **kwargs)["TableDescription"]
            if "LatestStreamArn" in created:
                self.attrs[(logical, "StreamArn")] = created["LatestStreamArn"]
            if "TimeToLiveSpecification" in props:
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
            if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
                ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
            self.refs[logical] = name
            self.attrs[(logical, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        # Bucket, queue and topic policies (TLS only, EventBridge's SendMessage) are not created: moto does
        # not enforce resource policies, and its clients always use the mocked HTTPS endpoints.
        for logical, res in resources_of_type(t, "AWS::S3::Bucket").items():
            props = resolve(res.get("Properties", {}), self.refs, self.attrs)
            name = f"{self.name}-{logical}".lower()
            # Object Lock (the audit archive): enabled at creation, with versioning and the default retention, as in AWS.
            s3.create_bucket(Bucket=name, **({"ObjectLockEnabledForBucket": True} if props.get("ObjectLockEnabled") else {}))
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
            if "ObjectLockConfiguration" in props:
                s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=props["ObjectLockConfiguration"])
            if "BucketEncryption" in props:
                # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
                rules = [
                    {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                    | {k: v for k, v in r.items() if k != "ServerSideEncryptionByDefault"}
                    for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
                s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
            if "PublicAccessBlockConfiguration" in props:
                s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
            self.refs[logical] = name
            self.attrs[(logical, "Arn")] = f"arn:aws:s3:::{name}"
        for logical, res in resources_of_type(t, "AWS::SNS::Topic").items():
            props = resolve(res.get("Properties", {}), self.refs, self.attrs)
            attributes = {"KmsMasterKeyId": props["KmsMasterKeyId"]} if "KmsMasterKeyId" in props else {}
            arn = sns.create_topic(Name=f"{self.name}-{logical}", Attributes=attributes)["TopicArn"]
            self.refs[logical] = arn
            self.attrs[(logical, "TopicName")] = arn.rsplit(":", 1)[1]
        queues = resources_of_type(t, "AWS::SQS::Queue")
        # Dead-letter queues first: the others' RedrivePolicy refers to them.
        for logical in sorted(queues, key=lambda q: "RedrivePolicy" in queues[q].get("Properties", {})):
            props = resolve(queues[logical].get("Properties", {}), self.refs, self.attrs)
            attributes = {"MessageRetentionPeriod": str(props.get("MessageRetentionPeriod", 345600))}
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
            if "KmsMasterKeyId" in props:
                attributes["KmsMasterKeyId"] = props["KmsMasterKeyId"]
            name = f"{self.name}-{logical}"
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            self.refs[logical] = url
            self.attrs[(logical, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
            self.attrs[(logical, "QueueName")] = name

    def _create_event_buses(self) -> None:
        """Custom buses and their rules; a rule's targets are queues (moto delivers to SQS).

        The buses' resource policies (AWS::Events::EventBusPolicy: which principal may put which source) are not
        created: moto does not evaluate them on PutEvents, and every local call runs as one principal. The ingest's own
        check binds event types to sources (escalation.contract.check_source), which the local tests exercise; the
        policy's statements are pinned by tests/unit/test_security_template.py."""
        events = boto3.client("events", region_name=REGION)
        for logical, res in resources_of_type(self.template, "AWS::Events::EventBus").items():
            name = resolve(res["Properties"]["Name"], self.refs, self.attrs)
            arn = events.create_event_bus(Name=name)["EventBusArn"]
            self.refs[logical] = name
            self.attrs[(logical, "Arn")] = arn
        for logical, res in resources_of_type(self.template, "AWS::Events::Rule").items():
            props = resolve(res["Properties"], self.refs, self.attrs)
            name = f"{self.name}-{logical}"
            bus = props.get("EventBusName", "default")
            arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(props["EventPattern"]), State="ENABLED")["RuleArn"]
            events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": t["Id"], "Arn": t["Arn"]} for t in props["Targets"]])
            self.refs[logical] = name
            self.attrs[(logical, "Arn")] = arn

    def _declare_functions(self) -> None:
        """Lambda functions are not created in moto: invocations are served in-process by `_invoke`."""
        for logical, res in resources_of_type(self.template, "AWS::Serverless::Function").items():
            name = f"{self.name}-{logical}"
            self.functions[name] = {"logical": logical, "handler": res["Properties"]["Handler"]}
            self.refs[logical] = name
            self.attrs[(logical, "Arn")] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"

    def _create_people_roles(self) -> None:
        """The roles people assume (ReviewerRole, OperatorRole), in moto's IAM: `assume_role` on one gives a session
        whose ARN the operators' path receives (`operator_command`). moto evaluates neither their trust nor their policies."""
        iam = boto3.client("iam", region_name=REGION)
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}],
        }
        for logical in resources_of_type(self.template, "AWS::IAM::Role"):
            name = f"{self.name}-{logical}"
            self.refs[logical] = name
            self.attrs[(logical, "Arn")] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    def session_of(self, role: str, person: str) -> str:
        """The ARN of `person`'s session of one of the stack's roles (ReviewerRole, OperatorRole), as STS names it."""
        return f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.refs[role]}/{person}"

    def admit_roles(self, reviewers: set[str] = frozenset(), operators: set[str] = frozenset()) -> None:
        """Name more roles whose sessions may use the operators' path (the ExtraReviewerRoles / ExtraOperatorRoles
        parameters), as a lender names its IAM Identity Center roles: a scenario's principals are of such roles."""
        for parameter, names in (("ExtraReviewerRoles", reviewers), ("ExtraOperatorRoles", operators)):
            self.refs[parameter] = " ".join(sorted(set(self.refs[parameter].split()) | set(names)))
        self._settings.clear()

    def operator_command(self, body: dict[str, Any], principal: str | None) -> dict[str, Any]:
        """Call OperatorCommandsFunction as its function URL would (AWS_IAM): the caller's ARN as Lambda passes it,
        the command as the body. Returns the function's answer: {"statusCode", "body" (parsed)}."""
        answer = self.call_handler("OperatorCommandsFunction", function_url_event(json.dumps(body), principal))
        return {"statusCode": answer["statusCode"], "body": json.loads(answer["body"])}

    def _create_lender_config(self) -> None:
        """The AppConfig application, environment, profile (with its LAMBDA validator) and deployment strategy."""
        client = boto3.client("appconfig", region_name=REGION)
        kinds = ("Application", "Environment", "ConfigurationProfile", "DeploymentStrategy")
        for kind in kinds:  # in this order: each refers to the ones before
            for logical, res in resources_of_type(self.template, f"AWS::AppConfig::{kind}").items():
                props = resolve(res["Properties"], self.refs, self.attrs)
                if kind == "Application":
                    self.refs[logical] = client.create_application(Name=props["Name"])["Id"]
                elif kind == "Environment":
                    self.refs[logical] = client.create_environment(ApplicationId=props["ApplicationId"], Name=props["Name"])["Id"]
                elif kind == "ConfigurationProfile":
                    fields = {k: props[k] for k in ("ApplicationId", "Name", "LocationUri", "Type", "Validators") if k in props}
                    self.refs[logical] = client.create_configuration_profile(**fields)["Id"]
                else:
                    fields = {k: props[k] for k in ("Name", "DeploymentDurationInMinutes", "GrowthFactor", "FinalBakeTimeInMinutes")}
                    self.refs[logical] = client.create_deployment_strategy(**fields, ReplicateTo=props.get("ReplicateTo", "NONE"))["Id"]

    def deploy_configuration(self, document: dict[str, Any]) -> str:
        """Deploy a lender configuration as `ops config deploy` does: a hosted version, validated, deployed at once.

        Raises botocore's BadRequestException (the validator's message) when the document is refused."""
        from escalation.service import configuration

        client = boto3.client("appconfig", region_name=REGION)
        refs = {
            kind: self._only(f"AWS::AppConfig::{kind}")
            for kind in ("Application", "Environment", "ConfigurationProfile", "DeploymentStrategy")
        }
        body = json.dumps(document, ensure_ascii=False).encode()
        version = client.create_hosted_configuration_version(
            ApplicationId=refs["Application"],
            ConfigurationProfileId=refs["ConfigurationProfile"],
            Content=body,
            ContentType="application/json",
        )["VersionNumber"]
        client.start_deployment(
            ApplicationId=refs["Application"],
            EnvironmentId=refs["Environment"],
            DeploymentStrategyId=refs["DeploymentStrategy"],
            ConfigurationProfileId=refs["ConfigurationProfile"],
            ConfigurationVersion=str(version),
        )
        configuration.forget()  # the functions read the new version at once (deployed: within their cache's seconds)
        return str(version)

    def pin_configuration(self, run_id: str) -> None:
        """What PlanRun does first, for a test that calls a run's functions without planning it."""
        from escalation.config import Settings
        from escalation.service import configuration

        configuration.snapshot(run_id, Settings.load("manifest_bucket", "lender_config", env=self.function_environment("PlanRunFunction")))

    def _only(self, kind: str) -> str:
        (logical,) = resources_of_type(self.template, kind)
        return self.refs[logical]

    def _create_state_machines(self) -> None:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machines = resources_of_type(self.template, "AWS::Serverless::StateMachine")
        for logical, res in machines.items():
            props = res["Properties"]
            name = resolve(props.get("Name"), self.refs, self.attrs) or f"{self.name}-{logical}"
            self.refs[logical] = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
            self.attrs[(logical, "Name")] = name
        for logical, res in machines.items():
            props = res["Properties"]
            definition = (ROOT / props["DefinitionUri"]).read_text()
            substitutions = resolve(props.get("DefinitionSubstitutions", {}), self.refs, self.attrs) | LOCAL_SUBSTITUTIONS
            for key, value in substitutions.items():
                definition = definition.replace("${" + key + "}", str(value))
            sfn.create_state_machine(
                name=self.attrs[(logical, "Name")],
                definition=definition,
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/{self.name}-{logical}Role",
                type=props.get("Type", "STANDARD"),
            )

    def function_environment(self, logical: str | None = None) -> dict[str, str]:
        """The environment template.yaml gives one function (Globals and its own block), or all of them merged."""
        env: dict[str, str] = {}
        globals_env = self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        env |= {k: str(v) for k, v in resolve(globals_env, self.refs, self.attrs).items()}
        for name, res in resources_of_type(self.template, "AWS::Serverless::Function").items():
            if logical in (None, name):
                own = res["Properties"].get("Environment", {}).get("Variables", {})
                env |= {k: str(v) for k, v in resolve(own, self.refs, self.attrs).items()}
        # No X-Ray daemon and no CloudWatch here: tracing off, and EMF metrics not printed over the
        # demo's output (tests/unit/test_observability.py checks what they would emit).
        return env | LOCAL_ENVIRONMENT | {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}

    def arn(self, logical: str) -> str:
        return self.refs[logical]

    def client(self, service: str) -> Any:
        """A client of the local AWS, as the harness uses it."""
        return boto3.client(service, region_name=REGION)

    # ------------------------------------------------------------------ Lambda, in-process
    def _invoke(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        """botocore before-call hook: answer lambda:Invoke by running the template's handler here."""
        function = unquote(params["url_path"]).split("/functions/", 1)[1].split("/", 1)[0].rsplit(":", 1)[-1]
        spec = self.functions[function]
        event = json.loads(params["body"] or b"{}")
        result: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        try:
            payload = self.call_handler(spec["logical"], event)
        except Exception as exc:  # noqa: BLE001 - report like Lambda does
            # The harness's report (summary.json, stderr) is masked like the logs; the payload below is what
            # Lambda would return, unmasked: it is what Step Functions records.
            self._handler_failed(spec["logical"], exc, limit=None)
            payload = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": traceback.format_exc().splitlines()}
            result["FunctionError"] = "Unhandled"
        body = json.dumps(payload, default=str).encode()
        if self.record_invocations:
            self.invocations.append({"function": spec["logical"], "event": event, "result": json.loads(body)})
        result["Payload"] = StreamingBody(io.BytesIO(body), len(body))
        return AWSResponse("", 200, {}, None), result

    def call_handler(self, logical: str, event: dict[str, Any]) -> Any:
        res = self.template["Resources"][logical]["Properties"]
        module_name, function_name = res["Handler"].rsplit(".", 1)
        module = importlib.import_module(module_name)
        if hasattr(module, "NEEDS"):
            # Imported under every function's variables (one process); its settings come from its own block only.
            module.SETTINGS = self.function_settings(logical, module.NEEDS)
        handler = getattr(module, function_name)
        name = f"{self.name}-{logical}"
        return handler(event, _Context(name, self.attrs[(logical, "Arn")]))

    def function_settings(self, logical: str, needs: tuple[str, ...]) -> Any:
        """A handler's settings as its own Lambda would load them: validated, from its own environment."""
        if (logical, needs) not in self._settings:
            from escalation.config import Settings

            self._settings[(logical, needs)] = Settings.load(*needs, env=self.function_environment(logical))
        return self._settings[(logical, needs)]

    # ------------------------------------------------------------------ running state machines
    @functools.cached_property
    def sfn(self) -> Any:
        return boto3.client("stepfunctions", region_name=REGION)

    def run_state_machine(self, logical: str, payload: dict[str, Any], name: str | None = None, timeout: float = 600) -> dict[str, Any]:
        sfn = self.sfn
        kwargs = {"name": name} if name else {}
        arn = sfn.start_execution(stateMachineArn=self.arn(logical), input=json.dumps(payload), **kwargs)["executionArn"]
        return self.wait_for(arn, timeout)

    def wait_for(self, execution_arn: str, timeout: float = 600) -> dict[str, Any]:
        sfn = self.sfn
        deadline = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still running after {timeout}s")
            time.sleep(0.005)

    def sms_sent(self) -> list[tuple[str, str]]:
        """What moto's SNS accepted for delivery: (phone, text) per message."""
        from moto.sns.models import sns_backends

        return list(sns_backends[ACCOUNT][REGION].sms_messages.values())

    def put_events(self, entries: list[dict[str, Any]]) -> None:
        response = boto3.client("events", region_name=REGION).put_events(Entries=entries)
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents failed: {response['Entries']}")

    def poll_queues(self, max_rounds: int = 100_000) -> int:
        """Do what Lambda's SQS event source mappings do: feed each queue's messages to its function, until it is empty.

        The mappings come from template.yaml (functions' `Type: SQS` events). Failed batch items
        become visible again at once and are retried; SQS moves them to the DLQ after
        maxReceiveCount receives. Returns how many messages were processed.

        First, and again after each pass while it moved anything, every function on a rate schedule runs as
        its schedule would invoke it: the SMS releaser, which moves the outbox's texts to the send queue the
        senders drain (locally SmsPerSecond is so high that every delay is 0 s and one release takes them all).
        """
        processed = 0
        for _ in range(max_rounds):
            released = self.run_rate_schedules()
            processed += self._drain_event_sources(max_rounds)
            if not released:
                break
        return processed

    def run_rate_schedules(self) -> int:
        """Invoke each function whose ScheduleV2 event is a `rate(...)` schedule once, with the schedule's Input.

        Returns the texts released (the releaser's "released"); a failed invocation is a handler error, as in AWS.
        """
        moved = 0
        for logical, props in self._event_sources("ScheduleV2"):
            if not str(props.get("ScheduleExpression", "")).startswith("rate("):
                continue
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            event = json.loads(props.get("Input", "{}").replace("<aws.scheduler.scheduled-time>", now))
            try:
                result = self.call_handler(logical, event) or {}
            except Exception as exc:  # noqa: BLE001 - the invocation failed; the next schedule tries again
                self._handler_failed(logical, exc)
                continue
            moved += int(result.get("released", 0)) if isinstance(result, dict) else 0
        return moved

    def _event_sources(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(function, the event's Properties) for every event of type `kind` ("SQS", "DynamoDB", ...) in template.yaml."""
        for logical, res in resources_of_type(self.template, "AWS::Serverless::Function").items():
            for source in res["Properties"].get("Events", {}).values():
                if source["Type"] == kind:
                    yield logical, source.get("Properties", {})

    def _handler_failed(self, logical: str, exc: Exception, limit: int | None = 200) -> None:
        """Keep a failed invocation for the run's report, masked like the logs."""
        from escalation.logs import mask_text

        self.handler_errors.append(mask_text(f"{logical}: {type(exc).__name__}: {str(exc)[:limit]}"))

    def _drain_event_sources(self, max_rounds: int) -> int:
        sqs = boto3.client("sqs", region_name=REGION)
        processed = 0
        for logical, props in self._event_sources("SQS"):
            queue_arn = resolve(props["Queue"], self.refs, self.attrs)
            url = self.refs[queue_arn.rsplit(":", 1)[1].removeprefix(f"{self.name}-")]
            for _ in range(max_rounds):
                batch = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=min(10, props.get("BatchSize", 10)), AttributeNames=["All"]
                ).get("Messages", [])
                if not batch:
                    break
                records = [sqs_record(m, queue_arn) for m in batch]
                self.event_source_batches += 1
                try:
                    result = self.call_handler(logical, {"Records": records}) or {}
                    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                except Exception as exc:  # noqa: BLE001 - the invocation failed: SQS redelivers the whole batch
                    self._handler_failed(logical, exc)
                    failed = {m["MessageId"] for m in batch}
                for m in batch:
                    if m["MessageId"] in failed:
                        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
                    else:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                processed += len(batch)
        return processed

    def queue_messages(self, logical: str) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs", region_name=REGION)
        out: list[dict[str, Any]] = []
        while batch := sqs.receive_message(QueueUrl=self.refs[logical], MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages", []):
            out += [json.loads(m["Body"]) for m in batch]
        return out

    def drain_streams(self) -> int:
        """Do what Lambda's DynamoDB event source mappings do (moto's never invoke): hand each table stream's new
        records to its function, in batches of the event's BatchSize, in the envelope Lambda uses.

        The mappings come from template.yaml (functions' `Type: DynamoDB` events), from TRIM_HORIZON. A batch that
        fails, or reports a failed record, stops the shard there (as in AWS until the retries run out): the next
        drain starts from that record. Returns how many records were handed over.
        """
        from botocore.config import Config

        # botocore sends stream calls to the account's own endpoint (<account>.streams-ddb...), which moto 5.2 does not
        # route; the regional one it does.
        streams = boto3.client("dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled"))
        handed = 0
        for logical, props in self._event_sources("DynamoDB"):
            arn = resolve(props["Stream"], self.refs, self.attrs)
            handed += self._drain_stream(streams, logical, arn, int(props.get("BatchSize", 100)))
        return handed

    def _drain_stream(self, streams: Any, logical: str, arn: str, batch_size: int) -> int:
        positions = self._stream_positions
        (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        after = positions.get(arn)
        start = {"ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": after} if after else {"ShardIteratorType": "TRIM_HORIZON"}
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], **start)["ShardIterator"]
        handed = 0
        while records := (page := streams.get_records(ShardIterator=iterator, Limit=batch_size))["Records"]:
            iterator = page["NextShardIterator"]
            try:
                result = self.call_handler(logical, {"Records": [stream_record(r, arn) for r in records]}) or {}
                failed = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            except Exception as exc:  # noqa: BLE001 - the invocation failed: the shard waits at this batch
                self._handler_failed(logical, exc)
                failed = [records[0]["dynamodb"]["SequenceNumber"]]
            if failed:
                positions[arn] = min(failed, key=int)
                return handed
            positions[arn] = str(int(records[-1]["dynamodb"]["SequenceNumber"]) + 1)
            handed += len(records)
        return handed


def stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A DynamoDB stream record in the shape Lambda's event source mapping hands to a function."""
    dynamodb = dict(record["dynamodb"])
    if hasattr(created := dynamodb.get("ApproximateCreationDateTime"), "timestamp"):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())  # epoch seconds, as Lambda sends it
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


class _Collect(logging.Handler):
    """A logging handler that appends each formatted record to a list."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__()
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.sink.append(self.format(record))
        except Exception:  # noqa: BLE001 - logging never raises into the caller
            self.handleError(record)


_RUNNING: list[LocalStack | None] = [None]


def _invoke_on_running_stack(params: dict[str, Any], **kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
    stack = _RUNNING[0]
    if stack is None:
        raise RuntimeError("lambda:Invoke with no local stack running")
    return stack._invoke(params, **kwargs)


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received SQS message in the shape Lambda's event source mapping hands to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def opt_out_at_provider(phone: str) -> None:
    """The borrower replied STOP to a text: the provider (moto's SNS) lists the number as opted out."""
    from moto.sns.models import sns_backends

    listed = sns_backends[ACCOUNT][REGION].opt_out_numbers
    if phone not in listed:
        listed.append(phone)


def _refuse_sms_to_opted_out_numbers() -> None:
    """Publish to a number on the provider's opted-out list fails with OptedOut, as SNS does (moto accepts it).

    Registered once on the functions' own SNS client (escalation.aws.clients caches it across stacks).
    """
    from moto.sns.models import sns_backends

    from escalation.aws.clients import client

    def refuse(params: dict[str, Any], **_: Any) -> Any:
        phone = params.get("body", {}).get("PhoneNumber") if isinstance(params.get("body"), dict) else None
        if phone and phone in sns_backends[ACCOUNT][REGION].opt_out_numbers:
            error = {
                "Error": {"Code": "OptedOut", "Message": "Phone number is opted out"},
                "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "local"},
            }
            return AWSResponse("https://sns.local", 400, {}, None), error
        return None

    client("sns").meta.events.register("before-call.sns.Publish", refuse, unique_id="local-sns-opted-out")


_PATCH_LOCK = threading.Lock()


def _speed_up_moto_stepfunctions() -> None:
    """moto's interpreter builds a new boto3 client for every Task (~20 ms each); reuse them.

    Clients are keyed by region and service only; the local stack has one account and no
    per-state credentials. Applied once per process.
    """
    from moto.stepfunctions.parser.asl.utils import boto_client as bc

    with _PATCH_LOCK:
        if getattr(bc, "_cached", False):
            return
        original = bc.boto_client_for

        @functools.cache
        def cached(region: str, service: str) -> Any:
            return original(region, service)

        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            return cached(region, service)

        for module in list(sys.modules.values()):
            if getattr(module, "boto_client_for", None) is original:
                module.boto_client_for = boto_client_for  # type: ignore[attr-defined]
        bc.boto_client_for = boto_client_for
        bc._cached = True  # type: ignore[attr-defined]
        _cache_asl_syntax_trees()
        _make_moto_dynamodb_atomic()
        _back_up_items_not_tables()


def _make_moto_dynamodb_atomic() -> None:
    """Serve one DynamoDB request at a time, as DynamoDB's per-item atomicity requires.

    moto's Step Functions runs Map iterations in threads, so handlers call DynamoDB
    concurrently; moto's backend is not thread-safe (a conditional check and its write
    can interleave with another thread's), which real DynamoDB never allows.
    """
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    call_action = DynamoHandler.call_action

    def atomic_call_action(self: Any) -> Any:
        with lock:
            return call_action(self)

    DynamoHandler.call_action = atomic_call_action  # type: ignore[method-assign]


def _back_up_items_not_tables() -> None:
    """Let a TransactWriteItems back up the items it touches, not the whole tables it names.

    moto deep-copies every table a transaction names, to roll back a cancelled one; with a
    transaction per recorded contact that copies the contact log and the accounts table each
    time, which makes a run quadratic in the book. Here moto's backup is the live table itself
    and a cancelled transaction is undone item by item. DynamoDB requests are served one at
    a time (`_make_moto_dynamodb_atomic`), so no other request sees the swap.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    transact_write_items = DynamoDBBackend.transact_write_items

    def item_before(backend: Any, entry: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any] | None] | None:
        (_, request), *_ = entry.items()
        try:
            table = backend.get_table(request["TableName"])
        except Exception:  # noqa: BLE001 - an unknown table: moto's own call reports it
            return None
        names = [n for n in (table.hash_key_attr, table.range_key_attr) if n is not None]
        key = request.get("Key") or {n: request["Item"][n] for n in names if n in request["Item"]}
        current = backend.get_item(request["TableName"], key)
        return request["TableName"], key, copy.deepcopy(current.to_json()["Attributes"]) if current else None

    def restore(backend: Any, table_name: str, key: dict[str, Any], attributes: dict[str, Any] | None) -> None:
        if attributes is not None:
            backend.put_item(table_name, attributes)
        elif backend.get_item(table_name, key) is not None:
            backend.delete_item(table_name, key)

    def stream_lengths(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, int]]:
        names = {request["TableName"] for entry in transact_items for request in entry.values() if isinstance(request, dict)}
        tables = [backend.tables.get(name) for name in names]
        return [(t.stream_shard, len(t.stream_shard.items)) for t in tables if t is not None and t.stream_shard is not None]

    def transact_with_item_backups(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        before = [b for b in (item_before(self, entry) for entry in transact_items) if b is not None]
        streams = stream_lengths(self, transact_items)
        Table.__deepcopy__ = lambda table, memo: table  # type: ignore[attr-defined]
        try:
            return transact_write_items(self, transact_items)
        except Exception:
            for backup in reversed(before):
                restore(self, *backup)
            # A cancelled transaction writes nothing to a table's stream in DynamoDB; moto's applied its puts (and
            # this undoing) to it. Without this, the audit archive would keep entries that were never written.
            for shard, length in streams:
                del shard.items[length:]
            raise
        finally:
            del Table.__deepcopy__  # type: ignore[attr-defined]

    DynamoDBBackend.transact_write_items = transact_with_item_backups  # type: ignore[method-assign]


def _cache_asl_syntax_trees() -> None:
    """Parse each definition's syntax tree once (ANTLR is slow); evaluation components stay fresh per execution."""
    from moto.stepfunctions.parser.asl.parse import asl_parser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    parse_tree = functools.cache(asl_parser.AmazonStateLanguageParser.parse)

    def parse(definition: str) -> Any:
        _, tree = parse_tree(definition)
        return Preprocessor().visit(tree), tree

    asl_parser.AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]
