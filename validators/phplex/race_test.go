//go:build race

package phplex

// raceEnabled is set under the race detector, which makes tokenizing five
// times slower and has nothing to find in this single-threaded package:
// the corpus test then runs itself again without it.
const raceEnabled = true
