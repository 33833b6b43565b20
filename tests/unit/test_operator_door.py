"""The ops CLI's door to a deployed OperatorCommandsFunction (ops/operator_door.py): a POST signed with the caller's own
credentials (SigV4, service lambda), and the function's answers, accepted or refused, read back. Against a local
HTTP server standing in for the function URL: what goes over the wire is what Lambda's AWS_IAM auth verifies."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from ops.operator_door import DoorRefused, SignedUrlDoor


@pytest.fixture
def function_url():
    """A stand-in URL: records each request, answers with the status and body the test sets."""
    seen: list[dict] = []
    answer = {"status": 202, "body": {"status": "accepted", "events": [{"event_id": "ops-1", "principal": "arn:x"}]}}

    class Url(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"headers": dict(self.headers), "body": body})
            data = json.dumps(answer["body"]).encode() if answer["body"] is not None else b"Forbidden"
            self.send_response(answer["status"])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", seen, answer
    server.shutdown()


def session(token: str | None = "session-token") -> boto3.Session:
    return boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", aws_session_token=token, region_name="eu-west-1")


def test_a_command_is_signed_for_lambda_with_the_callers_credentials(function_url):
    url, seen, _ = function_url
    command = {"type": "legal_decision", "account_id": "A-1", "decision": "approve", "reviewer": "李伟"}
    accepted = SignedUrlDoor(session(), url).send(command)
    assert accepted["events"][0]["event_id"] == "ops-1"
    [request] = seen
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/lambda/aws4_request" in headers["authorization"]  # the service Lambda's URL auth verifies
    assert "SignedHeaders=" in headers["authorization"] and headers["x-amz-security-token"] == "session-token"
    assert headers["x-amz-date"] and json.loads(request["body"]) == command  # the body signed is the body sent


def test_the_functions_refusal_is_raised_with_its_reason(function_url):
    url, _, answer = function_url
    answer.update(status=409, body={"status": "refused", "reason": "principal: li.wei approved this review already"})
    with pytest.raises(DoorRefused, match=r"^principal: li\.wei approved this review already$"):
        SignedUrlDoor(session(), url).send({"type": "legal_decision", "account_id": "A-1", "decision": "approve"})


def test_lambdas_own_403_says_which_role_to_assume(function_url):
    """Without lambda:InvokeFunctionUrl Lambda refuses before the function runs, with no reason of ours."""
    url, _, answer = function_url
    answer.update(status=403, body=None)
    with pytest.raises(DoorRefused, match="assume the stack's ReviewerRole or OperatorRole"):
        SignedUrlDoor(session(None), url).send({"type": "hold_placed", "account_id": "A-1", "reason": "paused"})
