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
// ("Validators") has the measurements. So the module imports no package
// but the list of built-ins, not even os: it calls the few WASI functions
// it needs itself (wasi_wasip1.go), and is little more than the Go
// runtime.
package main

import "github.com/architectos/aos/validators/kinds"

func main() { exit(run()) }

func fail(msg ...string) int {
	for _, m := range msg {
		write(2, []byte(m))
	}
	write(2, []byte("\n"))
	return 1
}

func run() int {
	argv := args()
	if len(argv) != 2 {
		fail("usage: NAME BUILTIN")
		return 2
	}
	builtin := argv[1]
	id := kinds.Index(builtin)
	if id < 0 {
		fail("no built-in validator ", builtin)
		return 2
	}
	req, errno := readAll(0, nil)
	if errno != 0 {
		return fail("read request: ", errnoString(errno))
	}
	// The host decodes the request and checks the config: it returns the
	// config, then the paths this built-in reads, sorted, NUL-separated.
	list, err := hostRequest(id, req)
	if err != "" {
		return fail(err)
	}
	config, paths := next(list)
	config = append([]byte(nil), config...) // the host's buffer is reused
	paths = append([]byte(nil), paths...)
	var src uint32
	if len(paths) > 0 {
		if src, errno = preopen("/src"); errno != 0 {
			return fail("open /src: ", errnoString(errno))
		}
	}
	var out []byte
	buf := make([]byte, 0, 1<<20) // reused: no garbage per file
	for len(paths) > 0 {
		var path []byte
		path, paths = next(paths)
		data, errno := readFile(src, path, buf)
		if cap(data) > cap(buf) {
			buf = data[:0]
		}
		if errno == errnoNoEnt {
			continue // ignored by the manifest, or not a regular file
		}
		if errno != 0 {
			return fail("read /src/", string(path), ": ", errnoString(errno))
		}
		lines, err := hostCheck(id, path, data, config)
		if err != "" {
			return fail(err)
		}
		out = append(out, lines...)
		if len(out) >= 32<<10 {
			if errno := write(1, out); errno != 0 {
				return fail("write: ", errnoString(errno))
			}
			out = out[:0]
		}
	}
	if errno := write(1, out); errno != 0 {
		return fail("write: ", errnoString(errno))
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

// readFile reads the file at path under the directory dir into buf,
// growing it as needed, so that reading many files makes no garbage for
// the guest's collector.
func readFile(dir uint32, path, buf []byte) ([]byte, uint32) {
	fd, errno := open(dir, path)
	if errno != 0 {
		return nil, errno
	}
	data, errno := readAll(fd, buf[:0])
	closeFD(fd)
	return data, errno
}

// readAll appends what fd holds, to its end, to buf.
func readAll(fd uint32, buf []byte) ([]byte, uint32) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, errno := read(fd, buf[len(buf):cap(buf)])
		if errno != 0 {
			return nil, errno
		}
		if n == 0 {
			return buf, 0
		}
		buf = buf[:len(buf)+n]
	}
}

// errnoString names the WASI errors a read can meet.
func errnoString(errno uint32) string {
	switch errno {
	case errnoNoEnt:
		return "no such file or directory"
	case 8:
		return "bad file descriptor"
	case 28:
		return "invalid argument"
	case 29:
		return "input/output error"
	case 31:
		return "is a directory"
	case 54:
		return "not a directory"
	case 63:
		return "permission denied"
	}
	d := []byte("WASI errno ")
	if errno >= 10 {
		d = append(d, byte('0'+errno/10%10))
	}
	return string(append(d, byte('0'+errno%10)))
}
