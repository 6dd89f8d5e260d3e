# cloud-backend: the developer's entry points. `make dev` and `make test` need only Node and npm.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE_SOURCE := node --conditions=@cloud-backend/source --import tsx
PACKAGES := package.json package-lock.json $(wildcard */package.json) monitoring/dashboard-api/package.json
STAMP := node_modules/.install-stamp

.PHONY: help install dev test lint typecheck format build bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Reinstall only when a package manifest or the lockfile changed.
$(STAMP): $(PACKAGES)
	npm ci --no-audit --no-fund
	@touch $@

install: $(STAMP) ## install dependencies (npm ci) if missing or out of date

dev: $(STAMP) ## run every service on an embedded PostgreSQL (data in .data/); Ctrl-C stops all
	$(NODE_SOURCE) scripts/dev.ts

test: $(STAMP) ## lint, typecheck and every workspace's tests against a real PostgreSQL
	npm run lint
	npm run typecheck
	npm test

lint: $(STAMP) ## ESLint and Prettier's check
	npm run lint

typecheck: $(STAMP) ## tsc --noEmit in every workspace
	npm run typecheck

format: $(STAMP) ## rewrite files with Prettier
	npm run format

build: $(STAMP) ## compile every workspace to dist/
	npm run build

bench: $(STAMP) ## benchmarks that print their figures next to a reference measured in the same run
	npm run bench:login

clean: ## remove build output and node_modules (.data/ survives unless WIPE_DATA=1)
	rm -rf node_modules */node_modules monitoring/dashboard-api/node_modules */dist monitoring/dashboard-api/dist
	@if [ "$(WIPE_DATA)" = "1" ]; then echo "removing .data/"; rm -rf .data; fi
