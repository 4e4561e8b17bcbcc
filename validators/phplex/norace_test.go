//go:build !race

package phplex

const raceEnabled = false
