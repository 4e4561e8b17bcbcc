// Command hostile is a validator module that misbehaves on purpose, for the
// tests of package wasm. It is built with GOOS=wasip1 GOARCH=wasm by the
// tests; its argv[0] (the validator's name) picks what it does.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"strings"
	"time"
)

func finding(path, rule, sev, msg string) {
	b, _ := json.Marshal(map[string]any{"path": path, "line": 1, "column": 1, "rule": rule, "severity": sev, "message": msg})
	os.Stdout.Write(append(b, '\n'))
}

// probe reports whether an attempt to reach outside the sandbox failed:
// "contained: ..." when it did, "escaped: ..." when it did not.
func probe(rule string, err error, got string) {
	if err != nil {
		finding("probe", rule, "note", "contained: "+err.Error())
		return
	}
	finding("probe", rule, "error", "escaped: "+got)
}

var sink [][]byte

func main() {
	switch os.Args[0] {
	case "loop":
		for i := 0; ; i++ {
			if i < 0 {
				break
			}
		}
	case "work":
		// A fixed amount of work, then a finding: a few tenths of a
		// second of CPU time in process, less in a sandbox process.
		x := uint64(1)
		for i := 0; i < 5_000_000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		finding("work", "done", "note", fmt.Sprint(x>>60))
	case "grow":
		for {
			sink = append(sink, make([]byte, 1<<20))
		}
	case "flood":
		w := bufio.NewWriter(os.Stdout)
		for {
			fmt.Fprintln(w, `{"path":"a","line":1,"column":1,"rule":"flood","severity":"note","message":"again"}`)
		}
	case "exit":
		os.Exit(7)
	case "panic":
		panic("hostile panic")
	case "badline":
		finding("a", "ok", "note", "first line is fine")
		fmt.Println("hello, not a finding")
	case "stderr":
		fmt.Fprintln(os.Stderr, "something went wrong inside")
		os.Exit(1)
	case "passwd":
		b, err := os.ReadFile("/etc/passwd")
		probe("passwd", err, string(b))
	case "escape":
		b, err := os.ReadFile("/src/../../etc/passwd")
		probe("dotdot-file", err, string(b))
		ents, err := os.ReadDir("/src/../..")
		names := ""
		for _, e := range ents {
			names += e.Name() + " "
		}
		if err == nil && len(ents) > 0 && !isSrcListing(ents) {
			probe("dotdot-dir", nil, names)
		} else {
			probe("dotdot-dir", fmt.Errorf("listing is /src itself or empty: %v", err), "")
		}
		b, err = os.ReadFile("/src/link")
		probe("symlink", err, string(b))
	case "env":
		env := os.Environ()
		if len(env) == 0 {
			probe("env", fmt.Errorf("no environment variables"), "")
		} else {
			probe("env", nil, strings.Join(env, " "))
		}
	case "write":
		err := os.WriteFile("/src/planted.txt", []byte("x"), 0o644)
		probe("write-src", err, "wrote /src/planted.txt")
		err = os.WriteFile("/tmp-planted.txt", []byte("x"), 0o644)
		probe("write-root", err, "wrote /tmp-planted.txt")
		err = os.Remove("/src/a.txt")
		probe("remove-src", err, "removed /src/a.txt")
	case "determinism":
		// Prints what differs between hosts and runs if the sandbox
		// leaks it: the clock and the random source.
		finding("clock", "clock", "note", time.Now().UTC().Format(time.RFC3339Nano))
		finding("rand", "rand", "note", fmt.Sprint(rand.Int63()))
	case "echo":
		// Reports the request it read and the first line of each file it
		// was given.
		var req struct {
			API       int             `json:"api"`
			Validator string          `json:"validator"`
			Config    json.RawMessage `json:"config"`
			Files     []struct {
				Path   string `json:"path"`
				Status string `json:"status"`
				Size   int64  `json:"size"`
				Mode   string `json:"mode"`
			} `json:"files"`
		}
		in, _ := io.ReadAll(os.Stdin)
		if err := json.Unmarshal(in, &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			os.Exit(1)
		}
		finding("request", "request", "note", fmt.Sprintf("api=%d validator=%s config=%s args=%q", req.API, req.Validator, req.Config, os.Args))
		for _, f := range req.Files {
			b, err := os.ReadFile("/src/" + f.Path)
			msg := fmt.Sprintf("%s %d %s: ", f.Status, f.Size, f.Mode)
			if err != nil {
				msg += "unreadable"
			} else {
				msg += strings.SplitN(string(b), "\n", 2)[0]
			}
			finding(f.Path, "echo", "warning", msg)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", os.Args[0])
		os.Exit(2)
	}
}

func isSrcListing(ents []os.DirEntry) bool {
	src, err := os.ReadDir("/src")
	if err != nil || len(src) != len(ents) {
		return false
	}
	for i := range src {
		if src[i].Name() != ents[i].Name() {
			return false
		}
	}
	return true
}
