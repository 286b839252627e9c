//go:build race

package eval_test

// raceEnabled is true under the race detector, which slows the exact scans
// of the evaluation tests about tenfold.
const raceEnabled = true
