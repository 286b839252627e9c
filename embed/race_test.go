//go:build race

package embed

// raceEnabled is true when tests run under the race detector, which slows
// the exact-scan evaluation about tenfold.
const raceEnabled = true
