//go:build wasip1

package main

import "unsafe"

// check is the host's aos_builtin.check: it runs the built-in with index
// builtin (in kinds.Builtins) over the file path holding data, with the
// validator's config, and writes the findings to out as ABI lines if they
// fit in max bytes. It returns their length; with the high bit set, out
// holds an error message instead (a bad config). 0xffffffff means bad
// arguments.
//
//go:wasmimport aos_builtin check
func check(builtin uint32, path unsafe.Pointer, pathLen uint32, data unsafe.Pointer, dataLen uint32, config unsafe.Pointer, configLen uint32, out unsafe.Pointer, max uint32) uint32

var outBuf = make([]byte, 64<<10)

// hostCheck returns the findings of one file as ABI lines, computed by the
// host, or an error.
func hostCheck(builtin int, path string, data, config []byte) ([]byte, error) {
	for {
		k := check(uint32(builtin), ptr([]byte(path)), uint32(len(path)), ptr(data), uint32(len(data)), ptr(config), uint32(len(config)), unsafe.Pointer(&outBuf[0]), uint32(len(outBuf)))
		if k == 0xffffffff {
			return nil, errorString("aos_builtin.check refused its arguments")
		}
		n := int(k &^ 0x80000000)
		if n > len(outBuf) {
			outBuf = make([]byte, n)
			continue
		}
		if k&0x80000000 != 0 {
			return nil, errorString(outBuf[:n])
		}
		return outBuf[:n], nil
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
