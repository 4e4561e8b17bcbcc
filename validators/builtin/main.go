// Command builtin is the module of the built-in validators (secrets,
// syntax, php-malware and text), built for GOOS=wasip1 and embedded in
// git-aos. It speaks the validator ABI of docs/validators.md: argv[0] is
// the validator's name and argv[1] the built-in to run; the request is on
// stdin, the staged tree at /src, and each finding a line on stdout.
//
// The module only moves bytes: it hands the request to the host function
// aos_builtin.request, which decodes it and returns the config and the
// paths to read, reads each file from /src and hands its bytes to
// aos_builtin.check, which returns the findings as ABI lines. Both are
// pure functions of their arguments, run natively. Go code compiled to
// WebAssembly runs the checks 20 to 60 times slower, and compiling and
// loading a module take time in proportion to its size; docs/RATIONALE.md
// ("Validators") has the measurements. So the module imports nothing but
// os and the list of built-ins: no fmt, encoding/json, reflect, sort or
// strconv.
package main

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/architectos/aos/validators/kinds"
)

func main() { os.Exit(run()) }

func fail(msg ...string) int {
	for _, m := range msg {
		os.Stderr.WriteString(m)
	}
	os.Stderr.WriteString("\n")
	return 1
}

func run() int {
	if len(os.Args) != 2 {
		fail("usage: NAME BUILTIN")
		return 2
	}
	builtin := os.Args[1]
	id := kinds.Index(builtin)
	if id < 0 {
		fail("no built-in validator ", builtin)
		return 2
	}
	req, err := io.ReadAll(os.Stdin)
	if err != nil {
		return fail("read request: ", err.Error())
	}
	// The host decodes the request and checks the config: it returns the
	// config, then the paths this built-in reads, sorted, NUL-separated.
	list, err := hostRequest(id, req)
	if err != nil {
		return fail(err.Error())
	}
	config, paths := next(list)
	config = append([]byte(nil), config...) // the host's buffer is reused
	paths = append([]byte(nil), paths...)
	var out []byte
	buf := make([]byte, 0, 1<<20) // reused: no garbage per file
	for len(paths) > 0 {
		var path []byte
		path, paths = next(paths)
		data, err := readFile("/src/"+string(path), buf)
		if cap(data) > cap(buf) {
			buf = data[:0]
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue // ignored by the manifest, or not a regular file
		}
		if err != nil {
			return fail("read: ", err.Error())
		}
		lines, err := hostCheck(id, path, data, config)
		if err != nil {
			return fail(err.Error())
		}
		out = append(out, lines...)
		if len(out) >= 32<<10 {
			if _, err := os.Stdout.Write(out); err != nil {
				return fail("write: ", err.Error())
			}
			out = out[:0]
		}
	}
	if _, err := os.Stdout.Write(out); err != nil {
		return fail("write: ", err.Error())
	}
	return 0
}

// next splits list at its first NUL byte.
func next(list []byte) (item, rest []byte) {
	for i, c := range list {
		if c == 0 {
			return list[:i], list[i+1:]
		}
	}
	return list, nil
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
