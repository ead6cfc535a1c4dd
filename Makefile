# Thin front: every target calls mono or a script in hack/. See docs/.
SHELL := /bin/bash

.PHONY: help dev test test-go lint fmt bench bench-deploy tools build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

dev: build ## run the platform locally on embedded defaults
	.mono/bin/mono dev

test: build ## every test through mono run (lint, then all suites), cached in .mono/cache
	hack/mono-test.sh

test-go: ## direct path, no mono: Go tests (unit and integration), race detector on
	hack/test-go.sh

lint: ## direct path, no mono: gofmt, go vet, staticcheck and the other languages' linters
	hack/lint.sh

fmt: ## update: format Go code in place
	gofmt -w $$(git ls-files '*.go')

bench: ## benchmarks against the peers (turbo, nx); prints ratios
	bench/run.sh

bench-deploy: ## mono deploy vs the helm CLI on the test control plane (bench/deploy)
	go run ./bench/deploy

tools: ## install pinned tool binaries into .mono/tools/bin
	hack/tools.sh

build: ## build the mono binary into .mono/bin
	go build -buildvcs=true -o .mono/bin/mono ./build/cmd/mono
