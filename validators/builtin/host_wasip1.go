//go:build wasip1

package main

import "unsafe"

// request is the host's aos_builtin.request: it decodes the ABI request
// req for the built-in with index builtin (in kinds.Builtins), checks its
// api and config, and writes to out, if it fits in max bytes, the config
// followed by the paths the built-in reads (not deleted, of a kind it
// checks), sorted, each preceded by a NUL byte. It returns their length;
// with the high bit set, out holds an error message instead. 0xffffffff
// means bad arguments.
//
//go:wasmimport aos_builtin request
func request(builtin uint32, req unsafe.Pointer, reqLen uint32, out unsafe.Pointer, max uint32) uint32

// check is the host's aos_builtin.check: it runs the built-in with index
// builtin over the file path holding data, with the validator's config,
// and writes the findings to out as ABI lines if they fit in max bytes.
// It returns their length; with the high bit set, out holds an error
// message instead (a bad config). 0xffffffff means bad arguments.
//
//go:wasmimport aos_builtin check
func check(builtin uint32, path unsafe.Pointer, pathLen uint32, data unsafe.Pointer, dataLen uint32, config unsafe.Pointer, configLen uint32, out unsafe.Pointer, max uint32) uint32

var outBuf = make([]byte, 64<<10)

// hostRequest returns the config and the paths to read, computed by the
// host from the request, or an error message. The result is valid until the next
// call to the host.
func hostRequest(builtin int, req []byte) ([]byte, string) {
	return result("request", func() uint32 {
		return request(uint32(builtin), ptr(req), uint32(len(req)), unsafe.Pointer(&outBuf[0]), uint32(len(outBuf)))
	})
}

// hostCheck returns the findings of one file as ABI lines, computed by the
// host, or an error message. The result is valid until the next call to the host.
func hostCheck(builtin int, path, data, config []byte) ([]byte, string) {
	return result("check", func() uint32 {
		return check(uint32(builtin), ptr(path), uint32(len(path)), ptr(data), uint32(len(data)), ptr(config), uint32(len(config)), unsafe.Pointer(&outBuf[0]), uint32(len(outBuf)))
	})
}

// result calls the host function call until its result fits in outBuf.
func result(name string, call func() uint32) ([]byte, string) {
	for {
		k := call()
		if k == 0xffffffff {
			return nil, "aos_builtin." + name + " refused its arguments"
		}
		n := int(k &^ 0x80000000)
		if n > len(outBuf) {
			outBuf = make([]byte, n)
			continue
		}
		if k&0x80000000 != 0 {
			return nil, string(outBuf[:n])
		}
		return outBuf[:n], ""
	}
}

func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}
