# cloud-backend: the developer's entry points. `make dev` and `make test` need only Node and npm.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE_SOURCE := node --conditions=@cloud-backend/source --import tsx
PACKAGES := package.json package-lock.json $(wildcard */package.json) monitoring/dashboard-api/package.json
STAMP := node_modules/.install-stamp

.PHONY: help install dev test lint typecheck format build bench clean \
	up down logs ps migrate backup restore test-compose test-faults import-original drop-legacy \
	test-replicas

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# Reinstall only when a package manifest or the lockfile changed.
$(STAMP): $(PACKAGES)
	npm ci --no-audit --no-fund
	@touch $@

install: $(STAMP) ## install dependencies (npm ci) if missing or out of date

dev: $(STAMP) ## run every service on an embedded PostgreSQL (data in .data/); Ctrl-C stops all
	$(NODE_SOURCE) scripts/dev.ts

# `make test` runs its stages at the same time, prints each one's output when it ends, with
# its duration (wall clock and CPU), then all durations together; it fails when any stage
# failed, once every stage has ended. tsc runs at a lower priority (nice): the tests wait on
# PostgreSQL, servers and child processes much of the time, and it takes the CPU they leave.
# The lint is two stages: ESLint for the rules that read the syntax alone, and Oxlint
# (tsgolint, TypeScript 7) for typescript-eslint's type-aware rules, on one thread each
# (.oxlintrc.json); the format check is oxfmt's (.oxfmtrc.json), Prettier's style in well under
# a second (docs/PERFORMANCE.md#test-run). `npm run lint:eslint` runs ESLint with V8's garbage
# collector on its main thread: its helper threads cost CPU for no gain.
TEST_STAGES := test-system-tools test-eslint test-lint-types test-format test-typecheck test-vitest
LOW_PRIORITY := nice -n 10
.PHONY: $(TEST_STAGES)

# $(call stage,NAME,COMMAND): runs COMMAND, then prints "stage NAME: <wall> s (CPU …)" (and
# appends it to STAGE_LOG when set); exits with COMMAND's status.
stage = status=0; took=$$(mktemp); TIMEFORMAT='stage $(1): %0R s (CPU %0U s user, %0S s sys)'; \
	{ time { $(2) 2>&3 || status=$$?; }; } 3>&2 2>"$$took"; \
	line="$$(cat "$$took")$$( ((status)) && echo ", FAILED (exit $$status)")"; rm -f "$$took"; \
	echo "$$line"; if [[ -n "$(STAGE_LOG)" ]]; then echo "$$line" >>"$(STAGE_LOG)"; fi; \
	exit $$status

test: $(STAMP) ## lint, typecheck and every workspace's tests against a real PostgreSQL, at once
	@log=$$(mktemp); status=0; \
	$(MAKE) --no-print-directory --keep-going --jobs --output-sync=target $(TEST_STAGES) \
	  STAGE_LOG="$$log" || status=$$?; \
	echo; echo "make test stages:"; sort "$$log"; rm -f "$$log"; \
	if ((status)); then echo "make test FAILED"; fi; exit $$status

test-system-tools:
	@$(call stage,system tools,bash scripts/system-tools.sh)

test-eslint:
	@$(call stage,eslint,npm run --silent lint:eslint)

test-lint-types:
	@$(call stage,type-aware lint,npm run --silent lint:types)

test-format:
	@$(call stage,format check,npm run --silent lint:format)

test-typecheck:
	@$(call stage,typecheck,$(LOW_PRIORITY) npm run --silent typecheck)

# The tests drive real programs (redis-server, nginx, Chromium, …) that system-tools installs.
# Some run `make` themselves (make dev, import-original): without this make's own settings
# (output held until a target ends, jobs, keep-going), as a person running it would.
test-vitest: test-system-tools
	@$(call stage,vitest,env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL npx vitest run)

lint: $(STAMP) ## ESLint, the type-aware rules (Oxlint) and the format check (oxfmt)
	npm run lint

typecheck: $(STAMP) ## tsc --noEmit over every workspace (tsconfig.check.json, then frontend)
	npm run typecheck

format: $(STAMP) ## rewrite files in the project's style (oxfmt, .oxfmtrc.json)
	npm run format

build: $(STAMP) ## compile every workspace to dist/
	npm run build

bench: $(STAMP) ## benchmarks that print their figures next to a reference measured in the same run
	npm run bench:login
	npm run bench:gateway
	npm run bench:checkin
	npm run bench:replicas
	npm run bench:memory
	npm run bench:tracing
	npm run bench:live

import-original: $(STAMP) ## switch over from the original: DUMPS=<its backups> or ORIGINAL_AUTH_URL/ORIGINAL_USER_URL=… [COMPOSE=1] [DRY_RUN=1] [REPLACE=1] (docs/switch-over.md)
	$(NODE_SOURCE) scripts/import-original.ts

