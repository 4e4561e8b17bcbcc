#!/bin/sh
# Runs every test of ArchitectOS on a fresh Debian or Ubuntu machine.
#
# It installs what the tests run for real (bubblewrap, podman with runc,
# busybox-static for the test image, ssh-keygen and gpg for signed result
# commits, php-cli and WordPress for the RescueWP checks, wabt's wat2wasm
# that assembles the built-in module, pre-commit for the hook of
# .pre-commit-hooks.yaml, zsh and man-db for completion and man pages,
# MariaDB for the database backup through a granted socket (the test
# starts its own server), MediaWiki and phpMyAdmin unpacked as clean PHP)
# when they are
# missing and the machine has apt-get, then runs the gofmt check, go vet,
# deadcode and every test under the race detector.
set -eu
cd "$(dirname "$0")/.."

need=""
command -v bwrap >/dev/null 2>&1 || need="$need bubblewrap"
command -v podman >/dev/null 2>&1 || need="$need podman"
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || need="$need runc"
[ -x /usr/bin/busybox ] && /usr/bin/busybox --list >/dev/null 2>&1 || need="$need busybox-static"
command -v php >/dev/null 2>&1 || need="$need php-cli"
command -v wat2wasm >/dev/null 2>&1 || need="$need wabt"
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need="$need mariadb-server"
[ -d /usr/share/wordpress ] || need="$need wordpress"
command -v git >/dev/null 2>&1 || need="$need git"
command -v pgrep >/dev/null 2>&1 || need="$need procps"
command -v pre-commit >/dev/null 2>&1 || need="$need pre-commit"
command -v zsh >/dev/null 2>&1 || need="$need zsh"
command -v manpath >/dev/null 2>&1 || need="$need man-db"
# unshare (util-linux): the full-disk tests mount a small tmpfs in a mount
# namespace of their own.
command -v unshare >/dev/null 2>&1 || need="$need util-linux"
command -v ssh-keygen >/dev/null 2>&1 || need="$need openssh-client"
command -v gpg >/dev/null 2>&1 && command -v gpg-agent >/dev/null 2>&1 || need="$need gnupg"
if [ -n "$need" ]; then
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "test.sh: missing:$need (install them, then run again)" >&2
		exit 1
	fi
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# MediaWiki and phpMyAdmin are clean PHP for the tokenizer and php-malware
# tests: unpacked from Debian's packages into $AOS_PHP_CORPUS, not installed.
corpus=${AOS_PHP_CORPUS:-/var/tmp/aos-php-corpus}
for pkg in mediawiki phpmyadmin; do
	[ -d "$corpus/$pkg/usr/share/$pkg" ] && continue
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "test.sh: missing $corpus/$pkg (unpack Debian's $pkg package there with dpkg -x)" >&2
		exit 1
	fi
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	if ! (cd "$tmp" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
		SUDO=""
		[ "$(id -u)" = 0 ] || SUDO=sudo
		$SUDO apt-get update -qq
		(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null)
	fi
	rm -rf "$corpus/$pkg.partial"
	mkdir -p "$corpus/$pkg.partial"
	dpkg -x "$tmp"/"$pkg"_*.deb "$corpus/$pkg.partial"
	mv "$corpus/$pkg.partial" "$corpus/$pkg"
	rm -rf "$tmp"
done
export AOS_PHP_CORPUS="$corpus"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "test.sh: not gofmt-formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
# Code that nothing reaches, tests included, is removed, not kept: the
# tool is pinned by the tool directive of go.mod.
dead=$(go tool deadcode -test ./...)
if [ -n "$dead" ]; then
	echo "test.sh: unreachable code (go tool deadcode -test ./...):" >&2
	echo "$dead" >&2
	exit 1
fi

# The hook and Action tests build git-aos as users do (no race detector);
# building it once here fills the build cache they share.
go build -o /dev/null ./cmd/git-aos
# The race detector watches every package but wazero's compiler (its SSA
# builder, frontend and backends), which turns a module's bytes into machine
# code within one call, sharing no memory with its caller. Instrumented, it
# compiles a validator module six to eight times slower than natively, and
# compiling modules was most of the suite's time (docs/RATIONALE.md,
# "Tests").
wazevo=github.com/tetratelabs/wazero/internal/engine/wazevo
# A race-instrumented process sleeps a second before it exits (GORACE's
# atexit_sleep_ms), so that other goroutines can finish reporting; the
# tests start such processes by the hundred (git-aos in the CLI scripts,
# sandbox processes of validators and jobs), each a second late. A
# twentieth of it lets a report finish printing (docs/RATIONALE.md,
# "Tests"); a GORACE of the caller's still has the last word.
export GORACE="atexit_sleep_ms=50${GORACE:+ $GORACE}"
status=0
go test -race -timeout 30m \
	-gcflags="$wazevo/ssa=-race=false" \
	-gcflags="$wazevo/frontend=-race=false" \
	-gcflags="$wazevo/backend/...=-race=false" \
	./... || status=$?
# The CPU time of the whole run (user, system; this shell, then all it
# waited for), beside the wall time the caller measures.
times
exit $status
