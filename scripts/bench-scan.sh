#!/bin/sh
# Measures scanning, side by side in one run, as docs/RATIONALE.md quotes
# it: "git aos validate" with the built-ins over WordPress against gitleaks
# over the same tree, and "git aos validate" with the secrets built-in over
# 10 MB of Go source against the same rules compiled natively, whole
# processes included (each run is a new process; the compiled module is in
# the cache, warm). Needs Debian's wordpress package and gitleaks
# (go install github.com/zricethezav/gitleaks/v8@v8.30.1), which only this
# benchmark uses.
#
#   sh scripts/bench-scan.sh [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-5}
command -v gitleaks >/dev/null || { echo "bench-scan.sh: gitleaks is not installed (go install github.com/zricethezav/gitleaks/v8@v8.30.1)" >&2; exit 1; }
[ -d /usr/share/wordpress ] || { echo "bench-scan.sh: apt-get install wordpress" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/git-aos" ./cmd/git-aos
go build -o "$work/nativescan" ./validators/internal/nativescan

repo() { # DIR MANIFEST-VALIDATORS
	git -C "$1" init -q
	printf 'project:\n  name: bench\nworkspace:\n  writable: ["**"]\nvalidators:\n%s' "$2" > "$1/aos.yaml"
	git -C "$1" add -A
	git -C "$1" -c user.email=b@e -c user.name=b commit -qm bench
	(cd "$1" && "$work/git-aos" cache warm >/dev/null)
}

mkdir "$work/wp" "$work/go"
cp -rL /usr/share/wordpress/. "$work/wp/" 2>/dev/null || true
repo "$work/wp" '  secrets: {builtin: secrets}
  syntax: {builtin: syntax}
  php: {builtin: php-malware}
  text: {builtin: text}
'
# 10 MB of Go source from GOROOT.
total=0
for f in $(find "$(go env GOROOT)/src" -name '*.go' -not -path '*/testdata/*' | sort); do
	total=$((total + $(stat -c %s "$f")))
	[ "$total" -ge 10485760 ] && break
	d="$work/go/$(dirname "${f#"$(go env GOROOT)/src/"}")"
	mkdir -p "$d" && cp "$f" "$d/"
done
repo "$work/go" '  secrets: {builtin: secrets}
'

# t CMD...: wall-clock and CPU (user + system) seconds of one run, whole
# process and its children: a loaded machine stretches the first, hardly
# the second.
t() {
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
	awk '{printf "%s %.2f\n", $1, $2 + $3}' "$work/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$work/r"
i=0
while [ $i -lt "$rounds" ]; do
	echo "aos-wordpress $(cd "$work/wp" && t "$work/git-aos" validate --rev HEAD)" >> "$work/r"
	echo "aos-wordpress-paths $(cd "$work/wp" && t "$work/git-aos" validate .)" >> "$work/r"
	# gitleaks takes minutes over WordPress: GITLEAKS_ROUNDS (default 1)
	# of them.
	[ $i -lt "${GITLEAKS_ROUNDS:-1}" ] && echo "gitleaks-wordpress $(t gitleaks dir --no-banner --exit-code 0 "$work/wp")" >> "$work/r"
	echo "aos-go-secrets $(cd "$work/go" && t "$work/git-aos" validate --rev HEAD)" >> "$work/r"
	echo "aos-go-secrets-paths $(cd "$work/go" && t "$work/git-aos" validate .)" >> "$work/r"
	echo "native-go-secrets $(t "$work/nativescan" secrets "$work/go")" >> "$work/r"
	[ $i -lt "${GITLEAKS_ROUNDS:-1}" ] && echo "gitleaks-go $(t gitleaks dir --no-banner --exit-code 0 "$work/go")" >> "$work/r"
	i=$((i + 1))
done
echo "WordPress: $(find "$work/wp" -type f -not -path '*/.git/*' | wc -l) files, $(du -sm --exclude=.git "$work/wp" | cut -f1) MB; Go: $total bytes; $rounds rounds, median seconds, wall and CPU (load: $(cut -d' ' -f1-3 /proc/loadavg)):"
for k in aos-wordpress aos-wordpress-paths gitleaks-wordpress aos-go-secrets aos-go-secrets-paths native-go-secrets gitleaks-go; do
	printf '%-20s wall %6s  cpu %6s\n' "$k" "$(grep "^$k " "$work/r" | cut -d' ' -f2 | median)" "$(grep "^$k " "$work/r" | cut -d' ' -f3 | median)"
done
