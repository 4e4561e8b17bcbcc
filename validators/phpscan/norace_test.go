//go:build !race

package phpscan

const raceEnabled = false
