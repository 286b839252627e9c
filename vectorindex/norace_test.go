//go:build !race

package vectorindex

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