drop-legacy: $(STAMP) ## once the switch-over is checked, drop the original's tables kept in schema legacy [DRY_RUN=1] [DISCARD_UNMAPPED=1] [COMPOSE=1]
	$(NODE_SOURCE) scripts/drop-legacy.ts

test-faults: $(STAMP) ## fault injection and fuzzing through the gateway (real processes; minutes)
	bash scripts/system-tools.sh
	npx vitest run --config test/faults/vitest.config.ts

test-replicas: $(STAMP) ## replicas of each service behind nginx, with Redis and Prometheus, one of each killed (minutes)
	bash scripts/system-tools.sh
	npx vitest run --config test/replicas/vitest.config.ts

clean: ## remove build output and node_modules (.data/ kept unless WIPE_DATA=1, volumes unless WITH_VOLUMES=1)
	rm -rf node_modules */node_modules monitoring/dashboard-api/node_modules */dist monitoring/dashboard-api/dist
	@# As root, .data/postgres may be a link to the data PostgreSQL's user can reach (README).
	@if [ "$(WIPE_DATA)" = "1" ]; then \
	  case "$$(readlink .data/postgres)" in /var/lib/cloud-backend/*) rm -rf "$$(readlink .data/postgres)";; esac; \
	  echo "removing .data/"; rm -rf .data; \
	fi
	@if [ "$(WITH_VOLUMES)" = "1" ]; then \
	  echo "removing the containers and EVERY volume (databases included) of the compose stack"; \
	  $(COMPOSE) down --volumes --remove-orphans; \
	fi

# --- containers (docker compose; docs/operations.md) -----------------------------------------
# `make up` runs the development stack; PROD=1 adds docker-compose.prod.yml (images pulled at
# IMAGE_TAG, secrets from .env). SERVICES limits a target to some services. No target here
# removes a volume, except `make clean WITH_VOLUMES=1`.
COMPOSE_FILES := -f docker-compose.yml $(if $(filter 1,$(PROD)),-f docker-compose.prod.yml)
COMPOSE ?= docker compose $(COMPOSE_FILES)
SERVICES ?=

up: ## start the stack in Docker (builds images; PROD=1 pulls them) and wait until healthy
	$(COMPOSE) up -d --wait $(if $(filter 1,$(PROD)),--no-build,--build) $(SERVICES)
	@echo "https://localhost:$${HTTPS_PORT:-443}  (Prometheus 127.0.0.1:$${PROMETHEUS_PORT:-9090}, Grafana 127.0.0.1:$${GRAFANA_PORT:-3004})"

down: ## stop and remove the containers; every volume (the databases) is kept
	$(COMPOSE) down --remove-orphans

logs: ## follow the logs (SERVICES=gateway to pick)
	$(COMPOSE) logs -f --tail=200 $(SERVICES)

ps: ## the containers and their health
	$(COMPOSE) ps

migrate: ## apply pending migrations in the running containers (they also migrate at start-up)
	@for service in auth-service user-service social-log-service; do \
	  echo "$$service:"; \
	  $(COMPOSE) exec -T $$service node ../shared/dist/migrate-command.js up || exit 1; \
	done

backup: ## dump the three databases now, into ./backups (verified by a restore; the newest 5 of each kept) [ACCEPT_SHRINK=<db>|all]
	$(COMPOSE) exec -T -u node -e BACKUP_ACCEPT_SHRINK=$(ACCEPT_SHRINK) pg-backup backup.sh

restore: ## restore a dump: make restore DB=users_db FILE=backups/users_db_<time>.sql.gz (or REMOTE=latest|<snapshot>) [INTO=scratch_db] [REPLACE=1]
	@if [ -z "$(DB)" ] || [ -z "$(FILE)$(REMOTE)" ]; then \
	  echo "usage: make restore DB=<auth_logs_db|users_db|social_logs_db> FILE=backups/<file>.sql.gz|REMOTE=<latest|snapshot> [INTO=<database>] [REPLACE=1]"; exit 2; \
	fi
	$(COMPOSE) exec -T -u node -e RESTORE_REPLACE=$(if $(REPLACE),1,0) pg-backup restore.sh $(DB) $(if $(REMOTE),remote:$(REMOTE),$(notdir $(FILE))) $(INTO)

.PHONY: remote-backups
remote-backups: ## list the copies in BACKUP_REMOTE (restic snapshots) [DB=<database>]
	$(COMPOSE) exec -T -u node pg-backup remote.sh snapshots $(DB)

test-compose: $(STAMP) ## build and start the stack in Docker and test it end to end through https (minutes)
	npx vitest run --config test/ops/compose.vitest.config.ts
