//go:build !wasip1

package main

// The host functions and WASI are offered to the WebAssembly build only;
// elsewhere the module stops at once.

const errnoNoEnt = 44

const errHost = "the built-in checks run only as a WebAssembly module under git-aos"

func hostRequest(int, []byte) ([]byte, string)               { return nil, errHost }
func hostCheck(int, []byte, []byte, []byte) ([]byte, string) { return nil, errHost }

func args() []string                    { return []string{"builtin", "text"} }
func read(uint32, []byte) (int, uint32) { return 0, 0 }
func write(uint32, []byte) uint32       { return 0 }
func closeFD(uint32)                    {}
func exit(int)                          { panic(errHost) }
func preopen(string) (uint32, uint32)   { return 0, errnoNoEnt }
func open(uint32, []byte) (uint32, uint32) {
	return 0, errnoNoEnt
}
