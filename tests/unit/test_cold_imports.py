"""What a cold start loads: the handlers stay clear of modules they do not use (make bench: handler_import_ms).

Each handler is imported in a fresh interpreter with the template's default environment; this pins the
import-time savings (no X-Ray SDK, no boto3 resource layer, no asyncio) so they cannot slip back unnoticed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.local.template import load_template, placeholder_environment, resources_of_type

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
FUNCTION_RESOURCES = resources_of_type(load_template(), "AWS::Serverless::Function").values()
HANDLERS = sorted({r["Properties"]["Handler"].rsplit(".", 1)[0] for r in FUNCTION_RESOURCES})
# pydantic: the event contract is msgspec (about 140 ms less for the borrower-event consumer).
NEVER = ("aws_xray_sdk", "boto3", "asyncio", "aws_lambda_powertools.utilities.batch", "pydantic")
# The borrower-event consumer parses the contract: it must not also pay for SMS texts or dispatch.
NOT_IN_INGEST = ("babel", "escalation.service.dispatch", "escalation.domain.messages")


# The functions' settings as a deployment resolves them: each handler validates its own when imported.
SETTINGS = placeholder_environment(load_template(), {})


def loaded(module: str) -> set[str]:
    env = {**os.environ, **SETTINGS, "PYTHONPATH": str(FUNCTIONS), "DETAILED_TRACING": "false", "AWS_DEFAULT_REGION": "us-east-1"}
    probe = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    return set(json.loads(subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout))


@pytest.mark.parametrize("module", HANDLERS)
def test_a_handler_does_not_load_what_it_does_not_use(module):
    modules = loaded(module)
    assert [m for m in NEVER if m in modules] == []
    if module == "ingest_events.app":
        assert [m for m in NOT_IN_INGEST if m in modules] == []
