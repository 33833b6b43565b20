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

.PHONY: demo test scenario lint validate build clean

$(VENV)/.installed: requirements-dev.txt functions/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# SAM CLI pins its own boto3 and friends: it lives in its own virtual environment.
$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check aws-sam-cli==1.170.0
	touch $@

demo: $(VENV)/.installed
	$(RUN) -m sim.demo --out out/demo

scenario: $(VENV)/.installed
	@test -n "$(SCENARIO)" -a -n "$(OUT)" || { echo "usage: make scenario SCENARIO=file.json OUT=dir" >&2; exit 2; }
	@$(RUN) -m sim.scenario "$(SCENARIO)" "$(OUT)"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check functions sim tests
	$(VENV)/bin/ruff format --check functions sim tests

validate: $(VENV)/.installed $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM) validate --lint --region us-east-1
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM_ENV) $(SAM) build --cached --parallel > .aws-sam-build.log 2>&1 || { cat .aws-sam-build.log; exit 1; }
	@echo "sam build: ok"

test: lint validate
	$(RUN) -m pytest

build: $(SAM_VENV)/.installed
	$(SAM_ENV) $(SAM) build

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .aws-sam-build.log out .pytest_cache .ruff_cache
