"""sim.local.appconfig: the AppConfig moto lacks (environments, strategies, deployments, validators, appconfigdata).

Applications, profiles and hosted versions are moto's; the rest is the module's, read the way the functions read it
(Powertools' AppConfigProvider, which makes its own boto3 session) and, once, over moto's server mode.
"""

import base64
import io
import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import AppConfigProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody
from moto import mock_aws

from sim.local import appconfig

REGION = "us-east-1"
VALIDATOR = f"arn:aws:lambda:{REGION}:123456789012:function:local-LenderConfigValidator"
SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["strategies"],
    "properties": {"strategies": {"type": "object"}},
}


@pytest.fixture
def aws(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    appconfig.install()
    with mock_aws():
        # boto3.client() uses the default session: one created after install() (the test's own, put back after it).
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.Session(region_name=REGION))
        yield
    appconfig.reset()


@pytest.fixture
def lender(aws):
    """An application with a hosted profile (moto), an environment and an all-at-once strategy (the module)."""
    c = boto3.client("appconfig")
    app = c.create_application(Name="collections")["Id"]
    profile = c.create_configuration_profile(ApplicationId=app, Name="lender", LocationUri="hosted", Type="AWS.Freeform")["Id"]
    env = c.create_environment(ApplicationId=app, Name="local")["Id"]
    strategy = c.create_deployment_strategy(Name="all-at-once", DeploymentDurationInMinutes=0, GrowthFactor=100, FinalBakeTimeInMinutes=0)
    return {"client": c, "app": app, "profile": profile, "env": env, "strategy": strategy["Id"]}


def put(lender, document, label=None):
    extra = {"VersionLabel": label} if label else {}
    c = lender["client"]
    created = c.create_hosted_configuration_version(
        ApplicationId=lender["app"],
        ConfigurationProfileId=lender["profile"],
        Content=json.dumps(document).encode(),
        ContentType="application/json",
        **extra,
    )
    return str(created["VersionNumber"])


def deploy(lender, version):
    return lender["client"].start_deployment(
        ApplicationId=lender["app"],
        EnvironmentId=lender["env"],
        DeploymentStrategyId=lender["strategy"],
        ConfigurationProfileId=lender["profile"],
        ConfigurationVersion=version,
    )


def read():
    """The deployed configuration as a function reads it: a new provider (a new session, no Powertools cache)."""
    return json.loads(AppConfigProvider(environment="local", application="collections").get("lender"))


def session(data, **extra):
    return data.start_configuration_session(
        ApplicationIdentifier="collections", EnvironmentIdentifier="local", ConfigurationProfileIdentifier="lender", **extra
    )["InitialConfigurationToken"]


def set_validators(lender, *validators):
    lender["client"].update_configuration_profile(
        ApplicationId=lender["app"], ConfigurationProfileId=lender["profile"], Validators=list(validators)
    )


def test_environments_and_strategies(lender):
    c = lender["client"]
    env = c.get_environment(ApplicationId=lender["app"], EnvironmentId=lender["env"])
    assert (env["Name"], env["State"]) == ("local", "READY_FOR_DEPLOYMENT")
    assert [e["Id"] for e in c.list_environments(ApplicationId=lender["app"])["Items"]] == [lender["env"]]
    strategy = c.get_deployment_strategy(DeploymentStrategyId=lender["strategy"])
    assert (strategy["Name"], strategy["DeploymentDurationInMinutes"], strategy["GrowthFactor"]) == ("all-at-once", 0, 100.0)
    assert c.get_deployment_strategy(DeploymentStrategyId="AppConfig.AllAtOnce")["GrowthFactor"] == 100.0
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_environment(ApplicationId=lender["app"], EnvironmentId="nothere")


def test_powertools_reads_the_deployed_version_not_the_latest_hosted_one(lender):
    v1 = put(lender, {"strategies": {"CN": "gentle"}}, label="v1")
    deployment = deploy(lender, v1)
    assert (deployment["DeploymentNumber"], deployment["State"], deployment["ConfigurationVersion"]) == (1, "COMPLETE", v1)
    assert read() == {"strategies": {"CN": "gentle"}}
    v2 = put(lender, {"strategies": {"CN": "firm"}}, label="v2")
    assert read() == {"strategies": {"CN": "gentle"}}  # hosted, not deployed
    deploy(lender, v2)
    assert read() == {"strategies": {"CN": "firm"}}
    c = lender["client"]
    listed = c.list_deployments(ApplicationId=lender["app"], EnvironmentId=lender["env"])["Items"]
    assert [(d["DeploymentNumber"], d["ConfigurationVersion"], d["VersionLabel"]) for d in listed] == [(2, v2, "v2"), (1, v1, "v1")]
    assert c.get_deployment(ApplicationId=lender["app"], EnvironmentId=lender["env"], DeploymentNumber=1)["ConfigurationVersion"] == v1
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_deployment(ApplicationId=lender["app"], EnvironmentId=lender["env"], DeploymentNumber=3)


