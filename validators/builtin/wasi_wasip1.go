//go:build wasip1

package main

import "unsafe"

// The WASI preview 1 functions the module calls itself, so that it links
// neither os nor syscall.

//go:wasmimport wasi_snapshot_preview1 args_sizes_get
func argsSizesGet(argc, bufLen unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 args_get
func argsGet(argv, buf unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_read
func fdRead(fd uint32, iovs unsafe.Pointer, iovsLen uint32, n unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_write
func fdWrite(fd uint32, iovs unsafe.Pointer, iovsLen uint32, n unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_close
func fdClose(fd uint32) uint32

//go:wasmimport wasi_snapshot_preview1 fd_prestat_get
func fdPrestatGet(fd uint32, prestat unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 fd_prestat_dir_name
func fdPrestatDirName(fd uint32, path unsafe.Pointer, pathLen uint32) uint32

//go:wasmimport wasi_snapshot_preview1 path_open
func pathOpen(dir, dirflags uint32, path unsafe.Pointer, pathLen, oflags uint32, rightsBase, rightsInheriting uint64, fdflags uint32, fd unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 proc_exit
func procExit(code uint32)

const (
	errnoBadF  = 8
	errnoNoEnt = 44
	rightRead  = 1 << 1 // fd_read
)

// iovec is a WASI buffer: a pointer and a length, in 32 bits each.
type iovec struct {
	ptr uint32
	len uint32
}

func iov(b []byte) iovec {
	if len(b) == 0 {
		return iovec{}
	}
	return iovec{uint32(uintptr(unsafe.Pointer(&b[0]))), uint32(len(b))}
}

// args returns the module's arguments.
func args() []string {
	var argc, size uint32
	if argsSizesGet(unsafe.Pointer(&argc), unsafe.Pointer(&size)) != 0 || argc == 0 {
		return nil
	}
	ptrs := make([]uint32, argc)
	buf := make([]byte, size)
	if argsGet(unsafe.Pointer(&ptrs[0]), unsafe.Pointer(&buf[0])) != 0 {
		return nil
	}
	base := uint32(uintptr(unsafe.Pointer(&buf[0])))
	out := make([]string, argc)
	for i, p := range ptrs {
		s := buf[p-base:]
		for j, c := range s {
			if c == 0 {
				s = s[:j]
				break
			}
		}
		out[i] = string(s)
	}
	return out
}

// read reads from fd into b; 0 bytes means its end.
func read(fd uint32, b []byte) (int, uint32) {
	v := iov(b)
	var n uint32
	errno := fdRead(fd, unsafe.Pointer(&v), 1, unsafe.Pointer(&n))
	return int(n), errno
}

// write writes all of b to fd.
func write(fd uint32, b []byte) uint32 {
	for len(b) > 0 {
		v := iov(b)
		var n uint32
		if errno := fdWrite(fd, unsafe.Pointer(&v), 1, unsafe.Pointer(&n)); errno != 0 {
			return errno
		}
		b = b[n:]
	}
	return 0
}

func closeFD(fd uint32) { fdClose(fd) }

func exit(code int) { procExit(uint32(code)) }

// preopen returns the descriptor of the directory the host mounted at
// name: the descriptors from 3 on are the mounts, until one is bad.
func preopen(name string) (uint32, uint32) {
	for fd := uint32(3); ; fd++ {
		var st struct {
			tag     uint32 // 0: a directory; the tag is one byte, then padding
			nameLen uint32
		}
		if errno := fdPrestatGet(fd, unsafe.Pointer(&st)); errno != 0 {
			if errno == errnoBadF {
				return 0, errnoNoEnt
			}
			return 0, errno
		}
		if st.tag&0xff != 0 || st.nameLen != uint32(len(name)) {
			continue
		}
		b := make([]byte, st.nameLen)
		if errno := fdPrestatDirName(fd, unsafe.Pointer(&b[0]), st.nameLen); errno != 0 {
			return 0, errno
		}
		if string(b) == name {
			return fd, 0
		}
	}
}

// open opens path, relative to the directory dir, for reading.
func open(dir uint32, path []byte) (uint32, uint32) {
	if len(path) == 0 {
		return 0, errnoNoEnt
	}
	var fd uint32
	errno := pathOpen(dir, 0, unsafe.Pointer(&path[0]), uint32(len(path)), 0, rightRead, 0, 0, unsafe.Pointer(&fd))
	return fd, errno
}
