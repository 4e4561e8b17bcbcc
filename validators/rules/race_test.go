//go:build race

package rules

// raceEnabled is set when the tests run under the race detector, which
// makes scanning 15 times slower and finds nothing in this package's
// single-threaded code: TestWordPress then runs itself without it.
const raceEnabled = true
