# Every target does its own set-up; run any of them on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST_PYTHON ?= python3
CLOUD := $(HOST_PYTHON) localstack/cloud.py
VENV := .venv
PY := $(VENV)/bin/python
DEVKIT := $(VENV)/bin/devkit
WHEELS := .local-cloud/wheels
FUNCTION_REQUIREMENTS := $(wildcard functions/*/requirements.txt)
LOCAL_CLOUD_PORT ?= 4566
export LOCAL_CLOUD_PORT

# The local cloud, as every AWS client (sam, boto3, tests) should see it.
LOCAL_AWS := AWS_ENDPOINT_URL=http://127.0.0.1:$(LOCAL_CLOUD_PORT) AWS_ACCESS_KEY_ID=test \
	AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1

# The workflows' code, importable as the Lambda runtime imports it, for the demos and benchmarks
# (sample data, business rules run in-process); pytest's pythonpath names the same folders.
LAMBDA_CODE := PYTHONPATH=$(shell echo $(abspath $(wildcard functions/*)) | tr ' ' :)

.PHONY: help setup up down build deploy-local demo unit test bench lint deploy invoke watch token inspect iam-report clock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The project's own tools (scripts/devkit, the devkit command) go in editable, built with the
# setuptools just installed: nothing more is downloaded.
$(VENV)/.installed: requirements-dev.txt scripts/pyproject.toml
	@echo "[setup] tools (sam, pytest, moto, ruff, ...) into $(VENV)"
	@rm -rf $(VENV) && "$$($(CLOUD) python)" -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		--no-index --editable scripts
	@touch $@

# Wheels for every function's requirements, so 'sam build' never downloads.
$(WHEELS)/.installed: $(VENV)/.installed $(FUNCTION_REQUIREMENTS)
	@echo "[setup] wheels for the functions into $(WHEELS)"
	@mkdir -p $(WHEELS)
	@$(PY) -m pip download --quiet --disable-pip-version-check --dest $(WHEELS) \
		--only-binary=:all: --implementation cp --platform manylinux2014_x86_64 \
		--platform manylinux_2_28_x86_64 --platform manylinux_2_34_x86_64 \
		--python-version 3.13 $(foreach r,$(FUNCTION_REQUIREMENTS),-r $(r))
	@touch $@

setup: $(VENV)/.installed $(WHEELS)/.installed ## Install everything (idempotent)
	@$(CLOUD) setup
	@$(DEVKIT) issuer init

up: setup ## Start the local cloud on 127.0.0.1:4566
	@$(CLOUD) up

down: ## Stop the local cloud
	@$(CLOUD) down

build: setup ## sam build
	@$(DEVKIT) stack build

deploy-local: up ## Build and deploy the stack into the local cloud
	@$(DEVKIT) stack deploy-local

demo: deploy-local ## Deploy, run every workflow once and print the outcomes
	@$(LOCAL_AWS) $(LAMBDA_CODE) $(DEVKIT) demo

unit: $(VENV)/.installed ## The unit tests alone (moto, in-process; no local cloud)
	@$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# make test runs the tests in this many parallel workers against one local cloud, each test file
# on one worker (its module fixtures stay together), each workflow's end-to-end folder too (its
# tests share the workflow's state; tests/conftest.py); TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2

test: up ## Run every test (unit, local cloud, end to end)
	@$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: deploy-local ## Benchmarks (all, or BENCH="localcloud payroll")
	@$(LAMBDA_CODE) $(PY) bench/run.py $(BENCH)

lint: setup ## ruff, sam validate --lint, checkov
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(DEVKIT) stack validate
	@$(MAKE) --no-print-directory checkov

CHECKOV := .local-cloud/checkov
$(CHECKOV)/.installed: requirements-checkov.txt
	@echo "[setup] checkov into $(CHECKOV)"
	@rm -rf $(CHECKOV) && "$$($(CLOUD) python)" -m venv $(CHECKOV)
	@$(CHECKOV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

.PHONY: checkov
# The root template as it is built: its routes filled in from functions/*/routes.yaml.
checkov: $(CHECKOV)/.installed $(VENV)/.installed
	@ROOT="$$($(DEVKIT) routes)" && $(CHECKOV)/bin/checkov --quiet --compact --skip-download \
		-f "$$ROOT" $(foreach t,$(wildcard functions/*/template.yaml),-f $(t)) \
		--config-file .checkov.yaml

deploy: setup ## Deploy to real AWS (--config-env dev)
	@$(DEVKIT) stack deploy dev

# invoke and watch start the local cloud themselves when it is not running, and then do only
# what changed since the last deploy (scripts/devkit/stack_sync.py): nothing, most of the time.
invoke: $(VENV)/.installed $(WHEELS)/.installed ## Invoke a function of the local stack: make invoke FN=<logical id> EVENT=events/x.json
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<logical id> EVENT=events/<file>.json"; exit 2; }
	@$(LOCAL_AWS) $(DEVKIT) invoke $(FN) $(EVENT)

watch: $(VENV)/.installed $(WHEELS)/.installed ## Keep the local stack in step with the working tree as you save
	@$(LOCAL_AWS) $(DEVKIT) watch

# Claims beyond subject and roles: ORG=..., EMAIL=... (email, verified), or CLAIMS="name=value ..."
# for any other. USER= counts only from the command line; without it the token is for your login
# name, and says so.
token: $(VENV)/.installed ## A staff token for the local stack: make token ROLE=reviewer USER=rita [ORG=acme] [EMAIL=rita@acme.example]
	@test -n "$(ROLE)" || { echo "usage: make token ROLE=reviewer USER=<name> [ORG=<org>] [EMAIL=<address>]"; exit 2; }
	@$(DEVKIT) issuer token --role "$(ROLE)" $(if $(filter command line,$(origin USER)),--user "$(USER)") \
		$(if $(ORG),--claim "org=$(ORG)") $(if $(EMAIL),--email "$(EMAIL)") \
		$(foreach c,$(CLAIMS),--claim "$(c)")

inspect: up ## Save execution pages as HTML files (latest of every state machine, or ARN=<execution ARN>)
	@$(DEVKIT) inspect $(ARN)

iam-report: up ## Per role of the local cloud: granted but never used, denied (IAM journal since start)
	@$(DEVKIT) iam-report

# ADVANCE: an ISO 8601 duration (PT24H) or 24h, 90m, 1d2h; without it, the clock is read.
clock: $(VENV)/.installed ## Move the local cloud's clock forward: make clock ADVANCE=24h (README, "Time on the local cloud")
	@$(DEVKIT) clock $(ADVANCE)

clean: down ## Stop the local cloud and remove every generated file
	rm -rf .aws-sam .local-cloud $(VENV)
