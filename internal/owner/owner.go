// Package owner names the temporary files and directories of a git-aos
// process after that process, so that a later process can tell those of
// a live process from those that a killed one left behind, and remove
// only the latter.
//
// An owner token is "<pid>.<start>.<boot>": the process id, its start time
// in clock ticks since boot (field 22 of /proc/PID/stat) and the first
// eight hex digits of the boot id. A process id alone would be reused; the
// three together name one process of one boot. [Alive] reads /proc, so
// tokens are only understood on Linux; elsewhere every owner is taken to
// be alive and nothing is swept.
package owner

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Self returns the token of this process, or "" when it cannot be known
// (no /proc). Names made with an empty token are never swept.
func Self() string { return self() }

var self = sync.OnceValue(func() string {
	pid := os.Getpid()
	start, ok := startTime(pid)
	if !ok {
		return ""
	}
	return token(pid, start)
})

// Of returns the token of process pid, or "" when it is not running.
func Of(pid int) string {
	start, ok := startTime(pid)
	if !ok {
		return ""
	}
	return token(pid, start)
}

func token(pid int, start uint64) string {
	return strconv.Itoa(pid) + "." + strconv.FormatUint(start, 10) + "." + bootID()
}

var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	id := strings.ReplaceAll(strings.TrimSpace(string(b)), "-", "")
	if err != nil || len(id) < 8 {
		return "0"
	}
	return id[:8]
})

// StartTime returns the start time of process pid in clock ticks since
// boot, and false when there is no such live process (a zombie is dead:
// it holds nothing open any more).
func StartTime(pid int) (uint64, bool) { return startTime(pid) }

func startTime(pid int) (uint64, bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid ...; comm may hold anything, ")" included.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); the start time is field 22.
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return 0, false
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, false
	}
	return start, true
}

// Alive reports whether the process a token names is still running. A
// token that does not parse, or comes from this boot's future, is alive:
// what it names is never removed on a doubt.
func Alive(tok string) bool {
	if tok == "" {
		return true
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return true
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return true
	}
	pid, err1 := strconv.Atoi(parts[0])
	start, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return true
	}
	if parts[2] != bootID() {
		return false // made before this boot
	}
	now, ok := startTime(pid)
	return ok && now == start
}

// Name returns prefix, this process's token and a dash: the start of the
// name of a temporary file or directory that [Sweep] can tell apart.
func Name(prefix string) string { return prefix + Self() + "-" }

// TokenOf returns the token in a name made from [Name] with prefix, and
// false when name is not one.
func TokenOf(prefix, name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return "", false
	}
	tok, _, ok := strings.Cut(rest, "-")
	if !ok || tok == "" {
		return "", false
	}
	return tok, true
}

// Sweep removes the entries of dir whose names were made by [Name] with
// prefix for a process that is no longer running, and which belong to
// this process's user. Symlinks are removed, never followed. It returns
// the paths removed and the first error met; a missing dir is no error.
func Sweep(dir, prefix string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", dir, err)
	}
	var removed []string
	var first error
	for _, e := range ents {
		tok, ok := TokenOf(prefix, e.Name())
		if !ok || tok == Self() || Alive(tok) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
			continue
		}
		if err := RemoveAll(p); err != nil {
			if first == nil {
				first = fmt.Errorf("sweep %s: %w", p, err)
			}
			continue
		}
		removed = append(removed, p)
	}
	return removed, first
}

// RemoveAll removes p like [os.RemoveAll], first making directories that a
// job left unwritable or unreadable accessible to their owner.
func RemoveAll(p string) error {
	if err := os.RemoveAll(p); err == nil {
		return nil
	}
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if d != nil && d.IsDir() {
			os.Chmod(q, 0o700)
		}
		return nil
	})
	return os.RemoveAll(p)
}
