# goparallel: build, test and install.
#
#   make build           build ./goparallel
#   make test            gofmt check, go vet, go test -race, then the Jupyter client suites
#   make install         run install.sh (binary + kernelspec + Jupyter frontends)
#   make generate        regenerate yaegi symbol tables and logos (go generate)
#   make generate-check  fail if generated files differ from what generate would write
#   make bench-kernel    start-up time and execute round trip of the installed kernel

GO      ?= go
PYTHON  ?= /usr/bin/python3
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     ?= goparallel
LDFLAGS := -X main.version=$(VERSION)

# Generated files, checked by generate-check.
GENERATED_DIRS := kernel/display/displaysym

.PHONY: all build test gofmt-check vet gotest pytest install generate generate-check bench-kernel

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

test: gofmt-check vet gotest pytest

gofmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

gotest:
	$(GO) test -race ./...

# The Jupyter suites use a binary built here and a kernelspec installed into a
# temporary prefix by kernel/jupytertest/conftest.py.
pytest: build
	GOPARALLEL_BIN=$(CURDIR)/$(BIN) $(PYTHON) -m pytest -q kernel/jupytertest

install:
	./install.sh

generate:
	$(GO) generate ./kernel/... ./kernelspec/...

# Regenerates into a scratch copy of the tree and compares: `git diff` cannot see
# drift in files that are not committed yet.
generate-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	mkdir $$tmp/src && cp -r go.mod go.sum kernel $$tmp/src/ && \
	(cd $$tmp/src && $(GO) generate ./kernel/display/displaysym/) && \
	for d in $(GENERATED_DIRS); do \
		diff -r $$d $$tmp/src/$$d || { echo "generated files in $$d are stale: run make generate"; exit 1; }; \
	done && echo "generated files are up to date"

bench-kernel:
	$(PYTHON) /work/shared/bench/kernel_roundtrip.py goparallel 1