def test_a_session_gets_the_content_once_then_an_empty_body_until_a_new_deployment(lender, monkeypatch):
    monkeypatch.setattr(appconfig, "enforce_poll_interval", False)
    deploy(lender, put(lender, {"strategies": {}}, label="first"))
    data = boto3.client("appconfigdata")
    first = data.get_latest_configuration(ConfigurationToken=session(data))
    assert json.loads(first["Configuration"].read()) == {"strategies": {}}
    assert (first["ContentType"], first["VersionLabel"], first["NextPollIntervalInSeconds"]) == ("application/json", "first", 60)
    again = data.get_latest_configuration(ConfigurationToken=first["NextPollConfigurationToken"])
    assert again["Configuration"].read() == b""
    deploy(lender, put(lender, {"strategies": {"CN": "firm"}}))
    changed = data.get_latest_configuration(ConfigurationToken=again["NextPollConfigurationToken"])
    assert json.loads(changed["Configuration"].read()) == {"strategies": {"CN": "firm"}}
    with pytest.raises(data.exceptions.BadRequestException, match="not valid or was used already"):
        data.get_latest_configuration(ConfigurationToken=first["NextPollConfigurationToken"])  # single use


def test_the_poll_interval_is_enforced_unless_switched_off(lender, monkeypatch):
    deploy(lender, put(lender, {"strategies": {}}))
    data = boto3.client("appconfigdata")
    first = data.get_latest_configuration(ConfigurationToken=session(data, RequiredMinimumPollIntervalInSeconds=15))
    assert first["NextPollIntervalInSeconds"] == 15
    token = first["NextPollConfigurationToken"]
    with pytest.raises(data.exceptions.BadRequestException, match="Request too early"):
        data.get_latest_configuration(ConfigurationToken=token)
    now = appconfig.clock()
    monkeypatch.setattr(appconfig, "clock", lambda: now + 15)  # a simulated clock 15 s on
    token = data.get_latest_configuration(ConfigurationToken=token)["NextPollConfigurationToken"]  # the refused token is still good
    monkeypatch.setattr(appconfig, "enforce_poll_interval", False)
    assert data.get_latest_configuration(ConfigurationToken=token)["Configuration"].read() == b""


def test_nothing_deployed_yet(lender):
    put(lender, {"strategies": {}})
    data = boto3.client("appconfigdata")
    token = session(data)
    with pytest.raises(data.exceptions.ResourceNotFoundException):
        data.get_latest_configuration(ConfigurationToken=token)
    with pytest.raises(GetParameterError):
        read()
    deploy(lender, "1")
    assert json.loads(data.get_latest_configuration(ConfigurationToken=token)["Configuration"].read()) == {"strategies": {}}
    with pytest.raises(data.exceptions.ResourceNotFoundException):
        data.start_configuration_session(
            ApplicationIdentifier="collections", EnvironmentIdentifier="prod", ConfigurationProfileIdentifier="lender"
        )


def test_a_json_schema_validator_refuses_a_version_at_deployment(lender):
    set_validators(lender, {"Type": "JSON_SCHEMA", "Content": json.dumps(SCHEMA)})
    good = put(lender, {"strategies": {"CN": "gentle"}})
    deploy(lender, good)
    bad = put(lender, {"strategy": "typo"})
    c = lender["client"]
    with pytest.raises(c.exceptions.BadRequestException, match="'strategies' is a required property") as refused:
        deploy(lender, bad)
    assert refused.value.response["Details"]["InvalidConfiguration"][0]["Type"] == "JSON_SCHEMA"
    with pytest.raises(c.exceptions.BadRequestException):
        c.validate_configuration(ApplicationId=lender["app"], ConfigurationProfileId=lender["profile"], ConfigurationVersion=bad)
    c.validate_configuration(ApplicationId=lender["app"], ConfigurationProfileId=lender["profile"], ConfigurationVersion=good)
    assert read() == {"strategies": {"CN": "gentle"}}  # the deployed version stays
    assert len(c.list_deployments(ApplicationId=lender["app"], EnvironmentId=lender["env"])["Items"]) == 1


