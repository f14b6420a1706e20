# PIAF — two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
# The Go toolchain that builds and tests PIAF. The language level stays Go 1.26
# (go.mod), but go1.26.8's standard library has 13 vulnerabilities reachable
# from our code (make vulncheck), fixed in 1.26.9/1.26.10, which the module
# proxy here does not serve; go1.27.3 is served and fixes them all. The go
# command fetches it from the module proxy once (76 MB). `make GOTOOLCHAIN=local`
# uses the machine's own Go instead.
export GOTOOLCHAIN := go1.27.3
# -trimpath keeps source directories out of the build cache's keys, so that a
# fresh clone (CI clones main into a new directory on the same machine) reuses
# the packages, test binaries and fuzz builds already compiled instead of
# compiling everything again (about three minutes of `make test` on two cores).
# -buildvcs=false: builds also work where git cannot read the checkout.
export GOFLAGS := -trimpath -buildvcs=false
BIN       := bin/piaf
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/lab-ia/piaf/backend/internal/buildinfo.version=$(VERSION) -X github.com/lab-ia/piaf/backend/internal/buildinfo.commit=$(COMMIT)
DIST      := backend/internal/web/dist
OPENAPI   := frontend/src/lib/api/openapi.json

export PIAF_SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: help run build build-go frontend deps api test test-go test-fuzz test-frontend test-e2e screenshots bench vulncheck lint clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

run: build ## Build everything and serve http://localhost:8080 with the embedded database and demo data
	./$(BIN) serve --demo

build: frontend build-go ## Build the SPA and the binary embedding it

deps: node_modules/.package-lock.json ## Install npm dependencies (npm ci)

node_modules/.package-lock.json: package-lock.json package.json frontend/package.json e2e/package.json
	npm ci --no-audit --no-fund
	@touch $@

api: ## Regenerate the OpenAPI document and the frontend's typed client from the Go routes
	$(GO) run -tags nofrontend ./backend/cmd/piaf openapi > $(OPENAPI).tmp && mv $(OPENAPI).tmp $(OPENAPI)
	npm run api -w frontend --silent

frontend: deps api ## Build the SPA into the Go embed folder
	npm run build -w frontend

build-go: ## Build the binary (embeds whatever SPA build is present)
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./backend/cmd/piaf

test: build test-go test-fuzz test-frontend test-e2e ## Run every test: Go (PostgreSQL and SQLite), short fuzzing, Vitest, browser

test-go: ## Go tests against a real PostgreSQL ($$PIAF_TEST_DATABASE_URL) and SQLite
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 8m ./...

# Every fuzz target, as "package:Target". Crashes found become seeds under
# the package's testdata/fuzz and so regression tests of `go test`.
FUZZ_TARGETS := ./backend/frtext:FuzzTokenize ./backend/frtext:FuzzOffsets ./backend/internal/annotate:FuzzCheckSpan \
	./backend/qa/squad:FuzzRead ./backend/pseudo:FuzzReadCorpora ./backend/pseudo:FuzzDetect \
	./backend/pseudo/office:FuzzOpenDOCX ./backend/pseudo/office:FuzzOpenODT ./backend/internal/dataio:FuzzImport \
	./backend/internal/live:FuzzClientMessage
FUZZTIME ?= 100x

test-fuzz: ## Run each fuzz target for FUZZTIME (100 inputs in `make test`: a count, not a duration, so that a slow input on a loaded machine cannot fail the run; e.g. FUZZTIME=10m by hand)
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg > /tmp/piaf-fuzz.log 2>&1 || { cat /tmp/piaf-fuzz.log; exit 1; }; \
	done

test-frontend: deps ## Frontend unit tests (Vitest) and type check
	npm run check -w frontend
	npm test -w frontend

test-e2e: frontend ## Browser tests (Playwright driving /usr/bin/chromium) against a test build (-tags piaftest): the performance budget alone, then the rest two files at a time
	$(GO) build -o bin/piaf-devtools ./backend/cmd/piaf-devtools
	CGO_ENABLED=0 $(GO) build -tags piaftest -o bin/piaf-e2e ./backend/cmd/piaf
	PIAF_BIN=$(abspath bin/piaf-e2e) PIAF_DEVTOOLS_BIN=$(abspath bin/piaf-devtools) npm test -w e2e

SCREENSHOTS := home-fr annoter moderation release entites pseudonymiser qa-models home-dark campagnes-360

screenshots: ## Copy the README's screenshots from the last browser test run (e2e/artifacts) into docs/screenshots
	@mkdir -p docs/screenshots
	@for n in $(SCREENSHOTS); do cp e2e/artifacts/$$n.png docs/screenshots/$$n.png || exit 1; done

bench: ## Benchmarks (see docs/BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

vulncheck: ## govulncheck ./... against a local Go vulnerability database built from the golang.org/x/vulndb module (no vuln.go.dev needed; see .ci/vulncheck)
	GO=$(GO) .ci/vulncheck

clean: ## Remove build outputs
	rm -rf bin frontend/.svelte-kit
	find $(DIST) -mindepth 1 ! -name .gitkeep -delete
