# The README's commands. Each target sets up what it needs on a fresh clone.
PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
RUN := PYTHONPATH=functions:. $(PY)
# `sam build` needs the Lambda runtime's Python (3.13) on PATH; pyenv provides it here.
PY313 := $(shell pyenv versions --bare 2>/dev/null | grep -m1 '^3\.13')
SAM_ENV := SAM_CLI_TELEMETRY=0 $(if $(PY313),PYENV_VERSION=$(PY313))
# Checkov (security scanner, README: Security) pins its own dependencies too: its own virtual environment.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_VERSION := 3.3.30
# --skip-download: no calls to the vendor's platform (guideline links, severities); every check runs locally.
CHECKOV_ARGS := --framework cloudformation --quiet --compact --skip-download
TRANSFORMED := .aws-sam/transformed/template.json

.PHONY: demo test scenario compare lint validate scan build clean

# Set-up talks on stderr: stdout stays the command's own (`make scenario ... JSON=1` parses as JSON on a fresh clone).
$(VENV)/.installed: requirements-dev.txt functions/requirements.txt
	@echo "setting up $(VENV) (first run only)" >&2
	@$(PYTHON) -m venv $(VENV) >&2
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt >&2
	@touch $@

# SAM CLI pins its own boto3 and friends: it lives in its own virtual environment.
$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check aws-sam-cli==1.170.0
	touch $@

$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	touch $@

demo: $(VENV)/.installed
	$(RUN) -m sim.scenarios.demo --out out/demo

# `make local [PORT=5000]`: the stack on moto's server mode, kept running (sim/local_server.py); `make local-day [DATE=...]`
# advances its simulated clock by a day, or through DATE.
PORT ?= 5000
.PHONY: local local-day
local: $(VENV)/.installed
	@$(RUN) -m sim.local.server --port $(PORT)

local-day: $(VENV)/.installed
	@$(RUN) -m sim.local.day --port $(PORT) $(if $(DATE),--date $(DATE))

scenario: $(VENV)/.installed
	@test -n "$(SCENARIO)" -a -n "$(OUT)" || { echo "usage: make scenario SCENARIO=file.json OUT=dir [JSON=1]" >&2; exit 2; }
	@$(RUN) -m sim.scenarios "$(SCENARIO)" "$(OUT)" $(if $(JSON),--json)

# `make bench OUT=dir [QUICK=1]`: throughput, AWS calls per contact and cost (sim/bench/) -> dir/bench.json and a table.
# QUICK=1 skips the 10,000-account run.
.PHONY: bench
# The policy lab (sim/lab): the book once per policy in its `policies`, side by side: compare.json, compare.html.
compare: $(VENV)/.installed
	@test -n "$(SCENARIO)" -a -n "$(OUT)" || { echo "usage: make compare SCENARIO=book.json OUT=dir [SEED=n] [JSON=1]" >&2; exit 2; }
	@$(RUN) -m sim.lab "$(SCENARIO)" "$(OUT)" $(if $(SEED),--seed $(SEED)) $(if $(JSON),--json)

bench: $(VENV)/.installed
	@test -n "$(OUT)" || { echo "usage: make bench OUT=dir [QUICK=1]" >&2; exit 2; }
	$(RUN) -m sim.bench --out "$(OUT)" $(if $(QUICK),--quick)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check functions sim ops tests
	$(VENV)/bin/ruff format --check functions sim ops tests
	PYTHONPATH=functions $(PY) -m escalation.lint_messages

# Checkov on template.yaml as written, then on its SAM transform (tools/sam_transform.py), which adds the
# resources SAM generates: each function's and state machine's IAM role, the functions, schedules and state
# machines. Zero failed checks; each suppression sits in its resource's Metadata with the reason.
scan: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(VENV)/bin/ruff check tools
	$(VENV)/bin/ruff format --check tools
	$(CHECKOV) -f template.yaml $(CHECKOV_ARGS)
	AWS_DEFAULT_REGION=us-east-1 $(SAM_VENV)/bin/python tools/sam_transform.py template.yaml $(TRANSFORMED)
	$(CHECKOV) -f $(TRANSFORMED) $(CHECKOV_ARGS)

validate: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(SAM_ENV) $(SAM) validate --lint --region us-east-1
	$(VENV)/bin/cfn-lint template.yaml
	@$(MAKE) --no-print-directory scan
	$(SAM_ENV) $(SAM) build --cached --parallel > .aws-sam-build.log 2>&1 || { cat .aws-sam-build.log; exit 1; }
	@echo "sam build: ok"
	$(PY) tools/check_bytecode.py .aws-sam/build

# Every core (-n auto), each test file on one worker (--dist loadfile): its module-scoped scenario runs run once.
test: lint validate
	$(RUN) -m pytest -n auto --dist loadfile

build: $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM) build

# `make deploy ENV=dev|prod [CONFIGURATION=file]`: the same lint and validation as `make test`, then tools/deploy.py says what
# it will deploy (stack, region, parameters, configuration), runs the project's own SAM CLI, and deploys the lender
# configuration (deploy/<ENV>.configuration.json: senders, policies, strategy) to AppConfig.
.PHONY: deploy
deploy:
	@test -n "$(ENV)" || { echo "usage: make deploy ENV=dev|prod [CONFIGURATION=file.json]" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(VENV)/.installed
	$(PY) tools/deploy.py $(ENV) --dry-run $(if $(CONFIGURATION),--configuration $(CONFIGURATION))
	@$(MAKE) --no-print-directory lint validate
	$(SAM_ENV) $(PY) tools/deploy.py $(ENV) --sam $(SAM) $(if $(CONFIGURATION),--configuration $(CONFIGURATION))

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .aws-sam-build.log out .pytest_cache .ruff_cache
