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

# Generated files (yaegi symbol tables, logos), checked by generate-check.
GENERATE_PKGS  := ./kernel/display/displaysym ./kernel/gonum ./parallel/symbols ./kernelspec
GENERATED_DIRS := kernel/display/displaysym kernel/gonum parallel/symbols kernelspec

.PHONY: all build test gofmt-check vet gotest pytest install generate generate-check bench-kernel

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

test: gofmt-check vet generate-check gotest pytest

gofmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

gotest:
	$(GO) test -race ./...

# The Jupyter suites use a binary built here and a kernelspec installed into a
# temporary prefix by kernel/jupytertest/conftest.py.
# One pytest run per suite: each has its own conftest.py, and test modules import
# helpers from theirs by name.
PYTEST_SUITES := kernel/jupytertest parallel/magics/jupytertest notebooks

pytest: build
	@set -e; for suite in $(PYTEST_SUITES); do \
		echo "== pytest $$suite"; \
		GOPARALLEL_BIN=$(CURDIR)/$(BIN) $(PYTHON) -m pytest -q $$suite; \
	done

install:
	./install.sh

generate:
	$(GO) generate $(GENERATE_PKGS)

# Regenerates in a scratch copy of the tree and compares, so it also sees drift in
# files that are not committed yet, and never touches the working tree.
generate-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C $$tmp && \
	(cd $$tmp && $(GO) generate $(GENERATE_PKGS)) && \
	for d in $(GENERATED_DIRS); do \
		diff -r $$d $$tmp/$$d || { echo "generated files in $$d are stale: run make generate"; exit 1; }; \
	done && echo "generated files are up to date"

# Start-up to first reply, and the execute round trip, of the installed kernel next
# to ipykernel (Debian's python3 kernel) when it is installed.
bench-kernel:
	$(PYTHON) kernel/jupytertest/bench_startup.py goparallel $$(jupyter kernelspec list 2>/dev/null | grep -qw python3 && echo python3)
	$(PYTHON) ../shared/bench/kernel_roundtrip.py goparallel 1
