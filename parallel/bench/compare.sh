#!/bin/sh
# compare.sh runs IPython Parallel's reference benchmark (ipp_bench.py) and
# `goparallel bench` on this machine, one after the other with the same engine
# count, and prints the speed-ups next to the project's targets.
#
#   parallel/bench/compare.sh [--engines N] [--keep DIR]
#
# GOPARALLEL is the goparallel binary to use (default: built from this checkout
# into a temporary directory). The machines are shared and noisy: run it twice and
# read ratios from one run, never absolute figures across runs.
set -eu

engines=4
keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	--engines) engines="$2"; shift 2 ;;
	--keep) keep="$2"; shift 2 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
script="$repo/../shared/bench/ipp_bench.py"
[ -f "$script" ] || script=/work/shared/bench/ipp_bench.py
python=/usr/bin/python3

if ! "$python" -c 'import ipyparallel, numpy' 2>/dev/null; then
	echo "compare.sh: IPython Parallel is missing; install it with:" >&2
	echo "    apt-get install -y python3-ipyparallel python3-numpy" >&2
	exit 1
fi

out=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/gp-compare-XXXXXX")}
mkdir -p "$out"
[ -n "$keep" ] || trap 'rm -rf "$out"' EXIT

gp=${GOPARALLEL:-}
if [ -z "$gp" ]; then
	gp="$out/goparallel"
	(cd "$repo" && go build -o "$gp" .)
fi

echo "== IPython Parallel ($engines engines)"
"$python" "$script" --engines "$engines" --json "$out/ipp.json"
echo "== goparallel ($engines engines)"
"$gp" bench --engines "$engines" --json "$out/go.json"
echo
"$gp" bench compare "$out/ipp.json" "$out/go.json"
