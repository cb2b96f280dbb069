#!/usr/bin/env bash
# make bench: the C benchmark beside its DPDK peer (bench/ctable.py), then
# the Go benchmarks and the Python timing script. Each row: ns/op and the
# ratio to its baseline measured in this same run (C rows: malloc+free,
# memcpy or the plain C chain code, and DPDK's analogue; Go rows: the C
# malloc+free / memcpy rows; Python rows: an empty ctypes call).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
GO=${GO:-go}
QUICK=${QUICK:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
/usr/bin/python3 bench/ctable.py $QUICK --baselines="$tmp/c.tsv" "$BUILD"
echo
$GO test -run '^$' -bench . -benchtime=${GO_BENCHTIME:-300ms} -count=${GO_COUNT:-5} ./core >"$tmp/go.txt"
/usr/bin/python3 bench/pybench.py --tsv "$BUILD/libmbuf.so" "$BUILD/libpyempty.so" >"$tmp/py.tsv"

malloc=$(awk -F'\t' '$1 == "base_malloc" {print $3}' "$tmp/c.tsv")
memcpy=$(awk -F'\t' '$1 == "base_memcpy" {print $3}' "$tmp/c.tsv")
# Go: median over -count runs of each benchmark
awk -v mal="$malloc" -v mcp="$memcpy" '
/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); v[name, ++n[name]] = $3; if (!(name in seen)) { seen[name]=1; order[++k]=name } }
END {
	for (i = 1; i <= k; i++) {
		nm = order[i]; c = n[nm]
		for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (v[nm,b] < v[nm,a]) { t = v[nm,a]; v[nm,a] = v[nm,b]; v[nm,b] = t }
		med = v[nm, int((c + 1) / 2)]
		base = (nm ~ /CopyData/) ? mcp : mal
		printf "go: %s\t%.2f\t%.3f\t%s\n", substr(nm, 10), med, med / base, (nm ~ /CopyData/) ? "C memcpy" : "C malloc+free"
	}
}' "$tmp/go.txt" >"$tmp/go.tsv"

printf "%-48s %10s %8s\n" "operation" "ns/op" "ratio"
cat "$tmp/go.tsv" "$tmp/py.tsv" | awk -F'\t' '{ printf "%-48s %10.2f %8.2f\n", $1, $2, $3 }'

# the Go API against gVisor's pkg/buffer (a module of its own: bench/gobench)
echo
GO=$GO bench/gobench/table.sh
