#!/usr/bin/env bash
# The Go API against gVisor's pkg/buffer, from one `go test -bench` run of
# this module. Per row, the median over -count runs of each library's
# wall time per operation and of its processor time per operation
# (cpu-ns/op: what the process spent, which a busy machine does not
# inflate the way it inflates wall time), the ratios mbuf/gvisor (below
# 1: mbuf is faster) and allocs/op; then the scaling of one goroutine's
# cost when two run at once (1.00: perfect).
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
	k = ++n[row, lib]
	wall[row, lib, k] = $3
	for (i = 4; i <= NF; i++) {
		if ($(i) == "allocs/op") allocs[row, lib] = $(i - 1)
		if ($(i) == "cpu-ns/op") cpu[row, lib, k] = $(i - 1)
	}
	if (!(row in seen)) { seen[row] = 1; order[++rows] = row }
}
function median(arr, row, lib,    c, a, b, t, w) {
	c = n[row, lib]
	for (a = 1; a <= c; a++) w[a] = (arr == "cpu") ? cpu[row, lib, a] : wall[row, lib, a]
	for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (w[b] < w[a]) { t = w[a]; w[a] = w[b]; w[b] = t }
	return w[int((c + 1) / 2)]
}
END {
	printf "%-22s %9s %9s %6s %9s %9s %6s %8s\n", "Go vs gVisor pkg/buffer", "mbuf ns", "gvisor", "ratio", "mbuf cpu", "gvisor", "ratio", "allocs"
	for (i = 1; i <= rows; i++) {
		r = order[i]
		mw = median("wall", r, "mbuf"); gw = median("wall", r, "gvisor")
		mc = median("cpu", r, "mbuf"); gc = median("cpu", r, "gvisor")
		printf "%-22s %9.1f %9.1f %6.2f %9.1f %9.1f %6.2f %4s/%s\n", r, mw, gw, mw / gw, mc, gc, mc / gc, allocs[r, "mbuf"], allocs[r, "gvisor"]
	}
	if (("AllocFree" in seen) && ("AllocFree2Goroutines" in seen))
		printf "%-22s %9s %9s %6s %9.2f %9.2f        (processor time per op, 2 goroutines / 1)\n", "scaling", "", "", "",
			median("cpu", "AllocFree2Goroutines", "mbuf") / median("cpu", "AllocFree", "mbuf"),
			median("cpu", "AllocFree2Goroutines", "gvisor") / median("cpu", "AllocFree", "gvisor")
}' "$out"
