#!/usr/bin/env bash
# install.sh: build goparallel, install its Jupyter kernelspec, and make sure the
# Jupyter frontends are there. Safe to run again; it says what it does.
#
#   ./install.sh            # as a user: ~/.local/bin/goparallel, --user kernelspec
#   sudo ./install.sh       # as root: /usr/local/bin/goparallel, system kernelspec
#
# Environment: BINDIR overrides where the binary goes; VERSION its version string.
set -euo pipefail

cd "$(dirname "$0")"

say() { printf '==> %s\n' "$*"; }

# 1. Go.
if ! command -v go >/dev/null 2>&1; then
	if [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
	else
		echo "Go is not installed: get it from https://go.dev/dl/ (Go 1.26 or newer)" >&2
		exit 1
	fi
fi
say "using $(go version)"

# 2. The binary.
if [ "$(id -u)" -eq 0 ]; then
	BINDIR="${BINDIR:-/usr/local/bin}"
	SPEC_FLAG=""
else
	BINDIR="${BINDIR:-$HOME/.local/bin}"
	SPEC_FLAG="--user"
fi
VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
mkdir -p "$BINDIR"
say "building $BINDIR/goparallel (version $VERSION)"
go build -ldflags "-X main.version=$VERSION" -o "$BINDIR/goparallel" .
case ":$PATH:" in
*":$BINDIR:"*) ;;
*) say "note: $BINDIR is not on your PATH; add it to run goparallel by name" ;;
esac

# 3. The kernelspec (kernel.json points at the binary just built).
say "installing the kernelspec"
"$BINDIR/goparallel" install $SPEC_FLAG

# 4. The Jupyter frontends, from Debian packages.
packages=(jupyter-console jupyter-notebook jupyter-client jupyter-nbconvert python3-nbclient)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "${packages[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
			missing+=("$p")
		fi
	done
elif ! command -v jupyter >/dev/null 2>&1; then
	missing=("${packages[@]}")
fi
if [ ${#missing[@]} -eq 0 ]; then
	say "Jupyter frontends already installed"
elif ! command -v apt-get >/dev/null 2>&1; then
	say "install Jupyter (console, notebook, nbconvert) with your package manager or pip: ${missing[*]}"
elif [ "$(id -u)" -eq 0 ]; then
	say "installing ${missing[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	say "installing ${missing[*]} with sudo"
	sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
	say "missing Jupyter packages; install them with: sudo apt-get install ${missing[*]}"
fi

say "done: try  jupyter console --kernel=goparallel  or  jupyter notebook"
