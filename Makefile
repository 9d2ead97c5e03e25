# axioms-go — run `make help` for the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO          ?= go
# Every module of the workspace (each directory with a go.mod listed in go.work).
MODULES     := $(shell $(GO) work edit -json | sed -n 's/.*"DiskPath": "\(.*\)".*/\1/p')
# Framework of `make demo`: one of DEMOS.
FRAMEWORK   ?= chi
DEMOS       := chi echo echo5 fiber fiber3 gin
# Nested modules outside the workspace, each built with GOWORK=off: benchmarks
# against peers, interop tests, the release tool and the pin of the Wycheproof
# test vectors. None is published.
NESTED      := bench interop release internal/wycheproof/pin
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Iteration counts, not durations: a duration deadline that expires while the
# fuzzer minimises a new input is reported as a spurious failure.
FUZZTIME    ?= 300000x
# Fuzz targets as package:Target.
FUZZ_TARGETS := ./core:FuzzClaimsDecode ./core:FuzzAppendJSON ./core:FuzzExtractToken ./core:FuzzSplitAndHeader ./core:FuzzQuoteParam ./core:FuzzVerify ./core:FuzzResourceMetadataURL ./core:FuzzVerifyIssuers ./core:FuzzCredentialSources ./core:FuzzClientCertificateFromHeader ./core:FuzzIntrospectionAnswer ./core:FuzzSignedAnswer \
                ./core/internal/strictjson:FuzzParse ./core/internal/strictjson:FuzzScanner ./internal/tokensrc:FuzzFormTokens

.PHONY: help
help: ## Show the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: demo
demo: ## Run an example server (FRAMEWORK=chi|echo|echo5|fiber|fiber3|gin, default chi) on an embedded development issuer
	@case " $(DEMOS) " in *" $(FRAMEWORK) "*) ;; *) echo "FRAMEWORK must be one of: $(DEMOS); not '$(FRAMEWORK)'" >&2; exit 2;; esac
	cd examples && $(GO) run ./$(FRAMEWORK)

.PHONY: test
test: vet ## Run every test of every module with -race, then each fuzz target briefly
	@for m in $(MODULES); do echo "== go test -race $$m"; (cd $$m && $(GO) test -race -count=1 ./...); done
	@echo "== release tool"
	@cd release && GOWORK=off $(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory release-check
	@echo "== bench module: every benchmarked peer accepts the token and refuses a forged one"
	@cd bench && GOWORK=off $(GO) vet ./... && GOWORK=off $(GO) test -count=1 ./...
	@$(MAKE) --no-print-directory interop
	@$(MAKE) --no-print-directory fuzz FUZZTIME=20000x

.PHONY: vet
vet: ## go vet and gofmt check on every module
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done
	@for m in $(NESTED); do (cd $$m && GOWORK=off $(GO) vet ./...); done

.PHONY: lint
lint: vet ## vet, gofmt and staticcheck on every module
	@for m in $(MODULES); do echo "== staticcheck $$m"; (cd $$m && $(GO) run $(STATICCHECK) ./...); done
	@for m in $(NESTED); do echo "== staticcheck $$m"; (cd $$m && GOWORK=off $(GO) run $(STATICCHECK) ./...); done

.PHONY: interop
interop: ## Real Ory Hydra and node oidc-provider tokens through every adapter (Hydra built once, ~4 min cold)
	@interop/scripts/run.sh $(INTEROP_FLAGS)

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME iterations (default 300000x)
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
	  echo "== fuzz $$name ($$pkg, $(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; done

# Rounds of make bench; each runs every benchmark once (-count 1), interleaved.
BENCH_ROUNDS ?= 8

.PHONY: bench
bench: ## Benchmarks beside the floor and every peer (bench module); prints tables, rewrites docs/benchmarks.md and .svg
	cd bench && GOWORK=off $(GO) run ./cmd/benchtab -rounds $(BENCH_ROUNDS)

.PHONY: release-check
release-check: ## Dry-run release: a module proxy from the tagged state, every adapter installed from it offline, API checked (RELEASING.md)
	@echo "== release-check"
	@cd release && GOWORK=off $(GO) run . check $(RELEASE_FLAGS)

# go mod tidy reads no go.work: the workspace modules require versions of each
# other that only the dry-run proxy serves. Their sums are left out of go.sum:
# they change with every commit until the tag, and a workspace build needs none.
.PHONY: tidy
tidy: ## go mod tidy in every module
	@proxy=$$(mktemp -d) && trap 'rm -rf "$$proxy"' EXIT && \
	  (cd release && GOWORK=off $(GO) run . proxy -dir "$$proxy") && \
	  for m in $(MODULES); do (cd $$m && \
	    GODEBUG=goindex=0 GOPROXY="file://$$proxy,$$($(GO) env GOPROXY)" GONOSUMDB=github.com/axiomsgo/axioms GOFLAGS=-mod=mod $(GO) mod tidy && \
	    sed -i '/^github\.com\/axiomsgo\/axioms[/ ]/d' go.sum); done
	@for m in $(NESTED) interop/tools; do (cd $$m && GOWORK=off $(GO) mod tidy); done
