// Command guestengine is the built-in module with its checks compiled into
// the module instead of run by the host: the same package rules, run as
// WebAssembly. It exists for the benchmarks that compare the two
// (docs/RATIONALE.md, "Validators") and is not embedded anywhere.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/architectos/aos/validators/kinds"
	"github.com/architectos/aos/validators/rules"
)

type request struct {
	API    int             `json:"api"`
	Config json.RawMessage `json:"config"`
	Files  []struct {
		Path   string `json:"path"`
		Status string `json:"status"`
	} `json:"files"`
}

func main() { os.Exit(run()) }

func run() int {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: NAME BUILTIN")
		return 2
	}
	builtin := os.Args[1]
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "read request:", err)
		return 1
	}
	checker, err := rules.NewChecker(builtin, req.Config, nil, rules.Parsers{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sort.Slice(req.Files, func(i, j int) bool { return req.Files[i].Path < req.Files[j].Path })
	out := bufio.NewWriterSize(os.Stdout, 32<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for _, f := range req.Files {
		if f.Status == "deleted" || !kinds.Wants(builtin, f.Path) {
			continue
		}
		data, err := os.ReadFile("/src/" + f.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "read:", err)
			return 1
		}
		for _, finding := range checker.Check(f.Path, data) {
			if err := enc.Encode(finding); err != nil {
				fmt.Fprintln(os.Stderr, "write:", err)
				return 1
			}
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "write:", err)
		return 1
	}
	return 0
}
