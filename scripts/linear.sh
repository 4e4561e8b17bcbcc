#!/bin/sh
# Runs every benchmark of input cost (Benchmark*Linear*) at its two sizes,
# n and 10n, side by side in one run, and prints for each shape the CPU
# time per run of both sizes and their ratio, which must be about 10
# (docs/RATIONALE.md, "Linear costs"). Arguments are passed to go test
# (default: -benchtime 3x).
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- -benchtime 3x
go test -run '^$' -bench Linear "$@" ./cue ./cue/planfile ./patch ./hooks/receive ./gitops/trailer ./workflow/record ./engine |
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	n = name; sub(/.*\/n=/, "", n); shape = name; sub(/\/n=[0-9]+$/, "", shape)
	cpu = ""
	for (i = 2; i < NF; i++) if ($(i+1) == "cpu-ns/op") cpu = $i
	if (cpu == "") next
	if (!(shape in first)) { first[shape] = cpu; firstn[shape] = n; order[++k] = shape }
	else { last[shape] = cpu; lastn[shape] = n }
}
/^(FAIL|panic)/ { print; bad = 1 }
END {
	printf "%-80s %10s %12s %10s %12s %6s\n", "shape", "n", "cpu ms", "10n", "cpu ms", "ratio"
	for (j = 1; j <= k; j++) {
		s = order[j]
		if (!(s in last)) { printf "%-80s %10s %12.1f\n", s, firstn[s], first[s] / 1e6; continue }
		printf "%-80s %10s %12.1f %10s %12.1f %6.1f\n", s, firstn[s], first[s] / 1e6, lastn[s], last[s] / 1e6, last[s] / first[s]
	}
	exit bad
}'
