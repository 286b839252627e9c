//go:build race

package lexical

// raceEnabled is true when tests run under the race detector, which slows
// the exact-scan evaluation about tenfold.
const raceEnabled = true
