#!/bin/sh
# Runs every fuzz target of the module for SECONDS seconds each (default
# 10) and prints its executions per second. It fails when a target has no
# seed corpus (no f.Add and nothing under testdata/fuzz/NAME), or when a
# target finds a failure, which go test writes under testdata/fuzz.
#
#   sh scripts/fuzz.sh 30
set -eu
cd "$(dirname "$0")/.."
secs=${1:-10}
case $secs in
'' | *[!0-9]*)
	echo "usage: sh scripts/fuzz.sh [SECONDS]" >&2
	exit 2
	;;
esac

status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for pkg in $(go list ./...); do
	targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for name in $targets; do
		# The seed corpus runs as subtests: none means nothing to start from.
		seeds=$(go test -run "^$name\$" -v "$pkg" | grep -c "^    --- PASS: $name/" || true)
		if [ "$seeds" -eq 0 ]; then
			echo "fuzz.sh: $pkg $name has no seed corpus" >&2
			status=1
			continue
		fi
		# Each input that reaches new code is minimized before fuzzing
		# goes on, for up to a minute by default, with no execution
		# counted meanwhile: a parser with much to cover spent most of
		# its run there. A hundred runs of the target per minimization
		# keep the corpus small and the fuzzer fuzzing; a failure is
		# still written under testdata/fuzz.
		if ! go test -run '^$' -fuzz "^$name\$" -fuzztime "${secs}s" -fuzzminimizetime 100x "$pkg" >"$out" 2>&1; then
			cat "$out" >&2
			echo "fuzz.sh: $pkg $name failed" >&2
			status=1
			continue
		fi
		# The last progress line: "fuzz: elapsed: 10s, execs: 123456 (12345/sec), ..."
		execs=$(sed -n 's/.*, execs: \([0-9]*\) .*/\1/p' "$out" | tail -1)
		printf '%-44s %-20s %6d seeds %10s execs %8s/s\n' "${pkg#github.com/architectos/aos}" "$name" "$seeds" "${execs:-0}" "$(( ${execs:-0} / secs ))"
	done
done
exit $status
