# clubcrm — `make help` lists the targets.
.DEFAULT_GOAL := help
GO        ?= go
PKG       := ./...
BIN       := bin/clubcrm
STATICCHECK := v0.8.2
DEADCODE    := v0.51.0
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: help
help: ## list targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/clubcrm
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/clubcrm

.PHONY: services
services: ## make sure PostgreSQL and Redis answer on localhost (local ones, else docker compose)
	@bash .ci/services

.PHONY: run
run: services ## run the whole service: bot (if TELEGRAM_BOT_TOKEN is set), workers, scheduler, HTTP on :8080
	LOG_FORMAT=$${LOG_FORMAT:-text} $(GO) run -ldflags "-X main.version=$(VERSION)" ./cmd/clubcrm serve

.PHONY: test
test: services ## run every test with the race detector against real PostgreSQL and Redis
	$(GO) test -race -count=1 -timeout 14m $(PKG)

.PHONY: test-short
test-short: ## tests without the race detector (faster while iterating)
	$(GO) test -count=1 $(PKG)

.PHONY: bench
bench: ## run the benchmarks (sizes via CLUBCRM_BENCH_* variables, see README)
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m $(PKG)

.PHONY: fuzz
fuzz: ## fuzz the plan and CSV parsers for a minute each
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./domain/plan
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./domain/clientcsv

.PHONY: lint
lint: ## go vet, gofmt and staticcheck (pinned); a few seconds once the tools are built
	$(GO) vet $(PKG)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) $(PKG)

# deadcode builds the whole program's SSA on every run (no cache): most of
# lint's time, so it is its own target, run by CI after lint.
.PHONY: deadcode
deadcode: ## functions nothing reaches, tests included (pinned)
	@out=$$($(GO) run golang.org/x/tools/cmd/deadcode@$(DEADCODE) -test $(PKG)); if [ -n "$$out" ]; then echo "dead code:"; echo "$$out"; exit 1; fi

.PHONY: ci
ci: ## what CI runs: services up, vet, race tests
	bash .ci/run
