//go:build !wasip1

package main

import "errors"

// hostCheck is offered by the host to the WebAssembly build only.
func hostCheck(int, string, []byte, []byte) ([]byte, error) {
	return nil, errors.New("the built-in checks run only as a WebAssembly module under git-aos")
}
