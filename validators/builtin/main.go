// Command builtin is the module of the built-in validators (secrets,
// syntax, php-malware and text), built for GOOS=wasip1 and embedded in
// git-aos. It speaks the validator ABI of docs/validators.md: argv[0] is
// the validator's name and argv[1] the built-in to run; the request is on
// stdin, the staged tree at /src, and each finding a line on stdout.
//
// The module reads the request and the files it is given; the checks
// themselves, the per-byte work, run natively in the host through
// aos_builtin.check, a pure function from a file's bytes to findings. Go
// code compiled to WebAssembly runs that work 20 to 60 times slower;
// docs/RATIONALE.md ("Validators") has the measurements. So the module imports
// nothing but the standard library's JSON and the list of built-ins, and
// stays small, which keeps compiling and starting it fast.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

	"github.com/architectos/aos/validators/kinds"
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
	id := kinds.Index(builtin)
	if id < 0 {
		fmt.Fprintf(os.Stderr, "no built-in validator %q\n", builtin)
		return 2
	}
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "read request:", err)
		return 1
	}
	if req.API != 1 {
		fmt.Fprintf(os.Stderr, "api %d is not supported (want 1)\n", req.API)
		return 1
	}
	// Check the config once, before any file.
	if _, err := hostCheck(id, "", nil, req.Config); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sort.Slice(req.Files, func(i, j int) bool { return req.Files[i].Path < req.Files[j].Path })
	out := bufio.NewWriterSize(os.Stdout, 32<<10)
	buf := make([]byte, 0, 1<<20) // reused: no garbage per file
	for _, f := range req.Files {
		if f.Status == "deleted" || !kinds.Wants(builtin, f.Path) {
			continue
		}
		data, err := readFile("/src/"+f.Path, buf)
		if cap(data) > cap(buf) {
			buf = data[:0]
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // ignored by the manifest, or not a regular file
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "read:", err)
			return 1
		}
		lines, err := hostCheck(id, f.Path, data, req.Config)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if _, err := out.Write(lines); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			return 1
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "write:", err)
		return 1
	}
	return 0
}

// readFile reads the file at path into buf, growing it as needed, so that
// reading many files makes no garbage for the guest's collector.
func readFile(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
