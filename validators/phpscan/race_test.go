//go:build race

package phpscan

// raceEnabled is set under the race detector, which makes scanning many
// times slower and has nothing to find in this single-threaded package:
// the corpus tests then run themselves again without it.
const raceEnabled = true
