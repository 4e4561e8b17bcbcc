//go:build !wasip1

package main

import "errors"

var errHost = errors.New("the built-in checks run only as a WebAssembly module under git-aos")

// hostRequest and hostCheck are offered by the host to the WebAssembly
// build only.
func hostRequest(int, []byte) ([]byte, error)               { return nil, errHost }
func hostCheck(int, []byte, []byte, []byte) ([]byte, error) { return nil, errHost }