def test_a_lambda_validator_refuses_and_accepts(lender):
    events = []

    def validator(params, **_):  # lambda:Invoke, answered in process (as LocalStack does with the template's handlers)
        event = json.loads(params["body"])
        events.append((params["url_path"], event))
        document = json.loads(base64.b64decode(event["content"]))
        refused = "CN" not in document["strategies"]
        body = json.dumps({"errorMessage": "no strategy for CN", "errorType": "ValueError"} if refused else None).encode()
        result = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(body), len(body))}
        return AWSResponse("", 200, {}, None), result | ({"FunctionError": "Unhandled"} if refused else {})

    boto3.DEFAULT_SESSION.events.register("before-call.lambda.Invoke", validator)
    set_validators(lender, {"Type": "LAMBDA", "Content": VALIDATOR})
    c = lender["client"]
    bad = put(lender, {"strategies": {"US": "firm"}})
    with pytest.raises(c.exceptions.BadRequestException, match="no strategy for CN"):
        deploy(lender, bad)
    path, event = events[-1]
    assert "local-LenderConfigValidator" in path
    assert event | {"content": ""} == {
        "applicationId": lender["app"],
        "configurationProfileId": lender["profile"],
        "configurationVersion": bad,
        "content": "",
        "uri": "hosted",
    }
    good = put(lender, {"strategies": {"CN": "gentle"}})
    assert deploy(lender, good)["ConfigurationVersion"] == good
    assert read() == {"strategies": {"CN": "gentle"}}


def test_reset_forgets_environments_deployments_and_sessions(lender):
    deploy(lender, put(lender, {"strategies": {}}))
    data = boto3.client("appconfigdata")
    token = session(data)
    appconfig.reset()
    c = lender["client"]
    assert c.list_environments(ApplicationId=lender["app"])["Items"] == []
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_deployment_strategy(DeploymentStrategyId=lender["strategy"])
    assert c.get_deployment_strategy(DeploymentStrategyId="AppConfig.AllAtOnce")  # predefined
    with pytest.raises(data.exceptions.BadRequestException):
        data.get_latest_configuration(ConfigurationToken=token)


def test_server_mode_serves_the_same_state_over_http(aws):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    server._server.app = appconfig.wsgi(server._server.app)  # as sim/local/server.py does
    try:
        endpoint = "http://{}:{}".format(*server.get_host_and_port())
        c, data = (boto3.client(s, endpoint_url=endpoint) for s in ("appconfig", "appconfigdata"))
        app = c.create_application(Name="collections")["Id"]  # moto's
        profile = c.create_configuration_profile(ApplicationId=app, Name="lender", LocationUri="hosted")["Id"]
        env = c.create_environment(ApplicationId=app, Name="local")["Id"]  # the module's, over HTTP
        version = c.create_hosted_configuration_version(
            ApplicationId=app, ConfigurationProfileId=profile, Content=b'{"strategies": {}}', ContentType="application/json"
        )["VersionNumber"]
        c.start_deployment(
            ApplicationId=app,
            EnvironmentId=env,
            DeploymentStrategyId="AppConfig.AllAtOnce",
            ConfigurationProfileId=profile,
            ConfigurationVersion=str(version),
        )
        token = data.start_configuration_session(
            ApplicationIdentifier=app, EnvironmentIdentifier="local", ConfigurationProfileIdentifier="lender"
        )
        latest = data.get_latest_configuration(ConfigurationToken=token["InitialConfigurationToken"])
        assert latest["Configuration"].read() == b'{"strategies": {}}'
        with pytest.raises(data.exceptions.BadRequestException, match="Request too early"):
            data.get_latest_configuration(ConfigurationToken=latest["NextPollConfigurationToken"])
        with pytest.raises(c.exceptions.ResourceNotFoundException):  # a modelled error over HTTP too
            c.get_environment(ApplicationId=app, EnvironmentId="nothere")
        assert boto3.client("s3", endpoint_url=endpoint).list_buckets()["Buckets"] == []  # anything else: moto's
        assert read() == {"strategies": {}}  # an in-process client sees what was deployed over HTTP
    finally:
        server.stop()
