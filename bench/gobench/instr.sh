#!/usr/bin/env bash
# Instructions per operation of each row, mbuf and gVisor (callgrind): the
# noise-free figure beside table.sh's times. TestInstr runs one row's op
# N and 2N times under callgrind, counting only inside instrLoop; the
# difference over N is the op. ROWS picks rows, N the count.
set -euo pipefail
cd "$(dirname "$0")"
GO=${GO:-go}
N=${N:-20000}
rows=${ROWS:-"AllocFree Build1500 CopyOut1500 CloneFree CopySplitFree Forward StripPrepend"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$GO test -c -o "$tmp/gobench.test" .
count() { # op n
	INSTR_OP=$1 INSTR_N=$2 GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 GOGC=off \
		valgrind --tool=callgrind --toggle-collect='*instrLoop' \
		--callgrind-out-file="$tmp/out" "$tmp/gobench.test" -test.run '^TestInstr$' >/dev/null 2>&1
	callgrind_annotate "$tmp/out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
printf '%-16s %8s %8s %6s\n' "instructions/op" mbuf gvisor ratio
for r in $rows; do
	m=$(( ($(count "$r/mbuf" $((2 * N))) - $(count "$r/mbuf" "$N")) / N ))
	g=$(( ($(count "$r/gvisor" $((2 * N))) - $(count "$r/gvisor" "$N")) / N ))
	awk -v r="$r" -v m="$m" -v g="$g" 'BEGIN { printf "%-16s %8d %8d %6.2f\n", r, m, g, m / g }'
done
