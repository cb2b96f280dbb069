#!/usr/bin/env bash
# The Go API against gVisor's pkg/buffer, from one `go test -bench` run of
# this module: per row the median ns/op of each library over -count runs,
# the ratio mbuf/gvisor (below 1: mbuf is faster) and allocs/op, then the
# cost of one goroutine's operation while two run at once relative to one
# goroutine alone (perfect scaling: 1.00).
set -euo pipefail
cd "$(dirname "$0")"
GO=${GO:-go}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
$GO test -run '^$' -bench . -benchmem -benchtime="${GO_BENCHTIME:-300ms}" -count="${GO_COUNT:-5}" . >"$out"
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	split(name, part, "/"); row = part[1]; lib = part[2]
	v[row, lib, ++n[row, lib]] = $3
	for (i = 4; i <= NF; i++) if ($(i) == "allocs/op") allocs[row, lib] = $(i - 1)
	if (!(row in seen)) { seen[row] = 1; order[++k] = row }
}
function median(row, lib,    c, a, b, t) {
	c = n[row, lib]
	for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++)
		if (v[row, lib, b] < v[row, lib, a]) { t = v[row, lib, a]; v[row, lib, a] = v[row, lib, b]; v[row, lib, b] = t }
	return v[row, lib, int((c + 1) / 2)]
}
END {
	printf "%-24s %10s %10s %8s %14s\n", "go vs gVisor pkg/buffer", "mbuf ns", "gvisor ns", "ratio", "allocs mbuf/gv"
	for (i = 1; i <= k; i++) {
		r = order[i]; m = median(r, "mbuf"); g = median(r, "gvisor"); med[r] = m
		printf "%-24s %10.1f %10.1f %8.2f %9s/%s\n", r, m, g, m / g, allocs[r, "mbuf"], allocs[r, "gvisor"]
	}
	if (("AllocFree" in med) && ("AllocFree2Goroutines" in med))
		printf "%-24s %10.2f  (per-goroutine cost, 2 goroutines / 1)\n", "mbuf scaling", med["AllocFree2Goroutines"] / med["AllocFree"]
}' "$out"
