//go:build race

package vectorindex

// raceEnabled reports whether the race detector is on; it slows the graph
// code roughly tenfold, so the 100k tests skip under it.
const raceEnabled = true
